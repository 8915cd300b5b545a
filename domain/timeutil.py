"""Time parsing shared by the trust list, the registry and the CLI (always timezone-aware)."""

from __future__ import annotations

import datetime as dt
import re

_DATE = re.compile(r"[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])")


def is_date(text: object) -> bool:
    """True for a real calendar date written YYYY-MM-DD (2026-02-31 is not one)."""
    if not isinstance(text, str) or not _DATE.fullmatch(text):
        return False
    try:
        dt.date.fromisoformat(text)
    except ValueError:
        return False
    return True


def parse_instant(text: str) -> dt.datetime:
    """Parse an ISO 8601 time with a zone ('Z' accepted); raise ValueError otherwise."""
    if not isinstance(text, str):
        raise ValueError("time must be text")
    value = dt.datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    if value.tzinfo is None:
        raise ValueError(f"time {text!r} has no zone")
    return value


def parse_cli_time(text: str) -> dt.datetime:
    """Parse --at: ISO 8601; a time without a zone is taken as China time (UTC+8)."""
    value = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    if value.tzinfo is None:
        value = value.replace(tzinfo=CHINA)
    return value


CHINA = dt.timezone(dt.timedelta(hours=8), "CST")


def china_time(at: dt.datetime, fmt: str = "%H:%M:%S") -> str:
    """An instant as China's clocks show it (the header's and the reports' time)."""
    return at.astimezone(CHINA).strftime(fmt)


def china_date(at: dt.datetime) -> str:
    """The calendar date in China at an instant, as YYYY-MM-DD (licences are dated there)."""
    return at.astimezone(CHINA).date().isoformat()


def utcnow() -> dt.datetime:
    """The current time, aware."""
    return dt.datetime.now(dt.UTC)
