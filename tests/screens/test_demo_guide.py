"""The demo guide: the demo operators and their PINs (demo/operators.json), at the top and on
the sign-in screen; the checks by ID number (demo/id-checks.ndjson), listed by label, never by
number, and picking one runs the check on Look up as if the number had been typed."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from textual.widgets import OptionList

from domain import idnum
from kiosk.home import Home
from kiosk.operators import ROLE_NAMES
from kiosk.service import KioskService
from screens.app import YanzhaoApp
from screens.card_stack import CardStack
from screens.lookup import LookupScreen
from screens.scan import ScanScreen
from screens.signin import SignInScreen
from screens.verdict_card import VerdictCard
from tests.screens.conftest import CLOCK, demo_operator, notified, plain, settle, sign_in, until
from tests.screens.id_helpers import (
    cards_text,
    case_labelled,
    id_of_case,
    on_screen,
    write_id_cases,
)


def _id_cases(world: Path, cases: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The guide's ID checks, from real demo numbers (as the demo build writes them)."""
    lapsed, _ = id_of_case(world, case_labelled(cases, "护士注册已过期 EXPIRED"))
    doctor, _ = id_of_case(world, case_labelled(cases, "有效医师（河南省卫健委"))
    here = case_labelled(cases, "多机构")["context"]["institution"]
    body = "41010219800101999"
    return [
        {"label": "按身份证号：有效医师", "id_number": doctor, "expect": "valid", "codes": []},
        {
            "label": "按身份证号：护士注册已过期",
            "id_number": lapsed,
            "expect": "invalid",
            "codes": ["EXPIRED"],
        },
        {
            "label": "按身份证号：非本机构人员",
            "id_number": doctor,
            "expect": "invalid",
            "codes": ["NOT_REGISTERED_HERE"],
            "context": {"institution": here},
        },
        {
            "label": "按身份证号：查无此人",
            "id_number": body + idnum.check_char(body),
            "expect": "invalid",
            "codes": ["NOT_IN_REGISTRY"],
        },
    ]


def _options(app: YanzhaoApp) -> list[str]:
    options = app.screen.query_one("#demo-cases", OptionList)
    return [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]


async def _pick(app: YanzhaoApp, pilot: Any, label: str) -> None:
    options = app.screen.query_one("#demo-cases", OptionList)
    options.focus()
    options.highlighted = next(i for i, p in enumerate(_options(app)) if label in p)
    await pilot.press("enter")
    await settle(app, pilot)
    await settle(app, pilot)


async def test_id_cases_are_listed_by_label_and_run_on_lookup(
    make_app: Callable[..., YanzhaoApp], world: Path, cases: list[dict[str, Any]]
) -> None:
    id_cases = _id_cases(world, cases)
    write_id_cases(world, id_cases)
    numbers = {c["id_number"] for c in id_cases}
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        listed = [p for p in _options(app) if p.startswith("🪪")]
        assert len(listed) == len(id_cases)
        assert all(c["label"] in "".join(listed) for c in id_cases)
        assert not any(n in on_screen(app) for n in numbers)
        for case in id_cases:
            if not isinstance(app.screen, ScanScreen):
                await pilot.press("f1")
                await pilot.pause()
            await _pick(app, pilot, case["label"])
            assert isinstance(app.screen, LookupScreen), case["label"]
            cards = list(app.screen.query_one(CardStack).query(VerdictCard))
            assert len(cards) == 1 and cards[0].has_class(f"is-{case['expect']}"), case["label"]
            text = cards_text(app, "#lookup-cards")
            assert all(code in text for code in case["codes"]), (case["label"], text)
            assert not any(n in on_screen(app) for n in numbers)
        assert await until(pilot, lambda: notified(app, "在被检查机构"))


async def test_without_the_file_the_guide_lists_no_id_cases(
    make_app: Callable[..., YanzhaoApp], world: Path
) -> None:
    (world / "demo" / "id-checks.ndjson").unlink(missing_ok=True)
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        options = _options(app)
        assert options and not any(p.startswith("🪪") for p in options)


async def test_the_guide_shows_one_demo_operator_per_role_and_their_pins_sign_in(
    make_app: Callable[..., YanzhaoApp], world: Path
) -> None:
    """Listed on the sign-in screen (the only screen before sign-in) and at the top of the
    guide; each name and PIN signs in with its role."""
    app = make_app(session=None)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, SignInScreen)
        on_signin = plain(app.screen.query_one("#signin-demo"))
        for role, (zh, _) in ROLE_NAMES.items():
            name, pin = demo_operator(world, role)
            assert f"{name}  {pin}  {zh}" in on_signin
        await sign_in(app, pilot, *demo_operator(world, "desk"))
        assert isinstance(app.screen, ScanScreen)
        guide = app.screen.query_one("#demo-guide")
        top = guide.children[0]
        assert top.id == "demo-operators"
        assert all(demo_operator(world, r)[1] in plain(top) for r in ROLE_NAMES)
    for role in ROLE_NAMES:
        service = KioskService(Home(world), clock=lambda: CLOCK)
        assert service.sign_in(*demo_operator(world, role)).role == role


async def test_outside_the_demo_the_sign_in_screen_lists_no_operator(
    make_app: Callable[..., YanzhaoApp],
) -> None:
    app = make_app(session=None, demo=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        demo = app.screen.query_one("#signin-demo")
        assert not demo.display and not plain(demo).strip()
