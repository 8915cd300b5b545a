"""Static checks the style guide asks for: ruff (lint and format) everywhere, mypy strict on
every package, main.py and the tests, and the layer contracts of pyproject.toml ([tool.importlinter]).
Skipped only where the tool is not installed (it is, via the test extra)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _tool(name: str) -> str:
    path = shutil.which(name, path=str(Path(sys.executable).parent)) or shutil.which(name)
    if path is None:
        pytest.skip(f"{name} is not installed")
    return path


def test_ruff_lint_and_format() -> None:
    ruff = _tool("ruff")
    lint = subprocess.run(
        [ruff, "check", "."], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert lint.returncode == 0, lint.stdout[-3000:]
    fmt = subprocess.run(
        [ruff, "format", "--check", "."], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert fmt.returncode == 0, fmt.stdout[-3000:]


PACKAGES = ["domain", "wire", "db", "scanner", "kiosk", "publisher", "seed", "cli", "screens"]


def test_mypy_strict_on_every_package() -> None:
    mypy = _tool("mypy")
    proc = subprocess.run(
        [mypy, "--strict", "--ignore-missing-imports", *PACKAGES, "main.py", "tests"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stdout[-3000:]


def test_imports_keep_to_the_layers() -> None:
    """Nothing climbs a layer: lint-imports checks the contracts, indirect imports included."""
    lint = _tool("lint-imports")
    proc = subprocess.run([lint], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-3000:]
