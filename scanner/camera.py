"""A camera as a frame source that survives being missing or unplugged.

`CameraSource` opens an OpenCV `VideoCapture` by index or device path (V4L2 on Linux)
with the configured resolution and frame rate. When the device is missing or stops
giving frames, it reports a `CameraUnavailableError` through `on_problem` and a
background thread keeps trying to reopen it; meanwhile `read()` returns None after a
short wait, so the scan loop idles instead of crashing.
"""

from __future__ import annotations

import logging
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from domain.errors import CameraUnavailableError
from scanner.sources import Frame

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class CameraConfig:
    """How to open the counter camera."""

    device: int | str = 0
    """Camera index (0, 1 …) or device path such as /dev/video2 (or any URL OpenCV opens)."""
    width: int = 1280
    """Requested frame width in pixels."""
    height: int = 720
    """Requested frame height in pixels."""
    fps: float = 30.0
    """Requested frame rate."""
    retry_s: float = 2.0
    """Seconds between attempts to reopen a missing camera."""
    fail_after: int = 5
    """Consecutive failed reads that count as an unplugged camera."""


class CameraSource:
    """A live camera; `read()` never raises, problems go to `on_problem`."""

    live = True

    def __init__(
        self,
        config: CameraConfig,
        on_problem: Callable[[CameraUnavailableError | None], None] | None = None,
    ) -> None:
        self.config = config
        self.name = f"camera {config.device}"
        self._on_problem = on_problem or (lambda _e: None)
        self._lock = threading.Lock()
        self._cap: Any = None
        self._failures = 0
        self._closed = threading.Event()
        self._reopener: threading.Thread | None = None
        self.open_attempts = 0
        self.problem: CameraUnavailableError | None = None
        if not self._open():
            self._lost("The camera could not be opened.")

    def _open(self) -> bool:
        import cv2

        self.open_attempts += 1
        dev = self.config.device
        linux_dev = sys.platform.startswith("linux") and (
            isinstance(dev, int) or str(dev).startswith("/dev/video")
        )
        backend = cv2.CAP_V4L2 if linux_dev else cv2.CAP_ANY
        try:
            cap = cv2.VideoCapture(dev, backend)
            if not cap.isOpened():
                cap.release()
                return False
            cap.set(cv2.CAP_PROP_FRAME_WIDTH, self.config.width)
            cap.set(cv2.CAP_PROP_FRAME_HEIGHT, self.config.height)
            cap.set(cv2.CAP_PROP_FPS, self.config.fps)
            cap.set(cv2.CAP_PROP_BUFFERSIZE, 1)  # the newest frame, not a backlog
        except cv2.error as err:
            log.warning("camera %s: %s", dev, err)
            return False
        with self._lock:
            self._cap, self._failures = cap, 0
        if self.problem is not None:
            self.problem = None
            self._on_problem(None)
        return True

    def _lost(self, why: str) -> None:
        with self._lock:
            cap, self._cap = self._cap, None
        if cap is not None:
            cap.release()
        err = CameraUnavailableError(
            f"{why} Retrying every {self.config.retry_s:g} s; "
            "codes can still be typed or scanned with a USB scanner."
        )
        self.problem = err
        log.warning("%s: %s", self.name, err)
        self._on_problem(err)
        if self._closed.is_set() or (self._reopener and self._reopener.is_alive()):
            return
        self._reopener = threading.Thread(target=self._reopen, name="camera-reopen", daemon=True)
        self._reopener.start()

    def _reopen(self) -> None:
        while not self._closed.wait(self.config.retry_s):
            if self._open():
                return

    @property
    def connected(self) -> bool:
        """True while a device is open."""
        return self._cap is not None

    def read(self) -> Frame | None:
        """The newest frame, or None (after a short wait) while the camera is away."""
        with self._lock:
            cap = self._cap
        if cap is None:
            self._closed.wait(0.05)
            return None
        try:
            ok, image = cap.read()
        except Exception as err:  # noqa: BLE001 - a driver error must not end the kiosk
            log.warning("%s read failed: %s", self.name, err)
            ok, image = False, None
        if ok and image is not None:
            self._failures = 0
            return Frame(image, time.monotonic(), self.name)
        self._failures += 1
        if self._failures >= self.config.fail_after:
            self._lost("The camera stopped sending pictures (unplugged?).")
        return None

    def close(self) -> None:
        """Release the device and stop retrying."""
        self._closed.set()
        with self._lock:
            cap, self._cap = self._cap, None
        if cap is not None:
            cap.release()
        if self._reopener is not None:
            self._reopener.join(timeout=2)
