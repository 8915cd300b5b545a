"""Resident ID numbers (GB 11643-1999): validation, normalisation, masking, keyed hashing.

The kiosk never stores an ID number in clear: the replica holds a keyed hash (HMAC-SHA-256
under the ID-index key, which never travels in a bundle: kiosk/idkey.py), truncated to 16
bytes, and a masked form for display.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import hmac
import operator
import re

from domain.errors import IdNumberError

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"
# ASCII digits only: `\d` would also match Arabic-Indic or full-width digits.
_SHAPE = re.compile(r"[1-9][0-9]{16}[0-9X]")
_LEGACY = re.compile(r"[1-9][0-9]{14}")
ID_HASH_BYTES = 16
MAX_TYPED = 64  # longer input is not an ID number, whatever it holds
# A Chinese input method types full-width digits and letters; a pasted number may hold spaces.
_FOLD = str.maketrans(
    {**{chr(0xFF10 + i): str(i) for i in range(10)}, "ｘ": "X", "Ｘ": "X", "x": "X", "\u3000": ""}
)


_ZEROS = ord("0") * sum(WEIGHTS)


def check_char(body17: str) -> str:
    """Return the MOD 11-2 check character for the first 17 digits.

    Raises:
        ValueError: not 17 ASCII digits.
    """
    if len(body17) != 17 or not (body17.isascii() and body17.isdigit()):
        raise ValueError(f"17 digits expected, got {body17!r}")
    # On the digits' byte values, less '0' times the weights: a third of the time of int() per
    # digit, and publish checks every practitioner's number (10.4 M at national scale).
    return CHECK_CHARS[(sum(map(operator.mul, body17.encode(), WEIGHTS)) - _ZEROS) % 11]


def fold(text: str) -> str:
    """Typed text in its canonical form: full-width digits and x as ASCII, spaces removed."""
    return "".join(text[: MAX_TYPED + 1].translate(_FOLD).split())


def problem(text: str) -> str | None:
    """Say what is wrong with an 18-character ID number, or None when it is valid.

    The message is for the person typing it (Chinese, then English); it never repeats the
    number.
    """
    # The registry export's numbers take the fast path (publish checks 10.4 M of them).
    s = text.upper() if len(text) == 18 and text.isascii() else fold(text)
    if len(text) > MAX_TYPED:
        return "输入过长，不是身份证号 (too long for an ID number)"
    if len(s) != 18:
        return f"身份证号应为18位，当前{len(s)}位 (an ID number has 18 characters, got {len(s)})"
    if not _SHAPE.fullmatch(s):
        return "身份证号只能是17位数字加1位数字或X (17 digits, then a digit or X)"
    try:
        _dt.date(int(s[6:10]), int(s[10:12]), int(s[12:14]))
    except ValueError:
        return f"出生日期 {s[6:14]} 不是有效日期 (the birth date is not a real date)"
    expected = check_char(s[:17])
    if expected != s[17]:
        return "校验位不正确，请核对号码 (the check character is wrong: please re-read the number)"
    return None


def is_valid(text: str) -> bool:
    """True for a well-formed 18-character ID number with a correct check character."""
    return problem(text) is None


def normalise(text: str) -> str:
    """Return the canonical 18-character form (upper-case X); upgrade a legacy 15-digit number.

    Raises:
        IdNumberError: the number is not valid, with a message that says why.
    """
    if not isinstance(text, str):
        raise IdNumberError("身份证号应为文本 (an ID number is text)")
    s = fold(text)
    if len(text) <= MAX_TYPED and _LEGACY.fullmatch(s):
        body = s[:6] + "19" + s[6:]
        s = body + check_char(body)
    why = problem(s)
    if why is not None:
        raise IdNumberError(why)
    return s


def mask(id18: str) -> str:
    """Mask an ID number for display: the first 3 and last 4 characters only."""
    return id18[:3] + "*" * 11 + id18[-4:]


# The shape of an ID number in free text: 17 digits (any script's, full-width included) and a
# digit or X, possibly typed with spaces between groups.
_IN_TEXT = re.compile(r"(?<![\d])\d(?:[ \u3000]?\d){16}[ \u3000]?[\dXxＸｘ](?![\d])")


def mask_in_text(text: str) -> str:
    """Mask everything in free text (a log line, a traceback) shaped like an ID number."""
    return _IN_TEXT.sub(lambda m: mask(fold(m.group())), text)


def keyed_hash(id18: str, key: bytes) -> bytes:
    """The replica's keyed hash of a normalised ID number."""
    return hmac.new(key, id18.encode("ascii"), hashlib.sha256).digest()[:ID_HASH_BYTES]
