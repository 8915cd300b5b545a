"""A camera as a frame source that survives being missing or unplugged.

`CameraSource` opens an OpenCV `VideoCapture` by index or device path (V4L2 on Linux)
with the configured resolution and frame rate. When the device is missing or stops
giving frames, it reports a `CameraUnavailableError` through `on_problem` once and a
background thread keeps trying to reopen it, quietly and less and less often (`backoff`:
1, 2, 4 … 30 s); meanwhile `read()` returns None after a short wait, so the scan loop
idles instead of crashing. OpenCV's own warning per failed open is turned off
(`scanner.quiet`): nothing reaches the terminal the TUI draws on.
"""

from __future__ import annotations

import logging
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from domain.errors import CameraUnavailableError
from scanner.quiet import quiet_opencv
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
    retry_s: float = 1.0
    """Seconds before the first attempt to reopen a missing camera; each later wait doubles."""
    retry_max_s: float = 30.0
    """The longest wait between two attempts to reopen a missing camera."""
    fail_after: int = 5
    """Consecutive failed reads that count as an unplugged camera."""


def backoff(first_s: float, max_s: float) -> Iterator[float]:
    """The waits between attempts to reopen: `first_s`, doubling, never above `max_s`."""
    delay = min(first_s, max_s)
    while True:
        yield delay
        delay = min(delay * 2, max_s)


def open_capture(config: CameraConfig) -> Any:
    """An opened OpenCV capture for the configured device, or None when it cannot be opened."""
    quiet_opencv()  # before the import: a missing camera must not print a warning per attempt
    import cv2

    quiet_opencv()  # and after it, in case another thread had it half imported
    dev = config.device
    linux_dev = sys.platform.startswith("linux") and (
        isinstance(dev, int) or str(dev).startswith("/dev/video")
    )
    backend = cv2.CAP_V4L2 if linux_dev else cv2.CAP_ANY
    try:
        cap = cv2.VideoCapture(dev, backend)
        if not cap.isOpened():
            cap.release()
            return None
        cap.set(cv2.CAP_PROP_FRAME_WIDTH, config.width)
        cap.set(cv2.CAP_PROP_FRAME_HEIGHT, config.height)
        cap.set(cv2.CAP_PROP_FPS, config.fps)
        cap.set(cv2.CAP_PROP_BUFFERSIZE, 1)  # the newest frame, not a backlog
    except cv2.error as err:
        log.debug("camera %s: %s", dev, err)
        return None
    return cap


class CameraSource:
    """A live camera; `read()` never raises, problems go to `on_problem`.

    Args:
        config: which device, and how often to retry it.
        on_problem: called with the error when the camera goes away and with None when it is
            back; never once per failed retry.
        opener: opens the device (None when it cannot); `open_capture` unless a test fakes it.
        wait: sleeps between retries, returning True when the source is closed meanwhile;
            the close event's `wait` unless a test brings its own clock.
    """

    live = True

    def __init__(
        self,
        config: CameraConfig,
        on_problem: Callable[[CameraUnavailableError | None], None] | None = None,
        *,
        opener: Callable[[CameraConfig], Any] = open_capture,
        wait: Callable[[float], bool] | None = None,
    ) -> None:
        self.config = config
        self.name = f"camera {config.device}"
        self._on_problem = on_problem or (lambda _e: None)
        self._opener = opener
        self._lock = threading.Lock()
        self._cap: Any = None
        self._failures = 0
        self._closed = threading.Event()
        self._wait = wait or self._closed.wait
        self._reopener: threading.Thread | None = None
        self.open_attempts = 0
        self.problem: CameraUnavailableError | None = None
        if not self._open():
            self._lost("The camera could not be opened.")

    def _open(self) -> bool:
        self.open_attempts += 1
        try:
            cap = self._opener(self.config)
        except Exception:  # noqa: BLE001 - a driver error must not end the kiosk
            log.debug("%s: opening failed", self.name, exc_info=True)
            cap = None
        if cap is None:
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
            f"{why} Retrying in the background (at least every "
            f"{self.config.retry_max_s:g} s); codes can still be typed or scanned with a USB "
            "scanner."
        )
        self.problem = err
        log.warning("%s: %s", self.name, err)
        self._on_problem(err)
        if self._closed.is_set() or (self._reopener and self._reopener.is_alive()):
            return
        self._reopener = threading.Thread(target=self._reopen, name="camera-reopen", daemon=True)
        self._reopener.start()

    def _reopen(self) -> None:
        for delay in backoff(self.config.retry_s, self.config.retry_max_s):
            if self._wait(delay) or self._closed.is_set():
                return
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
