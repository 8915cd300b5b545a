"""Keyboard-wedge USB scanners: tell a scanner's keystroke burst from a person typing.

A wedge scanner types the payload and Enter at 1–5 ms per character; people type at
60 ms per key or slower, with the odd fast roll-over pair. `BurstDetector` is fed
(character, timestamp) events from anywhere (the TUI's key handler, with no input
focused) and returns the completed payload when Enter ends a burst whose timing fits.
It imports nothing from the UI.

`step()` also says which keys to hold back from the focused text box while a burst arrives:
a text box that takes a 1,400-character payload one key at a time redraws, scrolls and
re-validates on every key (about 1 ms a key in Textual's Input, more than a fast wedge
scanner leaves between keys), so the verdict waited for a backlog of keys. Held keys that
turn out to be typing are released in one piece, in order, before the next key.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass

ENTER = frozenset({"\r", "\n", "enter"})


@dataclass(frozen=True, slots=True)
class BurstConfig:
    """Timing rules for a scanner burst."""

    max_gap_ms: float = 60.0
    """A longer pause between two keys ends the burst (a person, or a new scan)."""
    max_median_gap_ms: float = 15.0
    """The median gap of a scanner burst; people are far slower."""
    max_slow_share: float = 0.1
    """Share of gaps allowed above `max_median_gap_ms` (USB and terminal hiccups; two always:
    a short burst with two hiccups is still a scanner's, and the median rule still refuses a
    person, whose gaps are mostly slow)."""
    min_chars: int = 4
    """Shorter bursts are ignored (a few fast key presses are not a scan)."""
    max_chars: int = 8192
    """A burst longer than this is not a credential: the rest of it, up to its Enter or a
    pause, is marked `Step.overflow`, and its Enter gives no payload."""
    hold_after: int = 32
    """Keys of a burst that reach the focused text box before `step()` holds the rest back:
    short bursts (a PIN, an ID number from a card reader, a test typing) are never held, and a
    long one costs the box only these few keys."""


@dataclass(frozen=True, slots=True)
class Step:
    """What the UI does with one key event (`BurstDetector.step`)."""

    hold: bool = False
    """Keep this key from the focused widget: a scanner burst is arriving."""
    release: str = ""
    """Keys held back earlier that were not a scan after all: give them to the widget, in one
    piece, before this key (and, when `payload` is set but not routed as a scan, before its
    Enter)."""
    payload: str | None = None
    """This Enter ended a burst with scanner timing: the payload."""
    typed: str = ""
    """The start of `payload` that reached the widget before holding began: take it back out
    of the widget when the payload is routed as a scan."""
    overflow: bool = False
    """This key (its Enter included) belongs to a burst longer than `max_chars`: no payload,
    however it ends. `release` still holds the keys held back, for the UI to drop."""


class BurstDetector:
    """Collect keystrokes; `feed()` returns the payload when a scanner burst ends in Enter."""

    def __init__(self, config: BurstConfig | None = None) -> None:
        self.config = config or BurstConfig()
        self._chars: list[str] = []
        self._gaps: list[float] = []
        self._slow = 0
        self._last: float | None = None
        self._held: list[str] = []
        self._overflowed = False  # the burst under way ran past max_chars

    def reset(self) -> None:
        """Forget any partial burst (held keys stay until `release()` gives them back)."""
        self._chars.clear()
        self._gaps.clear()
        self._slow = 0
        self._last = None

    def release(self) -> str:
        """The held keys, in order, and forget the burst (a key that is not a character
        arrived, or the burst went quiet without Enter)."""
        self.reset()
        self._overflowed = False
        return self._take_held()

    @property
    def holding(self) -> bool:
        """True while keys are held back (the UI keeps a timer for `release_if_quiet`)."""
        return bool(self._held)

    def release_if_quiet(self, now: float) -> str:
        """The held keys when no key came for `max_gap_ms` (the burst ended without Enter: it
        was typing); "" while a burst may still go on."""
        if self._held and self._last is not None:
            if (now - self._last) * 1000 > self.config.max_gap_ms:
                return self.release()
        return ""

    def step(self, char: str, at: float, *, may_hold: bool = True) -> Step:
        """Take one key event and say what the UI does with it.

        Args:
            char: one character, Enter ("\\r", "\\n" or "enter"), or "" for any other key
                (Tab, arrows, function keys: never part of a scan).
            at: when it happened, in seconds (any monotonic clock).
            may_hold: False when nothing is focused that keys could be held back from.

        Returns:
            The Step: hold this key back, release held ones first, or a finished payload.
        """
        if char in ENTER:
            # Past max_chars only while that burst goes on: an Enter after a pause is a key.
            over = self._overflowed and self._fresh(at)
            held = self._take_held()
            payload = self.feed(char, at)
            if over:
                return Step(release=held, overflow=True)
            if payload is None:
                return Step(release=held)
            return Step(payload=payload, typed=payload[: len(payload) - len(held)], release=held)
        if len(char) != 1:
            return Step(release=self.release())
        self.feed(char, at)  # a gap that ends the burst starts a new one: not in a burst yet
        if self._overflowed:
            return Step(hold=True, release=self._take_held(), overflow=True)
        if may_hold and len(self._chars) > self.config.hold_after and self.in_burst(at):
            self._held.append(char)  # joined only when given back: no O(n²) on a long burst
            return Step(hold=True)
        return Step(release=self._take_held())

    def _take_held(self) -> str:
        held = "".join(self._held) if self._held else ""
        self._held.clear()
        return held

    def feed(self, char: str, at: float) -> str | None:
        """Take one key event.

        Args:
            char: the character typed (one character), or Enter as "\\r", "\\n" or "enter".
            at: when it happened, in seconds (any monotonic clock).

        Returns:
            The payload, when this Enter completes a burst with scanner timing; else None.
        """
        cfg = self.config
        gap_ms = None if self._last is None else (at - self._last) * 1000
        if char in ENTER:
            payload = None if self._overflowed else self._finish(gap_ms)
            self.reset()
            self._overflowed = False
            return payload
        if len(char) != 1:
            self.reset()
            self._overflowed = False
            return None
        if gap_ms is None or gap_ms > cfg.max_gap_ms:
            self.reset()
            self._overflowed = False
        elif len(self._chars) >= cfg.max_chars:
            self.reset()  # counted afresh, bounded: the burst goes on, past any payload
            self._overflowed = True
        elif self._chars:
            self._gaps.append(gap_ms)
            self._slow += gap_ms > cfg.max_median_gap_ms
        self._chars.append(char)
        self._last = at
        return None

    def _fresh(self, now: float) -> bool:
        """True when the last key came within `max_gap_ms` of `now`."""
        return self._last is not None and (now - self._last) * 1000 <= self.config.max_gap_ms

    def in_burst(self, now: float) -> bool:
        """True while keys are arriving at scanner speed (so the UI can hold them back)."""
        if len(self._gaps) < 2 or self._last is None:
            return False
        fresh = (now - self._last) * 1000 <= self.config.max_gap_ms
        return fresh and statistics.median(self._gaps[-8:]) <= self.config.max_median_gap_ms

    def _finish(self, gap_ms: float | None) -> str | None:
        cfg = self.config
        if gap_ms is None or gap_ms > cfg.max_gap_ms or len(self._chars) < cfg.min_chars:
            return None
        if statistics.median(self._gaps) > cfg.max_median_gap_ms:
            return None
        if self._slow > max(2.0, cfg.max_slow_share * len(self._gaps)):
            return None
        return "".join(self._chars)
