"""The real app in a real terminal (tmux), driven as a person would: start it, scan a demo
credential with a scanner-speed burst, read the verdict, look up an ID number, quit."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")


def _tmux(*args: str) -> str:
    return subprocess.run(["tmux", *args], capture_output=True, text=True, timeout=20).stdout


def _wait_for(session: str, text: str, timeout: float = 20.0) -> str:
    deadline = time.monotonic() + timeout
    screen = ""
    while time.monotonic() < deadline:
        screen = _tmux("capture-pane", "-p", "-t", session)
        if text in screen:
            return screen
        time.sleep(0.2)
    raise AssertionError(f"{text!r} never appeared; the screen was:\n{screen}")


def test_person_scans_and_looks_up(demo_copy: Path) -> None:
    session = f"yz-{uuid.uuid4().hex[:8]}"
    cases = [
        json.loads(x)
        for x in (demo_copy / "demo" / "credentials.ndjson").read_text("utf-8").splitlines()
    ]
    person = json.loads(
        (demo_copy / "demo" / "export" / "practitioners.ndjson").open(encoding="utf-8").readline()
    )
    cmd = f"{sys.executable} {ROOT / 'main.py'} --home {demo_copy}"
    _tmux("new-session", "-d", "-s", session, "-x", "120", "-y", "40", cmd)
    try:
        _wait_for(session, "请出示电子证照二维码")
        # A keyboard-wedge scanner: the whole payload and Enter arrive at once.
        _tmux("send-keys", "-t", session, "-l", cases[0]["payload"])
        _tmux("send-keys", "-t", session, "Enter")
        screen = _wait_for(session, "有效  VALID")
        assert "医师执业证书" in screen and "***" in screen
        _tmux("send-keys", "-t", session, "F2")
        _wait_for(session, "输入身份证号")
        _tmux("send-keys", "-t", session, "-l", person["id_number"])
        _tmux("send-keys", "-t", session, "Enter")
        screen = _wait_for(session, "找到 1 条记录")
        assert person["name"] in screen and person["id_number"] not in screen
        _tmux("send-keys", "-t", session, "C-q")
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and session in _tmux("ls"):
            time.sleep(0.2)
        assert session not in _tmux("ls")
        assert (
            not (demo_copy / "logs" / "kiosk.log").exists()
            or "Traceback" not in (demo_copy / "logs" / "kiosk.log").read_text()
        )
    finally:
        _tmux("kill-session", "-t", session)
