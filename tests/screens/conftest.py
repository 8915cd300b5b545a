"""Fixtures for the TUI: a demo world at a fixed time and an app factory with a frozen clock."""

from __future__ import annotations

import datetime as dt
import io
import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from kiosk.home import Home
from kiosk.operators import Operator
from kiosk.service import KioskService
from screens.app import YanzhaoApp

WORLD_TIME = dt.datetime(2026, 11, 20, 2, 0, tzinfo=dt.UTC)
ADMIN = Operator("admin1", "admin")  # signed in already, unless a test signs in itself
CLOCK = WORLD_TIME + dt.timedelta(minutes=30)


@pytest.fixture(scope="session")
def fixed_world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A demo world built as of WORLD_TIME (deterministic data, fixed dates)."""
    from seed.demo import build

    home = tmp_path_factory.mktemp("fixed") / "home"
    build(home, practitioners=2000, now=WORLD_TIME, key_seed=b"yanzhao-snapshots/")
    return home


@pytest.fixture
def world(fixed_world: Path, tmp_path: Path) -> Path:
    """A private copy of the fixed world (tests may write audit entries, reports, config)."""
    dest = tmp_path / "home"
    shutil.copytree(fixed_world, dest)
    return dest


@pytest.fixture
def cases(fixed_world: Path) -> list[dict[str, Any]]:
    """The fixed world's demo credentials."""
    text = (fixed_world / "demo" / "credentials.ndjson").read_text("utf-8")
    return [json.loads(line) for line in text.splitlines()]


@pytest.fixture
def make_app(world: Path) -> Callable[..., YanzhaoApp]:
    """Build the app on the private world with a frozen clock."""

    def factory(
        home: Path | None = None,
        *,
        demo: bool = True,
        kiosk: bool = False,
        camera: Any = None,
        session: Operator | None = ADMIN,
        purpose: str | None = "counter",
    ) -> YanzhaoApp:
        service = KioskService(Home(home or world), clock=lambda: CLOCK, session=session)
        service.purpose = purpose
        return YanzhaoApp(service, demo=demo, kiosk=kiosk, camera=camera)

    return factory


def case_by(cases: list[dict[str, Any]], code: str | None) -> dict[str, Any]:
    """The first context-free demo case whose first code is `code` (None: a valid one)."""
    for c in cases:
        if c.get("context"):
            continue
        if (code is None and not c["codes"]) or (c["codes"] and c["codes"][0] == code):
            return c
    raise LookupError(code)


async def settle(app: YanzhaoApp, pilot: Any) -> None:
    """Wait for workers and the messages they post."""
    await pilot.pause()
    await app.workers.wait_for_complete()
    await pilot.pause()
    await pilot.pause()


def plain(widget: Any) -> str:
    """The text a Static shows, as plain text (tables and groups included)."""
    from rich.console import Console

    console = Console(width=200, record=True, file=io.StringIO())
    console.print(widget.content)
    return console.export_text()


async def until(pilot: Any, condition: Any, timeout: float = 5.0) -> bool:
    """Wait (without sleeping blindly) until `condition()` holds; False after `timeout`."""
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        await pilot.pause(0.02)
    return bool(condition())


def notified(app: Any, text: str) -> bool:
    """True when a notification containing `text` was shown."""
    return any(text in n.message for n in app._notifications)  # noqa: SLF001


def demo_operator(home: Path, role: str) -> tuple[str, str]:
    """(name, PIN) of the demo world's operator with this role (demo/operators.json)."""
    listed = json.loads((home / "demo" / "operators.json").read_text("utf-8"))
    return next((op["name"], op["pin"]) for op in listed if op["role"] == role)


async def sign_in(app: YanzhaoApp, pilot: Any, name: str, pin: str) -> None:
    """Type a name and PIN on the sign-in screen, as a person would, and wait for the core."""
    from textual.widgets import Input

    app.screen.query_one("#signin-name", Input).value = name
    app.screen.query_one("#signin-name", Input).focus()
    await pilot.press("enter", *pin, "enter")
    await settle(app, pilot)


def audit_actions(home: Path) -> list[tuple[str, str, str]]:
    """(action, operator, subject) of every audit record of the home, oldest first."""
    import sqlite3

    conn = sqlite3.connect(home / "kiosk.db")
    try:
        rows = conn.execute("SELECT action, operator, subject FROM audit_entry ORDER BY id")
        return [(str(a), str(o), str(s)) for a, o, s in rows]
    finally:
        conn.close()
