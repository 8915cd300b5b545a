"""The counter camera as one object for the TUI: start with a callback, stop, state, figures.

Wraps scanner/'s CameraSource and ScanLoop; a camera that is missing or unplugged is retried
in the background by the source and reported through `connected`, never raised.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


class CameraFeed:
    """A camera scanned in the background; payloads go to the callback given to `start`."""

    def __init__(self, device: str, decoder_order: tuple[str, ...] = ()) -> None:
        self.device: int | str = int(device) if device.isdigit() else device
        self.decoder_order = decoder_order
        self._loop: Any = None
        self._source: Any = None
        self.latest: Any = None  # the newest frame's image, for the aiming preview
        self.notices: list[str] = []  # decoders that could not load (e.g. no libzbar)

    def start(self, on_payload: Callable[[str], None]) -> None:
        """Open the camera (retrying in the background) and start scanning."""
        import cv2

        from scanner.camera import CameraConfig, CameraSource
        from scanner.loop import ScanLoop
        from scanner.pipeline import make_pipeline

        cv2.setNumThreads(1)  # leave a core for the UI (the loop's figures were measured so)
        names = self.decoder_order or None
        pipeline, self.notices = make_pipeline(names=names) if names else make_pipeline()
        self._source = CameraSource(CameraConfig(device=self.device))
        self._loop = ScanLoop(
            _Tap(self._source, self), pipeline, lambda read: on_payload(read.text)
        ).start()

    def stop(self) -> None:
        """Stop scanning and release the camera."""
        if self._loop is not None:
            self._loop.stop()
            self._loop = None

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
