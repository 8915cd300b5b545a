"""Key tooling end to end: keygen → trust list → publish → init/sync → issue → verify."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args], capture_output=True, text=True, cwd=ROOT, timeout=120
    )


@pytest.mark.parametrize(
    ("root_alg", "issuer_alg", "pub_alg"),
    [("Ed25519", "ES256", "Ed25519"), ("SM2", "SM2", "SM2")],
    ids=["Ed25519 root, ES256 issuer", "SM2 world"],
)
def test_rehearsal_from_scratch(
    tmp_path: Path, demo_world: Path, root_alg: str, issuer_alg: str, pub_alg: str
) -> None:
    """An SM2 world end to end (issue 22): an SM2 root signs the trust list and is pinned at
    init, an SM2 publisher signs the bundle that sync accepts, an SM2 issuer's credential
    verifies in the CLI."""
    keys = tmp_path / "keys"
    for name, alg in (("root", root_alg), ("issuer", issuer_alg), ("pub", pub_alg)):
        assert (
            _run(
                "-m", "seed.tools", "keygen", "--alg", alg, "--name", name, "--out", str(keys)
            ).returncode
            == 0
        )
    tl = tmp_path / "trustlist.json"
    proc = _run(
        "-m",
        "seed.tools",
        "trustlist",
        "--root",
        str(keys / "root.pem"),
        "--sequence",
        "1",
        "--out",
        str(tl),
        "--issuer",
        f"{keys / 'issuer.pub.pem'}:410000:河南省卫生健康委员会",
        "--publisher",
        f"{keys / 'pub.pub.pem'}:000000:发布方",
    )
    assert proc.returncode == 0, proc.stderr
    proc = _run("-m", "seed.tools", "idkey", "--out", str(keys / "id-index.key"))
    assert proc.returncode == 0, proc.stderr
    assert _run("-m", "seed.tools", "idkey", "--out", str(keys / "id-index.key")).returncode == 2
    export = demo_world / "demo" / "export"
    bundle, home = tmp_path / "bundle", tmp_path / "home"
    for args in (
        [
            "publish",
            "--registry",
            str(export),
            "--trust-list",
            str(tl),
            "--publisher-key",
            str(keys / "pub.pem"),
            "--id-key",
            str(keys / "id-index.key"),
            "--out",
            str(bundle),
        ],
        [
            "init",
            "--home",
            str(home),
            "--root-key",
            str(keys / "root.pub.pem"),
            "--jurisdiction",
            "410000",
            "--id-key",
            str(keys / "id-index.key"),
        ],
        ["sync", "--home", str(home), str(bundle)],
    ):
        proc = _run("main.py", *args)
        assert proc.returncode == 0, (args[0], proc.stderr)
    rec = json.loads((export / "practitioners.ndjson").open(encoding="utf-8").readline())
    png = tmp_path / "c.png"
    proc = _run(
        "-m",
        "seed.tools",
        "issue",
        "--key",
        str(keys / "issuer.pem"),
        "--iss",
        "410000",
        "--registry",
        str(export),
        "--cert-no",
        rec["cert_no"],
        "--kind",
        rec["kind"],
        "--png",
        str(png),
    )
    assert proc.returncode == 0, proc.stderr
    payload = proc.stdout.strip()
    assert payload.startswith("YZ1:") and png.stat().st_size > 0
    proc = _run("main.py", "verify", "--home", str(home), "--payload", payload, "--json")
    doc = json.loads(proc.stdout)
    expected = {"active": "valid"}.get(rec["status"], "invalid")
    assert doc["verdict"] == expected or (expected == "valid" and doc["verdict"] == "warning"), doc
    assert doc["key"]["alg"] == issuer_alg
    if root_alg == "SM2":
        assert len(base64.b64decode((tmp_path / "trustlist.json.sig").read_text())) == 64
        manifest_sig = json.loads((bundle / "manifest.json.sig").read_bytes())
        entries = {k["kid"]: k["alg"] for k in json.loads(tl.read_bytes())["keys"]}
        assert entries[manifest_sig["kid"]] == "SM2"


@pytest.mark.parametrize("alg", ["Ed25519", "ES256", "SM2"])
def test_a_seeded_key_is_the_same_on_every_run_and_a_fresh_one_is_not(alg: str) -> None:
    """Test worlds derive their keys from a seed (snapshots show kids); the demo does not."""
    from seed import keys as keytool
    from wire.keys import PrivateKey, public_pem

    def pub(key: PrivateKey) -> bytes:
        return public_pem(key.public_key())

    assert pub(keytool.generate(alg, b"s/a")) == pub(keytool.generate(alg, b"s/a"))
    assert pub(keytool.generate(alg, b"s/a")) != pub(keytool.generate(alg, b"s/b"))
    assert pub(keytool.generate(alg)) != pub(keytool.generate(alg))
