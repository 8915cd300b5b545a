"""Key tooling end to end: keygen → trust list → publish → init/sync → issue → verify."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args], capture_output=True, text=True, cwd=ROOT, timeout=120
    )


def test_rehearsal_from_scratch(tmp_path: Path, demo_world: Path) -> None:
    keys = tmp_path / "keys"
    for name, alg in (("root", "Ed25519"), ("issuer", "ES256"), ("pub", "Ed25519")):
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
    assert doc["key"]["alg"] == "ES256"
