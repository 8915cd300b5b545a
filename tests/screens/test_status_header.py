"""The header: who is signed in and as what; the banner, stale (amber) against past the hard
limit (red, and the kiosk vouches for nobody until it is synced)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Input, Static

from kiosk.home import Home
from kiosk.operators import Operator
from kiosk.service import KioskService
from screens.app import YanzhaoApp
from screens.card_stack import CardStack
from screens.verdict_card import VerdictCard
from tests.screens.conftest import CLOCK, case_by, plain, settle
from tests.screens.id_helpers import cards_text, id_of_case


def _app(world: Path, days: int) -> YanzhaoApp:
    service = KioskService(
        Home(world),
        clock=lambda: CLOCK + dt.timedelta(days=days),
        session=Operator("admin1", "admin"),
    )
    service.purpose = "counter"
    return YanzhaoApp(service, demo=False)


@pytest.mark.parametrize("size", [(120, 40), (80, 24)])
async def test_past_the_hard_limit_the_banner_is_red_and_says_so(
    world: Path, size: tuple[int, int]
) -> None:
    app = _app(world, 40)
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        banner = app.screen.query_one("#banner", Static)
        text = plain(banner)
        assert banner.has_class("is-shown") and banner.has_class("is-error")
        assert "超过上限" in text and "无法确认任何人" in text and "F4" in text
        assert banner.region.height >= 1  # shown, not clipped away at the smaller size


async def test_stale_is_amber_and_only_asks_for_a_sync(world: Path) -> None:
    app = _app(world, 10)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        banner = app.screen.query_one("#banner", Static)
        assert banner.has_class("is-shown") and not banner.has_class("is-error")
        assert "超过上限" not in plain(banner) and "天未更新" in plain(banner)


async def test_past_the_hard_limit_an_id_check_vouches_for_nobody(
    world: Path, cases: list[dict[str, Any]]
) -> None:
    """The valid physician, checked by ID number on a replica past its limit: 无效
    REPLICA_EXPIRED, as a scan would say."""
    id18, _ = id_of_case(world, case_by(cases, None))
    app = _app(world, 40)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("f2")
        await pilot.pause()
        app.screen.query_one("#lookup-input", Input).value = id18
        await pilot.press("enter")
        await settle(app, pilot)
        (card,) = app.screen.query_one(CardStack).query(VerdictCard)
        assert card.has_class("is-invalid")
        assert "REPLICA_EXPIRED" in cards_text(app, "#lookup-cards")
        assert "超过上限" in plain(app.screen.query_one("#banner", Static))


@pytest.mark.parametrize(("lang", "shown"), [("zh", "admin1（管理员）"), ("en", "admin1 (admin)")])
async def test_the_header_names_who_is_signed_in_and_their_role(
    world: Path, lang: str, shown: str
) -> None:
    app = _app(world, 0)
    app.service.config = dataclasses.replace(app.service.config, language=lang)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert shown in plain(app.screen.query_one("#header-status", Static))
        await pilot.press("ctrl+l")  # signed out: nobody
        await pilot.pause()
        status = plain(app.screen.query_one("#header-status", Static))
        assert "admin1" not in status and "—" in status
