"""Scanner bursts into a focused text box (issue 21): held back, not typed key by key, while
typing by a person reaches the box unchanged; the paste box is bounded; Look up searches
what a scanner reads; the first screen does not wait for the other screens or the warm-up."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from textual import events
from textual.message import Message
from textual.widgets import DataTable, Input
from textual.worker import Worker, WorkerState

from bench._pilot import KEY_NAMES
from scanner.wedge import BurstConfig
from screens.app import YanzhaoApp
from screens.lookup import LookupScreen
from screens.scan_box import MAX_PASTE
from screens.verdict_card import VerdictCard
from tests.screens.conftest import case_by, notified, settle, until
from tests.screens.test_lookup import _person, _search, _to_lookup

ROOT = Path(__file__).resolve().parents[2]


class Recorder:
    """A message hook keeping what one Input said it holds, and what it submitted."""

    def __init__(self, box_id: str) -> None:
        self.box_id = box_id
        self.changes: list[str] = []
        self.submitted: list[str] = []
        self.mounted_at = 0.0  # the app's Mount
        self.warm_up_at = 0.0  # the warm-up worker's start
        # A bubbling message passes the hook once per node: each is counted once (and kept,
        # so that its id is not reused).
        self._seen: dict[int, Message] = {}

    def __call__(self, message: Message) -> None:
        if id(message) in self._seen:
            return
        self._seen[id(message)] = message
        if isinstance(message, Input.Changed) and message.input.id == self.box_id:
            self.changes.append(message.value)
        elif isinstance(message, Input.Submitted) and message.input.id == self.box_id:
            self.submitted.append(message.value)
        elif isinstance(message, events.Mount) and not self.mounted_at:
            self.mounted_at = time.monotonic()
        elif isinstance(message, Worker.StateChanged) and message.worker.group == "warm-up":
            if message.state == WorkerState.RUNNING and not self.warm_up_at:
                self.warm_up_at = time.monotonic()


def _burst(app: YanzhaoApp, text: str, enter: bool = True) -> None:
    """Keys as a wedge scanner types them: all within a few milliseconds."""
    for c in text:
        app.post_message(events.Key(KEY_NAMES.get(c, c), c))
    if enter:
        app.post_message(events.Key("enter", "\r"))


async def test_a_wedge_burst_into_the_paste_box_is_held_not_typed(
    make_app: Callable[..., YanzhaoApp], cases: list[dict[str, Any]]
) -> None:
    """1,400 keys typed one by one into the box cost a redraw each; past the first few they are
    held back, and the verdict comes with the box left empty."""
    seen = Recorder("scan-input")
    app = make_app()
    payload = case_by(cases, None)["payload"]
    async with app.run_test(size=(120, 40), message_hook=seen) as pilot:
        box = app.screen.query_one("#scan-input", Input)
        assert app.focused is box
        _burst(app, payload)
        await settle(app, pilot)
        assert app.screen.query_one(VerdictCard).has_class("is-valid")
        assert box.value == "" and not seen.submitted
        assert len(payload) > 1000
        assert len(seen.changes) <= BurstConfig().hold_after + 2, len(seen.changes)


async def test_slow_typing_reaches_the_box_key_by_key(
    make_app: Callable[..., YanzhaoApp],
) -> None:
    """A person's keys (and a short fast run, a PIN or a card reader's) are never held."""
    seen = Recorder("scan-input")
    app = make_app()
    async with app.run_test(size=(120, 40), message_hook=seen) as pilot:
        box = app.screen.query_one("#scan-input", Input)
        for c in "ABCDEF":
            await pilot.press(c)
            await pilot.pause(0.08)
        _burst(app, "0123456789", enter=False)
        await pilot.pause()
        assert box.value == "ABCDEF0123456789"
        assert seen.changes == ["ABCDEF0123456789"[:n] for n in range(1, 17)]


async def test_a_fast_run_without_enter_is_given_back_in_order(
    make_app: Callable[..., YanzhaoApp],
) -> None:
    """Held keys that never end in Enter were typing: the box gets them all, in order, once
    the run goes quiet; a key typed afterwards comes after them."""
    app = make_app()
    text = "".join(chr(ord("A") + i % 26) for i in range(80))
    async with app.run_test(size=(120, 40)) as pilot:
        box = app.screen.query_one("#scan-input", Input)
        _burst(app, text, enter=False)
        assert await until(pilot, lambda: box.value == text, timeout=3.0), box.value
        await pilot.press("z")
        await pilot.pause()
        assert box.value == text + "z"


async def test_a_fast_run_that_is_no_scan_is_submitted_whole(
    make_app: Callable[..., YanzhaoApp],
) -> None:
    """A burst ending in Enter that is not a credential, typed into the box: the held keys go
    to the box before the Enter, so the box submits all of it."""
    seen = Recorder("scan-input")
    app = make_app()
    text = "X" * 20 + "".join(str(i % 10) for i in range(40))
    async with app.run_test(size=(120, 40), message_hook=seen) as pilot:
        await pilot.press("q")
        await pilot.pause(0.5)  # a pause: the burst below starts afresh
        _burst(app, text)
        await settle(app, pilot)
        assert seen.submitted == ["q" + text]


async def test_a_certificate_number_read_on_look_up_is_searched(
    make_app: Callable[..., YanzhaoApp], world: Path
) -> None:
    """A scanner reading a certificate number while the results table has focus: a search
    on Look up, not a BAD_FORMAT verdict on Scan."""
    person = _person(world, lambda r: len(r["name"]) == 2)
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await _to_lookup(app, pilot)
        await _search(app, pilot, person["name"])
        await pilot.press("down")
        table = app.screen.query_one(DataTable)
        assert app.focused is table
        _burst(app, person["cert_no"])
        await settle(app, pilot)
        assert isinstance(app.screen, LookupScreen)
        assert table.row_count >= 1 and person["cert_no"] in map(str, table.get_row_at(0))


async def test_a_paste_longer_than_any_code_is_refused_and_said(
    make_app: Callable[..., YanzhaoApp], cases: list[dict[str, Any]]
) -> None:
    """The paste box holds no more than a licence's code can be: more is refused at once,
    with a notice in both languages; a real payload pasted is taken whole."""
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        box = app.screen.query_one("#scan-input", Input)
        box.post_message(events.Paste("A" * (MAX_PASTE + 1)))
        await pilot.pause()
        assert box.value == ""
        assert notified(app, f"{MAX_PASTE:,}") and notified(app, "二维码")
        payload = case_by(cases, None)["payload"]
        box.post_message(events.Paste(payload))
        await pilot.pause()
        assert box.value == payload
        await pilot.press("f9")
        box.value = "A" * MAX_PASTE
        box.insert_text_at_cursor("A")
        await pilot.pause()
        assert box.value == "" and notified(app, "not a licence's QR code")


async def test_a_burst_longer_than_any_code_is_dropped_to_its_end(
    make_app: Callable[..., YanzhaoApp], cases: list[dict[str, Any]]
) -> None:
    """9,000 keys at scanner speed, then Enter: refused once, with the notice a paste too long
    gets, and nothing of it stays in the box (its last 808 keys once did); the next scan is
    verified as usual."""
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        box = app.screen.query_one("#scan-input", Input)
        _burst(app, "YZ1:" + "A" * (9000 - 4))
        await settle(app, pilot)
        assert box.value == ""
        assert sum(f"{MAX_PASTE:,}" in n.message for n in app._notifications) == 1  # noqa: SLF001
        card = app.screen.query_one(VerdictCard)  # nothing was verified: no verdict at all
        assert not any(card.has_class(c) for c in ("is-valid", "is-warning", "is-invalid"))
        _burst(app, case_by(cases, None)["payload"])
        await settle(app, pilot)
        assert app.screen.query_one(VerdictCard).has_class("is-valid") and box.value == ""


def test_the_first_screen_does_not_import_the_other_screens() -> None:
    """The app starts on sign-in: Scan, Look up, Inspect and Admin (and what only they use)
    are imported when their mode is first opened, not before the first screen."""
    modes = (
        "screens.scan",
        "screens.verdict_card",
        "screens.lookup",
        "screens.inspect",
        "screens.admin",
        "kiosk.report",
    )
    code = f"import sys, screens.app; print(sorted(m for m in {modes!r} if m in sys.modules))"
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip() == "[]"


async def test_the_warm_up_starts_right_after_the_first_paint(
    make_app: Callable[..., YanzhaoApp],
) -> None:
    """What the first scan needs is loaded at once, not a second later: once the first frame
    is painted and the app has gone idle, the warm-up worker exists or has run (an order of
    events, not a time, so that a loaded machine cannot fail it)."""
    seen = Recorder("scan-input")
    app = make_app()
    async with app.run_test(size=(120, 40), message_hook=seen) as pilot:
        await pilot.pause()
        assert seen.warm_up_at > 0 or any(w.group == "warm-up" for w in app.workers)
        assert await until(pilot, lambda: seen.warm_up_at > 0, timeout=10.0)
