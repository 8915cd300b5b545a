"""Choose the pipeline's retry plan by measurement: `python -m bench.scanner --order`.

On tuning frames (seeds disjoint from the benchmark's) that the primary pass cannot read,
every (variant, decoder) pair is tried on the region the pipeline would crop. The plan is
then built greedily: next comes the pair that rescues the most not-yet-rescued frames per
millisecond it costs, until no pair rescues anything more.
"""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass

from bench.scanner_corpus import HARD, MILD, make_case
from scanner import preprocess as pp
from scanner.decoders import Decoder, ZxingDecoder, make_decoders
from scanner.pipeline import VARIANTS, Pipeline

TUNING_SEED = 1000


@dataclass(frozen=True, slots=True)
class Step:
    """One chosen retry, what it added and what it costs."""

    variant: str
    decoder: str
    rescued: int
    median_ms: float


def _candidates(decoders: list[Decoder]) -> list[tuple[str, Decoder]]:
    out = []
    extra = [
        d.sibling("GlobalHistogram", "zxing-hist") for d in decoders if isinstance(d, ZxingDecoder)
    ]
    for d in [*decoders, *extra]:
        for v in VARIANTS:
            if d.name == "opencv" and v not in ("none", "upscale", "equalise"):
                continue
            out.append((v, d))
    return out


def _score(new: set[int] | frozenset[int], costs: list[float]) -> float:
    """Frames newly rescued per millisecond."""
    return len(new) / max(statistics.median(costs or [1.0]), 0.2)


def measure_order(per_distortion: int = 12) -> tuple[list[Step], int]:
    """Return the greedy plan and how many tuning frames the first pass missed."""
    import cv2

    cv2.setNumThreads(1)  # as the kiosk runs it, leaving a core for the UI
    decoders, _ = make_decoders()
    primary = decoders[0]
    cands = _candidates(decoders)
    wins: dict[int, set[int]] = {i: set() for i in range(len(cands))}
    cost: dict[int, list[float]] = {i: [] for i in range(len(cands))}
    missed = 0
    for name in [*HARD, *MILD]:
        for k in range(per_distortion):
            case = make_case(name, TUNING_SEED + k)
            gray = pp.to_gray(case.image)
            symbols = primary.decode(gray)
            if any(s.text == case.text for s in symbols):
                continue
            region = Pipeline._region(gray, [s.quad for s in symbols if s.quad])
            frame_id = missed
            missed += 1
            if region is None:
                continue
            for i, (v, d) in enumerate(cands):
                t = time.thread_time()  # CPU time, as the pipeline's budget counts it
                image = VARIANTS[v](region)
                found = d.decode(image) if image is not None else []
                cost[i].append((time.thread_time() - t) * 1000)
                if any(s.text == case.text for s in found):
                    wins[i].add(frame_id)
    plan: list[Step] = []
    covered: set[int] = set()
    while True:
        best = max(wins, key=lambda i, c=frozenset(covered): _score(wins[i] - c, cost[i]))
        gain = len(wins[best] - covered)
        if gain == 0:
            break
        covered |= wins[best]
        v, d = cands[best]
        plan.append(Step(v, d.name, gain, statistics.median(cost[best] or [0.0])))
    return plan, missed


def main(per_distortion: int = 12) -> None:
    """Print the measured plan as a table and as Python for `DEFAULT_PLAN`."""
    plan, missed = measure_order(per_distortion)
    print(f"tuning frames the first pass missed: {missed}")
    print("| # | variant | decoder | newly rescued | median CPU ms on region |")
    print("|---|---|---|---|---|")
    for n, s in enumerate(plan, 1):
        print(f"| {n} | {s.variant} | {s.decoder} | {s.rescued} | {s.median_ms:.1f} |")
    print("DEFAULT_PLAN = (")
    for s in plan:
        print(f'    ("{s.variant}", "{s.decoder}"),')
    print(")")
