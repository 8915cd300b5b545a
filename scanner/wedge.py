"""Keyboard-wedge USB scanners: tell a scanner's keystroke burst from a person typing.

A wedge scanner types the payload and Enter at 1–5 ms per character; people type at
60 ms per key or slower, with the odd fast roll-over pair. `BurstDetector` is fed
(character, timestamp) events from anywhere (the TUI's key handler, with no input
focused) and returns the completed payload when Enter ends a burst whose timing fits.
It imports nothing from the UI.
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
    """A burst longer than this is not a credential; it is dropped."""


class BurstDetector:
    """Collect keystrokes; `feed()` returns the payload when a scanner burst ends in Enter."""

    def __init__(self, config: BurstConfig | None = None) -> None:
        self.config = config or BurstConfig()
        self._chars: list[str] = []
        self._gaps: list[float] = []
        self._slow = 0
        self._last: float | None = None

    def reset(self) -> None:
        """Forget any partial burst."""
        self._chars.clear()
        self._gaps.clear()
        self._slow = 0
        self._last = None

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
            payload = self._finish(gap_ms)
            self.reset()
            return payload
        if len(char) != 1:
            self.reset()
            return None
        if gap_ms is None or gap_ms > cfg.max_gap_ms or len(self._chars) >= cfg.max_chars:
            self.reset()
        elif self._chars:
            self._gaps.append(gap_ms)
            self._slow += gap_ms > cfg.max_median_gap_ms
        self._chars.append(char)
        self._last = at
        return None

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
