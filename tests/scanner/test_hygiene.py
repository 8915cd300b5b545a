"""scanner/ never pulls in Textual, and the benchmark harness runs (quick mode)."""

from __future__ import annotations

import io
import subprocess
import sys
from contextlib import redirect_stdout

MODULES = [
    "scanner",
    "scanner.camera",
    "scanner.cli",
    "scanner.decoders",
    "scanner.fake",
    "scanner.files",
    "scanner.loop",
    "scanner.payload",
    "scanner.pipeline",
    "scanner.preprocess",
    "scanner.serial_scanner",
    "scanner.sources",
    "scanner.stats",
    "scanner.wedge",
]


def test_scanner_never_imports_textual() -> None:
    code = f"import sys\nfor m in {MODULES!r}: __import__(m)\nprint('textual' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_quick_benchmark_runs() -> None:
    from bench.scanner import main

    buf = io.StringIO()
    with redirect_stdout(buf):
        assert main(["--quick"]) == 0
    text = buf.getvalue()
    assert "| **all hard** |" in text and "wedge burst" in text
