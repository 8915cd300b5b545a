"""Resident ID numbers (GB 11643-1999): validation, normalisation, masking, keyed hashing.

The kiosk never stores an ID number in clear: the replica holds a keyed hash (HMAC-SHA256
under the publication's key, truncated to 16 bytes) and a masked form for display.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import hmac
import operator
import re

from kiosk.errors import IdNumberError

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"
_SHAPE = re.compile(r"[1-9]\d{16}[\dX]")
_LEGACY = re.compile(r"[1-9]\d{14}")
ID_HASH_BYTES = 16


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


def problem(text: str) -> str | None:
    """Say what is wrong with an 18-character ID number, or None when it is valid.

    The message is for the person typing it (Chinese, then English).
    """
    s = text.strip().upper()
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
    s = text.strip().upper().replace(" ", "")
    if _LEGACY.fullmatch(s):
        body = s[:6] + "19" + s[6:]
        s = body + check_char(body)
    why = problem(s)
    if why is not None:
        raise IdNumberError(why)
    return s


def mask(id18: str) -> str:
    """Mask an ID number for display: the first 3 and last 4 characters only."""
    return id18[:3] + "*" * 11 + id18[-4:]


def keyed_hash(id18: str, key: bytes) -> bytes:
    """The replica's keyed hash of a normalised ID number."""
    return hmac.new(key, id18.encode("ascii"), hashlib.sha256).digest()[:ID_HASH_BYTES]


def credential_hash(id18: str, salt: bytes) -> bytes:
    """The YZ1 `ih` binding: first 16 bytes of SHA-256(salt ‖ ID number)."""
    return hashlib.sha256(salt + id18.encode("ascii")).digest()[:16]
