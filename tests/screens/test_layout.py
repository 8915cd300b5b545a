"""The counter screens at 80×24 and 120×40 (issue 21): the demo guide folds below 100 columns
and the card takes the width; a card with a warning keeps who it is in sight; the footer holds
every key; F9 words a card already shown again; the header names the screen it is on."""

from __future__ import annotations

import dataclasses
import html
import re
from collections.abc import Callable
from typing import Any

import pytest
from textual.widgets import Input, OptionList, Static

from kiosk.messages import reason_text, t
from screens.app import YanzhaoApp
from screens.card_stack import CardStack
from screens.messages import PayloadScanned
from screens.scan import ScanScreen
from screens.verdict_card import VerdictCard
from tests.screens.conftest import case_by, plain, settle
from tests.screens.id_helpers import cards_text, id_of_case

LINE = re.compile(r'<text [^>]*clip-path="url\(#[\w-]*line-(\d+)\)">([^<]*)</text>')


def _rows(app: YanzhaoApp) -> list[str]:
    """The screen as a person sees it, one string a row (its cells' text, in order)."""
    rows: dict[int, str] = {}
    for line, text in LINE.findall(app.export_screenshot()):
        rows[int(line)] = rows.get(int(line), "") + html.unescape(text).replace("\xa0", " ")
    return [rows.get(i, "") for i in range(app.size.height)]


def _seen(app: YanzhaoApp) -> str:
    """Everything shown, whitespace removed (a value broken over cells is still found)."""
    return "".join("".join(_rows(app)).split())


def _english(app: YanzhaoApp) -> None:
    app.service.config = dataclasses.replace(app.service.config, language="en")


async def _scan(app: YanzhaoApp, pilot: Any, payload: str) -> None:
    app.post_message(PayloadScanned(payload, "test"))
    await settle(app, pilot)


async def test_below_100_columns_the_guide_folds_and_the_card_takes_the_width(
    make_app: Callable[..., YanzhaoApp], cases: list[dict[str, Any]]
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        side = app.screen.query_one("#scan-side")
        card = app.screen.query_one(VerdictCard)
        assert not side.display and card.region.width == 80
        assert "F5 演示清单" in plain(app.screen.query_one("#scan-strip", Static))
        await pilot.press("f5")  # unfold, pick a case: it is scanned and the guide folds
        await pilot.pause()
        assert side.display and app.focused is app.screen.query_one("#demo-cases", OptionList)
        assert card.region.width < 80
        await pilot.press("enter")
        await settle(app, pilot)
        assert not side.display and card.region.width == 80 and card.has_class("is-valid")
        await pilot.resize_terminal(120, 40)  # wide again: the guide is beside the card
        await settle(app, pilot)
        assert side.display and side.region.width == 36 and card.region.right == 120 - 36
        assert not app.screen.query_one("#scan-strip").display
        await pilot.resize_terminal(99, 30)
        await settle(app, pilot)
        assert not side.display and card.region.width == 99


@pytest.mark.parametrize("lang", ["zh", "en"])
async def test_at_80_by_24_a_warning_keeps_who_it_is_in_sight(
    make_app: Callable[..., YanzhaoApp], cases: list[dict[str, Any]], lang: str
) -> None:
    """Name, licence type, full certificate number and the verdict band, all on screen with
    a warning's reason above them; in English the values are not cut either."""
    from wire.codec import decode

    case = case_by(cases, "INSTITUTION_INVALID")
    lic = decode(case["payload"]).licence
    app = make_app()
    if lang == "en":
        _english(app)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await _scan(app, pilot, case["payload"])
        assert app.screen.query_one(VerdictCard).has_class("is-warning")
        seen = _seen(app)
        for shown in (
            lic.name,
            lic.no,
            t("card.type.P", lang).replace(" ", ""),
            "WARNING",
            t("card.cert", lang).replace(" ", ""),
            t(f"sex.{lic.sex}", lang) if lic.sex else lic.name,
            reason_text("INSTITUTION_INVALID", lang).replace(" ", "")[:12],
        ):
            assert shown in seen, (shown, "\n".join(_rows(app)))
        assert "…" not in seen


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
async def test_the_footer_shows_every_key(
    make_app: Callable[..., YanzhaoApp], lang: str, size: tuple[int, int]
) -> None:
    app = make_app()
    if lang == "en":
        _english(app)
    async with app.run_test(size=size) as pilot:
        await settle(app, pilot)
        footer = _rows(app)[size[1] - 1]
        words = {
            "zh": ["^l 登出", "f1 扫码", "f2 查询", "f3 检查", "f4 管理", "f9 English", "^q 退出"],
            "en": ["^l Sign out", "f1 Scan", "f2 Look up", "f3 Inspect", "f4 Admin", "f9 中文"],
        }[lang]
        for key in [*words, "^q Quit" if lang == "en" else "esc 清除"]:
            assert key in footer, (key, footer)


async def test_f9_words_a_card_already_shown_again(
    make_app: Callable[..., YanzhaoApp], cases: list[dict[str, Any]]
) -> None:
    """On Scan, the reasons too (the verifier worded them in Chinese), and back."""
    app = make_app()
    expired = case_by(cases, "EXPIRED")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await _scan(app, pilot, expired["payload"])
        reasons = app.screen.query_one("#verdict-reasons", Static)
        assert "证照已过有效期" in plain(reasons)
        await pilot.press("f9")
        await settle(app, pilot)
        assert "The licence has expired (" in plain(reasons), plain(reasons)
        assert "证照已过有效期" not in plain(reasons)
        assert (
            plain(app.screen.query_one("#verdict-banner", Static)).strip().startswith("✘  INVALID")
        )
        assert "Certificate no." in plain(app.screen.query_one("#verdict-fields", Static))
        await pilot.press("f9")
        await settle(app, pilot)
        assert "证照已过有效期（" in plain(reasons) and "expired" not in plain(reasons)


async def test_f9_words_the_cards_of_a_check_by_id_number_again(
    make_app: Callable[..., YanzhaoApp], cases: list[dict[str, Any]], world: Any
) -> None:
    id18, _ = id_of_case(world, case_by(cases, None))
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("f2")
        await pilot.pause()
        app.screen.query_one("#lookup-input", Input).value = id18
        await pilot.press("enter")
        await settle(app, pilot)
        assert "证书编码" in cards_text(app, "#lookup-cards")
        await pilot.press("f9")
        await settle(app, pilot)
        text = cards_text(app, "#lookup-cards")
        assert "Certificate no." in text and "证书编码" not in text
        assert app.screen.query_one(CardStack).query(VerdictCard)


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
async def test_the_header_names_the_screen_it_is_on(
    make_app: Callable[..., YanzhaoApp], lang: str, size: tuple[int, int]
) -> None:
    app = make_app()
    if lang == "en":
        _english(app)
    async with app.run_test(size=size) as pilot:
        await settle(app, pilot)
        for key, mode in (("f2", "lookup"), ("f3", "inspect"), ("f4", "admin"), ("f1", "scan")):
            await pilot.press(key)
            await settle(app, pilot)
            title = plain(app.screen.query_one("#header-title", Static))
            assert title.rstrip().endswith(f"· {t(f'mode.{mode}', lang)}"), (key, title)
            assert f"· {t(f'mode.{mode}', lang)}" in _rows(app)[0], (key, _rows(app)[0])
        await pilot.press("f9")  # the other language, on the screen shown
        await settle(app, pilot)
        other = "en" if lang == "zh" else "zh"
        assert isinstance(app.screen, ScanScreen)
        assert f"· {t('mode.scan', other)}" in _rows(app)[0]
