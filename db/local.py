"""The kiosk's own database (audit, settings): opened with WAL, never touched by sync.

The audit insert runs on every verification and look-up: one INSERT on a plain sqlite3
connection. The schema and its steps are in db/schema.py.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

from db import schema
from db.audit import Entry, Record, append
from domain.errors import HomeError


def open_local(path: Path) -> sqlite3.Connection:
    """Open (creating if needed) the local database."""
    try:
        conn = sqlite3.connect(path, timeout=5.0, isolation_level=None, check_same_thread=False)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        schema.migrate_local(conn)
    except sqlite3.Error as err:
        raise HomeError(f"本地数据库无法打开 (local database unusable: {err})") from err
    return conn


def audit(
    conn: sqlite3.Connection,
    action: str,
    *,
    subject: str = "",
    outcome: str = "",
    detail: str = "",
    operator: str = "",
    purpose: str = "",
    place: str = "",
    at: dt.datetime | None = None,
) -> Record:
    """Append one record to the hash-chained trail (at `at`, by default now); never pass a
    clear ID number as subject.

    Raises:
        sqlite3.Error: it could not be written; the action it records must not go on.
    """
    entry = Entry(
        action, at or dt.datetime.now(dt.UTC), operator, subject, outcome, detail, purpose, place
    )
    return append(conn, entry)


def latest_time(conn: sqlite3.Connection) -> dt.datetime | None:
    """The latest time the audit trail holds (the kiosk's clock must not go back before it)."""
    row = conn.execute("SELECT max(at) FROM audit_entry").fetchone()
    try:
        return dt.datetime.fromisoformat(row[0]) if row and row[0] else None
    except ValueError:
        return None


def audit_count(conn: sqlite3.Connection, action: str | None = None) -> int:
    """How many audit entries there are (of one action)."""
    if action is None:
        return int(conn.execute("SELECT count(*) FROM audit_entry").fetchone()[0])
    return int(
        conn.execute("SELECT count(*) FROM audit_entry WHERE action = ?", (action,)).fetchone()[0]
    )
