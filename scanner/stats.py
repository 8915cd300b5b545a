"""Live scan statistics for the status bar: frame rate, decode time, hit rate, drops."""

from __future__ import annotations

import statistics
import threading
import time
from collections import deque
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ScanStats:
    """A snapshot over the last `window_s` seconds."""

    fps: float
    """Frames decoded per second."""
    decode_ms: float
    """Median pipeline time per frame."""
    hit_rate: float
    """Share of decoded frames that gave at least one code (0..1)."""
    captured: int
    """Frames read from the source since the start."""
    dropped: int
    """Frames dropped because a newer one arrived first, since the start."""


class StatsWindow:
    """Thread-safe rolling window of decode events."""

    def __init__(self, window_s: float = 5.0) -> None:
        self.window_s = window_s
        self._lock = threading.Lock()
        self._events: deque[tuple[float, float, bool]] = deque()
        self._captured = 0
        self._dropped = 0

    def captured(self) -> None:
        """Count a frame read from the source."""
        with self._lock:
            self._captured += 1

    def dropped(self) -> None:
        """Count a frame dropped unseen."""
        with self._lock:
            self._dropped += 1

    def decoded(self, ms: float, hit: bool) -> None:
        """Record one decoded frame."""
        now = time.monotonic()
        with self._lock:
            self._events.append((now, ms, hit))
            while self._events and now - self._events[0][0] > self.window_s:
                self._events.popleft()

    def snapshot(self) -> ScanStats:
        """The current figures."""
        now = time.monotonic()
        with self._lock:
            events = [e for e in self._events if now - e[0] <= self.window_s]
            captured, dropped = self._captured, self._dropped
        if not events:
            return ScanStats(0.0, 0.0, 0.0, captured, dropped)
        span = max(now - events[0][0], 1e-3) if len(events) > 1 else self.window_s
        return ScanStats(
            fps=len(events) / span,
            decode_ms=statistics.median(e[1] for e in events),
            hit_rate=sum(e[2] for e in events) / len(events),
            captured=captured,
            dropped=dropped,
        )
