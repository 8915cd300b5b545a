"""The kiosk's own activity, counted from the local audit trail (db/local.py's audit_entry).

Kept apart from db/local.py, which writes the trail on every verification: this module only
reads it, for the statistics (kiosk/stats.py).
"""

from __future__ import annotations

import datetime as dt
import sqlite3

from db.audit import stamp
from domain.errors import HomeError


def outcomes_per_day(
    conn: sqlite3.Connection,
    actions: tuple[str, ...],
    start: dt.datetime,
    end: dt.datetime,
    offset: dt.timedelta,
) -> list[tuple[str, str, int]]:
    """(day, outcome, count) of the audit entries of these actions in [start, end).

    Bounded by the window: the range is read through the index on `at` (schema step 2), so
    the cost follows the window's entries, not the whole trail's.

    Args:
        actions: e.g. ("verify", "check"), whose outcome is the verdict.
        start, end: aware instants; entries are stored in UTC with milliseconds.
        offset: the local time's offset from UTC, which decides each entry's calendar day
            (China: +8 hours).

    Raises:
        HomeError: the local database cannot be read.
    """
    marks = ", ".join("?" for _ in actions)
    minutes = int(offset.total_seconds() // 60)
    try:
        rows = conn.execute(
            f"SELECT date(at, ?) AS day, outcome, count(*) FROM audit_entry "
            f"WHERE at >= ? AND at < ? AND action IN ({marks}) GROUP BY day, outcome",
            (f"{minutes:+d} minutes", stamp(start), stamp(end), *actions),
        ).fetchall()
    except sqlite3.Error as err:
        raise HomeError(f"审计日志无法读取 (the audit trail cannot be read: {err})") from err
    return [(str(r[0]), str(r[1]), int(r[2])) for r in rows]
