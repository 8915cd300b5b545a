"""The burst detector on key timings like those of real scanners and real people."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from scanner.wedge import BurstDetector
from tests.scanner.helpers import payload


def _scanner(
    text: str,
    rng: np.random.Generator,
    start: float = 10.0,
    per_char: tuple[float, float] = (0.001, 0.005),
    hiccups: float = 0.01,
) -> list[tuple[str, float]]:
    """A wedge scanner: 1-5 ms per character, then Enter, with the odd USB hiccup (20 ms more,
    at a rate of `hiccups` a character)."""
    at, out = start, []
    for ch in text:
        at += rng.uniform(*per_char) + (0.02 if rng.random() < hiccups else 0.0)
        out.append((ch, at))
    out.append(("\r", at + rng.uniform(*per_char)))
    return out


def _person(text: str, rng: np.random.Generator, start: float = 10.0) -> list[tuple[str, float]]:
    """A person: log-normal gaps around 180 ms, with roll-over pairs as fast as 8 ms."""
    at, out = start, []
    for ch in text:
        at += 0.008 if rng.random() < 0.1 else float(rng.lognormal(np.log(0.18), 0.4))
        out.append((ch, at))
    out.append(("enter", at + 0.25))
    return out


def _feed(det: BurstDetector, events: list[tuple[str, float]]) -> list[str]:
    return [p for ch, at in events if (p := det.feed(ch, at)) is not None]


def test_a_1300_character_scan_is_one_payload() -> None:
    text = payload(31, 1300)
    assert _feed(BurstDetector(), _scanner(text, np.random.default_rng(1))) == [text]


def test_a_person_typing_is_not_a_scan() -> None:
    rng = np.random.default_rng(2)
    det = BurstDetector()
    for word in ("YZ1:ABCDEF", "411300", "hello world", "q"):
        assert _feed(det, _person(word, rng)) == []


def test_a_scan_right_after_typing_still_reads() -> None:
    rng = np.random.default_rng(3)
    text = payload(32, 700)
    typed = [(ch, at) for ch, at in _person("abc", rng)[:-1]]
    scan = _scanner(text, rng, start=typed[-1][1] + 0.4)
    assert _feed(BurstDetector(), typed + scan) == [text]


def test_two_scans_back_to_back() -> None:
    rng = np.random.default_rng(4)
    a, b = payload(33, 500), payload(34, 800)
    first = _scanner(a, rng)
    second = _scanner(b, rng, start=first[-1][1] + 0.3)
    assert _feed(BurstDetector(), first + second) == [a, b]


def test_a_slow_or_broken_burst_is_refused() -> None:
    rng = np.random.default_rng(5)
    text = payload(35, 600)
    slow = _scanner(text, rng, per_char=(0.03, 0.05))  # 30-50 ms a key: not a scanner
    assert _feed(BurstDetector(), slow) == []
    late_enter = _scanner(text, rng)
    late_enter[-1] = ("\r", late_enter[-2][1] + 0.5)
    assert _feed(BurstDetector(), late_enter) == []


def test_a_short_burst_with_two_usb_hiccups_still_reads() -> None:
    """Found by the property below (13 characters, two 20 ms hiccups among 1-5 ms gaps): one
    slow gap allowed in a short burst was too strict for a scanner."""
    events = _scanner("0000000000000", np.random.default_rng(347727264))
    gaps = [b - a for (_, a), (_, b) in zip(events, events[1:], strict=False)]
    assert sum(g > 0.015 for g in gaps) == 2
    assert _feed(BurstDetector(), events) == ["0000000000000"]


def test_in_burst_tells_the_ui_to_hold_keys() -> None:
    det = BurstDetector()
    events = _scanner("YZ1:ABCDEFGH", np.random.default_rng(6))
    for ch, at in events[:6]:
        det.feed(ch, at)
    assert det.in_burst(events[5][1] + 0.002)
    assert not det.in_burst(events[5][1] + 1.0)


@settings(max_examples=40, deadline=None)
@given(
    st.text(alphabet="0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:", min_size=4, max_size=400),
    st.integers(0, 2**32 - 1),
)
def test_any_scanner_burst_round_trips(text: str, seed: int) -> None:
    """Every character and no other, for any text and timing. Without hiccups: at random, a
    short burst can get more of them than a scanner is allowed (three in 14 characters, found
    by this test), which the hiccup tests above and below the limit cover instead."""
    events = _scanner(text, np.random.default_rng(seed), hiccups=0.0)
    assert _feed(BurstDetector(), events) == [text]


def test_hiccups_beyond_the_allowance_refuse_a_burst() -> None:
    """Two slow gaps are always allowed, and a tenth of a long burst's; one more is not."""
    rng = np.random.default_rng(7)
    for text in ("0" * 14, "0" * 40, payload(36, 300)):
        slow = max(2, int(0.1 * (len(text) - 1)))  # 2, 3 and 30 of 13, 39 and 303 gaps
        for extra, expect in ((0, [text]), (1, [])):
            events = _scanner(text, rng, hiccups=0.0)
            shift = 0.0
            for i in range(1, len(events) - 1):  # the first `slow + extra` gaps made slow
                if i <= slow + extra:
                    shift += 0.02
                events[i] = (events[i][0], events[i][1] + shift)
            events[-1] = (events[-1][0], events[-1][1] + shift)
            assert _feed(BurstDetector(), events) == expect, (len(text), slow + extra)
