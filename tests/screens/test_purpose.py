"""The purpose of look-ups (issue 20): an ID number or a name is looked up only for a purpose
picked for the session, which the audit trail records; a certificate number needs none."""

from __future__ import annotations

import contextlib
import json
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from textual.widgets import DataTable, Input, Select, Static

from screens.app import YanzhaoApp
from screens.card_stack import CardStack
from screens.lookup import LookupScreen
from screens.verdict_card import VerdictCard
from tests.screens.conftest import ADMIN, notified, plain, settle


def _person(world: Path) -> dict[str, Any]:
    with (world / "demo" / "export" / "practitioners.ndjson").open(encoding="utf-8") as fh:
        return next(r for r in map(json.loads, fh) if len(r["name"]) == 3)


@contextlib.contextmanager
def _db(world: Path) -> Iterator[sqlite3.Connection]:
    conn = sqlite3.connect(world / "kiosk.db")
    try:
        yield conn
    finally:
        conn.close()


def _lookups(world: Path) -> list[tuple[str, str, str]]:
    """(action, kind, purpose) of every look-up and ID check recorded (an ID check's detail
    holds its reason codes: left out)."""
    with _db(world) as conn:
        return conn.execute(
            "SELECT action, iif(action = 'lookup', detail, ''), purpose FROM audit_entry "
            "WHERE action IN ('lookup', 'check') ORDER BY id"
        ).fetchall()


async def _lookup(app: YanzhaoApp, pilot: Any) -> LookupScreen:
    await pilot.press("f2")
    await settle(app, pilot)
    screen = app.screen
    assert isinstance(screen, LookupScreen)
    return screen


async def _search(app: YanzhaoApp, pilot: Any, text: str) -> None:
    box = app.screen.query_one("#lookup-input", Input)
    box.value = text
    box.focus()
    await pilot.press("enter")
    await settle(app, pilot)


def _hint(app: YanzhaoApp) -> str:
    return plain(app.screen.query_one("#lookup-hint", Static))


def _cards(app: YanzhaoApp) -> list[VerdictCard]:
    return list(app.screen.query_one("#lookup-cards", CardStack).query(VerdictCard))


async def test_without_a_purpose_nothing_is_looked_up(
    make_app: Callable[..., YanzhaoApp], world: Path
) -> None:
    person = _person(world)
    app = make_app(purpose=None)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await _lookup(app, pilot)
        await _search(app, pilot, person["name"])
        assert screen.query_one(DataTable).row_count == 0
        assert "请先选择查询事由" in _hint(app) and notified(app, "请先选择查询事由")
        assert screen.query_one("#lookup-hint", Static).has_class("is-error")
        assert screen.query_one("#lookup-input", Input).value == person["name"]  # kept
        assert app.focused is screen.query_one("#purpose-select", Select)
        await _search(app, pilot, person["id_number"])
        assert not _cards(app)
        assert _lookups(world) == []
        # A certificate number, printed on the licence in hand, needs no purpose.
        await _search(app, pilot, person["cert_no"])
        assert screen.query_one(DataTable).row_count >= 1
        assert _lookups(world) == [("lookup", "cert", "")]


async def test_the_purpose_picked_is_recorded_and_kept_until_sign_out(
    make_app: Callable[..., YanzhaoApp], world: Path
) -> None:
    person = _person(world)
    app = make_app(purpose=None)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await _lookup(app, pilot)
        await _search(app, pilot, person["name"])  # refused: the list gets the focus
        await pilot.press("enter", "down", "down", "down", "enter")  # 投诉处理 complaint
        await settle(app, pilot)
        assert app.service.purpose == "complaint"
        assert app.focused is screen.query_one("#lookup-input", Input)
        await pilot.press("enter")  # the name still in the box: searched now
        await settle(app, pilot)
        assert screen.query_one(DataTable).row_count >= 1
        await _search(app, pilot, person["id_number"])
        assert len(_cards(app)) == 1
        assert _lookups(world) == [("lookup", "name", "complaint"), ("check", "", "complaint")]
        # Kept while the officer works elsewhere; gone with the sign-out.
        await pilot.press("f1")
        await settle(app, pilot)
        await pilot.press("f2")
        await settle(app, pilot)
        assert screen.query_one("#purpose-select", Select).value == "complaint"
        await pilot.press("f1")
        await settle(app, pilot)
        app.service.sign_out()
        app.service.session = ADMIN  # the next officer signs in
        await pilot.press("f2")
        await settle(app, pilot)
        assert screen.query_one("#purpose-select", Select).is_blank()
        await _search(app, pilot, person["name"])
        assert "请先选择查询事由" in _hint(app)
        assert len(_lookups(world)) == 2


async def test_other_needs_a_note(make_app: Callable[..., YanzhaoApp], world: Path) -> None:
    person = _person(world)
    app = make_app(purpose=None)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await _lookup(app, pilot)
        screen.query_one("#purpose-select", Select).value = "other"
        await settle(app, pilot)
        note = screen.query_one("#purpose-note", Input)
        assert note.display and app.service.purpose is None
        note.focus()
        await pilot.press("enter")  # no note
        await pilot.pause()
        assert notified(app, "须注明")
        await _search(app, pilot, person["name"])
        assert "须注明" in _hint(app) and screen.query_one(DataTable).row_count == 0
        assert app.focused is note
        note.value = "协查函 2026-17"
        await settle(app, pilot)
        await _search(app, pilot, person["name"])
        assert screen.query_one(DataTable).row_count >= 1
        assert _lookups(world) == [("lookup", "name", "other: 协查函 2026-17")]
