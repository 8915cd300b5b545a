"""The pipeline on real corpus frames: mild ones read, retries rescue, nothing invented."""

from __future__ import annotations

import pytest

from bench.scanner_corpus import MILD, make_case
from scanner.decoders import make_decoders
from scanner.pipeline import Pipeline
from tests.scanner.helpers import code_frame, empty_frame, payload


@pytest.fixture(scope="module")
def pipeline() -> Pipeline:
    decoders, _ = make_decoders()
    return Pipeline(decoders)


@pytest.mark.parametrize("distortion", sorted(MILD))
def test_mild_frames_read_at_first_try(pipeline: Pipeline, distortion: str) -> None:
    for seed in range(2):
        case = make_case(distortion, seed)
        result = pipeline.decode(case.image)
        assert [r.text for r in result.reads] == [case.text]
        assert result.reads[0].is_yz1


def test_retries_rescue_what_the_first_pass_misses(pipeline: Pipeline) -> None:
    from scanner.preprocess import to_gray

    primary = pipeline.decoders[0]
    rescued = 0
    for distortion in ("dark_mode", "defocus", "motion_blur", "steep_perspective"):
        for seed in range(3):
            case = make_case(distortion, seed)
            first = [s.text for s in primary.decode(to_gray(case.image)) if s.text]
            full = pipeline.decode(case.image)
            assert [r.text for r in full.reads] in ([], [case.text])
            if not first and full.reads:
                rescued += 1
                assert full.attempts > 1
    assert rescued >= 6


def test_code_less_frames_give_nothing(pipeline: Pipeline) -> None:
    for seed in range(6):
        assert pipeline.decode(empty_frame(seed)).reads == ()


def test_a_code_that_is_not_yz1_is_reported_as_such(pipeline: Pipeline) -> None:
    result = pipeline.decode(code_frame("HTTPS://EXAMPLE.ORG/NOT-A-LICENCE", ppm=6))
    assert [(r.text, r.is_yz1) for r in result.reads] == [
        ("HTTPS://EXAMPLE.ORG/NOT-A-LICENCE", False)
    ]


def test_a_newer_frame_stops_the_retries(pipeline: Pipeline) -> None:
    case = make_case("curved_paper", 0)  # one the retries work hard on
    patient = pipeline.decode(case.image)
    hurried = pipeline.decode(case.image, should_stop=lambda: True)
    assert hurried.attempts == 1 < patient.attempts


def test_the_budget_bounds_the_retries() -> None:
    decoders, _ = make_decoders()
    tight = Pipeline(decoders, budget_ms=0.0)
    result = tight.decode(make_case("curved_paper", 0).image)
    assert result.attempts <= 2


def test_a_pipeline_of_one_other_decoder_still_reads() -> None:
    text = payload(5, 700)
    decoders, _ = make_decoders(["zbar"])
    assert [r.text for r in Pipeline(decoders).decode(code_frame(text, seed=5)).reads] == [text]


def test_a_pipeline_needs_a_decoder() -> None:
    with pytest.raises(ValueError):
        Pipeline([])


def test_gray_and_bgra_frames_are_accepted(pipeline: Pipeline) -> None:
    import cv2

    text = payload(6)
    bgr = code_frame(text, seed=6)
    for img in (cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY), cv2.cvtColor(bgr, cv2.COLOR_BGR2BGRA)):
        assert [r.text for r in pipeline.decode(img).reads] == [text]


def test_make_pipeline_for_live_frames() -> None:
    from scanner.pipeline import LIVE_BUDGET_MS, make_pipeline

    live, notices = make_pipeline()
    assert live.budget_ms == LIVE_BUDGET_MS and notices == []
    text = payload(7)
    assert [r.text for r in live.decode(code_frame(text, seed=7)).reads] == [text]


def test_without_zxing_the_other_decoders_and_fallback_retries_still_read() -> None:
    import importlib
    from types import ModuleType

    def import_module(name: str) -> ModuleType:
        if name == "zxingcpp":
            raise ImportError("No module named 'zxingcpp'")
        return importlib.import_module(name)

    decoders, notices = make_decoders(import_module=import_module)
    assert [d.name for d in decoders] == ["zbar", "opencv"] and "zxing is off" in notices[0]
    pipe = Pipeline(decoders)
    for seed in range(2):
        case = make_case("clean", seed)
        assert [r.text for r in pipe.decode(case.image).reads] == [case.text]
    assert pipe.decode(empty_frame(1)).reads == ()
