"""The inspection roster: China time, the licence type named, the officer, the photo of the
last person, one line a person however often they are checked, and F9."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Static

from screens.app import YanzhaoApp
from screens.inspect_roster import InspectRoster
from screens.verdict_card import VerdictCard
from tests.screens.conftest import case_by, plain, settle, until
from tests.screens.id_helpers import case_labelled, id_of_case, on_screen
from tests.screens.inspect_helpers import confirm, inspecting, inspecting_at, scanned


@pytest.fixture
def utc_machine(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The kiosk machine's own zone is UTC (as a container's or a fresh VM's is)."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def _row(roster: InspectRoster, index: int) -> list[str]:
    return [str(cell) for cell in roster.get_row_at(index)]


@pytest.mark.usefixtures("utc_machine")
async def test_the_roster_says_china_time_the_type_and_the_officer(
    make_app: Callable[..., YanzhaoApp], cases: list[dict[str, Any]]
) -> None:
    """The clock is 02:30 UTC: the roster says 10:30, as the header and the reports do; the
    type column names the licence; the signed-in operator is the officer; F9 re-words it."""
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await inspecting(app, pilot, cases)
        await scanned(app, pilot, case_by(cases, None)["payload"])
        await scanned(app, pilot, case_labelled(cases, "有效护士")["payload"])
        roster = screen.query_one(InspectRoster)
        first, second = _row(roster, 0), _row(roster, 1)
        assert first[0] == second[0] == "10:30:00"
        assert (first[2], second[2]) == ("医师", "护士")
        title = plain(screen.query_one("#inspect-title", Static))
        assert "检查人：admin1" in title and "已核验 2 人（2 次）" in title
        await pilot.press("f9")
        await pilot.pause()
        assert [str(c.label) for c in roster.columns.values()][:3] == ["Time", "Name", "Type"]
        assert roster.row_count == 2 and _row(roster, 1)[2] == "Nurse"
        assert _row(roster, 0)[4] in ("Valid", "Warning", "Invalid")
        title = plain(screen.query_one("#inspect-title", Static))
        assert "Officer: admin1" in title and "People: 2 · Checks: 2" in title


async def test_the_last_person_is_shown_with_their_photo(
    make_app: Callable[..., YanzhaoApp], cases: list[dict[str, Any]], world: Path
) -> None:
    """Scanned or entered by ID number, the last person's card carries their photo."""
    case = case_by(cases, None)
    id18, _ = id_of_case(world, case)
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await inspecting(app, pilot, cases)
        for how in ("scan", "id"):
            if how == "scan":
                await scanned(app, pilot, case["payload"])
            else:
                screen.scan(id18)  # an ID card reader's burst
                await settle(app, pilot)
            (card,) = screen.query_one("#inspect-last").query(VerdictCard)
            photo = card.query_one("#verdict-photo")
            assert photo.display and photo.region.width >= 10 and photo.region.height >= 4, how


async def test_a_person_checked_again_is_one_line(
    make_app: Callable[..., YanzhaoApp], cases: list[dict[str, Any]], world: Path
) -> None:
    """Scanned twice and entered once by ID number: one roster line, the latest result,
    marked ×3; counted once in the question before ending and in the report."""
    multi = case_labelled(cases, "多机构")
    id18, cert_no = id_of_case(world, multi)
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await inspecting_at(app, pilot, multi["context"]["institution"])
        await scanned(app, pilot, multi["payload"])
        await scanned(app, pilot, case_by(cases, None)["payload"])
        await scanned(app, pilot, multi["payload"])
        screen.scan(id18)  # the same person, by ID number
        await settle(app, pilot)
        assert screen.inspection is not None
        assert [(c.no, c.times) for c in screen.inspection.checks][-1] == (cert_no, 3)
        assert len(screen.inspection.checks) == 2
        roster = screen.query_one(InspectRoster)
        assert roster.row_count == 2
        last = _row(roster, 1)
        assert last[3] == cert_no and "×3" in last[1]
        assert "×" not in _row(roster, 0)[1]
        await pilot.press("ctrl+e")
        question = await confirm(app, pilot)
        assert "已核验 2 人（4 次）" in question and "有效 1" in question and "无效 1" in question
    (csv_path,) = (world / "reports").glob("*.csv")
    text = csv_path.read_text("utf-8-sig")
    assert "人数 people,2,核验次数 checks,4" in text
    assert text.count(cert_no) == 1


async def test_a_person_without_a_photo_is_said_to_have_none(
    make_app: Callable[..., YanzhaoApp], cases: list[dict[str, Any]]
) -> None:
    """The registry holds no photo: the card says so, rather than leaving a blank."""
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await inspecting(app, pilot, cases)
        await scanned(app, pilot, case_by(cases, "NO_PHOTO")["payload"])
        assert screen.query_one("#inspect-last").query(VerdictCard)
        assert "无照片" in on_screen(app)


async def _one_checked(app: YanzhaoApp, pilot: Any, cases: list[dict[str, Any]]) -> InspectRoster:
    """An inspection with one person checked (an invalid case, so it has reasons): its roster."""
    await inspecting(app, pilot, cases)
    await scanned(app, pilot, case_by(cases, None)["payload"])
    roster = app.screen.query_one(InspectRoster)
    assert await until(pilot, lambda: roster.row_count == 1)
    return roster


async def test_f9_redraws_the_roster_at_the_new_widths(
    make_app: Callable[..., YanzhaoApp], cases: list[dict[str, Any]]
) -> None:
    """After F9 the cells are drawn whole ("Physician", "Invalid"), not cut to the width the
    Chinese headings had ("Phys", "Inva"), as seen in tmux at 80x24."""
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await _one_checked(app, pilot, cases)
        await pilot.press("ctrl+e")  # asked, then kept on: as the officer did in tmux
        await settle(app, pilot)
        await pilot.press("escape")
        await settle(app, pilot)
        await pilot.press("f9")
        await settle(app, pilot)
        svg = app.export_screenshot()
        text = re.sub(r"<[^>]+>", "", svg).replace("&#160;", " ")
        lines = text.splitlines()
        heading = next(i for i, line in enumerate(lines) if "Verdict" in line and "Reasons" in line)
        row = lines[heading + 1]
        assert "Physician" in row and "Invalid" in row, row


async def test_f9_rewords_the_reasons_of_rows_already_checked(
    make_app: Callable[..., YanzhaoApp], cases: list[dict[str, Any]]
) -> None:
    """The reasons column follows F9 like the rest of the row: a person checked in Chinese
    reads in English after the switch, and in Chinese again after the next."""
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        roster = await _one_checked(app, pilot, cases)
        cjk = re.compile(r"[\u4e00-\u9fff]")
        zh = str(roster.get_row_at(0)[5])
        assert cjk.search(zh), zh
        await pilot.press("f9")
        await settle(app, pilot)
        en = str(roster.get_row_at(0)[5])
        assert en not in ("", "—") and not cjk.search(en), en
        await pilot.press("f9")
        await settle(app, pilot)
        assert str(roster.get_row_at(0)[5]) == zh


async def test_f9_on_another_screen_reaches_the_inspection(
    make_app: Callable[..., YanzhaoApp], cases: list[dict[str, Any]]
) -> None:
    """F9 pressed on Look up: back on Inspect, its headings, roster and card are in the new
    language too (only the screen shown used to be redrawn, as seen in tmux)."""
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        roster = await _one_checked(app, pilot, cases)
        await pilot.press("f2")
        await settle(app, pilot)
        await pilot.press("f9")
        await settle(app, pilot)
        await pilot.press("f3")
        await settle(app, pilot)
        assert app.screen is roster.screen
        assert [str(c.label) for c in roster.columns.values()][4:] == ["Verdict", "Reasons"]
        assert not re.search(r"[\u4e00-\u9fff]", str(roster.get_row_at(0)[5]))
        banner = app.screen.query_one("#verdict-banner", Static)
        assert plain(banner).strip().startswith("✘  INVALID"), plain(banner)


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
async def test_long_reasons_end_in_an_ellipsis_within_the_roster(
    make_app: Callable[..., YanzhaoApp], cases: list[dict[str, Any]], size: tuple[int, int]
) -> None:
    """A reason longer than the room left ends in "…" inside the roster, in both languages,
    instead of running past its edge (seen in tmux at 80x24: "…and no current filing for i")."""
    app = make_app()
    async with app.run_test(size=size) as pilot:
        roster = await _one_checked(app, pilot, cases)
        for _lang in ("zh", "en"):
            await settle(app, pilot)
            assert roster.virtual_size.width <= roster.size.width, (
                roster.virtual_size,
                roster.size,
            )
            text = re.sub(r"<[^>]+>", "", app.export_screenshot()).replace("&#160;", " ")
            no = str(roster.get_row_at(0)[3])
            row = [line for line in text.splitlines() if no in line][
                -1
            ]  # the roster, under the card
            if size[0] == 80:
                assert row.rstrip().endswith("…"), row
            await pilot.press("f9")


async def test_the_roster_fits_again_when_the_terminal_narrows(
    make_app: Callable[..., YanzhaoApp], cases: list[dict[str, Any]]
) -> None:
    """From 120 to 80 columns the reasons column gives up the room, and the roster's
    scrollable width follows (no horizontal scrollbar over blank space)."""
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        roster = await _one_checked(app, pilot, cases)
        await pilot.resize_terminal(80, 24)
        await settle(app, pilot)
        assert roster.virtual_size.width <= roster.size.width, (roster.virtual_size, roster.size)
        assert roster.max_scroll_x == 0
