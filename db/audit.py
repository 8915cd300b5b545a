"""The audit trail as a hash chain: append, verify, purge and export (issue 20, cli.md `audit`).

Every record holds the SHA-256 of the one before it (`prev`) and its own (`hash`, over its id,
its fields and `prev`). An edit, a deletion inside the trail or a reordering breaks a link; the
ids are AUTOINCREMENT and must follow each other, so a deleted run shows as a gap, and a cut
tail shows against `sqlite_sequence`. Someone who can write the file can still rebuild the
whole chain: only the head written down elsewhere (the admin screen shows it) proves that
(docs/security.md).

Purging old records keeps the chain verifiable: the purge record, itself chained, names the
last id it removed and that record's hash, which the first remaining record points to.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import hashlib
import json
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

GENESIS = "0" * 64
TABLE_SQL = (
    'CREATE TABLE "audit_entry" ("id" INTEGER PRIMARY KEY AUTOINCREMENT, "at" TEXT NOT NULL, '
    '"operator" TEXT NOT NULL, "action" TEXT NOT NULL, "subject" TEXT NOT NULL, '
    '"outcome" TEXT NOT NULL, "detail" TEXT NOT NULL, "purpose" TEXT NOT NULL, '
    '"place" TEXT NOT NULL, "prev" TEXT NOT NULL, "hash" TEXT NOT NULL)'
)
COLUMNS = "id, at, operator, action, subject, outcome, detail, purpose, place, prev, hash"
INSERT = f"INSERT INTO audit_entry ({COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
MAX_FIELD = 2000  # characters of one field: a record is evidence, not a dump


class Record(NamedTuple):
    """One audit record, in column order."""

    id: int
    at: str
    operator: str
    action: str
    subject: str
    outcome: str
    detail: str
    purpose: str
    place: str
    prev: str
    hash: str


def digest(r: Record) -> str:
    """The record's hash: SHA-256 over its id, fields and the previous hash, as compact JSON
    (unambiguous: no field can run into the next)."""
    body = json.dumps(list(r[:-1]), ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def stamp(at: dt.datetime) -> str:
    """A time as the trail stores it: UTC, milliseconds, ISO 8601 (sorts as text)."""
    return at.astimezone(dt.UTC).isoformat(timespec="milliseconds")


@dataclass(frozen=True, slots=True)
class Entry:
    """What a caller records; the chain adds id, prev and hash."""

    action: str
    at: dt.datetime
    operator: str = ""
    subject: str = ""
    outcome: str = ""
    detail: str = ""
    purpose: str = ""
    place: str = ""


def append(conn: sqlite3.Connection, entry: Entry) -> Record:
    """Append one record in a transaction of its own (the read of the head and the insert
    hold the write lock together, so two processes never fork the chain).

    Raises:
        sqlite3.Error: the record could not be written (the caller must not go on).
    """
    conn.execute("BEGIN IMMEDIATE")
    try:
        record = _insert(conn, entry)
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return record


def _insert(conn: sqlite3.Connection, entry: Entry, after: str | None = None) -> Record:
    """Append after the last record (or, for a purge that removed them all, after the hash
    `after` of the last one removed)."""
    last = conn.execute("SELECT id, hash FROM audit_entry ORDER BY id DESC LIMIT 1").fetchone()
    seq = conn.execute("SELECT seq FROM sqlite_sequence WHERE name = 'audit_entry'").fetchone()
    next_id = max(last[0] if last else 0, seq[0] if seq else 0) + 1
    b = _bounded
    draft = Record(
        next_id,
        stamp(entry.at),
        b(entry.operator),
        b(entry.action),
        b(entry.subject),
        b(entry.outcome),
        b(entry.detail),
        b(entry.purpose),
        b(entry.place),
        last[1] if last else (after or GENESIS),
        "",
    )
    record = draft._replace(hash=digest(draft))
    conn.execute(INSERT, record)
    return record


def _bounded(text: str) -> str:
    return text if len(text) <= MAX_FIELD else text[: MAX_FIELD - 1] + "…"


def head(conn: sqlite3.Connection) -> Record | None:
    """The latest record (its hash is the chain head an admin writes down)."""
    row = conn.execute(f"SELECT {COLUMNS} FROM audit_entry ORDER BY id DESC LIMIT 1").fetchone()
    return Record(*row) if row else None


@dataclass(frozen=True, slots=True)
class ChainReport:
    """The outcome of `verify`: intact, or the first record where the chain breaks."""

    intact: bool
    records: int
    head: str
    first_id: int | None
    broken_at: int | None = None
    problem: str | None = None


def _rows(conn: sqlite3.Connection) -> Iterator[Record]:
    for row in conn.execute(f"SELECT {COLUMNS} FROM audit_entry ORDER BY id"):
        yield Record(*row)


def _anchors(conn: sqlite3.Connection) -> dict[int, str]:
    """Where purges cut the chain: the last id each removed, and that record's hash."""
    out: dict[int, str] = {}
    for (detail,) in conn.execute("SELECT detail FROM audit_entry WHERE action = 'purge'"):
        try:
            doc = json.loads(detail)
            out[int(doc["through"])] = str(doc["hash"])
        except (ValueError, KeyError, TypeError):
            continue  # a purge record that says nothing usable anchors nothing
    return out


def verify(conn: sqlite3.Connection) -> ChainReport:
    """Walk the whole chain once, in id order: each id follows the one before, each `prev` is
    the hash before it, each hash is the record's own; the first record starts from the
    genesis, or from the hash a (chained) purge record names; no id past the last was ever
    given out. Reads in one transaction, so a writer cannot make it see half a chain."""
    conn.execute("BEGIN")
    try:
        return _walk(conn)
    finally:
        conn.execute("COMMIT")


def _walk(conn: sqlite3.Connection) -> ChainReport:
    anchors = _anchors(conn)
    count, first, prev_id, prev_hash = 0, None, 0, GENESIS

    def broken(at: int, why: str) -> ChainReport:
        return ChainReport(False, count, prev_hash, first, at, why)

    for r in _rows(conn):
        if first is None:
            first = r.id
            if r.id != 1:
                if r.id - 1 not in anchors:
                    return broken(r.id, f"records before #{r.id} were removed without a purge")
                prev_hash = anchors[r.id - 1]
        elif r.id != prev_id + 1:
            return broken(prev_id + 1, f"records #{prev_id + 1}–#{r.id - 1} are missing")
        if r.prev != prev_hash:
            return broken(r.id, f"record #{r.id} does not follow the one before it")
        if digest(r) != r.hash:
            return broken(r.id, f"record #{r.id} was changed after it was written")
        count, prev_id, prev_hash = count + 1, r.id, r.hash
    seq = conn.execute("SELECT seq FROM sqlite_sequence WHERE name = 'audit_entry'").fetchone()
    if seq and seq[0] > prev_id:
        return broken(prev_id + 1, f"records #{prev_id + 1}–#{seq[0]} were cut off the end")
    return ChainReport(True, count, prev_hash, first)


def purge(conn: sqlite3.Connection, before: dt.datetime, entry: Entry) -> int:
    """Remove the oldest records, those written before `before` (up to the first that is
    not), and append a purge record that anchors what remains. Returns how many went."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        keep = conn.execute(
            "SELECT min(id) FROM audit_entry WHERE at >= ?", (stamp(before),)
        ).fetchone()[0]
        last = conn.execute(
            "SELECT id, hash FROM audit_entry WHERE id < coalesce(?, 1 << 62) "
            "ORDER BY id DESC LIMIT 1",
            (keep,),
        ).fetchone()
        gone = 0
        if last is not None:
            gone = conn.execute("DELETE FROM audit_entry WHERE id <= ?", (last[0],)).rowcount
            doc = {"through": last[0], "hash": last[1], "count": gone, "before": stamp(before)}
            _insert(conn, dataclasses.replace(entry, detail=json.dumps(doc)), after=last[1])
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return gone


def export(conn: sqlite3.Connection, start: str, end: str, out: Path) -> int:
    """Write the records whose time (China date) falls from `start` to `end` (YYYY-MM-DD, both
    included) as CSV, and return how many. A cell that a spreadsheet would run as a formula
    is written with a leading apostrophe."""
    china = dt.timezone(dt.timedelta(hours=8))
    lo = stamp(dt.datetime.fromisoformat(start).replace(tzinfo=china))
    hi = stamp(dt.datetime.fromisoformat(end).replace(tzinfo=china) + dt.timedelta(days=1))
    n = 0
    with out.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(COLUMNS.split(", "))
        for row in conn.execute(
            f"SELECT {COLUMNS} FROM audit_entry WHERE at >= ? AND at < ? ORDER BY id", (lo, hi)
        ):
            writer.writerow([_cell(v) for v in row])
            n += 1
    return n


def _cell(value: object) -> object:
    if isinstance(value, str) and value[:1] in (
        "=",
        "+",
        "-",
        "@",
        "\t",
        "\r",
        "＝",
        "＋",
        "－",
        "＠",
    ):
        return "'" + value
    return value
