"""A keyboard-wedge scanner's keys told from typing (issue 21): every key passes here before
any widget sees it. A scan's Enter posts the payload; a long burst is held back from the
focused text box and given back in one piece if it turns out to be typing."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from textual import events
from textual.timer import Timer
from textual.widgets import Input

from scanner.wedge import BurstConfig, BurstDetector
from screens.messages import PayloadScanned

if TYPE_CHECKING:
    from screens.app import YanzhaoApp

# A terminal can deliver a burst in uneven chunks while the app is busy redrawing, so pauses
# are tolerated up to BURST_MAX_GAP_MS; the median gap still tells a scanner.
BURST_MAX_GAP_MS = 400.0
# How often a burst held back from a text box is looked at: once it has been quiet this long,
# it was typing after all and the box gets it.
HOLD_CHECK_S = BURST_MAX_GAP_MS / 1000 + 0.05


class WedgeKeys:
    """The burst detector of one app, and what the app does with each step of it."""

    def __init__(self, app: YanzhaoApp) -> None:
        self.app = app
        self.burst = BurstDetector(BurstConfig(max_gap_ms=BURST_MAX_GAP_MS))
        self._hold_timer: Timer | None = None  # looks at a burst held back from a text box
        self._overflowing = False  # keys of a burst past the longest payload are dropped

    def take(self, event: events.Key) -> bool:
        """Feed one key to the burst detector; True when the key is taken (a scan's Enter, or a
        key held back from the focused text box while a burst arrives).

        A text box redraws and re-validates its whole text on every key (over 1 ms for a long
        payload), more than a fast wedge scanner leaves between keys: past its first few keys
        a burst is held back, and given to the box in one piece if it turns out to be typing.
        """
        char = "enter" if event.key == "enter" else (event.character or "")
        if char != "enter" and not (len(char) == 1 and char.isprintable()):
            char = ""  # Tab, arrows, function keys: never part of a scan
        box = self.app.focused if isinstance(self.app.focused, Input) else None
        # The event's own time (when the driver read it), not when it is handled here.
        step = self.burst.step(char, event.time, may_hold=box is not None)
        if step.overflow:  # longer than any payload: dropped to its end, said once
            if not self._overflowing:
                self._overflowing = True
                self._refuse_overflow(box)
            return True
        self._overflowing = False
        if step.payload is not None and self._is_scan(step.payload):
            self._strip_from_focused_input(step.typed)
            self.app.post_message(PayloadScanned(step.payload, "scanner"))
            return True
        if step.release:
            self._give_back(step.release)
        if step.hold:
            if self._hold_timer is None:
                self._hold_timer = self.app.set_timer(HOLD_CHECK_S, self._release_if_quiet)
            return True
        return False

    def _refuse_overflow(self, box: Input | None) -> None:
        """A burst ran past the longest payload: the keys held back go, the few that reached
        the box are taken out of it, and the officer is told, as for a paste too long."""
        from screens.scan_box import too_long

        if box is not None:
            box.call_later(box.clear)
        self.app.notify(too_long(self.app.lang), severity="warning", markup=False)

    def _give_back(self, text: str) -> None:
        """Keys held back that were typing after all: into the focused box, in one piece, before
        the key that released them (queued on the box, behind the keys it has not handled)."""
        box = self.app.focused if self.app.screen_stack else None  # none while the app closes
        if text and isinstance(box, Input):
            box.call_later(box.insert_text_at_cursor, text)

    def _release_if_quiet(self) -> None:
        """A held burst that stopped without Enter was typing: give it back; else look again."""
        self._hold_timer = None
        # event.time is Textual's monotonic clock: the same one here.
        self._give_back(self.burst.release_if_quiet(time.monotonic()))
        if self.burst.holding:
            self._hold_timer = self.app.set_timer(HOLD_CHECK_S, self._release_if_quiet)

    def _is_scan(self, burst: str) -> bool:
        """A credential always counts as a scan; any other burst (an ID card reader typing an
        ID number into the look-up box, say) is typing when an input has focus."""
        return burst.startswith("YZ1:") or not isinstance(self.app.focused, Input)

    def _strip_from_focused_input(self, typed: str) -> None:
        """Take the keys of a scan that reached the input back out of it (the rest was held).

        The input may not have handled all of them yet, so this is queued on the input itself,
        behind them. An input holding only the start of the payload is cleared.
        """
        widget = self.app.focused
        if not isinstance(widget, Input) or not typed:
            return

        def strip() -> None:
            if widget.value.endswith(typed):
                widget.value = widget.value[: -len(typed)]
            elif typed.startswith(widget.value):
                widget.value = ""

        widget.call_later(strip)
