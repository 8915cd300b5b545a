"""The command line of cli.md, driven as other programs drive it: subprocesses, JSON, exit codes."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from domain import idnum

ROOT = Path(__file__).resolve().parent.parent


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    full_env = {k: v for k, v in os.environ.items() if k != "YANZHAO_HOME"} | (env or {})
    return subprocess.run(
        [sys.executable, str(ROOT / "main.py"), *args],
        capture_output=True,
        text=True,
        timeout=120,
        env=full_env,
        cwd=ROOT,
    )


EXIT = {"valid": 0, "warning": 1, "invalid": 2}


def _args(case: dict[str, Any], home: Path) -> list[str]:
    ctx = case.get("context", {})
    target = home / ctx["home"] if "home" in ctx else home
    args = ["verify", "--home", str(target), "--payload", case["payload"], "--json"]
    for opt, key in (
        ("--institution", "institution"),
        ("--id-number", "id_number"),
        ("--at", "at"),
    ):
        if key in ctx:
            args += [opt, ctx[key]]
    return args


def test_verify_json_and_exit_status_for_a_sample_of_cases(
    demo_world: Path, demo_cases: list[dict[str, Any]]
) -> None:
    wanted = {
        "valid": 0,
        "SUPERSEDED": 0,
        "NO_REPLICA": 0,
        "BAD_FORMAT": 0,
        "KEY_REVOKED": 0,
        "FILED": 0,
    }
    for case in demo_cases:
        key = case["codes"][0] if case["codes"] else "valid"
        if key not in wanted or wanted[key]:
            continue
        wanted[key] = 1
        proc = run(*_args(case, demo_world))
        assert proc.returncode == EXIT[case["expect"]], (case["label"], proc.stderr)
        doc = json.loads(proc.stdout)
        assert set(doc) == {"verdict", "reasons", "credential", "registry", "key"}
        assert doc["verdict"] == case["expect"]
        assert [r["code"] for r in doc["reasons"]] == case["codes"]
        if key == "BAD_FORMAT":
            assert doc["credential"] is None and doc["key"] is None and doc["registry"] is None
        if key == "valid":
            assert doc["registry"]["status"] == "active"
            assert doc["key"]["authority"] == doc["credential"]["iss"]
            assert "*" in doc["registry"]["id_number"]
        if key == "NO_REPLICA":
            assert doc["registry"] is None
    assert all(wanted.values())


def test_verify_image(demo_world: Path, demo_cases: list[dict[str, Any]]) -> None:
    case = demo_cases[1]
    proc = run(
        "verify", "--home", str(demo_world), "--image", str(demo_world / case["image"]), "--json"
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["verdict"] == "valid"


def test_verify_image_without_code_exits_3(demo_world: Path, tmp_path: Path) -> None:
    import cv2
    import numpy as np

    blank = tmp_path / "blank.png"
    cv2.imwrite(str(blank), np.full((200, 200), 255, np.uint8))
    proc = run("verify", "--home", str(demo_world), "--image", str(blank))
    assert proc.returncode == 3
    assert "Traceback" not in proc.stderr and proc.stderr.strip()


def test_verify_without_home_exits_3(tmp_path: Path) -> None:
    proc = run("verify", "--home", str(tmp_path / "nowhere"), "--payload", "YZ1:x")
    assert proc.returncode == 3
    assert "init" in proc.stderr and "Traceback" not in proc.stderr


@pytest.mark.parametrize(
    "args",
    [
        ["verify"],
        ["verify", "--payload", "x", "--image", "y"],
        ["lookup"],
        ["frobnicate"],
        ["verify", "--payload", "x", "--at", "yesterday"],
    ],
)
def test_wrong_usage_exits_64(args: list[str], demo_world: Path) -> None:
    proc = run(*args, "--home", str(demo_world)) if args[0] != "frobnicate" else run(*args)
    assert proc.returncode == 64, proc.stderr
    assert "Traceback" not in proc.stderr


def test_home_option_before_or_after_and_environment(demo_world: Path) -> None:
    before = run("--home", str(demo_world), "status", "--json")
    after = run("status", "--json", "--home", str(demo_world))
    env = run("status", "--json", env={"YANZHAO_HOME": str(demo_world)})
    assert before.returncode == after.returncode == env.returncode == 0
    docs = [json.loads(p.stdout) for p in (before, after, env)]
    assert (
        docs[0]["replica"]["sequence"]
        == docs[1]["replica"]["sequence"]
        == docs[2]["replica"]["sequence"]
        == 1
    )
    assert docs[0]["trust_list"]["sequence"] == 1
    assert docs[0]["replica"]["counts"]["physicians"]["active"] > 0
    assert docs[0]["replica"]["stale"] is False


def _holder(demo_world: Path) -> dict[str, Any]:
    line = (
        (demo_world / "demo" / "export" / "practitioners.ndjson").open(encoding="utf-8").readline()
    )
    person: dict[str, Any] = json.loads(line)
    return person


def test_lookup_by_id_number_masks_it(demo_world: Path) -> None:
    person = _holder(demo_world)
    proc = run(
        "lookup", "--home", str(demo_world), "--id-number", person["id_number"].lower(), "--json"
    )
    assert proc.returncode == 0, proc.stderr
    results = json.loads(proc.stdout)["results"]
    assert [r["cert_no"] for r in results] == [person["cert_no"]]
    assert results[0]["id_number"] == idnum.mask(person["id_number"])
    assert person["id_number"] not in proc.stdout


def test_lookup_by_cert_no_and_name(demo_world: Path) -> None:
    person = _holder(demo_world)
    by_cert = run("lookup", "--home", str(demo_world), "--cert-no", person["cert_no"], "--json")
    assert json.loads(by_cert.stdout)["results"][0]["name"] == person["name"]
    by_name = run("lookup", "--home", str(demo_world), "--name", person["name"], "--json")
    assert person["cert_no"] in {r["cert_no"] for r in json.loads(by_name.stdout)["results"]}


def test_lookup_two_character_name(demo_world: Path) -> None:
    rows = [
        json.loads(x)
        for x in (demo_world / "demo" / "export" / "practitioners.ndjson").open(encoding="utf-8")
    ]
    short = next(r for r in rows if len(r["name"]) == 2)
    proc = run("lookup", "--home", str(demo_world), "--name", short["name"], "--json")
    assert short["cert_no"] in {r["cert_no"] for r in json.loads(proc.stdout)["results"]}


def test_lookup_bad_check_character_exits_64(demo_world: Path) -> None:
    person = _holder(demo_world)
    good = person["id_number"]
    wrong = good[:17] + ("0" if good[17] != "0" else "1")
    proc = run("lookup", "--home", str(demo_world), "--id-number", wrong)
    assert proc.returncode == 64
    assert "校验位" in proc.stderr and "check character" in proc.stderr


def test_lookup_nothing_found_exits_1(demo_world: Path) -> None:
    proc = run("lookup", "--home", str(demo_world), "--cert-no", "NO-SUCH-CERT", "--json")
    assert proc.returncode == 1
    assert json.loads(proc.stdout) == {"results": []}


def test_every_lookup_and_verify_is_audited_without_clear_ids(demo_copy: Path) -> None:
    person = _holder(demo_copy)
    run("lookup", "--home", str(demo_copy), "--id-number", person["id_number"])
    run("verify", "--home", str(demo_copy), "--payload", "YZ1:garbage")
    with sqlite3.connect(demo_copy / "kiosk.db") as conn:
        rows = conn.execute("SELECT action, subject, outcome FROM audit_entry").fetchall()
    actions = [r[0] for r in rows]
    assert "lookup" in actions and "verify" in actions
    assert all(person["id_number"] not in " ".join(map(str, r)) for r in rows)


def test_init_pins_roots_and_refuses_bad_keys(tmp_path: Path, demo_world: Path) -> None:
    keys = demo_world / "demo" / "keys"
    root = str(keys / "root.pub.pem")
    proc = run(
        "init", "--home", str(tmp_path / "h"), "--root-key", root, "--jurisdiction", "410000"
    )
    assert proc.returncode == 0, proc.stderr
    assert len(list((tmp_path / "h" / "roots").glob("*.pem"))) == 1
    bad = tmp_path / "bad.pem"
    bad.write_text("not a key")
    proc = run(
        "init", "--home", str(tmp_path / "h2"), "--root-key", str(bad), "--jurisdiction", "410000"
    )
    assert proc.returncode != 0 and "Traceback" not in proc.stderr
    es = run(
        "init",
        "--home",
        str(tmp_path / "h3"),
        "--root-key",
        str(keys / "issuer-nanyang.pub.pem"),
        "--jurisdiction",
        "410000",
    )
    assert es.returncode != 0 and "Ed25519" in es.stderr


def test_init_needs_a_jurisdiction_and_keeps_the_one_it_pinned(
    tmp_path: Path, demo_world: Path
) -> None:
    root = str(demo_world / "demo" / "keys" / "root.pub.pem")
    home = str(tmp_path / "h")
    assert run("init", "--home", home, "--root-key", root).returncode == 64
    for bad in ("41000", "４１００００", "41000a", "4100000"):
        proc = run("init", "--home", home, "--root-key", root, "--jurisdiction", bad)
        assert proc.returncode == 2 and "Traceback" not in proc.stderr, bad
    assert (
        run("init", "--home", home, "--root-key", root, "--jurisdiction", "410000").returncode == 0
    )
    other = run("init", "--home", home, "--root-key", root, "--jurisdiction", "420000")
    assert other.returncode == 2 and "410000" in other.stderr
    assert json.loads((tmp_path / "h" / "home.json").read_text()) == {"jurisdiction": "410000"}


def test_enrol_installs_the_id_key_readable_by_its_owner_only(
    tmp_path: Path, demo_world: Path
) -> None:
    keys = demo_world / "demo" / "keys"
    home = tmp_path / "h"
    root = str(keys / "root.pub.pem")
    run("init", "--home", str(home), "--root-key", root, "--jurisdiction", "410000")
    short = tmp_path / "short.key"
    short.write_bytes(b"x" * 31)
    proc = run("enrol", "--home", str(home), "--id-key", str(short))
    assert proc.returncode == 2 and "32" in proc.stderr and not (home / "id-index.key").exists()
    proc = run("enrol", "--home", str(home), "--id-key", str(keys / "id-index.key"))
    assert proc.returncode == 0, proc.stderr
    assert (home / "id-index.key").read_bytes() == (keys / "id-index.key").read_bytes()
    assert (home / "id-index.key").stat().st_mode & 0o077 == 0


def test_an_unenrolled_kiosk_cannot_look_up_or_check_id_numbers(
    demo_copy: Path, demo_cases: list[dict[str, Any]]
) -> None:
    """cli.md: without the ID-index key, lookup --id-number exits 3 saying so, and a typed ID
    number given to verify gives ID_UNCHECKED; everything else still works."""
    (demo_copy / "id-index.key").unlink()
    person = _holder(demo_copy)
    proc = run("lookup", "--home", str(demo_copy), "--id-number", person["id_number"], "--json")
    assert proc.returncode == 3 and "enrol" in proc.stderr and "Traceback" not in proc.stderr
    case = next(c for c in demo_cases if c["label"].startswith("身份证号不符"))
    proc = run(*_args(case, demo_copy))
    assert proc.returncode == 1, proc.stderr
    assert [r["code"] for r in json.loads(proc.stdout)["reasons"]] == ["ID_UNCHECKED"]
    proc = run("lookup", "--home", str(demo_copy), "--cert-no", person["cert_no"], "--json")
    assert proc.returncode == 0
    proc = run(
        "enrol",
        "--home",
        str(demo_copy),
        "--id-key",
        str(demo_copy / "demo" / "keys" / "id-index.key"),
    )
    assert proc.returncode == 0
    proc = run("lookup", "--home", str(demo_copy), "--id-number", person["id_number"], "--json")
    assert proc.returncode == 0 and json.loads(proc.stdout)["results"]


def test_full_width_digits_in_a_typed_id_number_are_the_same_number(demo_world: Path) -> None:
    person = _holder(demo_world)
    typed = "".join(chr(0xFF10 + int(c)) if c.isdigit() else "ｘ" for c in person["id_number"])
    proc = run("lookup", "--home", str(demo_world), "--id-number", typed, "--json")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["results"][0]["cert_no"] == person["cert_no"]
    wrong = typed[:-1] + ("０" if typed[-1] != "０" else "１")
    proc = run("lookup", "--home", str(demo_world), "--id-number", wrong)
    assert proc.returncode == 64 and "Traceback" not in proc.stderr
    assert person["id_number"][6:14] not in proc.stderr + proc.stdout


@pytest.mark.parametrize("name", ["", "   ", "王" * 51, "王\x1b[2J"])
def test_a_name_search_needs_a_name_and_is_bounded(demo_world: Path, name: str) -> None:
    proc = run("lookup", "--home", str(demo_world), "--name", name, "--json")
    assert proc.returncode == 64 and "Traceback" not in proc.stderr
    assert proc.stdout == ""


def test_a_name_search_returns_a_bounded_page(demo_world: Path) -> None:
    proc = run("lookup", "--home", str(demo_world), "--name", "王", "--json")
    assert proc.returncode == 0
    assert 0 < len(json.loads(proc.stdout)["results"]) <= 20


def test_a_trusted_credential_with_a_time_past_year_9999_is_bad_format(
    demo_world: Path, demo_cases: list[dict[str, Any]]
) -> None:
    """A QR signed by a trusted issuer whose iat or exp a datetime cannot hold: invalid with
    BAD_FORMAT and exit 2 (it was a traceback with exit 1, which means "warning")."""
    from wire import codec
    from wire.claims import licence_to_map
    from wire.keys import read_private

    lic = codec.decode(demo_cases[0]["payload"]).licence
    key = read_private(demo_world / "demo" / "keys" / "issuer-henan.pem")
    for iat, exp in ((253402300800, None), (1_700_000_000, 2**64 - 1), (2**100, None)):
        payload = codec.encode(licence_to_map(lic), key, iss="410000", iat=iat, exp=exp)
        proc = run("verify", "--home", str(demo_world), "--payload", payload, "--json")
        assert proc.returncode == 2 and "Traceback" not in proc.stderr, (iat, exp)
        doc = json.loads(proc.stdout)
        assert [r["code"] for r in doc["reasons"]] == ["BAD_FORMAT"]


def test_status_of_an_uninitialised_home_exits_3(tmp_path: Path) -> None:
    proc = run("status", "--home", str(tmp_path))
    assert proc.returncode == 3


def test_demo_command_builds_once_then_reuses(tmp_path: Path) -> None:
    """`make run` calls `demo --if-missing`: the first call builds, the second reuses."""
    home = tmp_path / "demo-home"
    first = run("demo", "--home", str(home), "--if-missing", "--practitioners", "2000")
    assert first.returncode == 0, first.stderr
    assert "demo world built" in first.stdout
    assert (home / "demo" / "credentials.ndjson").exists()
    second = run("demo", "--home", str(home), "--if-missing")
    assert second.returncode == 0 and "ready" in second.stdout
    status = json.loads(run("status", "--home", str(home), "--json").stdout)
    assert status["replica"]["sequence"] == 1


def test_demo_refuses_to_overwrite_a_real_home(tmp_path: Path, demo_world: Path) -> None:
    home = tmp_path / "real"
    home.mkdir()
    (home / "kiosk.db").write_bytes(b"precious")
    proc = run("demo", "--home", str(home))
    assert proc.returncode != 0 and "Traceback" not in proc.stderr
    assert (home / "kiosk.db").read_bytes() == b"precious"


def _case(demo_cases: list[dict[str, Any]], code: str) -> dict[str, Any]:
    return next(c for c in demo_cases if c["codes"] == [code])


def test_verify_json_names_the_key_the_credential_and_the_record(
    demo_world: Path, demo_cases: list[dict[str, Any]]
) -> None:
    from wire import codec

    valid = demo_cases[0]
    lic = codec.decode(valid["payload"]).licence
    proc = run(*_args(valid, demo_world))
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert {k: doc["credential"][k] for k in ("type", "no", "name")} == {
        "type": "P",
        "no": lic.no,
        "name": lic.name,
    }
    trust = json.loads((demo_world / "demo" / "trustlist.json").read_bytes())
    henan = [k["kid"] for k in trust["keys"] if k["authority_name"] == "河南省卫生健康委员会"]
    assert doc["key"]["authority"] == "410000" and doc["key"]["kid"] in henan
    assert doc["registry"]["status"] == "active" and isinstance(doc["registry"]["version"], int)


@pytest.mark.parametrize(
    ("code", "null"),
    [("UNKNOWN_KEY", "key"), ("NOT_IN_REGISTRY", "registry"), ("NO_REPLICA", "registry")],
)
def test_verify_json_says_null_for_what_it_could_not_find(
    code: str, null: str, demo_world: Path, demo_cases: list[dict[str, Any]]
) -> None:
    case = _case(demo_cases, code)
    proc = run(*_args(case, demo_world))
    assert proc.returncode == EXIT[case["expect"]], proc.stderr
    doc = json.loads(proc.stdout)
    assert doc[null] is None
    assert doc["credential"] is not None  # it decoded: only the key or the record is missing
    if null == "registry":
        assert doc["key"] is not None


def test_verify_with_an_unreadable_replica_exits_3(
    demo_copy: Path, demo_cases: list[dict[str, Any]]
) -> None:
    from db import store

    path = store.current(demo_copy / "replica")
    assert path is not None
    path.write_bytes(b"not a database " * 1000)
    proc = run(*_args(demo_cases[0], demo_copy))
    assert proc.returncode == 3, (proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr and proc.stderr.strip()


def test_status_json(demo_world: Path, tmp_path: Path) -> None:
    proc = run("status", "--home", str(demo_world), "--json")
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    replica = doc["replica"]
    assert replica["sequence"] == 1 and replica["jurisdiction"] == "410000"
    assert replica["built_at"] and replica["exported_at"]
    assert replica["age_seconds"] >= 0 and replica["stale"] is False
    assert replica["counts"]["physicians"]["active"] > 0
    assert doc["trust_list"]["sequence"] == 1 and doc["trust_list"]["keys"] == 6
    # an initialised home that has not synced yet: nothing to show, but no error
    keys = demo_world / "demo" / "keys"
    assert (
        run(
            "init",
            "--home",
            str(tmp_path / "h"),
            "--root-key",
            str(keys / "root.pub.pem"),
            "--jurisdiction",
            "410000",
        ).returncode
        == 0
    )
    empty = run("status", "--home", str(tmp_path / "h"), "--json")
    assert empty.returncode == 0, empty.stderr
    assert json.loads(empty.stdout) | {"home": None} == {
        "home": None,
        "replica": None,
        "trust_list": None,
    }


def test_init_pins_several_roots(tmp_path: Path, demo_world: Path) -> None:
    keys = demo_world / "demo" / "keys"
    proc = run(
        "init",
        "--home",
        str(tmp_path / "h"),
        "--root-key",
        str(keys / "root.pub.pem"),
        "--root-key",
        str(keys / "issuer-henan.pub.pem"),  # any Ed25519 public key can be pinned as a root
        "--jurisdiction",
        "410000",
    )
    assert proc.returncode == 0, proc.stderr
    assert len(list((tmp_path / "h" / "roots").glob("*.pem"))) == 2


def test_every_reason_carries_its_class(demo_world: Path, demo_cases: list[dict[str, Any]]) -> None:
    """cli.md: each reason is {"code", "class", "message"}, class invalid, warning or info."""
    from kiosk.messages import reason_class

    for code in ("FILED", "SUPERSEDED"):
        case = next(c for c in demo_cases if c["codes"] == [code])
        doc = json.loads(run(*_args(case, demo_world)).stdout)
        assert [set(r) for r in doc["reasons"]] == [{"code", "class", "message"}]
        assert doc["reasons"][0]["class"] == reason_class(code).value


def _id_of(demo_world: Path, cert_no: str) -> str:
    """The ID number the demo export holds for a certificate (the export is the registry's,
    so it holds numbers in clear; the kiosk's home never does)."""
    export = demo_world / "demo" / "export" / "practitioners.ndjson"
    for line in export.open(encoding="utf-8"):
        rec = json.loads(line)
        if rec["cert_no"] == cert_no:
            return str(rec["id_number"])
    raise LookupError(cert_no)


def _check(home: Path, id_number: str, *more: str) -> subprocess.CompletedProcess[str]:
    return run("check", "--home", str(home), "--id-number", id_number, "--json", *more)


@pytest.mark.parametrize(
    "label",
    ["有效医师（河南省卫健委", "护士注册已过期 EXPIRED", "已注销 CANCELLED", "已备案（"],
)
def test_check_by_id_number_gives_the_verdict_a_scan_of_the_licence_gives(
    demo_world: Path, demo_cases: list[dict[str, Any]], label: str
) -> None:
    """The issue's first story: a nurse whose registration ended, found by ID number, is not
    'active' but EXPIRED, exactly as a scan of her licence says."""
    case = next(c for c in demo_cases if c["label"].startswith(label))
    scanned = json.loads(run(*_args(case, demo_world)).stdout)
    id18 = _id_of(demo_world, scanned["credential"]["no"])
    proc = _check(demo_world, id18)
    assert proc.returncode == EXIT[case["expect"]], proc.stderr
    doc = json.loads(proc.stdout)
    assert set(doc) == {"verdict", "reasons", "results"} and doc["reasons"] == []
    assert doc["verdict"] == case["expect"]
    (result,) = doc["results"]
    assert set(result) == {"verdict", "reasons", "registry"}
    assert [r["code"] for r in result["reasons"]] == case["codes"]
    assert all(r["class"] in ("invalid", "warning", "info") for r in result["reasons"])
    assert result["registry"]["cert_no"] == scanned["credential"]["no"]
    assert id18 not in proc.stdout and result["registry"]["id_number"] == idnum.mask(id18)


def test_check_with_the_inspected_institution(
    demo_world: Path, demo_cases: list[dict[str, Any]]
) -> None:
    """The inspected institution is context, as for a scan: registered by a filing there is
    valid; elsewhere is NOT_REGISTERED_HERE; a suspended one is INSPECTED_INSTITUTION_INVALID."""
    for label in ("多机构执业备案处检查", "非本机构人员", "被检查机构停业"):
        case = next(c for c in demo_cases if c["label"].startswith(label))
        scanned = json.loads(run(*_args(case, demo_world)).stdout)
        id18 = _id_of(demo_world, scanned["credential"]["no"])
        proc = _check(demo_world, id18, "--institution", case["context"]["institution"])
        doc = json.loads(proc.stdout)
        assert proc.returncode == EXIT[case["expect"]], (label, proc.stderr)
        assert [r["code"] for r in doc["results"][0]["reasons"]] == case["codes"], label


def test_check_of_a_number_the_replica_does_not_hold(demo_world: Path) -> None:
    body = "41010219800101999"
    proc = _check(demo_world, body + idnum.check_char(body))
    assert proc.returncode == 2, proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["verdict"] == "invalid" and doc["results"] == []
    assert [r["code"] for r in doc["reasons"]] == ["NOT_IN_REGISTRY"]
    assert doc["reasons"][0]["class"] == "invalid"


def test_check_of_a_number_the_replica_does_not_hold_names_an_expired_replica(
    demo_world: Path,
) -> None:
    body = "41010219800101999"
    proc = _check(demo_world, body + idnum.check_char(body), "--at", "2099-01-01T00:00:00Z")
    codes = [r["code"] for r in json.loads(proc.stdout)["reasons"]]
    assert proc.returncode == 2 and codes == ["NOT_IN_REGISTRY", "REPLICA_EXPIRED"]


@pytest.mark.parametrize(
    ("args", "status"),
    [
        (["--id-number", "410102198001019990"], 64),  # wrong check character
        (["--id-number", "410102198001019991", "--at", "yesterday"], 64),
        (["--id-number", "410102198001019991", "--institution", "x" * 101], 64),
        ([], 64),
    ],
)
def test_check_wrong_usage(demo_world: Path, args: list[str], status: int) -> None:
    proc = run("check", "--home", str(demo_world), *args)
    assert proc.returncode == status and "Traceback" not in proc.stderr
    assert proc.stdout == ""


def test_check_on_an_unenrolled_kiosk_exits_3_and_is_audited_masked(demo_copy: Path) -> None:
    person = _holder(demo_copy)
    proc = _check(demo_copy, person["id_number"])
    assert proc.returncode == 0, proc.stderr
    with sqlite3.connect(demo_copy / "kiosk.db") as db:
        last = db.execute(
            "SELECT action, subject, outcome FROM audit_entry WHERE action = 'check' "
            "ORDER BY id DESC LIMIT 1"
        ).fetchone()
    assert last == ("check", idnum.mask(person["id_number"]), "valid")
    (demo_copy / "id-index.key").unlink()
    proc = _check(demo_copy, person["id_number"])
    assert proc.returncode == 3 and "enrol" in proc.stderr and proc.stdout == ""


def test_lookup_institution_by_registration_number_and_by_name(demo_world: Path) -> None:
    export = demo_world / "demo" / "export" / "institutions.ndjson"
    inst = json.loads(export.open(encoding="utf-8").readline())
    proc = run("lookup", "--home", str(demo_world), "--institution", inst["reg_no"], "--json")
    assert proc.returncode == 0, proc.stderr
    (found,) = json.loads(proc.stdout)["results"]
    assert (found["reg_no"], found["name"], found["status"]) == (
        inst["reg_no"],
        inst["name"],
        inst["status"],
    )
    proc = run("lookup", "--home", str(demo_world), "--institution", inst["name"][:3], "--json")
    names = [r["name"] for r in json.loads(proc.stdout)["results"]]
    assert inst["name"] in names and all(inst["name"][:3] in n for n in names)
    proc = run("lookup", "--home", str(demo_world), "--institution", "不存在的机构")
    assert proc.returncode == 1 and "nothing found" in proc.stdout
    proc = run("lookup", "--home", str(demo_world), "--institution", "医院\x1b[2J")
    assert proc.returncode == 64 and "Traceback" not in proc.stderr


def test_every_demo_check_by_id_number_gives_its_verdict_through_the_cli(
    demo_world: Path,
) -> None:
    """demo/id-checks.ndjson is the guide's list of checks by ID number; each holds."""
    lines = (demo_world / "demo" / "id-checks.ndjson").read_text("utf-8").splitlines()
    checks = [json.loads(line) for line in lines]
    assert {c["expect"] for c in checks} == {"valid", "invalid"}
    assert {"EXPIRED", "EXPIRES_SOON", "NOT_IN_REGISTRY", "NOT_REGISTERED_HERE"} <= {
        code for c in checks for code in c["codes"]
    }
    for c in checks:
        more = ["--institution", c["context"]["institution"]] if "context" in c else []
        proc = _check(demo_world, c["id_number"], *more)
        assert proc.returncode == EXIT[c["expect"]], (c["label"], proc.stderr)
        doc = json.loads(proc.stdout)
        codes = [r["code"] for r in doc["reasons"]]
        codes += [r["code"] for res in doc["results"] for r in res["reasons"]]
        assert codes == c["codes"], c["label"]
