"""Sign-in, roles, sign-out and the idle lock (issue 20): nothing before sign-in, the core's
words for a wrong PIN, the modes each role may open, and every screen cleared of personal
data when the session ends."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

from textual.command import CommandPalette
from textual.widgets import DataTable, Input, Static

from kiosk.home import Home
from kiosk.service import KioskService
from screens.app import YanzhaoApp
from screens.inspect import InspectScreen
from screens.lookup import LookupScreen
from screens.messages import PayloadScanned
from screens.scan import ScanScreen
from screens.signin import SignInScreen
from tests.screens.conftest import (
    CLOCK,
    audit_actions,
    case_by,
    demo_operator,
    notified,
    plain,
    settle,
    sign_in,
    until,
)
from tests.screens.id_helpers import on_screen

MODE_KEYS = ("f1", "f2", "f3", "f4")


def _shown_keys(app: YanzhaoApp) -> set[str]:
    """The keys the footer shows now (Textual leaves out what check_action disables)."""
    return {k for k, b in app.screen.active_bindings.items() if b.binding.show}


def _message(app: YanzhaoApp) -> str:
    return plain(app.screen.query_one("#signin-message", Static))


def _holder(case: dict[str, Any]) -> str:
    from wire.codec import decode

    return decode(case["payload"]).licence.name


async def test_before_sign_in_nothing_else_is_reachable(
    make_app: Callable[..., YanzhaoApp], world: Path, cases: list[dict[str, Any]]
) -> None:
    app = make_app(session=None)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, SignInScreen)
        assert app.screen.query_one("#signin-pin", Input).password
        assert _shown_keys(app).isdisjoint({*MODE_KEYS, "ctrl+l", "ctrl+p"})
        for key in (*MODE_KEYS, "ctrl+p", "ctrl+l", "escape"):
            await pilot.press(key)
            await pilot.pause()
            assert isinstance(app.screen, SignInScreen), key
            assert not any(isinstance(s, CommandPalette) for s in app.screen_stack)
        app.post_message(PayloadScanned(case_by(cases, None)["payload"], "scanner"))
        await settle(app, pilot)
        assert isinstance(app.screen, SignInScreen)
        assert notified(app, "请先登录再扫码")
        await pilot.press("f9")  # the language is anyone's to switch
        await pilot.pause()
        assert plain(app.screen.query_one("#signin-title", Static)).strip() == "Sign in"
        assert app.get_screen_stack("signin") == [app.screen]
        for mode in ("scan", "lookup", "inspect", "admin"):
            assert mode not in app._screen_stacks  # noqa: SLF001 - never even made
    assert "verify" not in [a for a, _, _ in audit_actions(world)]


async def test_a_wrong_pin_says_so_then_the_right_one_shows_scan(
    make_app: Callable[..., YanzhaoApp], world: Path
) -> None:
    name, pin = demo_operator(world, "desk")
    app = make_app(session=None)
    async with app.run_test(size=(120, 40)) as pilot:
        await sign_in(app, pilot, name, "987650")
        assert isinstance(app.screen, SignInScreen)
        assert "还可尝试4次" in _message(app)
        assert app.screen.query_one("#signin-message").has_class("is-error")
        assert app.screen.query_one("#signin-pin", Input).value == ""
        assert app.screen.query_one("#signin-name", Input).value == name
        assert app.service.session is None
        await pilot.pause()
        await pilot.press("1", "2")  # the next try is typed straight into the PIN box
        assert app.screen.query_one("#signin-pin", Input).value == "12"
    # The frozen clock says the next try comes too soon: a new app, as after the wait.
    app = make_app(session=None)
    async with app.run_test(size=(120, 40)) as pilot:
        await sign_in(app, pilot, name, pin)
        assert "秒后再试" in _message(app)
    clock = [CLOCK + dt.timedelta(minutes=1)]
    service = KioskService(Home(world), clock=lambda: clock[0])
    app = YanzhaoApp(service, demo=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await sign_in(app, pilot, name, pin)
        assert isinstance(app.screen, ScanScreen)
        header = plain(app.screen.query_one("#header-status", Static))
        assert f"{name}（窗口）" in header
        await pilot.press("f9")
        await pilot.pause()
        assert f"{name} (desk)" in plain(app.screen.query_one("#header-status", Static))
    assert ("login", name, name) in audit_actions(world)


async def test_five_wrong_pins_lock_the_operator(world: Path) -> None:
    name, pin = demo_operator(world, "inspector")
    clock = [CLOCK]
    service = KioskService(Home(world), clock=lambda: clock[0])
    app = YanzhaoApp(service, demo=True)
    async with app.run_test(size=(120, 40)) as pilot:
        for left in (4, 3, 2, 1):
            await sign_in(app, pilot, name, "975310")
            assert f"还可尝试{left}次" in _message(app)
            clock[0] += dt.timedelta(minutes=2)  # past the growing wait
        await sign_in(app, pilot, name, "975310")
        assert "已锁定" in _message(app)
        clock[0] += dt.timedelta(minutes=2)
        await sign_in(app, pilot, name, pin)  # the right PIN: still locked
        assert "已锁定" in _message(app) and "管理员解锁" in _message(app)
        assert isinstance(app.screen, SignInScreen) and service.session is None


async def test_the_first_start_creates_the_first_admin(
    make_app: Callable[..., YanzhaoApp], fresh_home: Path
) -> None:
    app = make_app(fresh_home, session=None, demo=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, SignInScreen) and screen.first_admin
        assert "第一个管理员" in plain(screen.query_one("#signin-title", Static))
        again = screen.query_one("#signin-pin-again", Input)
        assert again.display and again.password
        screen.query_one("#signin-name", Input).value = "张主任"
        await pilot.press("enter", *"246813", "enter", *"246814", "enter")
        await settle(app, pilot)
        assert "不一致" in _message(app) and app.service.needs_first_admin()
        await pilot.press(*"123456", "tab", *"123456", "enter")
        await settle(app, pilot)
        assert "过于简单" in _message(app)  # the core's rule, in the core's words
        await pilot.press(*"246813", "tab", *"246813", "enter")
        await settle(app, pilot)
        assert isinstance(app.screen, ScanScreen)
        assert app.service.session is not None and app.service.session.role == "admin"
        assert not app.service.needs_first_admin()


async def test_each_role_opens_only_its_modes(
    make_app: Callable[..., YanzhaoApp], world: Path
) -> None:
    expected = {
        "desk": {"f1", "f2"},
        "inspector": {"f1", "f2", "f3"},
        "admin": {"f1", "f2", "f3", "f4"},
    }
    app = make_app(session=None)
    async with app.run_test(size=(120, 40)) as pilot:
        for role, allowed in expected.items():
            await sign_in(app, pilot, *demo_operator(world, role))
            assert isinstance(app.screen, ScanScreen), role
            assert _shown_keys(app) & set(MODE_KEYS) == allowed, role
            for key in MODE_KEYS:
                await pilot.press("f1")
                await pilot.pause()
                await pilot.press(key)
                await pilot.pause()
                mode = {"f1": "scan", "f2": "lookup", "f3": "inspect", "f4": "admin"}[key]
                assert (app.current_mode == mode) == (key in allowed), (role, key)
            if role != "admin":
                assert notified(app, "“管理”仅限管理员使用")
            if role == "desk":
                assert notified(app, "“检查”仅限检查员和管理员使用")
            await pilot.press("ctrl+l")
            await pilot.pause()
            assert isinstance(app.screen, SignInScreen)


async def test_signing_out_clears_every_screen(
    make_app: Callable[..., YanzhaoApp], world: Path, cases: list[dict[str, Any]]
) -> None:
    case = case_by(cases, None)
    holder = _holder(case)
    app = make_app()  # the fixtures' admin, signed in, purpose "counter"
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        scan = app.screen
        assert isinstance(scan, ScanScreen)
        scan.scan(case["payload"])
        await settle(app, pilot)
        assert holder in on_screen(app)
        await pilot.press("f2")
        await pilot.pause()
        lookup = app.screen
        assert isinstance(lookup, LookupScreen)
        lookup.query_one("#lookup-input", Input).value = holder
        await pilot.press("enter")
        await settle(app, pilot)
        assert lookup.query_one("#lookup-results", DataTable).row_count > 0
        lookup.query_one("#lookup-input", Input).value = holder[0]  # half typed
        await pilot.press("ctrl+l")
        await settle(app, pilot)
        assert isinstance(app.screen, SignInScreen)
        assert app.service.session is None and app.service.purpose is None
        assert "已退出登录" in _message(app)
        await pilot.press("f9")  # the reason, in the other language too
        await pilot.pause()
        assert "Signed out" in _message(app)
        await pilot.press("f9")
        await pilot.pause()
        assert not scan.is_attached and not lookup.is_attached
        assert holder not in on_screen(app)
        assert not app._notifications  # noqa: SLF001 - no toast left naming anyone
        await sign_in(app, pilot, *demo_operator(world, "admin"))
        assert isinstance(app.screen, ScanScreen) and app.screen is not scan
        assert holder not in on_screen(app)
        await pilot.press("f2")
        await pilot.pause()
        assert isinstance(app.screen, LookupScreen) and app.screen is not lookup
        assert app.screen.query_one("#lookup-input", Input).value == ""
        assert app.screen.query_one("#lookup-results", DataTable).row_count == 0
        assert holder not in on_screen(app)
    assert ("logout", "admin1", "admin1") in audit_actions(world)


async def test_the_screen_locks_when_idle(
    make_app: Callable[..., YanzhaoApp], world: Path, cases: list[dict[str, Any]]
) -> None:
    case = case_by(cases, None)
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        service = app.service
        service.config = dataclasses.replace(service.config, idle_lock_s=300)
        assert isinstance(app.screen, ScanScreen)
        app.screen.scan(case["payload"])
        await settle(app, pilot)
        service.config = dataclasses.replace(service.config, idle_lock_s=0)  # 0: never
        app.guard.last_input -= 1000
        app.guard.lock_if_idle()
        assert service.session is not None
        await pilot.press("x")  # a key: in use again
        service.config = dataclasses.replace(service.config, idle_lock_s=300)
        app.guard.lock_if_idle()
        assert service.session is not None and isinstance(app.screen, ScanScreen)
        app.guard.last_input -= 301
        assert await until(pilot, lambda: isinstance(app.screen, SignInScreen))
        await pilot.pause()
        assert service.session is None
        assert "长时间无操作已锁定" in _message(app)
        assert _holder(case) not in on_screen(app)
    assert ("lock", "admin1", "admin1") in audit_actions(world)


async def test_an_inspection_waits_unseen_for_its_inspector(
    make_app: Callable[..., YanzhaoApp], world: Path, cases: list[dict[str, Any]]
) -> None:
    inspector = demo_operator(world, "inspector")
    case = next(c for c in cases if "institution" in (c.get("context") or {}))
    app = make_app(session=None)
    async with app.run_test(size=(120, 40)) as pilot:
        await sign_in(app, pilot, *inspector)
        await pilot.press("f3")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, InspectScreen)
        place = app.service.institution(case["context"]["institution"])
        assert place is not None
        screen.start(place)
        await pilot.pause()
        screen.scan(case_by(cases, None)["payload"])
        await settle(app, pilot)
        inspection = screen.inspection
        assert inspection is not None and len(inspection.checks) == 1
        assert screen.query_one("#inspect-roster", DataTable).row_count == 1
        await pilot.press("ctrl+l")
        await settle(app, pilot)
        assert not screen.is_attached and app.inspected is None
        await sign_in(app, pilot, *demo_operator(world, "admin"))  # someone else: not theirs
        assert app.inspected is None
        await pilot.press("f3")
        await pilot.pause()
        assert isinstance(app.screen, InspectScreen) and app.screen.inspection is None
        await pilot.press("ctrl+l")
        await pilot.pause()
        await sign_in(app, pilot, *inspector)
        assert app.inspected == place
        assert notified(app, "继续检查")
        await pilot.press("f3")
        await pilot.pause()
        resumed = app.screen
        assert isinstance(resumed, InspectScreen) and resumed is not screen
        assert resumed.inspection is inspection and len(inspection.checks) == 1
        assert resumed.query_one("#inspect-roster", DataTable).row_count == 0  # not shown
        assert _holder(case_by(cases, None)) not in on_screen(app)
