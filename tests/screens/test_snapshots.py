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
from tests.screens.conftest import case_by, settle

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
