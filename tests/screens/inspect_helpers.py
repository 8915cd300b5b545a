"""Helpers for the inspection tests: start an inspection, add a person, answer a question."""

from __future__ import annotations

from typing import Any

from textual.widgets import Input, Static

from screens.admin_confirm import ConfirmModal
from screens.app import YanzhaoApp
from screens.inspect import InspectScreen
from screens.messages import PayloadScanned
from tests.screens.conftest import plain, settle, until


async def confirm(app: YanzhaoApp, pilot: Any, *, yes: bool = True) -> str:
    """Answer the question on top (yes: its button; no: Escape); returns the question."""
    assert await until(pilot, lambda: isinstance(app.screen, ConfirmModal))
    question = plain(app.screen.query_one("#confirm-text", Static))
    if yes:
        await pilot.click("#confirm-yes")
    else:
        await pilot.press("escape")
    await settle(app, pilot)
    assert not isinstance(app.screen, ConfirmModal)
    return question


async def inspecting(app: YanzhaoApp, pilot: Any, cases: list[dict[str, Any]]) -> InspectScreen:
    """Go to Inspection and pick an institution by scanning its licence."""
    inst = next(c for c in cases if c["label"].startswith("有效医疗机构"))
    await pilot.press("f3")
    await pilot.pause()
    app.post_message(PayloadScanned(inst["payload"], "test"))
    await settle(app, pilot)
    screen = app.screen
    assert isinstance(screen, InspectScreen) and screen.inspection is not None
    return screen


async def add_typed(app: YanzhaoApp, pilot: Any, text: str) -> None:
    """Type into the add box (an ID card reader types there too) and press Enter."""
    box = app.screen.query_one("#inspect-add", Input)
    assert app.focused is box
    box.value = text
    await pilot.press("enter")
    await settle(app, pilot)


async def inspecting_at(app: YanzhaoApp, pilot: Any, reg_no: str) -> InspectScreen:
    """Go to Inspection and pick an institution by typing its registration number."""
    await pilot.press("f3")
    await pilot.pause()
    screen = app.screen
    assert isinstance(screen, InspectScreen)
    screen.query_one("#inspect-search", Input).value = reg_no
    screen.query_one("#inspect-search", Input).focus()
    await pilot.press("enter")
    await settle(app, pilot)
    await pilot.press("enter")  # the one institution found
    await settle(app, pilot)
    assert screen.inspection is not None and screen.inspection.institution.reg_no == reg_no
    return screen


async def scanned(app: YanzhaoApp, pilot: Any, payload: str) -> None:
    """A code read by the scanner, and everything it starts done."""
    app.post_message(PayloadScanned(payload, "test"))
    await settle(app, pilot)
