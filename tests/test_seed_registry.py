"""Tests for the synthetic registry generator (seed.registry) and its mutation (seed.mutate)."""

from __future__ import annotations

import datetime as dt
import json
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest

from domain.idnum import is_valid
from seed import photos
from seed.divisions import load as load_divisions
from seed.mutate import main as mutate_main
from seed.mutate import next_export
from seed.registry import generate, main, org_check

DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
MONTH = re.compile(r"\d{4}-(0[1-9]|1[0-2])")
CODE = re.compile(r"\d{6}")
NO = re.compile(r"[\x21-\x7e]{1,40}")
REG_NO = re.compile(r"[0-9A-Z]{8}[0-9X]\d{8}[A-Q]\d{3}[129]")
EXPORTED_AT = "2026-11-21T23:00:00+08:00"
TODAY = dt.date(2026, 11, 21)
DIVISIONS = load_divisions()


def rows(path: Path) -> list[dict[str, Any]]:
    """All records of an NDJSON file."""
    return [json.loads(line) for line in path.read_text("utf-8").splitlines()]


@pytest.fixture(scope="module")
def export(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 2,000-practitioner national export with photos."""
    out = tmp_path_factory.mktemp("export")
    generate(out, seed=7, practitioners=2000, exported_at=EXPORTED_AT)
    return out


@pytest.fixture(scope="module")
def people(export: Path) -> list[dict[str, Any]]:
    """The practitioner records of `export`."""
    return rows(export / "practitioners.ndjson")


@pytest.fixture(scope="module")
def institutions(export: Path) -> list[dict[str, Any]]:
    """The institution records of `export`."""
    return rows(export / "institutions.ndjson")


def files(folder: Path) -> dict[str, bytes]:
    """Every file under a folder, by relative path."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def test_same_seed_same_bytes_different_seed_differs(tmp_path: Path) -> None:
    """Generation is deterministic by seed."""
    for name, seed in (("a", 3), ("b", 3), ("c", 4)):
        generate(tmp_path / name, seed=seed, practitioners=400, photo_fraction=0.5)
    a, b, c = (files(tmp_path / n) for n in "abc")
    assert a == b
    assert a["practitioners.ndjson"] != c["practitioners.ndjson"]


def test_meta(export: Path) -> None:
    """meta.json carries sequence, exported_at and jurisdiction."""
    meta = json.loads((export / "meta.json").read_text("utf-8"))
    assert meta == {"sequence": 1, "exported_at": EXPORTED_AT, "jurisdiction": "000000"}


def test_id_numbers_valid_and_consistent(people: list[dict[str, Any]]) -> None:
    """Every ID number is valid, unique, agrees with sex and birth month, gives an age 22-70."""
    assert len({p["id_number"] for p in people}) == len(people)
    for p in people:
        idn = p["id_number"]
        assert is_valid(idn), idn
        assert int(idn[16]) % 2 == (1 if p["sex"] == "M" else 0)
        assert f"{idn[6:10]}-{idn[10:12]}" == p["birth_month"]
        born = dt.date(int(idn[6:10]), int(idn[10:12]), int(idn[12:14]))
        age = TODAY.year - born.year - ((TODAY.month, TODAY.day) < (born.month, born.day))
        assert 22 <= age <= 70


def test_numbers_unique_and_well_formed(
    people: list[dict[str, Any]], institutions: list[dict[str, Any]]
) -> None:
    """cert_no unique per kind (15 / 12 digits), reg_no unique with a valid GB 11714 check."""
    for kind, length in (("physician", 15), ("nurse", 12)):
        certs = [p["cert_no"] for p in people if p["kind"] == kind]
        assert len(certs) == len(set(certs))
        assert all(len(c) == length and c.isdigit() for c in certs)
    regs = [i["reg_no"] for i in institutions]
    assert len(regs) == len(set(regs))
    for r in regs:
        assert REG_NO.fullmatch(r), r
        assert org_check(r[:8]) == r[8]
        assert r[9:15] == next(i["region"] for i in institutions if i["reg_no"] == r)


def test_filings_reference_present_records(
    export: Path, people: list[dict[str, Any]], institutions: list[dict[str, Any]]
) -> None:
    """Each filing names a present practitioner and another present institution, once."""
    main_of = {(p["kind"], p["cert_no"]): p["institution"] for p in people}
    regs = {i["reg_no"] for i in institutions}
    filings = rows(export / "filings.ndjson")
    assert 0.05 * len(people) < len(filings) < 0.2 * len(people)
    keys = [(f["kind"], f["cert_no"], f["institution"]) for f in filings]
    assert len(keys) == len(set(keys))
    for f in filings:
        assert main_of[(f["kind"], f["cert_no"])] != f["institution"]
        assert f["institution"] in regs
        assert DATE.fullmatch(f["filed_on"])
        assert f.get("valid_until") is None or DATE.fullmatch(f["valid_until"])
        assert f.get("scope") is None or all(isinstance(s, str) for s in f["scope"])
    assert all(p["institution"] in regs for p in people)


def _text(r: dict[str, Any], k: str) -> None:
    assert isinstance(r[k], str) and r[k].strip(), k


def test_institution_fields(institutions: list[dict[str, Any]]) -> None:
    """Institution lines carry the spec's fields with the spec's types."""
    for r in institutions:
        for k in ("name", "category", "address", "principal", "authority_name"):
            _text(r, k)
        assert r.get("legal_rep") is None or isinstance(r["legal_rep"], str)
        assert NO.fullmatch(r["reg_no"]) and CODE.fullmatch(r["region"])
        assert CODE.fullmatch(r["authority"]) and r["authority"][:2] == r["region"][:2]
        assert r["subjects"] and all(isinstance(s, str) for s in r["subjects"])
        for k in ("valid_from", "valid_until", "issued_on"):
            assert DATE.fullmatch(r[k])
        assert r["valid_from"] < r["valid_until"]
        assert r["status"] in ("active", "suspended", "cancelled")
        assert type(r["version"]) is int and r["version"] >= 1
        assert r["authority_name"] == DIVISIONS.authority_name(r["authority"])


def test_authority_names_are_the_seeds_where_they_give_one() -> None:
    """Nanyang's commission signs as 南阳市卫生健康体育委员会 (宛卫〔2023〕107号); others keep the
    default "<division>卫生健康委员会"."""
    assert DIVISIONS.authority_name("411300") == "南阳市卫生健康体育委员会"
    assert DIVISIONS.authority_name("410000") == "河南省卫生健康委员会"
    assert DIVISIONS.authority_name("411303") == "南阳市卧龙区卫生健康委员会"
    assert DIVISIONS.authority_name("410423") == "鲁山县卫生健康委员会"


def test_practitioner_fields(people: list[dict[str, Any]], export: Path) -> None:
    """Practitioner lines carry the spec's fields with the spec's types."""
    for r in people:
        assert r["kind"] in ("physician", "nurse")
        for k in ("name", "location", "authority_name"):
            _text(r, k)
        assert r["sex"] in ("M", "F") and MONTH.fullmatch(r["birth_month"])
        assert NO.fullmatch(r["cert_no"]) and NO.fullmatch(r["institution"])
        assert CODE.fullmatch(r["authority"]) and DATE.fullmatch(r["issued_on"])
        assert r["status"] in ("active", "filed", "cancelled", "suspended")
        assert type(r["version"]) is int and r["version"] >= 1
        assert r.get("title") is None or isinstance(r["title"], str)
        if r["kind"] == "physician":
            assert r["level"] in ("执业医师", "执业助理医师")
            assert r["category"] in ("临床", "中医", "口腔", "公共卫生")
            assert 1 <= len(r["scope"]) <= 3 and len(set(r["scope"])) == len(r["scope"])
            if r["level"] == "执业助理医师":
                assert r.get("title") in (None, "医士", "医师", "中医士", "中医师")
        else:
            assert DATE.fullmatch(r["valid_until"]) and "level" not in r
        if r.get("photo") is not None:
            assert (export / r["photo"]).is_file()


def test_status_mixes(people: list[dict[str, Any]], institutions: list[dict[str, Any]]) -> None:
    """Realistic mixes: mostly active, every other status present, lapsed and expired ones."""
    ps = Counter(p["status"] for p in people)
    assert set(ps) == {"active", "filed", "cancelled", "suspended"}
    assert ps["active"] > 0.85 * len(people)
    today = TODAY.isoformat()
    assert any(
        p["kind"] == "nurse" and p["status"] == "active" and p["valid_until"] < today
        for p in people
    )
    inst = Counter(i["status"] for i in institutions)
    assert set(inst) == {"active", "suspended", "cancelled"}
    assert any(i["status"] == "active" and i["valid_until"] < today for i in institutions)
    assert any(p["version"] > 1 for p in people)
    kinds = Counter(p["kind"] for p in people)
    assert 0.4 < kinds["physician"] / len(people) < 0.52
    nurses = [p for p in people if p["kind"] == "nurse"]
    assert sum(p["sex"] == "F" for p in nurses) > 0.93 * len(nurses)
    cats = Counter(p["category"] for p in people if p["kind"] == "physician")
    assert cats.most_common(1)[0][0] == "临床" and set(cats) == {"临床", "中医", "口腔", "公共卫生"}


def test_name_lengths(people: list[dict[str, Any]]) -> None:
    """Names of 2, 3 and 4 characters occur, 3 the commonest."""
    lengths = Counter(len(p["name"]) for p in people)
    assert {2, 3, 4} <= set(lengths) and lengths.most_common(1)[0][0] == 3


def test_provincial_jurisdiction(tmp_path: Path) -> None:
    """A provincial export keeps regions and authorities in the province, IDs mostly too."""
    generate(tmp_path, seed=5, practitioners=1000, jurisdiction="410000", photo_fraction=0)
    insts = rows(tmp_path / "institutions.ndjson")
    people = rows(tmp_path / "practitioners.ndjson")
    assert all(i["region"][:2] == "41" and i["authority"][:2] == "41" for i in insts)
    assert all(p["authority"][:2] == "41" and p["location"] == "河南省" for p in people)
    assert sum(p["id_number"][:2] == "41" for p in people) > 0.8 * len(people)
    assert json.loads((tmp_path / "meta.json").read_text())["jurisdiction"] == "410000"
    assert not (tmp_path / "photos").exists()


def test_photos_decode_and_thumbnail_fits(export: Path, people: list[dict[str, Any]]) -> None:
    """Photos are small JPEGs OpenCV decodes; the QR thumbnail is at most 600 bytes."""
    named = [p["photo"] for p in people if p.get("photo")]
    assert len(named) == len(people)
    for rel in named[:50]:
        data = (export / rel).read_bytes()
        assert 500 < len(data) <= 3500
        img = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
        assert img is not None and img.shape == (128, 96, 3)
    for seed in range(20):
        thumb = photos.face_jpeg(seed, 32, 40, 600)
        assert len(thumb) <= 600
        assert cv2.imdecode(np.frombuffer(thumb, np.uint8), cv2.IMREAD_UNCHANGED) is not None
    assert photos.face_jpeg(1) == photos.face_jpeg(1)


def test_mutate_counts_and_versions(export: Path, tmp_path: Path) -> None:
    """The next export has the requested changes, deletions and additions, consistently."""
    counts = next_export(export, tmp_path, seed=9, changes=120, deletes=40, additions=25)
    before = {(p["kind"], p["cert_no"]): p for p in rows(export / "practitioners.ndjson")}
    after = {(p["kind"], p["cert_no"]): p for p in rows(tmp_path / "practitioners.ndjson")}
    assert counts.sequence == 2 and counts.changed == 120
    assert len(after) == len(before) - 40 + 25 == counts.practitioners
    assert len(set(before) - set(after)) == 40 and len(set(after) - set(before)) == 25
    changed = [k for k in after if k in before and after[k] != before[k]]
    assert len(changed) == counts.changed_practitioners
    assert all(after[k]["version"] == before[k]["version"] + 1 for k in changed)
    i_before = {i["reg_no"]: i for i in rows(export / "institutions.ndjson")}
    i_after = {i["reg_no"]: i for i in rows(tmp_path / "institutions.ndjson")}
    moved = [r for r in i_after if i_after[r] != i_before[r]]
    assert set(i_after) == set(i_before) and len(moved) == counts.changed_institutions
    assert all(i_after[r]["version"] == i_before[r]["version"] + 1 for r in moved)
    keys = set()
    for f in rows(tmp_path / "filings.ndjson"):
        key = (f["kind"], f["cert_no"], f["institution"])
        assert key not in keys and f["institution"] in i_after
        assert after[key[:2]]["institution"] != f["institution"]
        keys.add(key)
    assert len({p["id_number"] for p in after.values()}) == len(after)
    for p in after.values():
        assert p["institution"] in i_after and is_valid(p["id_number"])
        if p.get("photo"):
            assert (tmp_path / p["photo"]).is_file()
    meta = json.loads((tmp_path / "meta.json").read_text())
    assert meta["sequence"] == 2 and meta["exported_at"] > EXPORTED_AT


def test_cli_entries(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`python -m seed.registry` and `python -m seed.mutate` entry points work."""
    assert (
        main(
            [
                "--out",
                str(tmp_path / "a"),
                "--seed",
                "1",
                "--practitioners",
                "100",
                "--photo-fraction",
                "0",
            ]
        )
        == 0
    )
    assert (
        mutate_main(
            [
                str(tmp_path / "a"),
                str(tmp_path / "b"),
                "--seed",
                "2",
                "--changes",
                "5",
                "--deletes",
                "3",
            ]
        )
        == 0
    )
    out = capsys.readouterr().out.splitlines()
    assert json.loads(out[0])["practitioners"] == 100
    assert json.loads(out[1])["practitioners"] == 97


def test_export_reader_accepts_it(export: Path) -> None:
    """The strict export reader (publisher.export) accepts every line."""
    reader = pytest.importorskip("publisher.export")
    assert sum(1 for _ in reader.institutions(export)) > 0
    assert sum(1 for _ in reader.practitioners(export, b"k" * 32)) == 2000
    assert sum(1 for _ in reader.filings(export)) > 0


def test_memory_stays_bounded(tmp_path: Path) -> None:
    """200,000 practitioners generate with a modest peak resident size."""
    code = (
        "import sys; from pathlib import Path; from seed.registry import generate;"
        "generate(Path(sys.argv[1]), seed=1, practitioners=200_000, photo_fraction=0);"
        # VmHWM, not ru_maxrss: the latter survives exec and would count pytest's own size.
        "print([l.split()[1] for l in open('/proc/self/status') if l.startswith('VmHWM')][0])"
    )
    root = Path(__file__).resolve().parent.parent
    done = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path)],
        capture_output=True,
        text=True,
        check=True,
        cwd=root,
        timeout=120,
    )
    peak_kib = int(done.stdout.split()[-1])
    assert peak_kib < 250 * 1024
