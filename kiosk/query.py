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


MAX_INSTITUTION = 100  # characters of an institution's name or registration number


def institution_query(text: str) -> str:
    """An institution's registration number or the start of its name, checked as a name is.

    Raises:
        QueryError: with a sentence for the person typing.
    """
    if not isinstance(text, str):
        raise QueryError("机构名称应为文本 (an institution's name is text)")
    q = text.strip()
    if not q:
        raise QueryError(
            "请输入机构名称或登记号 (enter an institution's name or registration number)"
        )
    if len(q) > MAX_INSTITUTION:
        raise QueryError(
            f"机构名称过长（最多{MAX_INSTITUTION}个字）"
            f"(an institution's name has at most {MAX_INSTITUTION} characters)"
        )
    if any(unicodedata.category(c) in ("Cc", "Cf", "Cs") for c in q):
        raise QueryError("机构名称中有无法识别的字符 (the name holds control characters)")
    return q


# Why an officer looks a person up (issue 20; 735号: every look-up traceable): picked from a
# short list; "other" needs a note.
PURPOSES: dict[str, tuple[str, str]] = {
    "inspection": ("监督检查", "inspection"),
    "counter": ("窗口服务", "counter service"),
    "complaint": ("投诉处理", "complaint"),
    "other": ("其他", "other"),
}
MAX_NOTE = 100


def check_purpose(purpose: str | None) -> str:
    """A look-up's purpose as the audit trail records it: a key of PURPOSES, "other" with a
    note ("other: …").

    Raises:
        QueryError: none given, not one of the list, or "other" without a note.
    """
    if not isinstance(purpose, str) or not purpose.strip():
        raise QueryError(
            "请选择查询事由 (pick the purpose of this look-up: inspection, counter, complaint "
            "or other with a note)"
        )
    key, _, note = purpose.strip().partition(":")
    key, note = key.strip(), note.strip()
    if key not in PURPOSES:
        raise QueryError(
            f"查询事由应为 {'、'.join(PURPOSES)} (the purpose is one of {list(PURPOSES)})"
        )
    if key == "other" and not note:
        raise QueryError("“其他”事由须注明 (a purpose of 'other' needs a note)")
    if len(note) > MAX_NOTE or any(unicodedata.category(c) in ("Cc", "Cf", "Cs") for c in note):
        raise QueryError(f"事由说明最多{MAX_NOTE}字 (a note has at most {MAX_NOTE} characters)")
    return f"{key}: {note}" if note else key
