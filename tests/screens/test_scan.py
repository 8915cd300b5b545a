"""Scan screen: paste, scanner burst, demo guide, card clearing, bell, nothing leaks."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from textual import events
from textual.widgets import Input, Static

from bench._pilot import KEY_NAMES
from screens.app import YanzhaoApp
from screens.messages import PayloadScanned
from screens.scan import ScanScreen
from screens.verdict_card import VerdictCard
from tests.screens.conftest import case_by, notified, plain, settle, until


def _banner(app: YanzhaoApp) -> str:
    return plain(app.screen.query_one("#verdict-banner", Static))


def _text(app: YanzhaoApp) -> str:
    return " ".join(
        plain(app.screen.query_one(w, Static))
        for w in ("#verdict-banner", "#verdict-reasons", "#verdict-fields")
    )


async def test_paste_a_valid_payload_shows_green_card(
    make_app: Callable[..., YanzhaoApp], cases: list[dict[str, Any]]
) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        assert isinstance(app.screen, ScanScreen)
        box = app.screen.query_one("#scan-input", Input)
        assert app.focused is box
        box.value = case_by(cases, None)["payload"]
        await pilot.press("enter")
        await settle(app, pilot)
        card = app.screen.query_one(VerdictCard)
        assert card.has_class("is-valid")
        assert "有效" in _banner(app) and "VALID" in _banner(app)
        assert box.value == ""


async def test_invalid_rings_the_bell_and_explains(
    make_app: Callable[..., YanzhaoApp], cases: list[dict[str, Any]]
) -> None:
    app = make_app()
    bells: list[int] = []
    app.bell = lambda: bells.append(1)  # type: ignore[method-assign]
    async with app.run_test(size=(120, 40)) as pilot:
        app.post_message(PayloadScanned(case_by(cases, "FILED")["payload"], "test"))
        await settle(app, pilot)
        assert app.screen.query_one(VerdictCard).has_class("is-invalid")
        assert "不得执业" in _text(app)
        assert bells == [1]


async def test_forged_credential_shows_no_content(
    make_app: Callable[..., YanzhaoApp], cases: list[dict[str, Any]]
) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        forged = case_by(cases, "BAD_SIGNATURE")
        app.post_message(PayloadScanned(forged["payload"], "test"))
        await settle(app, pilot)
        text = _text(app)
        assert "签名验证失败" in text
        assert "姓名" not in text  # no field of an untrusted credential is shown


async def test_superseded_shows_what_changed(
    make_app: Callable[..., YanzhaoApp], cases: list[dict[str, Any]]
) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        app.post_message(PayloadScanned(case_by(cases, "SUPERSEDED")["payload"], "test"))
        await settle(app, pilot)
        assert app.screen.query_one(VerdictCard).has_class("is-warning")
        text = _text(app)
        assert "登记库当前记录" in text and "2" in text and "3" in text


async def test_scanner_burst_is_recognised_whatever_has_focus(
    make_app: Callable[..., YanzhaoApp], cases: list[dict[str, Any]]
) -> None:
    """A wedge scanner types the payload and Enter within milliseconds."""
    app = make_app()
    payload = case_by(cases, None)["payload"]
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("tab")  # focus away from the paste box
        assert not isinstance(app.focused, Input)
        for c in payload:  # as fast as a scanner: all queued within a few milliseconds
            app.post_message(events.Key(KEY_NAMES.get(c, c), c))
        app.post_message(events.Key("enter", "\r"))
        await settle(app, pilot)
        assert app.screen.query_one(VerdictCard).has_class("is-valid")


async def test_human_typing_is_not_a_scan(
    make_app: Callable[..., YanzhaoApp], cases: list[dict[str, Any]]
) -> None:
    """Someone typing into the paste box at human speed gets no scan until they press Enter."""
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        for c in "ABCDEF":
            await pilot.press(c)
            await pilot.pause(0.08)
        await pilot.press("enter")
        await settle(app, pilot)
        # Enter submitted the paste box (a BAD_FORMAT verdict), not a burst: the text was typed.
        assert "BAD_FORMAT" in _text(app)


async def test_demo_guide_scans_the_chosen_case(make_app: Callable[..., YanzhaoApp]) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("tab")
        await pilot.press("down", "down")  # the third case: a valid nurse
        await pilot.press("enter")
        await settle(app, pilot)
        assert app.screen.query_one(VerdictCard).has_class("is-valid")
        assert "护士" in _banner(app)


async def test_card_clears_itself(
    make_app: Callable[..., YanzhaoApp], cases: list[dict[str, Any]]
) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        app.post_message(PayloadScanned(case_by(cases, None)["payload"], "test"))
        await settle(app, pilot)
        assert app.screen.query_one(VerdictCard).has_class("is-valid")
        await pilot.press("escape")
        await pilot.pause()
        card = app.screen.query_one(VerdictCard)
        assert not card.has_class("is-valid")
        assert "请出示" in _banner(app)


async def test_every_scan_is_audited(
    make_app: Callable[..., YanzhaoApp], cases: list[dict[str, Any]], world: Any
) -> None:
    import sqlite3

    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        for code in (None, "FILED", "BAD_FORMAT"):
            app.post_message(PayloadScanned(case_by(cases, code)["payload"], "test"))
            await settle(app, pilot)
    with sqlite3.connect(world / "kiosk.db") as conn:
        outcomes = [
            r[0] for r in conn.execute("SELECT outcome FROM audit_entry WHERE action='verify'")
        ]
    assert outcomes[-3:] == ["valid", "invalid", "invalid"]


async def test_works_at_80_by_24(
    make_app: Callable[..., YanzhaoApp], cases: list[dict[str, Any]]
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        app.post_message(PayloadScanned(case_by(cases, "CANCELLED")["payload"], "test"))
        await settle(app, pilot)
        assert "无效" in _banner(app)


async def test_every_demo_case_from_the_guide(
    make_app: Callable[..., YanzhaoApp], cases: list[dict[str, Any]]
) -> None:
    """A new user picks each demo credential in the guide: each gives its listed verdict."""
    from textual.widgets import OptionList

    app = make_app()
    colour = {"valid": "is-valid", "warning": "is-warning", "invalid": "is-invalid"}
    async with app.run_test(size=(120, 40)) as pilot:
        guide = app.screen.query_one("#demo-cases", OptionList)
        for i, case in enumerate(cases):
            guide.focus()
            guide.highlighted = i
            await pilot.press("escape")
            await pilot.press("enter")
            await settle(app, pilot)
            card = app.screen.query_one(VerdictCard)
            if "home" in case.get("context", {}):
                assert await until(pilot, lambda: notified(app, "no-replica-home"))
                continue
            assert card.has_class(colour[case["expect"]]), case["label"]
            codes = " ".join(case["codes"])
            assert all(code in _text(app) for code in case["codes"]), (case["label"], codes)


async def test_markup_in_a_name_is_shown_as_text(
    make_app: Callable[..., YanzhaoApp], cases: list[dict[str, Any]]
) -> None:
    """Square brackets in a signed name are text, never markup (a markup error in the card
    would end the app when it is drawn)."""
    import dataclasses

    from screens.verdict_card import CardData

    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        app.post_message(PayloadScanned(case_by(cases, None)["payload"], "test"))
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, ScanScreen) and screen.last is not None
        v = screen.last.result
        assert v.credential is not None
        odd = dataclasses.replace(v.credential.licence, name="[/]张[b]三")
        odd_v = dataclasses.replace(v, credential=dataclasses.replace(v.credential, licence=odd))
        screen.post_message(ScanScreen.Verified(CardData(odd_v)))
        await settle(app, pilot)
        assert "[/]张[b]三" in _text(app)
        assert app.is_running and not screen.query_one(VerdictCard).has_class("is-unchecked")


async def test_an_id_number_typed_on_scan_is_checked_on_lookup(
    make_app: Callable[..., YanzhaoApp], cases: list[dict[str, Any]], world: Path
) -> None:
    """An ID card reader typing into the paste box: not a BAD_FORMAT card, but the verdict of
    that person's licence on Look up; the number is not left anywhere on screen."""
    from screens.lookup import LookupScreen
    from tests.screens.id_helpers import cards_text, id_of_case, on_screen

    id18, cert_no = id_of_case(world, case_by(cases, "FILED"))
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        box = app.screen.query_one("#scan-input", Input)
        box.value = id18
        await pilot.press("enter")
        await settle(app, pilot)
        await settle(app, pilot)
        assert isinstance(app.screen, LookupScreen)
        text = cards_text(app, "#lookup-cards")
        assert cert_no in text and "FILED" in text and "BAD_FORMAT" not in text
        assert id18 not in on_screen(app)


async def test_clear_personal_empties_the_card_and_drops_a_late_result(
    make_app: Callable[..., YanzhaoApp], cases: list[dict[str, Any]]
) -> None:
    """What the lock and the sign-out call: the card, the box and the camera picture emptied;
    a verification still running when it is called shows nothing when it ends."""
    from wire.codec import decode

    case = case_by(cases, None)
    cert_no = decode(case["payload"]).licence.no
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = app.screen
        assert isinstance(screen, ScanScreen)
        app.post_message(PayloadScanned(case["payload"], "test"))
        await settle(app, pilot)
        assert screen.query_one(VerdictCard).has_class("is-valid") and cert_no in _text(app)
        screen.query_one("#scan-input", Input).value = "YZ1:half-typed"
        screen.clear_personal()
        await pilot.pause()
        assert not screen.query_one(VerdictCard).has_class("is-valid")
        assert cert_no not in _text(app) and "请出示" in _banner(app)
        assert screen.query_one("#scan-input", Input).value == ""
        screen.scan(case["payload"])  # a verification starts...
        screen.clear_personal()  # ...and the screen locks before it ends
        await settle(app, pilot)
        assert cert_no not in _text(app) and "请出示" in _banner(app)
