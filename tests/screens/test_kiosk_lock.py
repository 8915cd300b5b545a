"""`--kiosk` is a real lock (issue 20): no key, no palette, no quit or suspend leaves it; an
admin's name and PIN do, and nothing else ends the supervised kiosk."""

from __future__ import annotations

import datetime as dt
import os
import string
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from textual.command import CommandPalette
from textual.widgets import Input, Static

import main
from kiosk.operators import Operator
from screens.admin import AdminScreen
from screens.app import YanzhaoApp
from screens.inspect import InspectScreen
from screens.kiosk_exit import KioskExitScreen
from screens.lookup import LookupScreen
from screens.scan import ScanScreen
from screens.signin import SignInScreen
from tests.screens.conftest import CLOCK, audit_actions, demo_operator, plain, settle

KIOSK_SCREENS = (SignInScreen, ScanScreen, LookupScreen, InspectScreen, AdminScreen)
# The palette with "quit" typed into it (it left the app before issue 20), the terminal's
# signal keys, the function keys, escape, then every ctrl+letter (ctrl+l signs out: last).
KEYS = [
    "ctrl+p",
    *"quit",
    "enter",
    "ctrl+c",
    "ctrl+q",
    "ctrl+z",
    "ctrl+backslash",
    "ctrl+right_square_bracket",
    "escape",
    *(f"f{n}" for n in range(1, 13)),
    *(f"ctrl+{c}" for c in string.ascii_lowercase),
]


async def _still_locked(app: YanzhaoApp, pilot: Any, key: str) -> None:
    assert app.is_running and app.return_code is None, key
    assert not any(isinstance(s, CommandPalette) for s in app.screen_stack), key
    if isinstance(app.screen, KioskExitScreen):  # ctrl+q asks for an admin: no one answers
        await pilot.press("escape")
        await pilot.pause()
    assert isinstance(app.screen, KIOSK_SCREENS), (key, app.screen)


@pytest.mark.parametrize("role", [None, "desk", "admin"])
async def test_no_key_leaves_kiosk_mode(
    make_app: Callable[..., YanzhaoApp], world: Path, role: str | None
) -> None:
    session = None if role is None else Operator(demo_operator(world, role)[0], role)
    app = make_app(kiosk=True, session=session)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        for key in KEYS:
            await pilot.press(key)
            await pilot.pause()
            await _still_locked(app, pilot, key)
        await settle(app, pilot)
        await _still_locked(app, pilot, "all keys")
        footer_keys = {k for k, b in app.screen.active_bindings.items() if b.binding.show}
        assert "ctrl+p" not in footer_keys
        # Only an admin's name and PIN end it: a wrong PIN says so, the right one ends.
        name, pin = demo_operator(world, "admin")
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert isinstance(app.screen, KioskExitScreen)
        await _answer(app, pilot, name, "975310")
        assert app.is_running and isinstance(app.screen, KioskExitScreen)
        assert "还可尝试4次" in plain(app.screen.query_one("#kiosk-exit-message", Static))
        app.service.clock = lambda: CLOCK + dt.timedelta(minutes=1)  # past the wait
        await _answer(app, pilot, name, pin)
    assert app.return_code == 0 and app.admin_exit
    assert ("kiosk_exit", app.service.operator, name) in audit_actions(world)


async def _answer(app: YanzhaoApp, pilot: Any, name: str, pin: str) -> None:
    """Type a name and PIN into the kiosk-exit prompt."""
    app.screen.query_one("#kiosk-exit-name", Input).value = name
    app.screen.query_one("#kiosk-exit-name", Input).focus()
    await pilot.press("enter", *pin, "enter")
    await settle(app, pilot)


async def test_a_desk_pin_does_not_end_kiosk_mode(
    make_app: Callable[..., YanzhaoApp], world: Path
) -> None:
    app = make_app(kiosk=True, session=None)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("ctrl+q")
        await pilot.pause()
        await _answer(app, pilot, *demo_operator(world, "desk"))
        assert app.is_running and isinstance(app.screen, KioskExitScreen)
        assert "只有管理员" in plain(app.screen.query_one("#kiosk-exit-message", Static))
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, SignInScreen) and app.is_running
    assert not app.admin_exit


async def test_outside_kiosk_mode_ctrl_q_quits(make_app: Callable[..., YanzhaoApp]) -> None:
    app = make_app(session=None)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("ctrl+q")
        await pilot.pause()
    assert app.return_code == 0


def test_the_supervisor_restarts_a_kiosk_that_no_admin_ended(
    world: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An app that ends cleanly but without an admin's PIN (a stray exit) is started again;
    the admin's exit is final; the terminal's signal keys are not turned back on."""
    from kiosk.home import Home

    runs: list[bool] = []
    admin_ends = [False]

    class EndingApp:
        def __init__(self, *args: object, **kwargs: object) -> None:
            self.admin_exit = False

        def run(self) -> None:
            runs.append(True)
            self.admin_exit = admin_ends[0]

        @property
        def return_code(self) -> int | None:
            return 0

    monkeypatch.setattr("screens.app.YanzhaoApp", EndingApp)
    monkeypatch.setattr("cli.launch.prepare", lambda home, demo: (Home(world), True))
    monkeypatch.setattr("time.sleep", lambda s: None)
    monkeypatch.setenv("TEXTUAL_ALLOW_SIGNALS", "1")
    assert main.run_tui(str(world), demo=True, kiosk=True) == 0
    assert len(runs) == main.MAX_RESTARTS + 1
    assert "TEXTUAL_ALLOW_SIGNALS" not in os.environ
    runs.clear()
    admin_ends[0] = True
    assert main.run_tui(str(world), demo=True, kiosk=True) == 0
    assert len(runs) == 1
