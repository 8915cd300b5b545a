"""Inspection: pick the institution (search or its licence QR), check people in its context
(scanned, or entered by ID number), end the inspection and export the report."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from textual.widgets import DataTable, Input, Static

from domain import idnum
from screens.app import YanzhaoApp
from screens.inspect import InspectScreen
from screens.messages import PayloadScanned
from screens.verdict_card import VerdictCard
from tests.screens.conftest import case_by, notified, plain, settle, until
from tests.screens.id_helpers import cards_text, case_labelled, id_of_case, on_screen
from tests.screens.inspect_helpers import add_typed, confirm, inspecting


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
        await confirm(app, pilot)
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
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await inspecting(app, pilot, cases)
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


async def test_a_failed_check_clears_the_last_person(
    make_app: Callable[..., YanzhaoApp], cases: list[dict[str, Any]]
) -> None:
    """The verifier failing mid-inspection: the last person shown goes, the screen says this
    scan could not be checked, and nothing is added to the roster."""
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await inspecting(app, pilot, cases)
        app.post_message(PayloadScanned(case_by(cases, None)["payload"], "test"))
        await settle(app, pilot)
        assert screen.inspection is not None and len(screen.inspection.checks) == 1
        name = screen.inspection.checks[0].name
        assert name in cards_text(app, "#inspect-last")

        def boom(*args: object, **kwargs: object) -> Any:
            raise RuntimeError("the verifier broke")

        app.service.verify = boom  # type: ignore[method-assign]
        app.post_message(PayloadScanned(case_by(cases, "FILED")["payload"], "test"))
        await settle(app, pilot)
        last = cards_text(app, "#inspect-last")
        assert "无法核验此次扫码" in last and name not in last
        assert len(screen.inspection.checks) == 1
        assert screen.query_one("#inspect-roster", DataTable).row_count == 1
        assert await until(pilot, lambda: notified(app, "出现意外问题"))


async def test_a_forged_credential_adds_no_name_to_the_roster(
    make_app: Callable[..., YanzhaoApp], cases: list[dict[str, Any]]
) -> None:
    """A credential that fails its signature is listed as unverified, without its content."""
    from kiosk.report import UNVERIFIED
    from wire.codec import decode

    forged = case_by(cases, "BAD_SIGNATURE")
    claimed = decode(forged["payload"]).licence
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await inspecting(app, pilot, cases)
        app.post_message(PayloadScanned(forged["payload"], "test"))
        await settle(app, pilot)
        assert screen.inspection is not None
        check = screen.inspection.checks[-1]
        assert (check.name, check.no, check.verdict) == (UNVERIFIED, "—", "invalid")
        roster = screen.query_one("#inspect-roster", DataTable)
        cells = " ".join(str(c) for c in roster.get_row_at(roster.row_count - 1))
        last = cards_text(app, "#inspect-last")
        for shown in (cells, last):
            assert claimed.name not in shown and claimed.no not in shown


async def test_markup_in_data_is_shown_as_text(
    make_app: Callable[..., YanzhaoApp], cases: list[dict[str, Any]]
) -> None:
    """Square brackets in a name are text, never markup (a markup error would end the app)."""
    import dataclasses

    from kiosk import report
    from tests.screens.conftest import CLOCK

    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await inspecting(app, pilot, cases)
        assert screen.inspection is not None
        here = screen.inspection.institution.reg_no
        result = app.service.verify(case_by(cases, None)["payload"], institution=here)
        odd = dataclasses.replace(report.Check.of(CLOCK, result), name="[/]张[b]三", no="[link=x]1")
        screen.post_message(InspectScreen.Checked((result,), [odd], [None]))
        await settle(app, pilot)
        roster = screen.query_one("#inspect-roster", DataTable)
        cells = roster.get_row_at(roster.row_count - 1)
        assert [str(cells[1]), str(cells[3])] == ["[/]张[b]三", "[link=x]1"]
        assert app.is_running


async def test_people_added_by_id_number(
    make_app: Callable[..., YanzhaoApp], cases: list[dict[str, Any]], world: Path
) -> None:
    """Many show no QR: an ID number is a first-class way in. Each gets the scan's card in the
    inspection's context and a roster line; nobody's number stays on screen or in the report."""
    multi = case_labelled(cases, "多机构")
    here = multi["context"]["institution"]
    filed, filed_no = id_of_case(world, multi)
    elsewhere, elsewhere_no = id_of_case(world, case_labelled(cases, "有效医师（河南省卫健委"))
    body = "41010219800101999"
    nobody = body + idnum.check_char(body)
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("f3")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, InspectScreen)
        screen.query_one("#inspect-search", Input).value = here
        await pilot.press("enter")
        await settle(app, pilot)
        await pilot.press("enter")
        await settle(app, pilot)
        assert screen.inspection is not None and app.inspected is not None
        await add_typed(app, pilot, filed)
        (card,) = screen.query_one("#inspect-last").query(VerdictCard)
        assert card.has_class("is-valid") and filed_no in cards_text(app, "#inspect-last")
        await add_typed(app, pilot, elsewhere)
        (card,) = screen.query_one("#inspect-last").query(VerdictCard)
        assert card.has_class("is-invalid")
        assert "NOT_REGISTERED_HERE" in cards_text(app, "#inspect-last")
        await add_typed(app, pilot, nobody)
        assert "查无此人" in cards_text(app, "#inspect-last")
        checks = screen.inspection.checks
        assert [(c.no, c.verdict) for c in checks] == [
            (filed_no, "valid"),
            (elsewhere_no, "invalid"),
            (idnum.mask(nobody), "invalid"),
        ]
        assert checks[1].codes == ("NOT_REGISTERED_HERE",)
        assert screen.query_one("#inspect-roster", DataTable).row_count == 3
        shown = on_screen(app)
        assert not any(n in shown for n in (filed, elsewhere, nobody))
        await pilot.press("ctrl+e")
        await confirm(app, pilot)
        assert screen.inspection is None and app.inspected is None
    for report_file in (world / "reports").glob("*"):
        text = report_file.read_text("utf-8-sig")
        assert filed_no in text and idnum.mask(nobody) in text
        assert not any(n in text for n in (filed, elsewhere, nobody))


async def test_an_id_number_before_picking_the_institution_explains(
    make_app: Callable[..., YanzhaoApp], cases: list[dict[str, Any]], world: Path
) -> None:
    id18, _ = id_of_case(world, case_by(cases, None))
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("f3")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, InspectScreen)
        screen.scan(id18)  # a card reader's burst, routed here by the app
        await settle(app, pilot)
        assert await until(pilot, lambda: notified(app, "请先选择被检查机构"))
        assert screen.inspection is None


async def test_an_id_number_when_not_enrolled_says_so(
    make_app: Callable[..., YanzhaoApp], cases: list[dict[str, Any]], world: Path
) -> None:
    id18, _ = id_of_case(world, case_by(cases, None))
    (world / "id-index.key").unlink()
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await inspecting(app, pilot, cases)
        await add_typed(app, pilot, id18)
        assert app.is_running and screen.inspection is not None
        assert "未登记身份证索引密钥" in cards_text(app, "#inspect-last")
        assert not screen.inspection.checks
        assert id18 not in on_screen(app)


async def test_a_scan_during_an_inspection_shows_the_card(
    make_app: Callable[..., YanzhaoApp], cases: list[dict[str, Any]]
) -> None:
    """A scan gives the same card as on Scan, with the inspected institution on it."""
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await inspecting(app, pilot, cases)
        app.post_message(PayloadScanned(case_by(cases, "FILED")["payload"], "test"))
        await settle(app, pilot)
        (card,) = screen.query_one("#inspect-last").query(VerdictCard)
        assert card.has_class("is-invalid")
        text = cards_text(app, "#inspect-last")
        assert "FILED" in text and "被检查机构" in text and "医师执业证书" in text


async def test_clear_personal_empties_the_roster_but_keeps_the_inspection(
    make_app: Callable[..., YanzhaoApp], cases: list[dict[str, Any]], world: Path
) -> None:
    """What the lock and the sign-out call: the last cards, the roster and the boxes emptied;
    the people checked stay in the inspection, for its report."""
    multi = case_labelled(cases, "多机构")
    filed, filed_no = id_of_case(world, multi)
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await inspecting(app, pilot, cases)
        await add_typed(app, pilot, filed)
        roster = screen.query_one("#inspect-roster", DataTable)
        assert roster.row_count == 1 and filed_no in on_screen(app)
        screen.query_one("#inspect-add", Input).value = filed[:10]
        screen.clear_personal()
        await pilot.pause()
        assert roster.row_count == 0 and not screen.query_one("#inspect-last").query(VerdictCard)
        assert filed_no not in on_screen(app) and filed[:10] not in on_screen(app)
        assert screen.inspection is not None and len(screen.inspection.checks) == 1
        screen.add_id_number(filed)  # a check starts...
        screen.clear_personal()  # ...and the screen locks before it ends
        await settle(app, pilot)
        assert roster.row_count == 0 and filed_no not in on_screen(app)
        # recorded all the same: the same person, checked twice
        assert [c.times for c in screen.inspection.checks] == [2]
