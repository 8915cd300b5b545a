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
