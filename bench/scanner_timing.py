"""Timing parts of the scanner benchmark: scan-loop throughput and wedge burst latency."""

from __future__ import annotations

import threading
import time

import numpy as np

from bench.scanner_corpus import HARD, MILD, make_case
from bench.scanner_render import BASE45
from scanner.decoders import make_decoders
from scanner.loop import ScanLoop
from scanner.payload import Read
from scanner.pipeline import Pipeline
from scanner.sources import Frame
from scanner.wedge import BurstDetector


class ListSource:
    """Frames from memory, as fast as the loop takes them (a finite, non-live source)."""

    live = False

    def __init__(self, images: list[np.ndarray]) -> None:
        self.name = "memory"
        self._images = iter(images)

    def read(self) -> Frame | None:
        image = next(self._images, None)
        return None if image is None else Frame(image, time.monotonic(), "memory")

    def close(self) -> None:
        self._images = iter(())


def loop_frames(count: int) -> list[np.ndarray]:
    """A session-like mix: two thirds without a code, one third mild or hard codes."""
    kinds = [*MILD, *HARD]
    out = []
    for i in range(count):
        name = "no_code" if i % 3 else kinds[(i // 3) % len(kinds)]
        out.append(make_case(name, 500 + i).image)
    return out


def loop_fps(count: int) -> float:
    """Frames per second through `ScanLoop` with OpenCV held to one thread."""
    import cv2

    images = loop_frames(count)
    previous = cv2.getNumThreads()
    cv2.setNumThreads(1)
    try:
        decoders, _ = make_decoders()
        done = threading.Event()
        reads: list[Read] = []
        loop = ScanLoop(ListSource(images), Pipeline(decoders), reads.append, on_end=done.set)
        start = time.perf_counter()
        loop.start()
        done.wait(120)
        elapsed = time.perf_counter() - start
        loop.stop()
    finally:
        cv2.setNumThreads(previous)
    return count / elapsed


def wedge_latency_ms(chars: int = 1300, runs: int = 20) -> float:
    """Worst time, over `runs`, from feeding Enter to getting the payload back."""
    rng = np.random.default_rng(7)
    text = "YZ1:" + "".join(BASE45[i] for i in rng.integers(0, 45, chars - 4))
    worst = 0.0
    for _ in range(runs):
        det = BurstDetector()
        at = 100.0
        for ch in text:
            at += float(rng.uniform(0.001, 0.005))
            det.feed(ch, at)
        t0 = time.perf_counter()
        payload = det.feed("\r", at + 0.003)
        worst = max(worst, (time.perf_counter() - t0) * 1000)
        assert payload == text
    return worst
