"""A reason's sentence in the interface language, for a card already shown when F9 switches
the language (the verifier words its reasons once, in the language of the moment).

The verifier keeps the code, not the values it filled in, so the values are read back from
the sentence against the code's template in either language, and the other template is
filled with them. When that cannot be done faithfully (a value only one language has), the
sentence stays as it was: never a half-filled template.
"""

from __future__ import annotations

import re
import string
from functools import cache

from domain.types import Reason
from kiosk.messages import REASONS, reason_text

_CJK = re.compile(r"[\u3000-\u9fff\uff00-\uffef]")


@cache
def _pattern(template: str) -> re.Pattern[str] | None:
    """A regular expression that reads the values back from a filled template."""
    parts: list[str] = []
    names: set[str] = set()
    for literal, name, _, _ in string.Formatter().parse(template):
        parts.append(re.escape(literal))
        if name is not None:
            if not name.isidentifier() or name in names:
                return None
            names.add(name)
            parts.append(f"(?P<{name}>.+?)")
    return re.compile("".join(parts) + r"\Z", re.DOTALL)


def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def reason_in(reason: Reason, lang: str) -> str:
    """`reason`'s sentence in `lang` ('zh' or 'en'); its own sentence if it cannot be redone."""
    entry = REASONS.get(reason.code)
    if entry is None:
        return reason.message
    _, zh, en = entry
    target = en if lang == "en" else zh
    if not _fields(target):
        return reason_text(reason.code, lang)
    for source in (zh, en, zh.replace("（{detail}）", ""), en.replace(" ({detail})", "")):
        pattern = _pattern(source)
        found = pattern.fullmatch(reason.message) if pattern else None
        if found is None:
            continue
        values = found.groupdict()
        if reason.code == "BAD_FORMAT":  # its detail is optional (reason_text leaves it out)
            if lang == "en":  # a detail worded in Chinese is no English: the code says enough
                values = {k: v for k, v in values.items() if not _CJK.search(v)}
            return reason_text(reason.code, lang, **values)
        if _fields(target) <= values.keys():
            return reason_text(reason.code, lang, **values)
        return reason.message
    return reason.message
