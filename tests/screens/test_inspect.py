"""Inspection: pick the institution (search or its licence QR), check people in its context,
end the inspection and export the report."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from textual.widgets import DataTable, Input, Static

from screens.app import PayloadScanned, YanzhaoApp
from screens.inspect import InspectScreen
from tests.screens.conftest import case_by, notified, plain, settle, until


async def test_full_inspection(
    make_app: Callable[..., YanzhaoApp], cases: list[dict[str, Any]], world: Path
) -> None:
    multi = next(c for c in cases if c["label"].startswith("多机构"))
    here = multi["context"]["institution"]
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("f3")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, InspectScreen)
        screen.query_one("#inspect-search", Input).value = here
        await pilot.press("enter")
        await settle(app, pilot)
        await pilot.press("enter")  # choose the one institution found
        await pilot.pause()
        assert screen.inspection is not None and screen.inspection.institution.reg_no == here
        # A doctor with a filing here is valid; one registered elsewhere is not.
        app.post_message(PayloadScanned(multi["payload"], "test"))
        await settle(app, pilot)
        app.post_message(PayloadScanned(case_by(cases, None)["payload"], "test"))
        await settle(app, pilot)
        roster = screen.query_one("#inspect-roster", DataTable)
        assert roster.row_count == 2
        verdicts = [c.verdict for c in screen.inspection.checks]
        assert verdicts == ["valid", "invalid"]
        assert "NOT_REGISTERED_HERE" in screen.inspection.checks[1].codes
        await pilot.press("ctrl+e")
        await pilot.pause()
        assert screen.inspection is None
    reports = sorted((world / "reports").glob("*"))
    assert [p.suffix for p in reports] == [".csv", ".html"]
    html = reports[1].read_text("utf-8")
    assert "NOT_REGISTERED_HERE" in html and "有效" in html
    csv_text = reports[0].read_text("utf-8-sig")
    assert csv_text.count("\n") >= 5


async def test_pick_institution_by_scanning_its_licence(
    make_app: Callable[..., YanzhaoApp], cases: list[dict[str, Any]]
) -> None:
    inst = next(c for c in cases if c["label"].startswith("有效医疗机构"))
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("f3")
        await pilot.pause()
        app.post_message(PayloadScanned(inst["payload"], "test"))
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, InspectScreen) and screen.inspection is not None
        assert "正在检查" in plain(screen.query_one("#inspect-title", Static))


async def test_scanning_a_person_before_picking_explains(
    make_app: Callable[..., YanzhaoApp], cases: list[dict[str, Any]]
) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("f3")
        await pilot.pause()
        app.post_message(PayloadScanned(case_by(cases, None)["payload"], "test"))
        await settle(app, pilot)
        assert await until(pilot, lambda: notified(app, "机构的执业许可证"))
        assert app.screen.inspection is None  # type: ignore[attr-defined]
