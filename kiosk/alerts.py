"""Alerts on abnormal use (issue 20; 735号 "异常预警"), read from the audit trail itself.

Each rule looks at the records just written and raises at most one alert per key (the rule, who
and the minute, day or record it covers), kept in the local database until an admin
acknowledges it; raising and acknowledging are both audited. The rules:

- `off_hours`: an ID-number look-up, check or name search outside the configured working hours
  (China time);
- `burst`: more look-ups by one operator within a minute than configured (scraping the register);
- `failed_logins`: that many failed sign-ins within ten minutes, or an operator locked;
- `invalid_run`: that many invalid verdicts in a row (a wave of forgeries);
- `replica_stale`: the replica not synced for longer than the maximum age;
- `clock_back`: a record written earlier than the one before it (the clock moved back).
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from dataclasses import dataclass

from db.audit import Record, stamp
from domain.timeutil import CHINA
from kiosk.config import Config

LOOKUPS = ("lookup", "check")
SKEW = dt.timedelta(minutes=5)
KINDS = {
    "off_hours": ("非工作时间查询", "Look-up outside working hours"),
    "burst": ("短时间内大量查询", "A burst of look-ups"),
    "failed_logins": ("多次登录失败", "Repeated failed sign-ins"),
    "invalid_run": ("连续无效核验", "A run of invalid verdicts"),
    "replica_stale": ("注册库长期未同步", "Replica not synced"),
    "clock_back": ("时钟回拨", "The clock moved back"),
}


@dataclass(frozen=True, slots=True)
class Alert:
    """One alert with its evidence; acknowledged once an admin has seen it."""

    id: int
    key: str
    at: str
    kind: str
    evidence: str
    acked_by: str = ""
    acked_at: str = ""


def _hours(text: str) -> tuple[dt.time, dt.time]:
    try:
        start, end = (dt.time.fromisoformat(part.strip()) for part in text.split("-"))
    except ValueError:
        return dt.time(8), dt.time(18)  # a damaged setting falls back to office hours
    return start, end


def off_hours(at: dt.datetime, work_hours: str) -> bool:
    """Whether a time falls outside the working hours (China time; weekends are not special:
    many counters open on Saturdays, and the hours are an admin's to set)."""
    start, end = _hours(work_hours)
    t = at.astimezone(CHINA).time()
    return not (start <= t < end) if start <= end else (end <= t < start)


def _is_search(record: Record) -> bool:
    """An ID-number look-up or check, or a name search (not a certificate or institution)."""
    if record.action == "check":
        return True
    return record.action == "lookup" and record.detail in ("id", "name")


def evaluate(
    conn: sqlite3.Connection, record: Record, config: Config
) -> list[tuple[str, str, str]]:
    """The alerts the record just written raises: (key, kind, evidence) for each."""
    at = dt.datetime.fromisoformat(record.at)
    who = record.operator or "—"
    found: list[tuple[str, str, str]] = []
    if _is_search(record) and off_hours(at, config.work_hours):
        local = at.astimezone(CHINA).strftime("%Y-%m-%d %H:%M")
        found.append(
            (
                f"off_hours:{who}:{record.id}",
                "off_hours",
                f"{who} {record.action} {record.subject} at {local} (hours {config.work_hours})",
            )
        )
    if record.action in LOOKUPS:
        since = stamp(at - dt.timedelta(minutes=1))
        n = conn.execute(
            "SELECT count(*) FROM audit_entry WHERE at > ? AND operator = ? "
            "AND action IN ('lookup', 'check')",
            (since, record.operator),
        ).fetchone()[0]
        if n > config.lookup_burst_per_minute:
            minute = at.astimezone(CHINA).strftime("%Y-%m-%dT%H:%M")
            found.append(
                (
                    f"burst:{who}:{minute}",
                    "burst",
                    f"{who}: {n} look-ups within a minute (limit {config.lookup_burst_per_minute})",
                )
            )
    if record.action == "login_failed":
        since = stamp(at - dt.timedelta(minutes=10))
        n = conn.execute(
            "SELECT count(*) FROM audit_entry WHERE at > ? AND action = 'login_failed'", (since,)
        ).fetchone()[0]
        if n >= config.failed_logins_alert or record.outcome == "locked":
            found.append(
                (
                    f"failed_logins:{record.subject}:{at.astimezone(CHINA):%Y-%m-%dT%H}",
                    "failed_logins",
                    f"{n} failed sign-ins within 10 minutes, the last as {record.subject!r}"
                    + (": operator locked" if record.outcome == "locked" else ""),
                )
            )
    if record.action == "verify" and record.outcome == "invalid":
        rows = conn.execute(
            "SELECT outcome FROM audit_entry WHERE action = 'verify' ORDER BY id DESC LIMIT ?",
            (config.invalid_run,),
        ).fetchall()
        if len(rows) == config.invalid_run and all(r[0] == "invalid" for r in rows):
            found.append(
                (
                    f"invalid_run:{record.id // config.invalid_run}",
                    "invalid_run",
                    f"{config.invalid_run} invalid verdicts in a row, the last #{record.id}: "
                    f"{record.detail}",
                )
            )
    prev = conn.execute(
        "SELECT at FROM audit_entry WHERE id < ? ORDER BY id DESC LIMIT 1", (record.id,)
    ).fetchone()
    if prev and dt.datetime.fromisoformat(prev[0]) - at > SKEW:
        found.append(
            (
                f"clock_back:{record.id}",
                "clock_back",
                f"record #{record.id} at {record.at} follows one at {prev[0]}",
            )
        )
    return found


def stale(
    age: dt.timedelta | None, config: Config, now: dt.datetime
) -> tuple[str, str, str] | None:
    """The replica-age alert, once a day while it lasts."""
    if age is None or age <= dt.timedelta(days=config.max_replica_age_days):
        return None
    return (
        f"replica_stale:{now.astimezone(CHINA):%Y-%m-%d}",
        "replica_stale",
        f"the replica is {age.days} days old (limit {config.max_replica_age_days})",
    )


def raise_alert(
    conn: sqlite3.Connection, key: str, kind: str, evidence: str, at: dt.datetime
) -> bool:
    """Keep an alert unless one with this key exists; True when it is new."""
    cur = conn.execute(
        "INSERT OR IGNORE INTO alert (key, at, kind, evidence) VALUES (?, ?, ?, ?)",
        (key, stamp(at), kind, evidence[:1000]),
    )
    return cur.rowcount == 1


def open_alerts(conn: sqlite3.Connection, *, limit: int = 200) -> list[Alert]:
    """Unacknowledged alerts first, newest first, then the latest acknowledged ones."""
    rows = conn.execute(
        "SELECT id, key, at, kind, evidence, acked_by, acked_at FROM alert "
        "ORDER BY acked_at != '', id DESC LIMIT ?",
        (limit,),
    )
    return [Alert(*r) for r in rows]


def acknowledge(conn: sqlite3.Connection, alert_id: int, who: str, at: dt.datetime) -> Alert | None:
    """Mark an alert seen by an admin; None when there is no such unacknowledged alert."""
    n = conn.execute(
        "UPDATE alert SET acked_by = ?, acked_at = ? WHERE id = ? AND acked_at = ''",
        (who, stamp(at), alert_id),
    ).rowcount
    if not n:
        return None
    row = conn.execute(
        "SELECT id, key, at, kind, evidence, acked_by, acked_at FROM alert WHERE id = ?",
        (alert_id,),
    ).fetchone()
    return Alert(*row)


def describe(alert: Alert) -> str:
    """A one-line summary for the audit trail."""
    return json.dumps({"id": alert.id, "kind": alert.kind}, ensure_ascii=False)
