"""Look-up screen: an ID number gives the verdict card of every licence it holds (checked as
it is typed, never left on screen); a certificate number or a name stays a search."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from rich.text import Text
from textual import events
from textual.widgets import DataTable, Input, Static

from domain import idnum
from screens.app import YanzhaoApp
from screens.card_stack import CardStack
from screens.lookup import LookupScreen
from screens.verdict_card import VerdictCard
from tests.screens.conftest import notified, plain, settle, until
from tests.screens.id_helpers import (
    cards_text,
    case_labelled,
    edit_replica,
    id_of_case,
    on_screen,
)


def _person(world: Path, pred: Callable[[dict[str, Any]], bool] = lambda r: True) -> dict[str, Any]:
    with (world / "demo" / "export" / "practitioners.ndjson").open(encoding="utf-8") as fh:
        return next(r for r in map(json.loads, fh) if pred(r))


async def _search(app: YanzhaoApp, pilot: object, text: str) -> None:
    box = app.screen.query_one("#lookup-input", Input)
    box.value = text
    await pilot.press("enter")  # type: ignore[attr-defined]
    await settle(app, pilot)


def _cards(app: YanzhaoApp) -> list[VerdictCard]:
    return list(app.screen.query_one("#lookup-cards", CardStack).query(VerdictCard))


async def _to_lookup(app: YanzhaoApp, pilot: Any) -> LookupScreen:
    await pilot.press("f2")
    await pilot.pause()
    screen = app.screen
    assert isinstance(screen, LookupScreen)
    return screen


@pytest.mark.parametrize(
    ("label", "verdict", "codes"),
    [
        ("有效医师（河南省卫健委", "is-valid", []),
        ("护士注册已过期 EXPIRED", "is-invalid", ["EXPIRED"]),
        ("已注销 CANCELLED", "is-invalid", ["CANCELLED"]),
        ("主要执业机构停业", "is-warning", ["INSTITUTION_INVALID"]),
    ],
)
async def test_an_id_number_shows_the_verdict_card_a_scan_would(
    make_app: Callable[..., YanzhaoApp],
    world: Path,
    cases: list[dict[str, Any]],
    label: str,
    verdict: str,
    codes: list[str],
) -> None:
    """The issue's first story: the lapsed nurse found by ID number is 无效 EXPIRED, not a
    green "active"; the card is the scan's card, with the registry's record and no number."""
    id18, cert_no = id_of_case(world, case_labelled(cases, label))
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await _to_lookup(app, pilot)
        await _search(app, pilot, id18)
        (card,) = _cards(app)
        assert card.has_class(verdict)
        banner = plain(card.query_one("#verdict-banner", Static))
        zh = {"is-valid": "有效", "is-warning": "注意", "is-invalid": "无效"}[verdict]
        assert zh in banner and "按身份证号核验" in banner
        reasons = plain(card.query_one("#verdict-reasons", Static))
        assert re.findall(r"\b[A-Z][A-Z_]+[A-Z]\b", reasons) == codes
        fields = plain(card.query_one("#verdict-fields", Static))
        assert cert_no in fields and idnum.mask(id18) in fields and "签发日期" in fields
        assert screen.query_one("#lookup-main").display is False  # no table: a verdict
        assert screen.query_one("#lookup-input", Input).value == ""
        assert idnum.mask(id18) in plain(screen.query_one("#lookup-hint", Static))
        assert id18 not in on_screen(app)


async def test_the_card_shows_the_licence_style_fields(
    make_app: Callable[..., YanzhaoApp], world: Path
) -> None:
    """A physician with a multi-site filing: 出生年月, 执业级别/类别/范围, 证书编码, 签发机关 and
    签发日期, the main institution and each filing with its institution, scope and dates; the
    photo; the ID number masked."""
    with (world / "demo" / "export" / "practitioners.ndjson").open(encoding="utf-8") as fh:
        people = [json.loads(line) for line in fh]
    with (world / "demo" / "export" / "filings.ndjson").open(encoding="utf-8") as fh:
        filed = {json.loads(line)["cert_no"] for line in fh}
    person = next(
        p
        for p in people
        if p["kind"] == "physician" and p["cert_no"] in filed and p.get("photo") and p.get("title")
    )
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await _to_lookup(app, pilot)
        await _search(app, pilot, person["id_number"])
        (card,) = _cards(app)
        fields = plain(card.query_one("#verdict-fields", Static))
        for label in ("出生年月", "执业级别", "执业类别", "执业范围", "任职资格", "证书编码"):
            assert label in fields, label
        for value in (person["name"], person["birth_month"], person["level"], person["title"]):
            assert value in fields, value
        assert "主要执业机构" in fields and "多机构执业备案" in fields and " 至 " in fields
        assert person["authority_name"] in fields and person["issued_on"] in fields
        assert plain(card.query_one("#verdict-photo", Static)).strip()  # the photo
        assert person["id_number"] not in on_screen(app)


async def test_info_reasons_come_after_and_look_different(
    make_app: Callable[..., YanzhaoApp], world: Path, cases: list[dict[str, Any]]
) -> None:
    """EXPIRES_SOON leaves the verdict valid and is shown as a dim ℹ note, not a bullet."""
    id18, _ = id_of_case(world, case_labelled(cases, "护士注册即将到期"))
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await _to_lookup(app, pilot)
        await _search(app, pilot, id18)
        (card,) = _cards(app)
        assert card.has_class("is-valid")
        reasons = card.query_one("#verdict-reasons", Static).content
        assert isinstance(reasons, Text)
        (line,) = [x for x in reasons.split() if "EXPIRES_SOON" in x.plain]
        assert line.plain.startswith("ℹ") and "•" not in line.plain
        assert any("dim" in str(span.style) for span in line.spans)
        assert "注册有效期至" in plain(card.query_one("#verdict-fields", Static))


async def test_two_licences_for_one_number_show_two_cards(
    make_app: Callable[..., YanzhaoApp], world: Path, cases: list[dict[str, Any]]
) -> None:
    """A person who holds a physician's and a nurse's licence (staged in the replica: the
    nurse's record is given the physician's ID index) gets one card per licence."""
    id18, doctor = id_of_case(world, case_labelled(cases, "有效医师（河南省卫健委"))
    _, nurse = id_of_case(world, case_labelled(cases, "护士注册已过期 EXPIRED"))
    edit_replica(
        world,
        "UPDATE practitioner SET id_hash = (SELECT id_hash FROM practitioner "
        "WHERE kind = 'P' AND cert_no = ?) WHERE kind = 'N' AND cert_no = ?",
        doctor,
        nurse,
    )
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await _to_lookup(app, pilot)
        await _search(app, pilot, id18)
        cards = _cards(app)
        assert len(cards) == 2
        assert {c.has_class("is-valid") for c in cards} == {True, False}
        text = cards_text(app, "#lookup-cards")
        assert (
            doctor in text and nurse in text and "医师执业证书" in text and "护士执业证书" in text
        )
        assert "2 份执业证书" in plain(screen.query_one("#lookup-hint", Static))
        assert id18 not in on_screen(app)


async def test_a_number_nobody_holds_is_a_clear_not_found_card(
    make_app: Callable[..., YanzhaoApp],
) -> None:
    body = "41010219800101999"
    id18 = body + idnum.check_char(body)
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await _to_lookup(app, pilot)
        await _search(app, pilot, id18)
        (card,) = _cards(app)
        assert card.has_class("is-invalid")
        text = cards_text(app, "#lookup-cards")
        assert "查无此人" in text and "NOT_IN_REGISTRY" in text
        assert id18 not in on_screen(app)


async def test_an_id_check_not_enrolled_says_so(
    make_app: Callable[..., YanzhaoApp], world: Path
) -> None:
    """Without the ID-index key, an ID number cannot be checked: a sentence, no card, no
    traceback; a name search still works."""
    person = _person(world)
    (world / "id-index.key").unlink()
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await _to_lookup(app, pilot)
        await _search(app, pilot, person["id_number"])
        assert app.is_running and not _cards(app)
        text = cards_text(app, "#lookup-cards")
        assert "未登记身份证索引密钥" in text
        assert screen.query_one("#lookup-hint", Static).has_class("is-error")
        assert person["id_number"] not in on_screen(app)
        await _search(app, pilot, person["name"])
        assert screen.query_one(DataTable).row_count >= 1


async def test_an_id_check_without_replica_says_so(
    make_app: Callable[..., YanzhaoApp], world: Path
) -> None:
    person = _person(world)
    app = make_app(world / "demo" / "no-replica-home")
    async with app.run_test(size=(120, 40)) as pilot:
        await _to_lookup(app, pilot)
        await _search(app, pilot, person["id_number"])
        assert app.is_running and not _cards(app)
        assert "没有注册库" in cards_text(app, "#lookup-cards")


async def test_the_inspected_institution_is_the_context(
    make_app: Callable[..., YanzhaoApp], world: Path, cases: list[dict[str, Any]]
) -> None:
    """With an inspection under way (F3), an ID number on Look up is checked there: a
    physician registered elsewhere is NOT_REGISTERED_HERE, and the hint says where."""
    here = case_labelled(cases, "多机构")["context"]["institution"]
    id18, _ = id_of_case(world, case_labelled(cases, "有效医师（河南省卫健委"))
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        institution = app.service.institution(here)
        assert institution is not None
        app.inspected = institution  # what starting an inspection on F3 sets
        screen = await _to_lookup(app, pilot)
        await _search(app, pilot, id18)
        (card,) = _cards(app)
        assert card.has_class("is-invalid")
        assert "NOT_REGISTERED_HERE" in cards_text(app, "#lookup-cards")
        assert institution.name in plain(screen.query_one("#lookup-hint", Static))
        assert "被检查机构" in cards_text(app, "#lookup-cards")


async def test_a_card_reader_burst_checks_the_number_whatever_has_focus(
    make_app: Callable[..., YanzhaoApp], world: Path
) -> None:
    """An ID card reader types the number and Enter within milliseconds: into the box when it
    has focus; otherwise (the results table) the app routes it here all the same."""
    person = _person(world, lambda r: len(r["name"]) == 2)
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await _to_lookup(app, pilot)
        await _search(app, pilot, person["name"])
        assert isinstance(app.focused, DataTable)
        for c in person["id_number"]:
            app.post_message(events.Key(c, c))
        app.post_message(events.Key("enter", "\r"))
        await settle(app, pilot)
        assert isinstance(app.screen, LookupScreen) and len(_cards(app)) == 1
        assert person["cert_no"] in cards_text(app, "#lookup-cards")
        assert screen.query_one("#lookup-input", Input).value == ""
        assert person["id_number"] not in on_screen(app)


async def test_a_name_search_stays_a_search(
    make_app: Callable[..., YanzhaoApp], world: Path
) -> None:
    """No verdict from a name: the table and the detail panel, with the licence's fields."""
    person = _person(world, lambda r: len(r["name"]) == 3)
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await _to_lookup(app, pilot)
        await _search(app, pilot, person["name"])
        assert screen.query_one("#lookup-main").display and not _cards(app)
        assert screen.query_one("#lookup-cards").display is False
        detail = plain(screen.query_one("#lookup-detail-text", Static))
        assert "出生年月" in detail and "签发日期" in detail and "状态" in detail
        assert "有效  VALID" not in on_screen(app)


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
        (card,) = _cards(app)
        assert person["name"] in plain(card.query_one("#verdict-fields", Static))
        odd = person["id_number"][:5] + "٣" + person["id_number"][6:]  # an Arabic-Indic digit
        await _search(app, pilot, odd)
        assert app.is_running and isinstance(app.screen, LookupScreen)
        hint = plain(app.screen.query_one("#lookup-hint", Static))
        assert hint and person["id_number"][6:14] not in hint
        assert person["id_number"] not in on_screen(app)


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


async def test_the_cards_follow_the_language(
    make_app: Callable[..., YanzhaoApp], world: Path, cases: list[dict[str, Any]]
) -> None:
    """F9 redraws the cards shown in the other language (labels and banner)."""
    id18, _ = id_of_case(world, case_labelled(cases, "护士注册已过期 EXPIRED"))
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await _to_lookup(app, pilot)
        await _search(app, pilot, id18)
        await pilot.press("f9")
        await settle(app, pilot)
        (card,) = _cards(app)
        assert plain(card.query_one("#verdict-banner", Static)).strip().startswith("✘  INVALID")
        fields = plain(card.query_one("#verdict-fields", Static))
        assert "Registration valid until" in fields and "注册有效期至" not in fields
        assert id18 not in on_screen(app)


async def test_the_cards_clear_themselves_after_the_card_timeout(
    make_app: Callable[..., YanzhaoApp], world: Path, cases: list[dict[str, Any]]
) -> None:
    """Like the scan screen's card: the next person at the counter does not see the last."""
    import dataclasses

    id18, cert_no = id_of_case(world, case_labelled(cases, "有效医师（河南省卫健委"))
    app = make_app()
    app.service.config = dataclasses.replace(app.service.config, card_timeout_s=1)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await _to_lookup(app, pilot)
        await _search(app, pilot, id18)
        assert len(_cards(app)) == 1 and cert_no in on_screen(app)
        assert await until(pilot, lambda: not _cards(app), timeout=4)
        await pilot.pause()
        assert cert_no not in on_screen(app) and idnum.mask(id18) not in on_screen(app)
        assert screen.shown_check is None
        assert "输入身份证号" in plain(screen.query_one("#lookup-hint", Static))


async def test_clear_personal_leaves_nobody_on_screen(
    make_app: Callable[..., YanzhaoApp], world: Path, cases: list[dict[str, Any]]
) -> None:
    """What the lock and the sign-out call: cards, results, detail, photo and box emptied; a
    search still on its way when it is called shows nothing when it comes."""
    person = _person(world, lambda r: len(r["name"]) == 3 and bool(r.get("photo")))
    id18, cert_no = id_of_case(world, case_labelled(cases, "有效医师（河南省卫健委"))
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await _to_lookup(app, pilot)
        await _search(app, pilot, person["name"])
        assert screen.query_one(DataTable).row_count >= 1
        assert person["cert_no"] in on_screen(app)
        assert plain(screen.query_one("#lookup-photo", Static)).strip()
        screen.clear_personal()
        await pilot.pause()
        shown = on_screen(app)
        assert person["name"] not in shown and person["cert_no"] not in shown
        assert screen.query_one(DataTable).row_count == 0
        assert not plain(screen.query_one("#lookup-photo", Static)).strip()

        screen.query_one("#lookup-input", Input).focus()
        await _search(app, pilot, id18)
        assert cert_no in on_screen(app)
        screen.query_one("#lookup-input", Input).value = person["name"]  # typed, not sent
        screen.clear_personal()
        await pilot.pause()
        shown = on_screen(app)
        assert not _cards(app) and cert_no not in shown and person["name"] not in shown

        # A look-up starts, and the screen locks before its results come (no await between
        # the two: the results cannot have been shown yet).
        box = screen.query_one("#lookup-input", Input)
        screen.on_search(Input.Submitted(box, person["name"]))
        screen.clear_personal()
        await settle(app, pilot)
        assert screen.query_one(DataTable).row_count == 0
        assert person["name"] not in on_screen(app)
        screen.check_id(id18)
        screen.clear_personal()
        await settle(app, pilot)
        assert not _cards(app) and cert_no not in on_screen(app)
