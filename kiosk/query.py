"""What a person may search the register by: bounded, so that no query lists the register.

Shared by the CLI and the TUI's service, so both refuse the same things in the same words.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from typing import TYPE_CHECKING

from domain import idnum
from domain.errors import QueryError

if TYPE_CHECKING:
    from db.replica import Replica

NAME_RESULTS = 20  # people one name search returns at a time
MAX_NAME_RESULTS = 100  # and at most, paging included: narrow the search for more
MAX_NAME = 50  # characters; no name is longer
MAX_QUERY = 64  # characters the look-up box takes: an ID number, a certificate number or a name
COUNT_CAP = 10_000  # a name search counts its matches up to this many ("more than")
CREDENTIAL_PREFIX = "YZ1:"  # a licence's QR payload (wire/), verified on Scan, never searched


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


def typed_kind(text: str) -> str:
    """What the look-up box holds so far, for the hint under it.

    Returns one of: "empty"; "code" (a licence's QR payload); "id" (an 18-character ID number,
    complete or being typed: the birth date so far fits); "id_or_cert" (too few digits to
    tell); "legacy_or_cert" (15 digits that may be an old ID number); "cert" (a certificate or
    registration number); "name".
    """
    if text.lstrip()[: len(CREDENTIAL_PREFIX)].upper() == CREDENTIAL_PREFIX:
        return "code"
    s = idnum.fold(text[:MAX_QUERY])
    if not s:
        return "empty"
    if not (s.isascii() and any(c.isdigit() for c in s)):
        return "name"
    body, last = (s[:-1], s[-1]) if len(s) == 18 else (s, "")
    if len(s) > 18 or not body.isdigit() or (last and not (last.isdigit() or last == "X")):
        return "cert"
    if len(s) <= 6:
        return "id_or_cert" if s[0] != "0" else "cert"
    if _could_be_birth(s[6:14]):
        return "id"
    if len(s) == 15 and _could_be_birth("19" + s[6:12]):
        return "legacy_or_cert"
    return "cert"


def _could_be_birth(digits: str) -> bool:
    """True when `digits` (YYYYMMDD, possibly cut short) can still become a birth date from
    1800 to 2099."""
    year, month, day = digits[:4], digits[4:6], digits[6:8]
    if not any(str(y).startswith(year) for y in range(1800, 2100)):
        return False
    if month and not any(f"{m:02d}".startswith(month) for m in range(1, 13)):
        return False
    if not day:
        return True
    if len(day) == 1:
        return day <= "3"
    try:
        dt.date(int(year), int(month), int(day))
    except ValueError:
        return False
    return True


def count_by_name(replica: Replica, name: str) -> int:
    """How many people a name search for `name` matches (at most COUNT_CAP): the total the
    look-up shows above its first page.

    Raises:
        QueryError: the name is not one a search takes (name_query).
        ReplicaError: the replica cannot be read.
    """
    return replica.count_by_name(name_query(name), cap=COUNT_CAP)


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
