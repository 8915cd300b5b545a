"""Admin panes of issue 20: alerts with their evidence and acknowledged, the audit chain's head
and the first broken record, purge behind a question, operators added and unlocked; and none
of it for a desk officer or an inspector."""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import itertools
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Button, DataTable, Input, Select, Static, TabbedContent

from db.audit import verify
from kiosk.home import Home
from kiosk.operators import Operator, OperatorLockedError, SignInError
from kiosk.service import KioskService
from screens.admin import AdminScreen
from screens.admin_confirm import ConfirmModal
from screens.app import YanzhaoApp
from tests.screens.conftest import ADMIN, CLOCK, case_by, notified, plain, settle

PIN = "739146"


@contextlib.contextmanager
def _db(world: Path) -> Iterator[sqlite3.Connection]:
    conn = sqlite3.connect(world / "kiosk.db", isolation_level=None)
    try:
        yield conn
    finally:
        conn.close()


async def _admin(app: YanzhaoApp, pilot: Any, tab: str) -> AdminScreen:
    await pilot.press("f4")
    await settle(app, pilot)
    screen = app.screen
    assert isinstance(screen, AdminScreen)
    screen.query_one(TabbedContent).active = tab
    await settle(app, pilot)
    return screen


def _rows(screen: AdminScreen, selector: str) -> list[list[str]]:
    table = screen.query_one(selector, DataTable)
    return [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]


def _alerts_title(screen: AdminScreen) -> str:
    return screen.query_one(TabbedContent).get_tab("tab-alerts").label_text


def _invalid_run(app: YanzhaoApp, cases: list[dict[str, Any]]) -> None:
    """Five forged licences in a row at the counter: a wave of forgeries."""
    bad = case_by(cases, "BAD_SIGNATURE")["payload"]
    for _ in range(5):
        app.service.verify(bad)


async def test_alerts_show_their_evidence_and_are_acknowledged(
    make_app: Callable[..., YanzhaoApp], cases: list[dict[str, Any]], world: Path
) -> None:
    app = make_app(demo=False)
    _invalid_run(app, cases)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await _admin(app, pilot, "tab-alerts")
        assert _alerts_title(screen) == "警报 (1)"
        ((state, _, kind, evidence),) = _rows(screen, "#alerts-table")
        assert "待确认" in state and kind.startswith("连续无效核验")
        assert evidence.startswith("5 invalid verdicts in a row")
        assert "BAD_SIGNATURE" in plain(screen.query_one("#alert-evidence", Static))
        screen.query_one("#alerts-table", DataTable).focus()
        await pilot.press("a")
        await settle(app, pilot)
        assert notified(app, "已确认")
        ((state, *_),) = _rows(screen, "#alerts-table")
        assert "已确认 admin1" in state and _alerts_title(screen) == "警报"
        # A second wave: the new, open alert comes before the acknowledged one.
        _invalid_run(app, cases)
        screen.query_one("#alerts-refresh", Button).press()
        await settle(app, pilot)
        states = [row[0] for row in _rows(screen, "#alerts-table")]
        assert len(states) == 2 and "待确认" in states[0] and "已确认" in states[1]
        assert _alerts_title(screen) == "警报 (1)"
    with _db(world) as conn:
        assert conn.execute("SELECT count(*) FROM alert WHERE acked_by = 'admin1'").fetchone() == (
            1,
        )
        acks = conn.execute(
            "SELECT operator, subject FROM audit_entry WHERE action = 'alert_ack'"
        ).fetchall()
        assert acks == [("admin1", "invalid_run")]


async def test_the_audit_tab_shows_the_head_and_the_first_broken_record(
    make_app: Callable[..., YanzhaoApp], cases: list[dict[str, Any]], world: Path
) -> None:
    app = make_app(demo=False)
    for code in (None, "BAD_SIGNATURE", None):
        app.service.verify(case_by(cases, code)["payload"])
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await _admin(app, pilot, "tab-audit")
        with _db(world) as conn:
            report = verify(conn)
        assert report.intact and report.records >= 3
        head = plain(screen.query_one("#audit-head", Static)).strip()
        assert head == report.head and len(head) == 64
        summary = plain(screen.query_one("#audit-summary", Static))
        assert "完整 intact" in summary and f"{report.records:,}" in summary
        screen.query_one("#audit-copy", Button).press()
        await pilot.pause()
        assert app.clipboard == report.head
        # Someone with sqlite3 turns the forged licence's verdict into a valid one.
        with _db(world) as conn:
            (forged,) = conn.execute(
                "SELECT id FROM audit_entry WHERE action = 'verify' AND outcome = 'invalid'"
            ).fetchone()
            conn.execute("UPDATE audit_entry SET outcome = 'valid' WHERE id = ?", (forged,))
        screen.query_one("#audit-verify", Button).press()
        await settle(app, pilot)
        summary = plain(screen.query_one("#audit-summary", Static))
        assert f"BROKEN at record #{forged}" in summary
        assert f"record #{forged} was changed after it was written" in summary


async def test_purge_asks_first_and_keeps_the_chain_verifiable(
    make_app: Callable[..., YanzhaoApp],
    cases: list[dict[str, Any]],
    world: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    app = make_app(demo=False)
    monkeypatch.setattr(app.service, "warm_up", lambda: None)  # no automatic purge meanwhile
    for _ in range(3):
        app.service.verify(case_by(cases, None)["payload"])
    app.service.config = dataclasses.replace(app.service.config, audit_retention_days=1)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await _admin(app, pilot, "tab-audit")
        screen.query_one("#audit-purge", Button).press()
        await pilot.pause()
        assert isinstance(app.screen, ConfirmModal)
        await pilot.press("enter")  # the focused answer is "cancel"
        await settle(app, pilot)
        assert isinstance(app.screen, AdminScreen)
        with _db(world) as conn:
            before = verify(conn)
        assert before.intact and before.first_id == 1 and before.records >= 3
        app.service.clock = lambda: CLOCK + dt.timedelta(days=3)  # those records are now old
        app.service.verify(case_by(cases, None)["payload"])  # and one is not
        screen.query_one("#audit-purge", Button).press()
        await pilot.pause()
        await pilot.press("tab", "enter")  # "purge"
        await settle(app, pilot)
        assert notified(app, f"已清理 {before.records} 条")
        with _db(world) as conn:
            report = verify(conn)
        assert report.intact and report.records == 2 and report.first_id == before.records + 1
        summary = plain(screen.query_one("#audit-summary", Static))
        assert "完整 intact" in summary and f"#{report.first_id}" in summary
        assert plain(screen.query_one("#audit-head", Static)).strip() == report.head


async def _add_operator(
    screen: AdminScreen, app: YanzhaoApp, pilot: Any, name: str, role: str, pin: str, again: str
) -> None:
    screen.query_one("#operator-name", Input).value = name
    screen.query_one("#operator-role", Select).value = role
    screen.query_one("#operator-pin", Input).value = pin
    screen.query_one("#operator-pin2", Input).value = again
    screen.query_one("#operator-pin2", Input).focus()
    await pilot.press("enter")
    await settle(app, pilot)


def _stepping_clock() -> Callable[[], dt.datetime]:
    """Ten seconds further at every reading: past each wrong PIN's wait (1, 2, 4, 8 s)."""
    ticks = itertools.count()
    return lambda: CLOCK + dt.timedelta(seconds=10 * next(ticks))


async def test_operators_are_added_and_unlocked(
    make_app: Callable[..., YanzhaoApp], world: Path
) -> None:
    app = make_app(demo=False)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await _admin(app, pilot, "tab-operators")
        before = len(_rows(screen, "#operators-table"))
        await _add_operator(screen, app, pilot, "wang.admin", "admin", PIN, PIN[::-1])
        assert notified(app, "两次输入的PIN不一致")
        assert screen.query_one("#operator-pin", Input).value == ""  # never left in a box
        await _add_operator(screen, app, pilot, "wang.admin", "admin", "123456", "123456")
        assert notified(app, "PIN过于简单")
        assert len(_rows(screen, "#operators-table")) == before
        await _add_operator(screen, app, pilot, "wang.admin", "admin", PIN, PIN)
        await _add_operator(screen, app, pilot, "xu.desk", "desk", PIN, PIN)
        assert notified(app, "已新增操作员 xu.desk")
        rows = {r[0]: r for r in _rows(screen, "#operators-table")}
        assert "管理员" in rows["wang.admin"][1] and "窗口" in rows["xu.desk"][1]
        assert "正常" in rows["xu.desk"][2]

        # Five wrong PINs at the sign-in (another session of the same kiosk) lock xu.desk.
        counter = KioskService(Home(world), clock=_stepping_clock())
        for _ in range(4):
            with pytest.raises(SignInError):
                counter.sign_in("xu.desk", "000000")
        with pytest.raises(OperatorLockedError):
            counter.sign_in("xu.desk", "000000")
        with pytest.raises(OperatorLockedError):
            counter.sign_in("xu.desk", PIN)  # the right PIN no longer helps
        screen.query_one("#operators-refresh", Button).press()
        await settle(app, pilot)
        names = [r[0] for r in _rows(screen, "#operators-table")]
        row = names.index("xu.desk")
        assert row > 0  # not the row the cursor starts on
        locked = _rows(screen, "#operators-table")[row]
        assert "已锁定" in locked[2] and locked[3] == "5"
        table = screen.query_one("#operators-table", DataTable)
        table.move_cursor(row=row)
        screen.query_one("#operator-unlock", Button).press()
        await settle(app, pilot)
        assert notified(app, "已解锁 xu.desk")
        unlocked = _rows(screen, "#operators-table")[row]
        assert "正常" in unlocked[2] and unlocked[3] == "0"
        # The locked sign-in raised an alert, shown with its evidence.
        screen.query_one(TabbedContent).active = "tab-alerts"
        await settle(app, pilot)
        assert any("多次登录失败" in r[2] for r in _rows(screen, "#alerts-table"))
    assert counter.sign_in("xu.desk", PIN) == Operator("xu.desk", "desk")


@pytest.mark.parametrize("role", ["desk", "inspector"])
async def test_a_desk_officer_or_inspector_cannot_use_the_admin_panes(
    make_app: Callable[..., YanzhaoApp], cases: list[dict[str, Any]], world: Path, role: str
) -> None:
    """Even on the admin screen (reached here by switching to it directly, whatever the app's
    bindings allow), the core refuses every action: nothing is listed, acknowledged, purged,
    added or unlocked, and each refusal is a sentence."""
    admin = KioskService(Home(world), clock=lambda: CLOCK, session=ADMIN)
    admin.add_operator("zhao.admin", "admin", PIN)
    bad = case_by(cases, "BAD_SIGNATURE")["payload"]
    for _ in range(5):
        admin.verify(bad)
    app = make_app(demo=False, session=Operator("someone", role))
    async with app.run_test(size=(120, 40)) as pilot:
        await app.switch_mode("admin")
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, AdminScreen)
        tabs = screen.query_one(TabbedContent)
        tabs.active = "tab-alerts"
        await settle(app, pilot)
        assert not _rows(screen, "#alerts-table") and _alerts_title(screen) == "警报"
        assert "无权" in plain(screen.query_one("#alerts-note", Static))
        screen.query_one("#alert-ack", Button).press()
        await settle(app, pilot)

        tabs.active = "tab-audit"
        await settle(app, pilot)
        assert "无权" in plain(screen.query_one("#audit-summary", Static))
        assert plain(screen.query_one("#audit-head", Static)).strip() == "—"
        screen.query_one("#audit-purge", Button).press()
        await pilot.pause()
        assert isinstance(app.screen, ConfirmModal)
        app.screen.query_one("#confirm-yes", Button).press()
        await settle(app, pilot)
        assert notified(app, "无权执行此操作")

        tabs.active = "tab-operators"
        await settle(app, pilot)
        assert not _rows(screen, "#operators-table")
        assert "无权" in plain(screen.query_one("#operators-note", Static))
        await _add_operator(screen, app, pilot, "sneaky", "admin", PIN, PIN)
        assert app.is_running
    with _db(world) as conn:
        names = {n for (n,) in conn.execute("SELECT name FROM operator")}
        assert "zhao.admin" in names and "sneaky" not in names
        assert conn.execute("SELECT count(*) FROM alert WHERE acked_at = ''").fetchone() == (1,)
        denied = {
            s
            for (s,) in conn.execute(
                "SELECT subject FROM audit_entry WHERE action = 'denied' AND operator = 'someone'"
            )
        }
        assert {"alerts", "audit", "operators"} <= denied
        assert verify(conn).intact
