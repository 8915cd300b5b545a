"""A fake camera for tests and demos: a live frame source that replays given pictures.

It behaves like `CameraSource` as the scan loop sees it (`live`, `read()`, `close()`,
`connected`), delivering frames at a fixed interval, and can be "unplugged" and
"plugged back" to exercise the kiosk's degraded paths without hardware.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from typing import Any

from scanner.sources import Frame


class FakeCamera:
    """Replay `images` in a loop, one every `interval_s` seconds.

    Args:
        images: the pictures (BGR or gray arrays) to show, in order.
        interval_s: time between frames (1/30 for a 30 frames/s camera; 0 for as fast as read).
        repeat: start again after the last picture; otherwise read() gives None from then on.
    """

    live = True

    def __init__(
        self, images: Sequence[Any], interval_s: float = 1 / 30, repeat: bool = True
    ) -> None:
        if not images:
            raise ValueError("a fake camera needs at least one picture")
        self.name = "fake camera"
        self._images = list(images)
        self.interval_s = interval_s
        self.repeat = repeat
        self._index = 0
        self._plugged = threading.Event()
        self._plugged.set()
        self._closed = threading.Event()
        self._next_at = time.monotonic()

    @property
    def connected(self) -> bool:
        """True while "plugged in"."""
        return self._plugged.is_set()

    def unplug(self) -> None:
        """Stop delivering frames, as a camera pulled out of its socket."""
        self._plugged.clear()

    def plug(self) -> None:
        """Deliver frames again."""
        self._plugged.set()

    def read(self) -> Frame | None:
        """The next picture at the camera's pace, or None (after a short wait) while unplugged."""
        if not self._plugged.is_set() or self._closed.is_set():
            self._closed.wait(0.05)
            return None
        if self._index >= len(self._images) and not self.repeat:
            self._closed.wait(0.05)
            return None
        delay = self._next_at - time.monotonic()
        if delay > 0:
            self._closed.wait(delay)
        self._next_at = max(self._next_at, time.monotonic()) + self.interval_s
        image = self._images[self._index % len(self._images)]
        self._index += 1
        return Frame(image, time.monotonic(), self.name)

    def close(self) -> None:
        """Stop for good."""
        self._closed.set()
