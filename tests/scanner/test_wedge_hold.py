"""Holding a scanner burst back from the focused text box (issue 21: a 1,400-character payload
at 1,000 characters a second queued behind the box's per-key redraws), and giving back, in
order, every key that turns out to be typing."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from scanner.wedge import ENTER, BurstConfig, BurstDetector
from tests.scanner.helpers import payload
from tests.scanner.test_wedge import _person, _scanner

EAGER = BurstConfig(hold_after=2)  # holds from the third key: short bursts exercise holding


@dataclass
class Box:
    """A text box as the UI drives it from `step()`: what it holds, what reached it key by
    key, and the payloads routed as scans."""

    text: str = ""
    keys: int = 0
    payloads: list[str] = field(default_factory=list)
    submitted: list[str] = field(default_factory=list)

    def run(self, det: BurstDetector, events: list[tuple[str, float]], hold: bool = True) -> Box:
        for ch, at in events:
            s = det.step(ch, at, may_hold=hold)
            if s.payload is not None:  # routed as a scan: what reached the box comes back out
                assert self.text.endswith(s.typed)
                self.text = self.text[: len(self.text) - len(s.typed)]
                self.payloads.append(s.payload)
                continue
            self.text += s.release
            if ch in ENTER:
                self.submitted.append(self.text)
                self.text = ""
            elif not s.hold:
                self.text += ch
                self.keys += 1
        return self


def test_a_1400_character_scan_reaches_the_box_as_a_few_keys() -> None:
    text = payload(41, 1400)
    box = Box().run(BurstDetector(), _scanner(text, np.random.default_rng(1)))
    assert box.payloads == [text]
    assert box.keys == BurstConfig().hold_after  # the first few keys; the rest is held
    assert box.text == ""  # and those few keys are taken back out


def test_a_person_typing_gets_every_key_in_order() -> None:
    rng = np.random.default_rng(2)
    for word in ("YZ1:ABCDEF", "411300", "hello world", "张三"):
        box = Box().run(BurstDetector(EAGER), _person(word, rng))
        assert (box.payloads, box.submitted) == ([], [word])


def test_a_short_burst_is_never_held() -> None:
    """A PIN or an ID number from a card reader (or a test typing into a box) reaches the box
    key by key, as before: only a long burst is held back."""
    det = BurstDetector()
    for ch, at in _scanner("11010519491231002X", np.random.default_rng(8))[:-1]:
        assert not det.step(ch, at).hold


def test_an_id_reader_burst_that_is_not_a_scan_is_given_back_before_enter() -> None:
    """The UI decides a burst is not a scan (an ID number typed into the look-up box): the
    held keys come back with the Enter's step, so the box submits the whole number."""
    det = BurstDetector(EAGER)
    number = "11010519491231002X"
    events = _scanner(number, np.random.default_rng(3))
    got = ""
    for ch, at in events:
        s = det.step(ch, at)
        if s.payload is not None:
            got += s.release
            assert s.payload == number and s.typed + s.release == number
        elif not s.hold:
            got += s.release + ch
    assert got == number


def test_a_burst_that_stops_without_enter_is_released_when_quiet() -> None:
    det = BurstDetector(EAGER)
    events = _scanner("ABCDEFGHIJKLMNOP", np.random.default_rng(4))[:-1]  # no Enter
    box = Box().run(det, events)
    last = events[-1][1]
    assert det.holding
    assert det.release_if_quiet(last + 0.01) == ""  # it may still go on
    box.text += det.release_if_quiet(last + 1.0)
    assert box.text == "ABCDEFGHIJKLMNOP"
    assert det.release_if_quiet(last + 2.0) == "" and not det.holding  # given back once


def test_other_keys_and_long_gaps_release_held_keys_first() -> None:
    rng = np.random.default_rng(5)
    burst = _scanner("QWERTYUIOP", rng)[:-1]
    tab = ("", burst[-1][1] + 0.002)  # Tab, an arrow: not a character
    box = Box().run(BurstDetector(EAGER), [*burst, tab])
    assert box.text == "QWERTYUIOP"
    late = ("Z", burst[-1][1] + 5.0)  # a key long after the burst: the burst was typing
    box = Box().run(BurstDetector(EAGER), [*burst, late])
    assert box.text == "QWERTYUIOPZ"


def test_nothing_is_held_where_nothing_could_take_it() -> None:
    text = payload(42, 300)
    box = Box().run(BurstDetector(), _scanner(text, np.random.default_rng(6)), hold=False)
    assert box.payloads == [text] and box.keys == len(text) and box.text == ""


def test_a_burst_past_the_longest_payload_is_no_payload_to_its_end() -> None:
    """Past `max_chars` the rest of the burst, its Enter included, is marked overflow, so the
    UI drops it whole (a 9,000-character run once left its last 808 keys in the box); the
    keys held back are still handed over, for the UI to drop; the next burst is a scan again."""
    text = payload(43, 120)
    det = BurstDetector(BurstConfig(max_chars=50, hold_after=2))
    steps = [det.step(ch, at) for ch, at in _scanner(text, np.random.default_rng(7))]
    first = next(i for i, s in enumerate(steps) if s.overflow)
    assert first == 50 and all(s.overflow for s in steps[first:])  # Enter included
    assert all(s.payload is None for s in steps)
    assert len(steps[first].release) == 50 - 2  # what was held, handed over at once
    assert all(s.hold for s in steps[first:-1])  # the rest never reaches the box
    later = payload(44, 40)
    box = Box().run(det, _scanner(later, np.random.default_rng(8), start=1000.0))
    assert box.payloads == [later]


def test_an_enter_after_an_overflow_that_went_quiet_is_a_key_again() -> None:
    """A burst past `max_chars` that stops without Enter: an Enter pressed after the pause is
    an ordinary key (it once came back as part of the overflow, and was swallowed)."""
    det = BurstDetector(BurstConfig(max_chars=50, hold_after=2))
    text = payload(45, 80)
    keys = _scanner(text, np.random.default_rng(9))[:-1]  # no Enter
    steps = [det.step(ch, at) for ch, at in keys]
    assert steps[-1].overflow
    enter = det.step("\r", keys[-1][1] + 1.0)
    assert not enter.overflow and enter.payload is None
