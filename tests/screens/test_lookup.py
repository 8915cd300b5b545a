"""Look-up screen: ID number checked as typed, by certificate number, by name, detail panel."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from textual.widgets import DataTable, Input, Static

from screens.app import YanzhaoApp
from screens.lookup import LookupScreen
from tests.screens.conftest import notified, plain, settle, until


def _person(world: Path, pred: Callable[[dict[str, Any]], bool] = lambda r: True) -> dict[str, Any]:
    with (world / "demo" / "export" / "practitioners.ndjson").open(encoding="utf-8") as fh:
        return next(r for r in map(json.loads, fh) if pred(r))


async def _search(app: YanzhaoApp, pilot: object, text: str) -> None:
    box = app.screen.query_one("#lookup-input", Input)
    box.value = text
    await pilot.press("enter")  # type: ignore[attr-defined]
    await settle(app, pilot)


async def test_lookup_by_id_number(make_app: Callable[..., YanzhaoApp], world: Path) -> None:
    person = _person(world, lambda r: bool(r.get("photo")))
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("f2")
        await pilot.pause()
        assert isinstance(app.screen, LookupScreen)
        await _search(app, pilot, person["id_number"])
        table = app.screen.query_one(DataTable)
        assert table.row_count == 1
        row = table.get_row_at(0)
        assert row[0] == person["name"] and person["id_number"] not in " ".join(map(str, row))
        detail = plain(app.screen.query_one("#lookup-detail-text", Static))
        assert person["cert_no"] in detail and "*" in detail
        assert plain(app.screen.query_one("#lookup-photo", Static)).strip()  # the photo


async def test_wrong_check_character_is_explained_while_typing(
    make_app: Callable[..., YanzhaoApp], world: Path
) -> None:
    good = _person(world)["id_number"]
    wrong = good[:17] + ("0" if good[17] != "0" else "1")
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("f2")
        await pilot.pause()
        box = app.screen.query_one("#lookup-input", Input)
        box.value = good[:10]
        await pilot.pause()
        hint = app.screen.query_one("#lookup-hint", Static)
        assert "10/18" in plain(hint)
        box.value = wrong
        await pilot.pause()
        assert "校验位" in plain(hint) and hint.has_class("is-error")
        await pilot.press("enter")
        await settle(app, pilot)
        assert app.screen.query_one(DataTable).row_count == 0


async def test_lookup_by_two_character_name_and_cert(
    make_app: Callable[..., YanzhaoApp], world: Path
) -> None:
    short = _person(world, lambda r: len(r["name"]) == 2)
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("f2")
        await pilot.pause()
        await _search(app, pilot, short["name"])
        table = app.screen.query_one(DataTable)
        names = {table.get_row_at(i)[0] for i in range(table.row_count)}
        assert short["name"] in names
        await _search(app, pilot, short["cert_no"])
        assert table.row_count >= 1 and table.get_row_at(0)[2] == short["cert_no"]


async def test_nothing_found_says_so(make_app: Callable[..., YanzhaoApp]) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("f2")
        await pilot.pause()
        await _search(app, pilot, "无此人名")
        assert "没有找到" in plain(app.screen.query_one("#lookup-hint", Static))


async def test_lookup_without_replica_is_calm(
    make_app: Callable[..., YanzhaoApp], world: Path
) -> None:
    app = make_app(world / "demo" / "no-replica-home")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("f2")
        await pilot.pause()
        await _search(app, pilot, "张伟")
        assert await until(pilot, lambda: notified(app, "同步"))
        assert isinstance(app.screen, LookupScreen)


async def test_full_width_digits_find_the_person_and_never_crash(
    make_app: Callable[..., YanzhaoApp], world: Path
) -> None:
    """A Chinese input method types full-width digits: the same number, found; one odd digit
    is a hint, not a crash, and neither shows the typed number anywhere."""
    person = _person(world)
    typed = "".join(chr(0xFF10 + int(c)) if c.isdigit() else "ｘ" for c in person["id_number"])
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("f2")
        await pilot.pause()
        await _search(app, pilot, typed)
        table = app.screen.query_one(DataTable)
        assert table.row_count == 1 and table.get_row_at(0)[0] == person["name"]
        odd = person["id_number"][:5] + "٣" + person["id_number"][6:]  # an Arabic-Indic digit
        await _search(app, pilot, odd)
        assert app.is_running and isinstance(app.screen, LookupScreen)
        hint = plain(app.screen.query_one("#lookup-hint", Static))
        assert hint and person["id_number"][6:14] not in hint


async def test_an_empty_or_endless_name_search_is_refused(
    make_app: Callable[..., YanzhaoApp], world: Path
) -> None:
    """A name search pages on to 100 people at most, then asks for more of the name."""
    from collections import Counter

    with (world / "demo" / "export" / "practitioners.ndjson").open(encoding="utf-8") as fh:
        surname, n = Counter(json.loads(line)["name"][0] for line in fh).most_common(1)[0]
    assert n > 100
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("f2")
        await pilot.pause()
        await _search(app, pilot, "   ")
        assert app.screen.query_one(DataTable).row_count == 0
        await _search(app, pilot, surname)
        screen = app.screen
        assert isinstance(screen, LookupScreen)
        for _ in range(8):
            screen.action_page(1)  # PageDown (which the focused table takes today: issue 21)
            await settle(app, pilot)
        assert screen.page_start == 80 and len(screen.results) == 20  # people 81-100, the last page
        assert notified(app, "100")
