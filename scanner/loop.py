"""The scan loop: capture and decode threads, a one-frame queue, debounce and live stats.

The capture thread reads the source and keeps only the newest frame in a bounded queue
(older ones are dropped, never queued up). The decode thread runs the pipeline on it and
tells the pipeline to give up its retries as soon as a newer frame is waiting. Reads of
the same text within `debounce_s` are reported once. `stop()` sets the exit event and
joins both threads. Nothing here knows about Textual: results go to callbacks.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable

from scanner.payload import Read
from scanner.pipeline import Pipeline
from scanner.sources import Frame, FrameSource
from scanner.stats import ScanStats, StatsWindow

log = logging.getLogger(__name__)


class Debouncer:
    """Let a text through once per `window_s` seconds."""

    def __init__(self, window_s: float) -> None:
        self.window_s = window_s
        self._last: dict[str, float] = {}

    def admit(self, text: str, now: float) -> bool:
        """True when `text` was not admitted in the last `window_s` seconds."""
        last = self._last.get(text)
        if last is not None and now - last < self.window_s:
            self._last[text] = now  # still held up: keep suppressing
            return False
        self._last = {t: at for t, at in self._last.items() if now - at < self.window_s}
        self._last[text] = now
        return True


class ScanLoop:
    """Long-lived scanning of one frame source.

    Args:
        source: where frames come from; a `live` source (camera) may drop frames.
        pipeline: the decode pipeline.
        on_read: called (from the decode thread) with each new, debounced `Read`.
        debounce_s: the same text is reported at most once within this window.
        on_end: called once a finite source (file, folder) is exhausted and decoded.
    """

    def __init__(
        self,
        source: FrameSource,
        pipeline: Pipeline,
        on_read: Callable[[Read], None],
        debounce_s: float = 3.0,
        on_end: Callable[[], None] | None = None,
    ) -> None:
        self.source = source
        self.pipeline = pipeline
        self._on_read = on_read
        self._on_end = on_end or (lambda: None)
        self._debounce = Debouncer(debounce_s)
        self._live = bool(getattr(source, "live", False))
        self._queue: queue.Queue[Frame | None] = queue.Queue(maxsize=1)
        self._exit = threading.Event()
        self._stats = StatsWindow()
        self._threads = [
            threading.Thread(target=self._capture, name="scan-capture", daemon=True),
            threading.Thread(target=self._decode, name="scan-decode", daemon=True),
        ]

    def start(self) -> ScanLoop:
        """Start both threads; returns self."""
        for t in self._threads:
            t.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        """Ask both threads to finish and wait for them; then close the source."""
        self._exit.set()
        for t in self._threads:
            if t.is_alive():
                t.join(timeout)
        self.source.close()

    def wait(self, timeout: float | None = None) -> bool:
        """Wait until a finite source is done; True if it finished in time."""
        self._threads[1].join(timeout)
        return not self._threads[1].is_alive()

    def stats(self) -> ScanStats:
        """Frame rate, decode time and hit rate over the last few seconds."""
        return self._stats.snapshot()

    def _capture(self) -> None:
        try:
            while not self._exit.is_set():
                frame = self.source.read()
                if frame is None:
                    if self._live:
                        continue  # camera away: it retries itself; read() waited a little
                    break
                self._stats.captured()
                self._offer(frame)
        except Exception:  # noqa: BLE001 - a broken source must not take the kiosk down
            log.exception("frame source %s failed", getattr(self.source, "name", "?"))
        self._put_blocking(None)

    def _offer(self, frame: Frame) -> None:
        if not self._live:
            self._put_blocking(frame)
            return
        try:
            self._queue.put_nowait(frame)
        except queue.Full:
            try:
                self._queue.get_nowait()
                self._stats.dropped()
            except queue.Empty:
                pass
            try:
                self._queue.put_nowait(frame)
            except queue.Full:
                self._stats.dropped()

    def _put_blocking(self, item: Frame | None) -> None:
        while not self._exit.is_set():
            try:
                self._queue.put(item, timeout=0.1)
                return
            except queue.Full:
                continue

    def _decode(self) -> None:
        newer = (lambda: not self._queue.empty()) if self._live else None
        while not self._exit.is_set():
            try:
                frame = self._queue.get(timeout=0.1)
            except queue.Empty:
                continue
            if frame is None:
                self._on_end()
                return
            try:
                result = self.pipeline.decode(frame.image, should_stop=newer)
            except Exception:  # noqa: BLE001
                log.exception("decoding a frame failed")
                continue
            self._stats.decoded(result.ms, bool(result.reads))
            for read in result.reads:
                if self._debounce.admit(read.text, time.monotonic()):
                    self._on_read(read)
