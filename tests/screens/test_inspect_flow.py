"""Inspection, picking and ending: institutions with one name told apart, an institution's
own licence scanned mid-inspection offered as a switch (never a person on the roster), and
Ctrl+E asking before it ends anything."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

from textual.widgets import Input

from screens.app import YanzhaoApp
from screens.inspect import InspectScreen
from screens.inspect_picker import InstitutionPicker
from screens.inspect_roster import InspectRoster
from tests.screens.conftest import case_by, notified, settle, until
from tests.screens.id_helpers import case_labelled, edit_replica
from tests.screens.inspect_helpers import confirm, inspecting, inspecting_at, scanned
from wire.codec import decode


def _institution_row(world: Path, reg_no: str) -> tuple[str, str]:
    """(name, address) of an institution in the home's replica."""
    from db import store

    path = store.current(world / "replica")
    assert path is not None
    conn = sqlite3.connect(path)
    try:
        row = conn.execute(
            "SELECT name, address FROM institution WHERE reg_no = ?", (reg_no,)
        ).fetchone()
    finally:
        conn.close()
    return str(row[0]), str(row[1])


async def test_two_institutions_with_one_name_are_told_apart(
    make_app: Callable[..., YanzhaoApp], cases: list[dict[str, Any]], world: Path
) -> None:
    """Each one shows its registration number, address and status and is marked as sharing
    its name; picking the right one makes the doctor filed there valid, not
    NOT_REGISTERED_HERE."""
    multi = case_labelled(cases, "多机构")
    here = multi["context"]["institution"]
    other = decode(case_labelled(cases, "有效医疗机构")["payload"]).licence.no
    name, address = _institution_row(world, here)
    edit_replica(world, "UPDATE institution SET name = ? WHERE reg_no = ?", name, other)
    other_address = _institution_row(world, other)[1]
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f3")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, InspectScreen)
        screen.query_one("#inspect-search", Input).value = name
        await pilot.press("enter")
        await settle(app, pilot)
        picker = screen.query_one(InstitutionPicker)
        prompts = [str(picker.get_option_at_index(i).prompt) for i in range(picker.option_count)]
        assert len(prompts) == 2
        for reg_no, where in ((here, address), (other, other_address)):
            (prompt,) = [p for p in prompts if reg_no in p]
            assert where in prompt and "同名机构" in prompt and "正常" in prompt
        assert app.focused is picker and picker.highlighted == 0
        for _ in range(next(i for i, p in enumerate(prompts) if here in p)):
            await pilot.press("down")
        await pilot.press("enter")
        await settle(app, pilot)
        assert screen.inspection is not None and screen.inspection.institution.reg_no == here
        await scanned(app, pilot, multi["payload"])
        assert [c.verdict for c in screen.inspection.checks] == ["valid"]


async def test_the_picker_in_english(
    make_app: Callable[..., YanzhaoApp], cases: list[dict[str, Any]]
) -> None:
    here = case_labelled(cases, "多机构")["context"]["institution"]
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f3", "f9")
        await pilot.pause()
        screen = app.screen
        screen.query_one("#inspect-search", Input).value = here
        screen.query_one("#inspect-search", Input).focus()
        await pilot.press("enter")
        await settle(app, pilot)
        prompt = str(screen.query_one(InstitutionPicker).get_option_at_index(0).prompt)
        assert f"Reg. no. {here}" in prompt and "active" in prompt
        screen.query_one("#inspect-search", Input).value = "不存在的机构名称"
        screen.query_one("#inspect-search", Input).focus()
        await pilot.press("enter")
        await settle(app, pilot)
        assert await until(pilot, lambda: notified(app, "No institution matches"))


async def test_an_institution_licence_offers_a_switch_not_a_roster_line(
    make_app: Callable[..., YanzhaoApp], cases: list[dict[str, Any]], world: Path
) -> None:
    """Scanned mid-inspection, an institution's licence is not a person: the officer is asked
    whether to inspect it instead. No keeps everything; yes saves the report of the
    inspection so far and starts the new one."""
    multi = case_labelled(cases, "多机构")
    here = multi["context"]["institution"]
    licence = case_labelled(cases, "有效医疗机构")["payload"]
    other = decode(licence).licence
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await inspecting_at(app, pilot, here)
        await scanned(app, pilot, multi["payload"])
        await scanned(app, pilot, licence)
        question = await confirm(app, pilot, yes=False)
        assert other.name in question and other.no in question and "1 人" in question
        assert screen.inspection is not None and screen.inspection.institution.reg_no == here
        assert len(screen.inspection.checks) == 1
        assert screen.query_one(InspectRoster).row_count == 1
        assert not (world / "reports").exists()
        await scanned(app, pilot, licence)
        await confirm(app, pilot)
        assert len(list((world / "reports").glob("*.html"))) == 1
        assert screen.inspection.institution.reg_no == other.no
        assert app.inspected is not None and app.inspected.reg_no == other.no
        assert not screen.inspection.checks and screen.query_one(InspectRoster).row_count == 0
        await scanned(app, pilot, licence)  # the one inspected now: nothing to ask
        assert await until(pilot, lambda: notified(app, "正在检查的机构的许可证"))
        assert app.screen is screen and not screen.inspection.checks


async def test_ctrl_e_asks_before_ending(
    make_app: Callable[..., YanzhaoApp], cases: list[dict[str, Any]], world: Path
) -> None:
    """The question shows the counts; Escape keeps the inspection; yes ends it."""
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await inspecting(app, pilot, cases)
        await scanned(app, pilot, case_by(cases, None)["payload"])
        await pilot.press("ctrl+e")
        question = await confirm(app, pilot, yes=False)
        assert "已核验 1 人（1 次）" in question and "无效 1" in question
        assert screen.inspection is not None and not (world / "reports").exists()
        assert screen.query_one(InspectRoster).row_count == 1
        await pilot.press("f9", "ctrl+e")
        question = await confirm(app, pilot)
        assert "People: 1 · checks: 1" in question and "invalid 1" in question
        assert screen.inspection is None and app.inspected is None
        assert len(list((world / "reports").glob("*"))) == 2


async def test_ctrl_e_is_offered_only_during_an_inspection(
    make_app: Callable[..., YanzhaoApp], cases: list[dict[str, Any]]
) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("f3")
        await pilot.pause()
        shown = {b.binding.action.partition("(")[0] for b in app.active_bindings.values()}
        assert "end_inspection" not in shown
        await inspecting(app, pilot, cases)
        shown = {b.binding.action.partition("(")[0] for b in app.active_bindings.values()}
        assert "end_inspection" in shown
