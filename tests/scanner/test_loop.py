"""The scan loop end to end: a video through the threads, frame dropping, debounce, stats."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import numpy as np

from scanner.decoders import make_decoders
from scanner.loop import Debouncer, ScanLoop
from scanner.payload import Read
from scanner.pipeline import Pipeline
from scanner.sources import Frame, VideoSource
from tests.scanner.helpers import code_frame, empty_frame, payload, write_video


def _pipeline() -> Pipeline:
    decoders, _ = make_decoders()
    return Pipeline(decoders)


def test_a_video_with_codes_in_some_frames_reads_end_to_end(tmp_path: Path) -> None:
    a, b = payload(21, 900), payload(22, 1200)
    fa, fb = code_frame(a, seed=21), code_frame(b, seed=22)
    frames = [empty_frame(0), fa, fa, fa, empty_frame(1), empty_frame(2), fb, fb, empty_frame(3)]
    path = write_video(tmp_path / "counter.avi", frames)
    reads: list[Read] = []
    done = threading.Event()
    loop = ScanLoop(VideoSource(path), _pipeline(), reads.append, debounce_s=5, on_end=done.set)
    loop.start()
    try:
        assert done.wait(30)
        assert loop.wait(5)
    finally:
        loop.stop()
    assert [(r.text, r.is_yz1) for r in reads] == [(a, True), (b, True)]
    stats = loop.stats()
    assert stats.captured == len(frames) and stats.dropped == 0
    assert 0.4 < stats.hit_rate < 0.7  # 5 of 9 frames hold a code
    assert stats.decode_ms > 0 and stats.fps > 0


class BusyCamera:
    """A live source that delivers a frame every half millisecond, faster than decoding."""

    live = True

    def __init__(self, images: list[np.ndarray]) -> None:
        self.name = "busy camera"
        self._images = images
        self._n = 0

    def read(self) -> Frame | None:
        time.sleep(0.0005)
        self._n += 1
        return Frame(self._images[self._n % len(self._images)], time.monotonic(), "busy")

    def close(self) -> None:
        pass


def test_a_fast_camera_drops_frames_and_reports_a_code_once() -> None:
    text = payload(23)
    reads: list[Read] = []
    loop = ScanLoop(
        BusyCamera([code_frame(text, seed=23), empty_frame(4)]),
        _pipeline(),
        reads.append,
        debounce_s=60,
    )
    loop.start()
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and loop.stats().captured < 400:
            time.sleep(0.05)
        stats = loop.stats()
    finally:
        loop.stop()
    assert [r.text for r in reads] == [text]  # read many times, reported once
    assert stats.dropped > 0  # no backlog: old frames gave way to new ones
    assert stats.captured >= 400


def test_stop_returns_promptly_when_the_camera_is_away() -> None:
    class AwayCamera:
        live = True
        name = "away"

        def read(self) -> Frame | None:
            time.sleep(0.05)
            return None

        def close(self) -> None:
            pass

    loop = ScanLoop(AwayCamera(), _pipeline(), lambda r: None).start()
    time.sleep(0.2)
    start = time.monotonic()
    loop.stop()
    assert time.monotonic() - start < 2
    assert loop.stats().captured == 0


def test_fake_camera_unplugged_and_back_through_the_loop() -> None:
    from scanner.fake import FakeCamera

    text = payload(24)
    cam = FakeCamera([empty_frame(5), code_frame(text, seed=24)], interval_s=0.01)
    got = threading.Event()
    reads: list[Read] = []

    def on_read(read: Read) -> None:
        reads.append(read)
        got.set()

    cam.unplug()
    loop = ScanLoop(cam, _pipeline(), on_read, debounce_s=0.0).start()
    try:
        time.sleep(0.3)
        assert reads == [] and loop.stats().captured == 0  # idles, does not end
        cam.plug()
        assert got.wait(10)
    finally:
        loop.stop()
    assert reads[0].text == text


def test_debouncer_windows() -> None:
    d = Debouncer(2.0)
    assert d.admit("A", 0.0)
    assert not d.admit("A", 1.0)
    assert d.admit("B", 1.5)
    assert not d.admit("A", 2.5)  # still held up: the window restarts at each sighting
    assert d.admit("A", 5.0)
