"""A reason worded by the verifier in one language, read back and worded in the other (F9 on
a card already shown)."""

from __future__ import annotations

import pytest

from domain.types import Reason
from kiosk.messages import REASONS, reason_class, reason_text
from screens.reason_lang import reason_in

PARAMS: dict[str, dict[str, object]] = {
    "EXPIRED": {"until": "2026-03-01"},
    "SUPERSEDED": {"old": 2, "new": 3},
    "REPLICA_EXPIRED": {"days": 40},
    "REPLICA_STALE": {"days": 9},
}


@pytest.mark.parametrize("code", sorted(REASONS))
@pytest.mark.parametrize(("source", "target"), [("zh", "en"), ("en", "zh")])
def test_every_reason_is_worded_again_in_the_other_language(
    code: str, source: str, target: str
) -> None:
    params = PARAMS.get(code, {})
    worded = Reason(code, reason_class(code), reason_text(code, source, **params))
    again = reason_in(worded, target)
    if code == "EXPIRES_SOON":  # the English names what ends with a word only it has
        expected = {
            reason_text(
                code, target, what="护士注册", what_en="Registration", until="2026-12-01", days=11
            )
        }
        worded = Reason(
            code,
            reason_class(code),
            reason_text(
                code, source, what="护士注册", what_en="Registration", until="2026-12-01", days=11
            ),
        )
        again = reason_in(worded, target)
        assert again in {*expected, worded.message}
        assert "{" not in again
        return
    assert again == reason_text(code, target, **params), (code, again)
    assert "{" not in again


def test_a_format_detail_in_chinese_words_is_left_out_in_english() -> None:
    zh = reason_text("BAD_FORMAT", "zh", detail="payload longer than 2000 characters")
    worded = Reason("BAD_FORMAT", reason_class("BAD_FORMAT"), zh)
    assert reason_in(worded, "en") == reason_text("BAD_FORMAT", "en")
    en = reason_text("BAD_FORMAT", "en", detail="payload longer than 2000 characters")
    back = reason_in(Reason("BAD_FORMAT", reason_class("BAD_FORMAT"), en), "zh")
    assert back == zh


def test_an_unknown_code_keeps_its_sentence() -> None:
    reason = Reason("NOT_A_CODE", reason_class("EXPIRED"), "原样 as it was")
    assert reason_in(reason, "en") == "原样 as it was"
