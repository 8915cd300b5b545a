"""Operators, their roles and PINs (issue 20): who may do what on this kiosk.

What each role may do is decided here and checked by the service on every action, so a screen
that forgets to hide a button still cannot sync for a desk officer. PINs are stored as argon2id
hashes (argon2-cffi); a wrong PIN makes the next try wait longer, and the fifth wrong PIN in a
row locks the operator until an admin unlocks them. An unknown name costs the same as a known
one with a wrong PIN, and says the same, so the sign-in box does not tell who exists.
"""

from __future__ import annotations

import datetime as dt
import functools
import sqlite3
import unicodedata
from dataclasses import dataclass
from typing import Final

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from domain.errors import BadInputError, KioskError

ROLES: Final = ("admin", "inspector", "desk")
_DESK = frozenset({"verify", "lookup"})
_INSPECTOR = _DESK | {"inspect", "stats"}
_ADMIN = _INSPECTOR | {"sync", "settings", "operators", "audit", "alerts", "backup", "unlock"}
PERMISSIONS: Final[dict[str, frozenset[str]]] = {
    "desk": _DESK,
    "inspector": _INSPECTOR,
    "admin": _ADMIN,
}
ROLE_NAMES: Final = {
    "admin": ("管理员", "admin"),
    "inspector": ("检查员", "inspector"),
    "desk": ("窗口", "desk"),
}
MAX_TRIES: Final = 5
MAX_WAIT: Final = dt.timedelta(seconds=60)
MAX_NAME: Final = 32
PIN_DIGITS: Final = (6, 12)

_HASHER = PasswordHasher()  # argon2id, the library's current defaults (RFC 9106 low-memory)


@functools.cache
def dummy_hash() -> str:
    """The hash an unknown name is verified against. Made on first use, not at import: one
    argon2 hash costs about 0.4 s, which the first screen must not wait for (issue 21)."""
    return _HASHER.hash("000000-not-a-pin")


class SignInError(KioskError):
    """A name and PIN that do not sign in (which of the two is wrong is not said)."""

    title = "登录失败 Sign-in failed"


class OperatorLockedError(SignInError):
    """An operator locked after too many wrong PINs, until an admin unlocks them."""

    title = "已锁定 Locked"


class NotAllowedError(KioskError):
    """An action the signed-in operator's role does not allow (or nobody is signed in)."""

    title = "无权限 Not allowed"


@dataclass(frozen=True, slots=True)
class Operator:
    """Who is signed in: a name and a role."""

    name: str
    role: str

    def may(self, permission: str) -> bool:
        """Whether this operator's role allows `permission`."""
        return permission in PERMISSIONS.get(self.role, frozenset())


@dataclass(frozen=True, slots=True)
class OperatorInfo:
    """One operator as an admin sees them (never the PIN hash)."""

    name: str
    role: str
    locked: bool
    failures: int
    created_at: str


def check_name(name: str) -> str:
    """An operator's name: 1–32 letters, digits, CJK, '.', '-' or '_'.

    Raises:
        BadInputError: with a sentence for the admin typing it.
    """
    n = unicodedata.normalize("NFC", name.strip()) if isinstance(name, str) else ""
    if not 1 <= len(n) <= MAX_NAME or not all(c.isalnum() or c in "._-" for c in n):
        raise BadInputError(
            f"操作员名称应为1至{MAX_NAME}个字母、数字或汉字 "
            f"(an operator's name is 1 to {MAX_NAME} letters, digits or characters)"
        )
    return n


def check_pin(pin: str) -> str:
    """A new PIN: 6–12 ASCII digits, not one digit repeated, not a run like 123456.

    Raises:
        BadInputError: with a sentence for the person choosing it.
    """
    lo, hi = PIN_DIGITS
    if not isinstance(pin, str) or not (pin.isascii() and pin.isdigit() and lo <= len(pin) <= hi):
        raise BadInputError(f"PIN应为{lo}至{hi}位数字 (a PIN is {lo} to {hi} digits)")
    steps = {(int(b) - int(a)) % 10 for a, b in zip(pin, pin[1:], strict=False)}
    if len(steps) == 1 and steps <= {0, 1, 9}:
        raise BadInputError(
            "PIN过于简单（重复或连续的数字）(a PIN of one digit repeated or a run is too easy)"
        )
    return pin


def _stamp(at: dt.datetime) -> str:
    return at.astimezone(dt.UTC).isoformat(timespec="seconds")


class Operators:
    """The operator table of the kiosk's local database."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def count(self) -> int:
        """How many operators there are (none: the first start creates an admin)."""
        return int(self.conn.execute("SELECT count(*) FROM operator").fetchone()[0])

    def add(self, name: str, role: str, pin: str, *, at: dt.datetime) -> Operator:
        """Create an operator.

        Raises:
            BadInputError: a bad name, role or PIN, or a name already taken.
        """
        name = check_name(name)
        if role not in ROLES:
            raise BadInputError(f"角色应为 {' / '.join(ROLES)} (the role is one of {ROLES})")
        hashed = _HASHER.hash(check_pin(pin))
        try:
            self.conn.execute(
                "INSERT INTO operator (name, role, pin, created_at) VALUES (?, ?, ?, ?)",
                (name, role, hashed, _stamp(at)),
            )
        except sqlite3.IntegrityError:
            raise BadInputError(f"操作员 {name} 已存在 (operator {name} exists)") from None
        return Operator(name, role)

    def sign_in(self, name: str, pin: str, *, at: dt.datetime) -> Operator:
        """Check a name and PIN.

        Raises:
            SignInError: wrong name or PIN (with the tries left), or too soon after the last
                wrong one. OperatorLockedError: locked, now or by this try.
        """
        if not isinstance(name, str) or not isinstance(pin, str) or len(pin) > 64:
            raise SignInError("姓名或PIN不正确 (wrong name or PIN)")
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            result = self._try(name.strip(), pin, at)
            self.conn.execute("COMMIT")
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        if isinstance(result, KioskError):
            raise result
        return result

    def _try(self, name: str, pin: str, at: dt.datetime) -> Operator | KioskError:
        row = self.conn.execute(
            "SELECT role, pin, failures, next_try, locked FROM operator WHERE name = ?", (name,)
        ).fetchone()
        if row is None:
            _matches(dummy_hash(), pin)  # the same cost as a known name
            return SignInError("姓名或PIN不正确 (wrong name or PIN)")
        role, hashed, failures, next_try, locked = row
        if locked:
            return OperatorLockedError(
                "该操作员已锁定，请管理员解锁 (this operator is locked: an admin must unlock)"
            )
        if next_try and _stamp(at) < next_try:
            wait = dt.datetime.fromisoformat(next_try) - at
            return SignInError(
                f"请 {max(1, int(wait.total_seconds()))} 秒后再试 "
                f"(wait {max(1, int(wait.total_seconds()))} s before the next try)"
            )
        if _matches(hashed, pin):
            if _HASHER.check_needs_rehash(hashed):
                hashed = _HASHER.hash(pin)
            self.conn.execute(
                "UPDATE operator SET failures = 0, next_try = '', pin = ? WHERE name = ?",
                (hashed, name),
            )
            return Operator(name, role)
        failures += 1
        wait = min(MAX_WAIT, dt.timedelta(seconds=2 ** (failures - 1)))
        self.conn.execute(
            "UPDATE operator SET failures = ?, next_try = ?, locked = ? WHERE name = ?",
            (failures, _stamp(at + wait), int(failures >= MAX_TRIES), name),
        )
        if failures >= MAX_TRIES:
            return OperatorLockedError(
                f"PIN连续错误{MAX_TRIES}次，该操作员已锁定，请管理员解锁 "
                f"({MAX_TRIES} wrong PINs in a row: locked until an admin unlocks)"
            )
        left = MAX_TRIES - failures
        return SignInError(
            f"姓名或PIN不正确，还可尝试{left}次 (wrong name or PIN: {left} tries left)"
        )

    def unlock(self, name: str) -> None:
        """Unlock an operator and clear their failed tries.

        Raises:
            BadInputError: no such operator.
        """
        n = self.conn.execute(
            "UPDATE operator SET locked = 0, failures = 0, next_try = '' WHERE name = ?",
            (check_name(name),),
        ).rowcount
        if not n:
            raise BadInputError(f"没有操作员 {name} (no operator {name})")

    def list(self) -> list[OperatorInfo]:
        """Every operator, by name."""
        rows = self.conn.execute(
            "SELECT name, role, locked, failures, created_at FROM operator ORDER BY name"
        )
        return [OperatorInfo(r[0], r[1], bool(r[2]), r[3], r[4]) for r in rows]

    def admins(self) -> int:
        """How many admins are not locked (an admin must remain to unlock the others)."""
        return int(
            self.conn.execute(
                "SELECT count(*) FROM operator WHERE role = 'admin' AND locked = 0"
            ).fetchone()[0]
        )


def _matches(hashed: str, pin: str) -> bool:
    try:
        return _HASHER.verify(hashed, pin)
    except (VerificationError, InvalidHashError):
        return False
