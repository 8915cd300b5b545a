"""The counter camera as one object for the TUI: start with a callback, stop, state, figures.

Wraps scanner/'s CameraSource and ScanLoop; a camera that is missing or unplugged is retried
in the background by the source and reported through `connected`, never raised. `start()`
returns at once: OpenCV is imported and the device opened on a thread a moment later, so the
first screen is not held up by either.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from scanner.quiet import quiet_opencv

log = logging.getLogger(__name__)


class CameraFeed:
    """A camera scanned in the background; payloads go to the callback given to `start`.

    Args:
        device: camera index ("0") or device path, as in the settings.
        decoder_order: QR decoders in the order tried (empty: the default order).
        start_delay_s: how long `start` waits before opening (the first paint goes first).
    """

    def __init__(
        self, device: str, decoder_order: tuple[str, ...] = (), start_delay_s: float = 1.0
    ) -> None:
        self.device: int | str = int(device) if device.isdigit() else device
        self.decoder_order = decoder_order
        self.start_delay_s = start_delay_s
        self._loop: Any = None
        self._source: Any = None
        self._lock = threading.Lock()
        self._stopped = threading.Event()
        self._starter: threading.Thread | None = None
        self.latest: Any = None  # the newest frame's image, for the aiming preview
        self.notices: list[str] = []  # decoders that could not load (e.g. no libzbar)

    def start(self, on_payload: Callable[[str], None]) -> None:
        """Open the camera (retrying in the background) and start scanning; returns at once."""
        self._stopped.clear()
        self._starter = threading.Thread(
            target=self._start, args=(on_payload,), name="camera-start", daemon=True
        )
        self._starter.start()

    def _start(self, on_payload: Callable[[str], None]) -> None:
        if self._stopped.wait(self.start_delay_s):
            return
        try:
            quiet_opencv()
            import cv2

            from scanner.camera import CameraConfig, CameraSource
            from scanner.loop import ScanLoop
            from scanner.pipeline import make_pipeline

            cv2.setNumThreads(1)  # leave a core for the UI (the loop's figures were measured so)
            names = self.decoder_order or None
            pipeline, self.notices = make_pipeline(names=names) if names else make_pipeline()
            source = CameraSource(CameraConfig(device=self.device))
        except Exception:  # noqa: BLE001 - no camera is no reason to stop the kiosk
            log.exception("the camera could not be started")
            return
        with self._lock:
            if self._stopped.is_set():
                source.close()
                return
            self._loop = ScanLoop(
                _Tap(source, self), pipeline, lambda read: on_payload(read.text)
            ).start()
            self._source = source  # after the loop: `connected` promises `stats()`

    def stop(self) -> None:
        """Stop scanning and release the camera."""
        self._stopped.set()
        if self._starter is not None:
            self._starter.join(timeout=10)
            self._starter = None
        with self._lock:
            loop, self._loop = self._loop, None
        if loop is not None:
            loop.stop()

    @property
    def connected(self) -> bool:
        """True while frames arrive."""
        return bool(self._source is not None and self._source.connected)

    def stats(self) -> Any:
        """Frame rate, decode time and hit rate."""
        return self._loop.stats()


class _Tap:
    """A frame source that remembers the newest frame (for the preview) and passes it on."""

    def __init__(self, source: Any, feed: CameraFeed) -> None:
        self._source = source
        self._feed = feed
        self.live = getattr(source, "live", True)
        self.name = getattr(source, "name", "camera")

    def read(self) -> Any:
        frame = self._source.read()
        if frame is not None:
            self._feed.latest = frame.image
        return frame

    def close(self) -> None:
        self._source.close()
