"""The decode pipeline: one fast pass, then measured retries on the code's region, in budget.

A frame first goes to the primary decoder (zxing-cpp when present) as it is. Only when
that finds a code it cannot read, or the frame has a dense code-like patch, does the
pipeline crop that region and try the retry plan: cheap variants (upscale, sharpen,
inversion, thresholds …) each paired with a decoder, in the order measured by
`python -m bench.scanner --order`. It stops at the first text, when the time budget is
spent, or when `should_stop()` says a newer frame has arrived.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from domain.errors import DecodeError
from scanner import deblur
from scanner import preprocess as pp
from scanner.decoders import DECODER_NAMES, Decoder, Symbol, ZxingDecoder, make_decoders
from scanner.payload import Read, classify

VARIANTS: dict[str, pp.Variant] = {
    "none": lambda g: g,
    "upscale": pp.upscale,
    "upscale1.5": lambda g: pp.upscale(g, 1.5),
    "downscale": pp.downscale,
    "sharpen": pp.sharpen,
    "upscale+sharpen": pp.chain(pp.upscale, pp.sharpen),
    "equalise": pp.equalise,
    "equalise+upscale": pp.chain(pp.equalise, pp.upscale),
    "invert": pp.invert,
    "threshold": pp.threshold_local,
    "otsu": pp.threshold_otsu,
    "denoise": pp.denoise,
    "downscale+sharpen": pp.chain(pp.downscale, pp.sharpen),
    "unsmear5": deblur.unsmear(5),
    "unsmear7": deblur.unsmear(7),
    "unsmear9": deblur.unsmear(9),
    "refocus2": deblur.refocus(2.0),
    "refocus2.5": deblur.refocus(2.5),
    "refocus3": deblur.refocus(3.0),
    "uncurve": pp.uncurve,
    "uncurve-v": lambda g: pp.uncurve(g, vertical=True),
    "uncurve0.3": lambda g: pp.uncurve(g, 0.3),
    "uncurve0.3-v": lambda g: pp.uncurve(g, 0.3, vertical=True),
}

# Chosen greedily by `python -m bench.scanner --order` (codes rescued per millisecond, on
# tuning seeds disjoint from the benchmark's); see docs/scanner.md. ZBar and OpenCV rescued
# nothing zxing-cpp's retries did not, so they only stand in when zxing-cpp is missing.
DEFAULT_PLAN: tuple[tuple[str, str], ...] = (
    ("invert", "zxing-hist"),
    ("threshold", "zxing-hist"),
    ("unsmear7", "zxing-hist"),
    ("none", "zxing-hist"),
    ("upscale1.5", "zxing"),
    ("unsmear9", "zxing"),
    ("unsmear7", "zxing"),
    ("upscale", "zxing"),
    ("uncurve0.3-v", "zxing"),
    ("sharpen", "zxing"),
    ("refocus3", "zxing"),
)

LIVE_BUDGET_MS = 30.0
"""Retries stop after this much decoding-thread CPU time on one live frame (30 frames/s: 33 ms)."""

# Without zxing-cpp the plan above is empty; these retries run with every other decoder.
FALLBACK_VARIANTS = ("none", "invert", "upscale1.5", "sharpen", "equalise")


@dataclass(frozen=True, slots=True)
class FrameResult:
    """What one frame gave: the codes read, the time spent and how hard it tried."""

    reads: tuple[Read, ...]
    ms: float
    """Wall-clock milliseconds spent on the frame."""
    attempts: int
    located: bool


class Pipeline:
    """Combine decoders and retries within a per-frame time budget.

    Args:
        decoders: available decoders, primary first (see `make_decoders`).
        plan: (variant, decoder name) retries in order; entries naming a decoder that
            is not available are skipped.
        budget_ms: retries stop after this much CPU time of the decoding thread on one
            frame; a step whose running cost estimate would overrun it is skipped, so a
            frame rarely takes longer. CPU time, not wall time: what a frame reads does not
            depend on what else the machine is doing (latency is `FrameResult.ms`).
    """

    def __init__(
        self,
        decoders: Sequence[Decoder],
        plan: Sequence[tuple[str, str]] = DEFAULT_PLAN,
        budget_ms: float = LIVE_BUDGET_MS,
    ) -> None:
        if not decoders:
            raise ValueError("a pipeline needs at least one decoder")
        self.decoders = list(decoders)
        by_name = {d.name: d for d in self.decoders}
        zxing = by_name.get("zxing")
        if isinstance(zxing, ZxingDecoder):
            by_name["zxing-hist"] = zxing.sibling("GlobalHistogram", "zxing-hist")
        self.budget_ms = budget_ms
        self._steps = [(VARIANTS[v], by_name[d]) for v, d in plan if d in by_name]
        if not self._steps:  # no zxing-cpp: give the decoders we have the usual retries
            self._steps = [(VARIANTS[v], d) for v in FALLBACK_VARIANTS for d in self.decoders]
        self._cost = [0.0] * len(self._steps)  # running estimate of each step's ms

    def decode(self, image: Any, should_stop: Callable[[], bool] | None = None) -> FrameResult:
        """Read the QR codes in one BGR or gray frame."""
        start = time.perf_counter()
        cpu_start = time.thread_time()
        gray = pp.to_gray(image)
        primary = self.decoders[0]
        symbols = primary.decode(gray)
        reads = _reads(symbols, primary.name)
        if reads:
            return FrameResult(reads, _ms(start), 1, True)
        region = self._region(gray, [s.quad for s in symbols if s.quad])
        if region is None:
            return FrameResult((), _ms(start), 1, False)
        attempts = 1
        for i, (variant, decoder) in enumerate(self._steps):
            if should_stop is not None and should_stop():
                break
            spent = (time.thread_time() - cpu_start) * 1000
            if spent + self._cost[i] > self.budget_ms:
                continue  # would overrun the budget; a cheaper step later may still fit
            began = time.thread_time()
            variant_image = variant(region)
            if variant_image is None:
                continue  # the variant does not apply to this crop
            attempts += 1
            reads = _reads(decoder.decode(variant_image), decoder.name)
            cost = (time.thread_time() - began) * 1000
            self._cost[i] = 0.7 * self._cost[i] + 0.3 * cost if self._cost[i] else cost
            if reads:
                return FrameResult(reads, _ms(start), attempts, True)
        return FrameResult((), _ms(start), attempts, True)

    @staticmethod
    def _region(gray: Any, quads: list[tuple[tuple[float, float], ...]]) -> Any | None:
        """The crop worth retrying: around a located code, else the busiest patch."""
        if quads:
            crop, _ = pp.crop_around(gray, quads)
            h, w = crop.shape[:2]
            if max(h, w) < 1.6 * min(h, w) and min(h, w) >= 100:
                return crop  # else a partial find: widen it with the busy patch
        box = pp.busy_region(gray)
        if box is None:
            return crop if quads else None
        x, y, w, h = box
        corners = [(x, y), (x + w, y + h)]
        return pp.crop_around(gray, [*quads, corners] if quads else [corners])[0]


def make_pipeline(
    budget_ms: float = LIVE_BUDGET_MS, names: Sequence[str] = DECODER_NAMES
) -> tuple[Pipeline, list[str]]:
    """A pipeline over every named decoder that loads, and the notices for those that did not.

    Use the default budget for live frames; files (`scanner.files`) get a longer one.

    Raises:
        DecodeError: no decoder at all could be loaded.
    """
    decoders, notices = make_decoders(names)
    if not decoders:
        raise DecodeError("No QR decoder could be loaded (zxing-cpp, pyzbar, OpenCV).")
    return Pipeline(decoders, budget_ms=budget_ms), notices


def _reads(symbols: list[Symbol], decoder: str) -> tuple[Read, ...]:
    seen: dict[str, Read] = {}
    for s in symbols:
        if s.text and s.text not in seen:
            seen[s.text] = classify(s.text, decoder)
    return tuple(seen.values())


def _ms(start: float) -> float:
    return (time.perf_counter() - start) * 1000
