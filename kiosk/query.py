"""What a person may search the register by: bounded, so that no query lists the register.

Shared by the CLI and the TUI's service, so both refuse the same things in the same words.
"""

from __future__ import annotations

import unicodedata

from domain.errors import QueryError

NAME_RESULTS = 20  # people one name search returns at a time
MAX_NAME_RESULTS = 100  # and at most, paging included: narrow the search for more
MAX_NAME = 50  # characters; no name is longer


def name_query(text: str) -> str:
    """The name to search for, checked: at least one character, at most MAX_NAME, no control
    characters.

    Raises:
        QueryError: with a sentence for the person typing.
    """
    if not isinstance(text, str):
        raise QueryError("姓名应为文本 (a name is text)")
    q = text.strip()
    if not q:
        raise QueryError("请输入至少一个字的姓名 (a name search needs at least one character)")
    if len(q) > MAX_NAME:
        raise QueryError(
            f"姓名过长（最多{MAX_NAME}个字）(a name has at most {MAX_NAME} characters)"
        )
    if any(unicodedata.category(c) in ("Cc", "Cf", "Cs") for c in q):
        raise QueryError("姓名中有无法识别的字符 (the name holds control characters)")
    return q


def name_page(offset: int) -> int:
    """How many more people a name search may show from `offset` on.

    Raises:
        QueryError: the search has already shown MAX_NAME_RESULTS people.
    """
    if offset >= MAX_NAME_RESULTS:
        raise QueryError(
            f"姓名查询最多显示{MAX_NAME_RESULTS}人，请输入更完整的姓名 "
            f"(a name search shows at most {MAX_NAME_RESULTS} people: type more of the name)"
        )
    return min(NAME_RESULTS, MAX_NAME_RESULTS - max(0, offset))
