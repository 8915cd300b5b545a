"""The real app in a real terminal (tmux), driven as a person would: sign in with the demo
guide's desk operator, scan a demo credential with a scanner-speed burst, read the verdict,
look up an ID number for a purpose, sign out, quit; and in kiosk mode, stay put whatever keys
come, until an admin's PIN."""

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


def _settled(session: str, timeout: float = 10.0) -> str:
    """The screen once two captures 0.3 s apart agree (the app has drawn, the terminal has
    taken all of it)."""
    deadline = time.monotonic() + timeout
    last = _tmux("capture-pane", "-p", "-t", session)
    while time.monotonic() < deadline:
        time.sleep(0.3)
        screen = _tmux("capture-pane", "-p", "-t", session)
        if screen == last:
            return screen
        last = screen
    return last


def _operator(home: Path, role: str) -> tuple[str, str]:
    """The demo guide's operator for a role: (name, PIN)."""
    listed = json.loads((home / "demo" / "operators.json").read_text("utf-8"))
    return next((op["name"], op["pin"]) for op in listed if op["role"] == role)


def _type(session: str, text: str) -> None:
    """Type a field and Enter at a person's pace (Enter moves the focus to the next box)."""
    _tmux("send-keys", "-t", session, "-l", text)
    time.sleep(0.3)
    _tmux("send-keys", "-t", session, "Enter")
    time.sleep(0.5)


def _sign_in(session: str, name: str, pin: str) -> None:
    # The body, not the header's "请登录": a capture under load can catch the first frame
    # half written to the terminal, header and footer before the box.
    screen = _wait_for(session, "演示操作员")
    assert "请登录" in screen and pin in screen  # the demo guide's PINs, to sign in with
    _type(session, name)
    _type(session, pin)


def _ended(session: str, timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and session in _tmux("ls"):
        time.sleep(0.2)
    return session not in _tmux("ls")


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
        _sign_in(session, *_operator(demo_copy, "desk"))
        screen = _wait_for(session, "请出示电子证照二维码")
        assert "（窗口）" in screen.splitlines()[0]  # the header: who, and as what
        # A keyboard-wedge scanner: the whole payload and Enter arrive at once.
        _tmux("send-keys", "-t", session, "-l", cases[0]["payload"])
        _tmux("send-keys", "-t", session, "Enter")
        screen = _wait_for(session, "有效  VALID")
        assert "医师执业证书" in screen and "***" in screen
        _tmux("send-keys", "-t", session, "F2")
        _wait_for(session, "输入身份证号")
        _tmux("send-keys", "-t", session, "-l", person["id_number"])
        _tmux("send-keys", "-t", session, "Enter")
        _wait_for(session, "请先选择查询事由")  # an ID look-up needs a purpose: the list opens
        for key in ("Enter", "Down", "Down", "Enter"):  # 窗口服务 counter service
            _tmux("send-keys", "-t", session, key)
            time.sleep(0.3)
        _wait_for(session, "窗口服务")
        _tmux("send-keys", "-t", session, "Enter")  # the number is still in the box
        screen = _wait_for(session, "1 份执业证书")  # an ID number gives the verdict card
        assert person["name"] in screen and person["id_number"] not in screen
        _tmux("send-keys", "-t", session, "C-l")  # sign out: nothing of the person stays
        _wait_for(session, "已退出登录")
        # Until the terminal has taken the whole frame (a capture can land mid-write): then
        # nothing of the person is left anywhere on it.
        screen = _settled(session)
        assert person["name"] not in screen and "请登录" in screen
        _tmux("send-keys", "-t", session, "C-q")
        assert _ended(session)
        assert (
            not (demo_copy / "logs" / "kiosk.log").exists()
            or "Traceback" not in (demo_copy / "logs" / "kiosk.log").read_text()
        )
    finally:
        _tmux("kill-session", "-t", session)


def test_no_key_leaves_the_kiosk_but_an_admin_pin_does(demo_copy: Path) -> None:
    """With --kiosk, the terminal's signal keys (ctrl+c, ctrl+z, ctrl+\\), quit, the palette
    and escape leave the kiosk where it was; an admin's name and PIN end it."""
    session = f"yz-{uuid.uuid4().hex[:8]}"
    cmd = f"{sys.executable} {ROOT / 'main.py'} --kiosk --home {demo_copy}"
    _tmux("new-session", "-d", "-s", session, "-x", "80", "-y", "24", cmd)
    try:
        _wait_for(session, "请登录")
        for key in ("C-c", "C-z", "C-\\", "C-d", "C-q", "Escape", "C-p", "F1", "F4"):
            _tmux("send-keys", "-t", session, key)
            time.sleep(0.3)
        _type(session, "quit")
        screen = _wait_for(session, "请登录")
        assert session in _tmux("ls") and "退出锁定模式" not in screen
        log = demo_copy / "logs" / "kiosk.log"
        assert not log.exists() or "restart" not in log.read_text("utf-8")  # not even briefly
        name, pin = _operator(demo_copy, "admin")
        _tmux("send-keys", "-t", session, "C-q")
        _wait_for(session, "退出锁定模式")
        _type(session, name)
        _type(session, pin)
        assert _ended(session)
    finally:
        _tmux("kill-session", "-t", session)
