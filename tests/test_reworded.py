"""A reason worded by the verifier in one language, worded again in the other from the values
it keeps (F9 on a card already shown)."""

from __future__ import annotations

import pytest

from domain.types import Reason
from kiosk.messages import REASONS, reason_class, reason_text, reworded

PARAMS: dict[str, dict[str, object]] = {
    "EXPIRED": {"until": "2026-03-01"},
    "SUPERSEDED": {"old": 2, "new": 3},
    "REPLICA_EXPIRED": {"days": 40},
    "REPLICA_STALE": {"days": 9},
    "EXPIRES_SOON": {
        "what": "护士注册",
        "what_en": "Registration",
        "until": "2026-12-01",
        "days": 11,
    },
}


def _worded(code: str, lang: str, **params: object) -> Reason:
    """A reason as kiosk.verify makes it."""
    return Reason(
        code, reason_class(code), reason_text(code, lang, **params), tuple(params.items())
    )


@pytest.mark.parametrize("code", sorted(REASONS))
@pytest.mark.parametrize(("source", "target"), [("zh", "en"), ("en", "zh")])
def test_every_reason_is_worded_again_in_the_other_language(
    code: str, source: str, target: str
) -> None:
    params = PARAMS.get(code, {})
    again = reworded(_worded(code, source, **params), target)
    assert again == reason_text(code, target, **params), (code, again)
    assert "{" not in again


def test_a_format_detail_is_worded_for_each_language() -> None:
    detail = "payload longer than 2000 characters"
    zh = _worded("BAD_FORMAT", "zh", detail=detail)
    assert reworded(zh, "en") == reason_text("BAD_FORMAT", "en", detail=detail)
    en = _worded("BAD_FORMAT", "en", detail=detail)
    assert reworded(en, "zh") == zh.message


def test_the_verifier_keeps_the_values_it_worded_a_reason_with() -> None:
    from kiosk.verify import _Reasons

    out = _Reasons("zh")
    out.add("EXPIRED", until="2026-03-01")
    (reason,) = out.items
    assert reworded(reason, "en") == reason_text("EXPIRED", "en", until="2026-03-01")


def test_an_unknown_code_or_missing_values_keep_the_sentence() -> None:
    reason = Reason("NOT_A_CODE", reason_class("EXPIRED"), "原样 as it was")
    assert reworded(reason, "en") == "原样 as it was"
    bare = Reason("EXPIRED", reason_class("EXPIRED"), "原样 as it was")  # no values kept
    assert reworded(bare, "en") == "原样 as it was"
