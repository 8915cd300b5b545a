"""Operators, roles and PINs (issue 20): enforced in the core, brute force slowed then locked."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from domain.errors import BadInputError
from kiosk.home import Home
from kiosk.operators import (
    MAX_TRIES,
    NotAllowedError,
    Operator,
    OperatorLockedError,
    SignInError,
    check_pin,
)
from kiosk.service import KioskService
from tests.test_cli import ROOT, run

T0 = dt.datetime(2026, 12, 6, 8, 0, tzinfo=dt.UTC)


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> dt.datetime:
        return self.now

    def tick(self, seconds: float) -> None:
        self.now += dt.timedelta(seconds=seconds)


@pytest.fixture(autouse=True)
def _no_operators(demo_copy: Path) -> None:
    """The demo home ships demo operators; these tests start from a home with none."""
    with contextlib.closing(sqlite3.connect(demo_copy / "kiosk.db")) as db, db:
        db.execute("DELETE FROM operator")


@pytest.fixture
def kiosk(demo_copy: Path) -> tuple[KioskService, Clock]:
    clock = Clock()
    service = KioskService(Home(demo_copy), clock=clock)
    service.add_operator("admin1", "admin", "246813")
    service.sign_in("admin1", "246813")
    service.add_operator("desk1", "desk", "975318")
    service.sign_out()
    return service, clock


def test_the_first_operator_of_a_home_is_an_admin(demo_copy: Path) -> None:
    service = KioskService(Home(demo_copy))
    assert service.needs_first_admin()
    with pytest.raises(BadInputError, match="admin"):
        service.add_operator("desk1", "desk", "975318")
    service.add_operator("boss", "admin", "246813")
    assert not service.needs_first_admin()
    with pytest.raises(NotAllowedError):  # the next one needs an admin signed in
        service.add_operator("other", "admin", "864213")


@pytest.mark.parametrize(
    "pin", ["12345", "1234567890123", "111111", "123456", "987654", "12a456", "１２３４５７"]
)
def test_weak_or_malformed_pins_are_refused(pin: str) -> None:
    with pytest.raises(BadInputError):
        check_pin(pin)


def test_a_good_pin_is_accepted() -> None:
    assert check_pin("246813") == "246813"


def test_wrong_pins_slow_down_then_lock_until_an_admin_unlocks(
    kiosk: tuple[KioskService, Clock],
) -> None:
    service, clock = kiosk
    for attempt in range(1, MAX_TRIES + 1):
        error = OperatorLockedError if attempt == MAX_TRIES else SignInError
        with pytest.raises(error) as caught:
            service.sign_in("desk1", "000001")
        if attempt < MAX_TRIES:
            assert f"{MAX_TRIES - attempt} tries left" in caught.value.message
            with pytest.raises(SignInError, match="wait"):  # too soon: not even checked
                service.sign_in("desk1", "975318")
            clock.tick(2 ** (attempt - 1))
    clock.tick(3600)
    with pytest.raises(OperatorLockedError):  # the right PIN does not open a locked operator
        service.sign_in("desk1", "975318")
    with pytest.raises(NotAllowedError):
        service.unlock_operator("desk1")  # nobody signed in
    service.sign_in("admin1", "246813")
    service.unlock_operator("desk1")
    service.sign_out()
    assert service.sign_in("desk1", "975318") == Operator("desk1", "desk")


def test_an_unknown_name_is_answered_as_a_wrong_pin(kiosk: tuple[KioskService, Clock]) -> None:
    service, _ = kiosk
    with pytest.raises(SignInError) as unknown:
        service.sign_in("nobody", "975318")
    assert "wrong name or PIN" in unknown.value.message and "tries" not in unknown.value.message


def test_a_desk_operator_cannot_call_admin_actions_through_the_core(
    kiosk: tuple[KioskService, Clock], tmp_path: Path
) -> None:
    service, _ = kiosk
    service.sign_in("desk1", "975318")
    for action in (
        lambda: service.add_operator("x1", "admin", "864213"),
        lambda: service.unlock_operator("admin1"),
        lambda: service.operators(),
        lambda: service.backup(str(tmp_path / "bk")),
    ):
        with pytest.raises(NotAllowedError, match="desk"):
            action()


def test_sign_ins_are_audited_and_no_pin_is_ever_recorded(
    kiosk: tuple[KioskService, Clock], demo_copy: Path
) -> None:
    service, clock = kiosk
    with contextlib.suppress(SignInError):
        service.sign_in("desk1", "000002")
    clock.tick(5)
    service.sign_in("desk1", "975318")
    with contextlib.closing(sqlite3.connect(demo_copy / "kiosk.db")) as db:
        rows = db.execute(
            "SELECT operator, action, subject, outcome, detail FROM audit_entry"
        ).fetchall()
        hashes = [r[0] for r in db.execute("SELECT pin FROM operator")]
    actions = [r[1] for r in rows if r[2] in ("desk1", "admin1")]  # not the demo build's
    assert actions.count("login") == 2 and actions.count("login_failed") == 1
    assert ("desk1", "login", "desk1", "desk") in [r[:4] for r in rows]
    text = json.dumps([r for r in rows if r[2] in ("desk1", "admin1")])
    assert all(pin not in text for pin in ("975318", "246813", "000002"))
    assert all(h.startswith("$argon2id$") for h in hashes)


def test_operators_through_the_cli(demo_copy: Path) -> None:
    def add(name: str, role: str, pin: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [
                sys.executable,
                str(ROOT / "main.py"),
                "operator",
                "add",
                "--home",
                str(demo_copy),
                name,
                "--role",
                role,
            ],
            input=pin + "\n",
            capture_output=True,
            text=True,
            timeout=60,
        )

    assert add("boss", "admin", "246813").returncode == 0
    assert add("desk1", "desk", "975318").returncode == 0
    weak = add("desk2", "desk", "123456")
    assert weak.returncode != 0 and "too easy" in weak.stderr and "Traceback" not in weak.stderr
    proc = run("operator", "list", "--home", str(demo_copy), "--json")
    ops = json.loads(proc.stdout)["operators"]
    assert [(o["name"], o["role"], o["locked"]) for o in ops] == [
        ("boss", "admin", False),
        ("desk1", "desk", False),
    ]
    assert "argon2" not in proc.stdout
    proc = run("operator", "unlock", "--home", str(demo_copy), "desk1")
    assert proc.returncode == 0, proc.stderr
    proc = run("operator", "add", "--home", str(demo_copy), "x", "--role", "root")
    assert proc.returncode == 64
