"""Look-up screen: an ID number gives the verdict card of every licence it holds (checked as
it is typed, never left on screen); a certificate number or a name stays a search."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console
from rich.text import Text
from textual import events
from textual.widgets import DataTable, Input, Static

from domain import idnum
from screens.app import YanzhaoApp
from screens.card_stack import CardStack
from screens.lookup import LookupScreen
from screens.photo_view import PhotoView
from screens.verdict_card import VerdictCard
from tests.screens.conftest import case_by, notified, plain, settle, until
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


def _face(screen: Any) -> bool:
    """True when the detail panel shows a face (not 无照片, not blank)."""
    view = screen.query_one("#lookup-photo", PhotoView)
    return view.photo is not None and view.photo.image is not None


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
        photo = card.query_one("#verdict-photo", PhotoView).photo  # drawn at the view's size
        assert photo is not None and photo.image is not None  # the photo, not NO_PHOTO
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
        await pilot.press("down")  # the officer moves to the results
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
        names = {str(table.get_row_at(i)[0]) for i in range(table.row_count)}
        assert short["name"] in names
        await _search(app, pilot, short["cert_no"])
        assert table.row_count >= 1 and short["cert_no"] in map(str, table.get_row_at(0))


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
            await pilot.press("pagedown")
            await settle(app, pilot)
        view = screen.search_view
        assert view.page_start == 80 and len(view.results) == 20  # people 81-100, the last page
        assert notified(app, "100")


async def test_the_cards_follow_the_language(
    make_app: Callable[..., YanzhaoApp], world: Path, cases: list[dict[str, Any]]
) -> None:
    """F9 redraws the cards shown in the other language (labels and banner). A long English
    label wraps at a word in its column (at most LABEL_MAX cells, so that the values keep
    theirs): nothing of it is cut, and its value stays whole on the label's first line."""
    from screens.verdict_card import LABEL_MAX

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
        assert "注册有效期至" not in fields
        lines = fields.splitlines()
        labels = " ".join(line[:LABEL_MAX].strip() for line in lines if line[:LABEL_MAX].strip())
        assert "Registration valid until" in labels  # every word, in order, none cut
        row = next(line for line in lines if line.startswith("Registration"))
        assert re.search(r"\b\d{4}-\d{2}-\d{2}\b", row[LABEL_MAX:])  # the date, whole
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
        assert _face(screen)
        screen.clear_personal()
        await pilot.pause()
        shown = on_screen(app)
        assert person["name"] not in shown and person["cert_no"] not in shown
        assert screen.query_one(DataTable).row_count == 0
        assert not _face(screen) and not plain(screen.query_one("#lookup-photo", Static)).strip()

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


# Issue 21: the look-up as an officer meets it.


def _surname(world: Path) -> tuple[str, int]:
    from collections import Counter

    with (world / "demo" / "export" / "practitioners.ndjson").open(encoding="utf-8") as fh:
        names = [json.loads(line)["name"] for line in fh]
    surname = Counter(n[0] for n in names).most_common(1)[0][0]
    return surname, sum(n.startswith(surname) for n in names)


async def test_the_focus_stays_in_the_box_and_the_next_query_is_typed(
    make_app: Callable[..., YanzhaoApp], world: Path
) -> None:
    """After a search the box keeps the focus (the query selected, so typing replaces it);
    Down reaches the table, and an ID number typed there at a person's pace goes back to the
    box and is checked on Enter: never dropped, never a scan."""
    person = _person(world, lambda r: len(r["name"]) == 3)
    other = _person(world, lambda r: r["kind"] == "nurse")
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await _to_lookup(app, pilot)
        box = screen.query_one("#lookup-input", Input)
        await pilot.press(*person["name"], "enter")
        await settle(app, pilot)
        assert app.focused is box and screen.query_one(DataTable).row_count >= 1
        await pilot.press(*other["name"][:2])
        assert box.value == other["name"][:2]  # typed over the last query, not dropped
        box.value = ""
        await pilot.press("enter")
        await _search(app, pilot, person["name"])
        await pilot.press("down")
        assert isinstance(app.focused, DataTable)
        for c in other["id_number"]:
            await pilot.press(c)
            await pilot.pause(0.02)
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, LookupScreen) and app.focused is box
        assert other["cert_no"] in cards_text(app, "#lookup-cards")
        assert box.value == "" and other["id_number"] not in on_screen(app)


async def test_page_keys_page_from_the_box_and_the_table(
    make_app: Callable[..., YanzhaoApp], world: Path
) -> None:
    """PageDown/PageUp load the next/previous 20 whether the box or the table has focus; the
    hint gives the true total and the range shown, in both languages."""
    surname, total = _surname(world)
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await _to_lookup(app, pilot)
        await _search(app, pilot, surname)
        hint = screen.query_one("#lookup-hint", Static)
        assert f"找到 {total} 条，显示前 20 条" in plain(hint)
        await pilot.press("pagedown")
        await settle(app, pilot)
        assert screen.search_view.page_start == 20
        assert f"找到 {total} 条，显示第 21–40 条" in plain(hint)
        await pilot.press("down")
        assert isinstance(app.focused, DataTable)
        await pilot.press("pagedown")
        await settle(app, pilot)
        assert screen.search_view.page_start == 40
        await pilot.press("pageup")
        await settle(app, pilot)
        assert screen.search_view.page_start == 20
        await pilot.press("f9")
        screen.query_one("#lookup-input", Input).focus()
        await _search(app, pilot, surname)
        assert f"{total} found, showing 1–20" in plain(hint)


async def test_f9_rewords_the_hint_already_shown(
    make_app: Callable[..., YanzhaoApp], world: Path, cases: list[dict[str, Any]]
) -> None:
    """The hint under the box follows F9 as the cards do: a search's count, an ID check's
    answer and the typing hint are redrawn in the other language, not left as they were."""
    surname, total = _surname(world)
    id18, _ = id_of_case(world, case_labelled(cases, "有效医师（河南省卫健委"))
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await _to_lookup(app, pilot)
        hint = screen.query_one("#lookup-hint", Static)
        await _search(app, pilot, surname)
        await pilot.press("f9")
        await pilot.pause()
        assert f"{total} found, showing 1–20" in plain(hint)
        await pilot.press("f9")
        await pilot.pause()
        assert f"找到 {total} 条，显示前 20 条" in plain(hint)
        await _search(app, pilot, id18)
        assert "份执业证书" in plain(hint)
        await pilot.press("f9")
        await pilot.pause()
        assert not re.search(r"[\u4e00-\u9fff]", plain(hint)), plain(hint)
        assert id18 not in plain(hint)
        box = screen.query_one("#lookup-input", Input)
        box.value = id18[:10]
        await pilot.pause()
        assert "10 of 18" in plain(hint)
        await pilot.press("f9")
        await pilot.pause()
        assert "已输入 10/18 位" in plain(hint)


@pytest.mark.parametrize("size", [(120, 40), (80, 24)])
async def test_the_detail_shows_a_face_to_compare_or_says_there_is_none(
    make_app: Callable[..., YanzhaoApp], world: Path, size: tuple[int, int]
) -> None:
    """The detail panel's photo is the card's PhotoView: as large as the panel allows (not the
    14-column thumbnail it was), and 无照片 NO_PHOTO for a person the registry has no photo of."""
    pictured = _person(world, lambda r: len(r["name"]) == 3 and bool(r.get("photo")))
    bare = _person(world, lambda r: len(r["name"]) == 3 and not r.get("photo"))
    app = make_app()
    async with app.run_test(size=size) as pilot:
        screen = await _to_lookup(app, pilot)
        view = screen.query_one("#lookup-photo", PhotoView)
        await _search(app, pilot, pictured["cert_no"])
        assert await until(pilot, lambda: _face(screen))
        await pilot.pause()
        assert view.region.width >= (20 if size[0] >= 120 else 14), view.region
        assert view.region.height >= 8, view.region
        await _search(app, pilot, bare["cert_no"])
        assert await until(pilot, lambda: view.photo is not None and view.photo.image is None)
        assert view.has_class("-no-photo") and "无照片" in str(view.render())


async def test_f9_rewords_the_call_for_a_purpose(
    make_app: Callable[..., YanzhaoApp], world: Path
) -> None:
    """A name searched before a purpose is picked asks for one; F9 asks in English."""
    surname, _total = _surname(world)
    app = make_app(purpose=None)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await _to_lookup(app, pilot)
        hint = screen.query_one("#lookup-hint", Static)
        await _search(app, pilot, surname)
        assert "请先选择查询事由" in plain(hint)
        await pilot.press("f9")
        await pilot.pause()
        assert "Pick the purpose" in plain(hint) and hint.has_class("is-error")
        app.service.set_purpose("counter")  # picked since: F9 no longer asks in either language
        await pilot.press("f9")
        await pilot.pause()
        assert "请先选择查询事由" not in plain(hint) and "Pick the purpose" not in plain(hint)


async def test_a_failed_or_empty_search_leaves_nobody_on_screen(
    make_app: Callable[..., YanzhaoApp], world: Path, cases: list[dict[str, Any]]
) -> None:
    """After 没有找到, a wrong check character or a new search, the last person's details,
    photo and cards are gone."""
    person = _person(world, lambda r: len(r["name"]) == 3 and bool(r.get("photo")))
    id18, cert_no = id_of_case(world, case_labelled(cases, "有效医师（河南省卫健委"))
    wrong = id18[:17] + ("0" if id18[17] != "0" else "1")
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await _to_lookup(app, pilot)
        photo = screen.query_one("#lookup-photo", PhotoView)
        detail = screen.query_one("#lookup-detail-text", Static)
        for after in ("无此人名", wrong):
            await _search(app, pilot, person["name"])
            assert _face(screen) and person["cert_no"] in plain(detail)
            await _search(app, pilot, after)
            assert photo.photo is None and not plain(detail).strip(), after
            assert screen.query_one(DataTable).row_count == 0
            assert person["cert_no"] not in on_screen(app)
        await _search(app, pilot, id18)
        assert cert_no in cards_text(app, "#lookup-cards")
        await _search(app, pilot, "无此人名")
        assert not _cards(app) and cert_no not in on_screen(app)
        assert "没有找到" in plain(screen.query_one("#lookup-hint", Static))


@pytest.mark.parametrize("lang", ["zh", "en"])
async def test_the_hint_knows_what_is_typed(
    make_app: Callable[..., YanzhaoApp], world: Path, lang: str
) -> None:
    """A certificate number is not "已输入 15/18 位" of an ID number; a name says it is one."""
    doctor = _person(world, lambda r: r["kind"] == "physician")
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await _to_lookup(app, pilot)
        if lang == "en":
            await pilot.press("f9")
        box = screen.query_one("#lookup-input", Input)
        hint = screen.query_one("#lookup-hint", Static)
        expect = {
            "zh": ("证书编号", "10/18", "姓名"),
            "en": ("Certificate number", "10 of 18", "Name"),
        }[lang]
        for value, said in zip(
            (doctor["cert_no"], doctor["id_number"][:10], doctor["name"]), expect, strict=True
        ):
            box.value = value
            await pilot.pause()
            assert said in plain(hint), value
            assert "15/18" not in plain(hint) and "15 of 18" not in plain(hint)


async def test_a_huge_paste_or_typing_is_cut_at_once(
    make_app: Callable[..., YanzhaoApp], cases: list[dict[str, Any]]
) -> None:
    """6,000 characters pasted or typed: the box keeps MAX_QUERY and says so (it drew them all
    before: 7 s); a licence's QR payload pasted here is verified on Scan."""
    import time

    from kiosk.query import MAX_QUERY
    from screens.scan import ScanScreen

    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await _to_lookup(app, pilot)
        box = screen.query_one("#lookup-input", Input)
        hint = screen.query_one("#lookup-hint", Static)
        box.post_message(events.Paste("7" * 6000))
        await pilot.pause()
        assert box.value == "7" * MAX_QUERY and "过长" in plain(hint)
        box.value = ""
        start = time.perf_counter()
        for _ in range(6000):
            app.post_message(events.Key("a", "a"))
        assert await until(pilot, lambda: len(box.value) == MAX_QUERY, timeout=30)
        await settle(app, pilot)
        elapsed = time.perf_counter() - start
        assert box.value == "a" * MAX_QUERY and "过长" in plain(hint)
        print(f"6000 keys typed into the look-up box: {elapsed:.2f} s")
        box.post_message(events.Paste(case_by(cases, "CANCELLED")["payload"]))
        await settle(app, pilot)
        assert isinstance(app.screen, ScanScreen)


@pytest.mark.parametrize("lang", ["zh", "en"])
async def test_the_institution_column_shows_at_120_columns(
    make_app: Callable[..., YanzhaoApp], world: Path, lang: str
) -> None:
    """Narrower columns and "…" for long names: the institution has a column at 120."""
    surname, _ = _surname(world)
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await _to_lookup(app, pilot)
        if lang == "en":
            await pilot.press("f9")
        await _search(app, pilot, surname)
        table = screen.query_one(DataTable)
        labels = [str(c.label) for c in table.columns.values()]
        assert ("执业机构" if lang == "zh" else "Institution") in labels
        assert ("证书编码" if lang == "zh" else "Cert no.") in labels
        assert sum(c.get_render_width(table) for c in table.columns.values()) <= table.size.width
        shot = app.export_screenshot()
        first = table.get_row_at(0)
        assert str(first[0]) in shot and str(first[2]) in shot


# Issue 21, follow-ups: a check asked for before the screen is composed; 80 columns.

LINE = re.compile(r'<text [^>]*clip-path="url\(#[\w-]*line-(\d+)\)">([^<]*)</text>')


def _rows(app: YanzhaoApp) -> list[str]:
    """The screen as a person sees it, one string a row (its cells' text, in order)."""
    import html

    rows: dict[int, str] = {}
    for line, text in LINE.findall(app.export_screenshot()):
        rows[int(line)] = rows.get(int(line), "") + html.unescape(text).replace("\xa0", " ")
    return [rows.get(i, "") for i in range(app.size.height)]


def _english(app: YanzhaoApp) -> None:
    import dataclasses

    app.service.config = dataclasses.replace(app.service.config, language="en")


async def test_an_id_check_asked_before_the_screen_is_composed_is_done(
    make_app: Callable[..., YanzhaoApp], world: Path, cases: list[dict[str, Any]]
) -> None:
    """The app switches to Look up and checks at once (a card reader on Scan, a demo case):
    the screen may not be composed yet. The check waits for it and is done; one cleared by a
    lock meanwhile is never done."""
    id18, cert_no = id_of_case(world, case_labelled(cases, "有效医师（河南省卫健委"))
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        screen = LookupScreen()
        screen.check_id(id18)  # nothing composed: no NoMatches, and not dropped
        await app.push_screen(screen)
        await settle(app, pilot)
        assert app.screen is screen and cert_no in cards_text(app, "#lookup-cards")
        assert id18 not in on_screen(app)
        app.pop_screen()
        await settle(app, pilot)

        locked = LookupScreen()
        locked.check_id(id18)
        locked.clear_personal()  # the screen locks before the check could start
        await app.push_screen(locked)
        await settle(app, pilot)
        assert not _cards(app) and cert_no not in on_screen(app)
        app.pop_screen()
        await settle(app, pilot)

        app.check_id_number(id18)  # the app's own way: from Scan, switch and check
        await settle(app, pilot)
        await settle(app, pilot)
        assert isinstance(app.screen, LookupScreen)
        assert cert_no in cards_text(app, "#lookup-cards")


@pytest.mark.parametrize("lang", ["zh", "en"])
async def test_at_80_columns_the_footer_keeps_the_app_keys(
    make_app: Callable[..., YanzhaoApp], world: Path, lang: str
) -> None:
    """The page keys are not in the footer (the hint says "PgDn 下一页"): F1-F4, F9 and the
    quit key stay in sight at 80 columns, from the box and from the table; PageDown pages."""
    surname, _ = _surname(world)
    app = make_app()
    if lang == "en":
        _english(app)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _to_lookup(app, pilot)
        await _search(app, pilot, surname)
        for focus in ("box", "table"):
            if focus == "table":
                await pilot.press("down")
                assert isinstance(app.focused, DataTable)
            footer = _rows(app)[-1]
            words = {
                "zh": ["f1 扫码", "f2 查询", "f3 检查", "f4 管理", "f9 English", "^q 退出"],
                "en": ["f1 Scan", "f2 Look up", "f3 Inspect", "f4 Admin", "f9 中文", "^q Quit"],
            }[lang]
            for key in words:
                assert key in footer, (key, footer)
        await pilot.press("pagedown")
        await settle(app, pilot)
        assert screen.search_view.page_start == 20


@pytest.mark.parametrize("lang", ["zh", "en"])
async def test_at_80_columns_the_detail_keeps_numbers_whole(
    make_app: Callable[..., YanzhaoApp], world: Path, lang: str
) -> None:
    """The detail panel is some 27 cells wide at 80 columns: each label goes over its value,
    so a 15-digit certificate number and the masked ID number are each on one line."""
    person = _person(world, lambda r: r["kind"] == "physician" and len(r["cert_no"]) >= 15)
    app = make_app()
    if lang == "en":
        _english(app)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _to_lookup(app, pilot)
        await _search(app, pilot, person["cert_no"])
        detail = screen.query_one("#lookup-detail")
        assert detail.region.width < 40
        # The fields as drawn at the panel's width (below the face: part of them scrolls).
        fields = screen.query_one("#lookup-detail-text", Static)
        console = Console(width=fields.content_region.width, record=True, file=io.StringIO())
        console.print(fields.content)
        panel = console.export_text().splitlines()
        assert any(person["cert_no"] in row for row in panel), "\n".join(panel)
        assert any(idnum.mask(person["id_number"]) in row for row in panel), "\n".join(panel)


@pytest.mark.parametrize("lang", ["zh", "en"])
async def test_at_80_columns_the_table_headers_end_in_an_ellipsis_not_a_cut(
    make_app: Callable[..., YanzhaoApp], world: Path, lang: str
) -> None:
    """The columns never add up to more than the table shows ("Instituti" was the table's
    edge cutting it): a header too long for its column ends in "…"; the empty table's headers
    are in the interface's language."""
    surname, _ = _surname(world)
    app = make_app()
    if lang == "en":
        _english(app)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _to_lookup(app, pilot)
        table = screen.query_one(DataTable)
        labels = [str(c.label) for c in table.columns.values()]
        assert labels[0] == ("姓名" if lang == "zh" else "Name")
        await _search(app, pilot, surname)
        inside = table.scrollable_content_region.width
        assert sum(c.get_render_width(table) for c in table.columns.values()) <= inside
        header = _rows(app)[table.region.y][table.region.x : table.region.x + inside]
        for column in table.columns.values():
            label = str(column.label)
            assert label in header or label[: column.width - 1] + "…" in header, header


def test_the_look_up_wording_is_in_the_catalog() -> None:
    """The look-up's own table of wording is gone: every key it used is in kiosk/messages.py,
    in both languages."""
    import screens.lookup_box as box
    from kiosk.messages import TEXT

    assert not hasattr(box, "TEXT")
    keys = [k for k in TEXT if k.startswith(("lookup.col.", "lookup.kind.", "lookup.found"))]
    assert len(keys) >= 12
    for key in (*keys, "lookup.typing_cert", "lookup.truncated", "lookup.detail.status"):
        zh, en = TEXT[key]
        assert zh and en and zh != en, key
