"""Alerts on abnormal use (issue 20), raised from the audit trail as it is written."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
from pathlib import Path

import pytest

from db import audit as chain
from domain.timeutil import CHINA
from kiosk.home import Home
from kiosk.operators import NotAllowedError, Operator, SignInError
from kiosk.service import KioskService

ADMIN = Operator("admin1", "admin")


class Clock:
    def __init__(self, at: dt.datetime) -> None:
        self.now = at

    def __call__(self) -> dt.datetime:
        return self.now


def _kiosk(home: Path, hour: int = 10) -> tuple[KioskService, Clock]:
    """A service whose clock reads today at `hour` China time (the replica is an hour old)."""
    today = dt.datetime.now(CHINA).date()
    clock = Clock(dt.datetime.combine(today, dt.time(hour), CHINA).astimezone(dt.UTC))
    service = KioskService(Home(home), clock=clock, session=Operator("desk1", "desk"))
    service.set_purpose("counter")
    return service, clock


def _kinds(service: KioskService) -> list[str]:
    service.session = ADMIN
    try:
        return [a.kind for a in service.alerts() if not a.acked_at]
    finally:
        service.session = Operator("desk1", "desk")


def _person(home: Path) -> dict[str, str]:
    line = (home / "demo" / "export" / "practitioners.ndjson").open(encoding="utf-8").readline()
    person: dict[str, str] = json.loads(line)
    return person


def test_an_id_look_up_outside_working_hours_raises_an_alert(demo_copy: Path) -> None:
    service, clock = _kiosk(demo_copy, hour=10)
    person = _person(demo_copy)
    service.lookup_id_number(person["id_number"])
    service.lookup_cert_no(person["cert_no"])
    assert "off_hours" not in _kinds(service)
    clock.now += dt.timedelta(hours=13)  # 23:00 China time
    service.lookup_cert_no(person["cert_no"])  # a certificate number is not a person search
    assert "off_hours" not in _kinds(service)
    service.lookup_id_number(person["id_number"])
    service.session = ADMIN
    (alert,) = [a for a in service.alerts() if a.kind == "off_hours"]
    assert "desk1" in alert.evidence and person["id_number"] not in alert.evidence


def test_a_burst_of_look_ups_raises_one_alert(demo_copy: Path) -> None:
    service, clock = _kiosk(demo_copy)
    person = _person(demo_copy)
    for _ in range(service.config.lookup_burst_per_minute):
        service.lookup_cert_no(person["cert_no"])
        clock.now += dt.timedelta(seconds=1)
    assert "burst" not in _kinds(service)
    for _ in range(5):
        service.lookup_name(person["name"])
    assert _kinds(service).count("burst") == 1


def test_failed_sign_ins_raise_an_alert(demo_copy: Path) -> None:
    service, clock = _kiosk(demo_copy)
    service.session = None
    service._audit_conn().execute("DELETE FROM operator")  # not the demo's operators
    service.add_operator("admin1", "admin", "246813")
    for _ in range(service.config.failed_logins_alert):
        with contextlib.suppress(SignInError):
            service.sign_in("admin1", "000001")
        clock.now += dt.timedelta(seconds=40)
    assert "failed_logins" in _kinds(service)


def test_a_run_of_invalid_verdicts_raises_an_alert(demo_copy: Path) -> None:
    service, _ = _kiosk(demo_copy)
    for i in range(service.config.invalid_run - 1):
        service.verify(f"YZ1:forged {i}")
    assert "invalid_run" not in _kinds(service)
    service.verify("YZ1:forged again")
    assert "invalid_run" in _kinds(service)


def test_a_clock_moved_back_raises_an_alert(demo_copy: Path) -> None:
    service, clock = _kiosk(demo_copy)
    service.verify("YZ1:x")
    clock.now -= dt.timedelta(hours=2)
    service.verify("YZ1:y")
    assert "clock_back" in _kinds(service)


def test_a_replica_past_its_age_raises_an_alert_once_a_day(demo_copy: Path) -> None:
    service, clock = _kiosk(demo_copy)
    assert "replica_stale" not in _kinds(service)
    clock.now += dt.timedelta(days=service.config.max_replica_age_days + 1)
    assert _kinds(service).count("replica_stale") == 1
    assert _kinds(service).count("replica_stale") == 1


def test_only_an_admin_sees_and_acknowledges_alerts_and_both_are_audited(
    demo_copy: Path,
) -> None:
    service, _ = _kiosk(demo_copy)
    for i in range(service.config.invalid_run):
        service.verify(f"YZ1:forged {i}")
    with pytest.raises(NotAllowedError):
        service.alerts()
    service.session = ADMIN
    (alert,) = [a for a in service.alerts() if a.kind == "invalid_run"]
    service.acknowledge_alert(alert.id)
    acked = next(a for a in service.alerts() if a.id == alert.id)
    assert acked.acked_by == "admin1" and acked.acked_at
    conn = service._audit_conn()
    actions = [r[0] for r in conn.execute("SELECT action FROM audit_entry ORDER BY id")]
    assert "alert" in actions and actions[-1] == "alert_ack"
    assert chain.verify(conn).intact
