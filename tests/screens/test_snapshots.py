"""Snapshots of each main screen and state, at the kiosk's real terminal size.

Deterministic: the world is built at a fixed time from a fixed seed, the clock is frozen,
cursors do not blink. Review changed SVGs like code before `--snapshot-update`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Input

from screens.app import YanzhaoApp
from screens.messages import PayloadScanned
from tests.screens.conftest import ADMIN, case_by, settle

SIZE = (120, 40)


def _still(app: YanzhaoApp) -> None:
    for box in app.screen.query(Input):
        box.cursor_blink = False


def _scan(payload: str) -> Callable[[Any], Any]:
    async def run_before(pilot: Any) -> None:
        _still(pilot.app)
        pilot.app.post_message(PayloadScanned(payload, "test"))
        await settle(pilot.app, pilot)

    return run_before


def test_scan_waiting(snap_compare: Any, make_app: Callable[..., YanzhaoApp]) -> None:
    """The home screen of the demo, waiting for a code, with the guide."""

    async def run_before(pilot: Any) -> None:
        _still(pilot.app)
        await pilot.pause()

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=run_before)


@pytest.mark.parametrize("code", [None, "SUPERSEDED", "FILED", "BAD_SIGNATURE"])
def test_scan_verdicts(
    snap_compare: Any,
    make_app: Callable[..., YanzhaoApp],
    cases: list[dict[str, Any]],
    code: str | None,
) -> None:
    """Green, amber and red cards; a forged credential shows nothing of its content."""
    assert snap_compare(
        make_app(demo=False), terminal_size=SIZE, run_before=_scan(case_by(cases, code)["payload"])
    )


def test_lookup_results(
    snap_compare: Any, make_app: Callable[..., YanzhaoApp], world: Path
) -> None:
    """Look-up by ID number: the verdict card with the licence fields and the photo."""
    with (world / "demo" / "export" / "practitioners.ndjson").open(encoding="utf-8") as fh:
        person = next(r for r in map(json.loads, fh) if r.get("photo"))

    async def run_before(pilot: Any) -> None:
        await pilot.press("f2")
        await pilot.pause()
        _still(pilot.app)
        pilot.app.screen.query_one("#lookup-input", Input).value = person["id_number"]
        await pilot.press("enter")
        await settle(pilot.app, pilot)
        pilot.app.screen.query_one("#lookup-input", Input).value = ""
        await pilot.pause()

    assert snap_compare(make_app(demo=False), terminal_size=SIZE, run_before=run_before)


def test_inspection_roster(
    snap_compare: Any, make_app: Callable[..., YanzhaoApp], cases: list[dict[str, Any]]
) -> None:
    """An inspection with two people checked."""
    multi = next(c for c in cases if c["label"].startswith("多机构"))

    async def run_before(pilot: Any) -> None:
        await pilot.press("f3")
        await pilot.pause()
        _still(pilot.app)
        pilot.app.screen.query_one("#inspect-search", Input).value = multi["context"]["institution"]
        await pilot.press("enter")
        await settle(pilot.app, pilot)
        await pilot.press("enter")
        await pilot.pause()
        for payload in (multi["payload"], case_by(cases, "CANCELLED")["payload"]):
            pilot.app.post_message(PayloadScanned(payload, "test"))
            await settle(pilot.app, pilot)

    assert snap_compare(make_app(demo=False), terminal_size=SIZE, run_before=run_before)


def test_admin_status(snap_compare: Any, make_app: Callable[..., YanzhaoApp]) -> None:
    """Replica status with counts by type and status."""

    async def run_before(pilot: Any) -> None:
        await pilot.press("f4")
        await settle(pilot.app, pilot)
        _still(pilot.app)

    assert snap_compare(make_app(demo=False), terminal_size=SIZE, run_before=run_before)


def test_no_replica_banner(
    snap_compare: Any, make_app: Callable[..., YanzhaoApp], world: Path
) -> None:
    """A home without a replica: the red banner points to sync."""

    async def run_before(pilot: Any) -> None:
        _still(pilot.app)
        await pilot.pause()

    app = make_app(world / "demo" / "no-replica-home", demo=False)
    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)


# Every screen at the kiosk's two sizes, in both languages (issue 21). The lead approves the
# SVGs; here each shot is made deterministic: the fixed world, the frozen clock, no blink.
SIZES = {"80x24": (80, 24), "120x40": (120, 40)}


async def _to(pilot: Any, key: str) -> None:
    await pilot.press(key)
    await settle(pilot.app, pilot)


async def _type(pilot: Any, selector: str, text: str) -> None:
    box = pilot.app.screen.query_one(selector, Input)
    box.value = text
    box.focus()
    await pilot.press("enter")
    await settle(pilot.app, pilot)


def _steps(name: str, cases: list[dict[str, Any]], world: Path) -> Callable[[Any], Any]:
    """What to do before the shot of screen `name`."""
    from tests.screens.id_helpers import id_of_case

    async def run_before(pilot: Any) -> None:
        app = pilot.app
        await settle(app, pilot)
        if name in ("scan-valid", "scan-warning"):
            code = None if name == "scan-valid" else "INSTITUTION_INVALID"
            app.post_message(PayloadScanned(case_by(cases, code)["payload"], "test"))
            await settle(app, pilot)
        elif name == "lookup-results":
            await _to(pilot, "f2")
            await _type(pilot, "#lookup-input", "王")
        elif name in ("lookup-id-card", "purpose-picker"):
            await _to(pilot, "f2")
            if name == "lookup-id-card":
                await _type(pilot, "#lookup-input", id_of_case(world, case_by(cases, None))[0])
                app.screen.query_one("#lookup-input", Input).value = ""
        elif name == "inspection":
            multi = next(c for c in cases if c["label"].startswith("多机构"))
            await _to(pilot, "f3")
            await _type(pilot, "#inspect-search", multi["context"]["institution"])
            await pilot.press("enter")
            await settle(app, pilot)
            app.post_message(PayloadScanned(multi["payload"], "test"))
            await settle(app, pilot)
        elif name.startswith("admin-"):
            from textual.widgets import TabbedContent

            await _to(pilot, "f4")
            app.screen.query_one("#admin-tabs", TabbedContent).active = f"tab-{name[6:]}"
            await settle(app, pilot)
        elif name == "kiosk-exit":
            await _to(pilot, "ctrl+q")
        _still(app)
        await pilot.pause()

    return run_before


SCREENS = [
    "signin",
    "scan-valid",
    "scan-warning",
    "lookup-results",
    "lookup-id-card",
    "inspection",
    *(
        f"admin-{tab}"
        for tab in ("status", "sync", "trust", "stats", "settings", "alerts", "audit", "operators")
    ),
    "kiosk-exit",
    "purpose-picker",
]


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("size", list(SIZES))
@pytest.mark.parametrize("name", SCREENS)
def test_every_screen(
    snap_compare: Any,
    make_app: Callable[..., YanzhaoApp],
    cases: list[dict[str, Any]],
    world: Path,
    name: str,
    size: str,
    lang: str,
) -> None:
    """Each screen and state an officer meets, at 80×24 and 120×40, in Chinese and English:
    nothing cut, nothing overlapping (read the SVG's text before approving)."""
    import dataclasses

    app = make_app(
        demo=False,
        kiosk=name == "kiosk-exit",
        session=None if name == "signin" else ADMIN,
        purpose=None if name == "purpose-picker" else "counter",
    )
    app.service.config = dataclasses.replace(app.service.config, language=lang)
    assert snap_compare(app, terminal_size=SIZES[size], run_before=_steps(name, cases, world))
