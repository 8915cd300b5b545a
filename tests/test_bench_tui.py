"""The TUI benchmark harness runs end to end (quick mode); it asserts nothing about time."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_bench_tui_quick(tmp_path: Path) -> None:
    out = tmp_path / "tui.json"
    proc = subprocess.run(
        [sys.executable, "-m", "bench.tui", "--quick", "--out", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    doc = json.loads(out.read_text())
    assert doc["scan"]["tui_p95_ms"] > 0 and doc["scan"]["core_p95_ms"] > 0
    assert doc["sync"]["ticks"] > 0 and doc["sync"]["max_stall_ms"] >= -10
    if shutil.which("tmux"):
        assert doc["startup"]["kiosk_s"] > 0 and doc["startup"]["bare_textual_s"] > 0
    assert "Enter → verdict card" in proc.stdout


def test_bench_tui_scan_quick(tmp_path: Path) -> None:
    """The wedge-scanner harness (issue 21) types real payloads and reads real verdicts: every
    scan came back valid, painted after it was routed, and the counts are those of one scan."""
    out = tmp_path / "tui_scan.json"
    proc = subprocess.run(
        [sys.executable, "-m", "bench.tui_scan", "--quick", "--out", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    doc = json.loads(out.read_text())
    assert doc["scan_verdicts"] == ["valid"] and doc["payload_chars"] > 1000
    for figure in (doc["scan"], doc["wedge"], doc["core"]):
        assert 0 < figure["p50_ms"] <= figure["p95_ms"] <= figure["max_ms"]
    phases = doc["scan_phases"]
    assert (
        phases["routed_to_verified"]["p50_ms"] > 0 and phases["verified_to_painted"]["p50_ms"] > 0
    )
    assert doc["counts"]["scan"]["refreshes"] >= 1  # the card was painted
    assert doc["counts"]["scan"]["sql_replica"] >= 1 and doc["counts"]["scan"]["sql_local"] >= 1
    fresh = doc["fresh"]
    assert fresh["runs"] == 2 and fresh["first_scan"]["p50_ms"] > 0
    assert fresh["signed_in"]["p50_ms"] > 0  # the sign-in screen gave way to Scan
    assert fresh["first_screen"]["p50_ms"] > 0 and fresh["bare_textual_first_screen"]["p50_ms"] > 0
    assert fresh["sql_before_first_screen"]["sql_replica"] >= 0
    assert "last char → verdict painted" in proc.stdout
