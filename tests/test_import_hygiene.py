"""The core never imports Textual: every package below screens/ stays usable headless."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CORE = ["domain", "wire", "db", "scanner", "kiosk", "publisher", "seed", "cli"]


def _modules(package: str) -> list[str]:
    return sorted(
        f"{package}.{p.stem}"
        for p in (ROOT / package).glob("*.py")
        if p.stem not in ("__init__", "__main__")
    )


@pytest.mark.parametrize("package", CORE)
def test_core_package_never_imports_textual(package: str) -> None:
    mods = _modules(package)
    code = (
        "import importlib, sys\n"
        f"for m in {mods!r}:\n"
        "    importlib.import_module(m)\n"
        "bad = sorted(m for m in sys.modules if m == 'textual' or m.startswith('textual.'))\n"
        "print(','.join(bad))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "", f"{package} imported {proc.stdout.strip()}"


def test_verify_command_imports_only_what_it_needs() -> None:
    """The cold `verify` path must not pull in the TUI, OpenCV, zstandard or sqlite-utils."""
    code = (
        "import sys, main\n"
        "from cli import commands\n"
        "from kiosk import verify, home, present, service\n"
        "from wire import codec\n"
        "import db.replica, db.local\n"
        "heavy = [m for m in ('textual', 'cv2', 'zstandard', 'sqlite_utils') if m in sys.modules]\n"
        "print(','.join(heavy))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == ""
