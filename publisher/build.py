"""Build a replica database file from a registry export (the publisher's side).

Rows are validated by publisher.export and bulk-loaded with executemany into tables created from
db/schema.py; secondary indexes are created after the load, which is several times cheaper
than maintaining them per row. The result is a finished database file that kiosks install by
a verified file swap: nothing is rebuilt on the kiosk.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
import os
import sqlite3
import time
from collections.abc import Generator, Iterable, Iterator
from pathlib import Path
from typing import Any, TypeVar

from db import schema
from domain import idkey
from domain.errors import ExportError
from publisher import export as ex
from publisher.parallel import readahead

T = TypeVar("T")
log = logging.getLogger(__name__)


class _Phases:
    """Logs how long each phase of a build took (INFO on publisher.build; bench.core keeps them)."""

    def __init__(self) -> None:
        self._t = time.perf_counter()

    def done(self, name: str) -> None:
        now = time.perf_counter()
        log.info("build phase %s: %.1f s", name, now - self._t)
        self._t = now


BATCH = 20_000
# The replica's table layout; a publication makes no delta from a replica of another layout
# (kiosks then take the snapshot). 2: practitioner.photo is the photo's digest, not a flag;
# 3: the ID-index key left the replica (only its check value stays).
SCHEMA = "3"
# From this size of practitioners.ndjson on (some 40,000 lines), its lines are read and checked
# in a worker process while this one inserts (db/readahead.py); below it, a process costs more
# than it saves.
READAHEAD_BYTES = 16 << 20
# 16 KiB pages, not SQLite's 4 KiB. A delta's cost goes by the pages it changes (each is read,
# copied to the rollback journal and written back): at 4 KiB a 2-3 KB photo has a page of its
# own, so deleting one empties its page and SQLite rebalances the neighbours (four pages per
# photo deleted); at 16 KiB a page holds several photos and a delete changes one: a faster
# apply and a smaller file (docs/decisions.md has the figures).
# Deltas are rows, not pages: they apply to replicas of any page size.
PAGE_SIZE = 16384

INSERT = {
    "institution": "INSERT INTO institution VALUES (" + ",".join("?" * 15) + ")",
    "practitioner": "INSERT INTO practitioner VALUES (" + ",".join("?" * 20) + ")",
    "filing": "INSERT INTO filing VALUES (?,?,?,?,?,?)",
    "photo": "INSERT INTO photo VALUES (?,?,?)",
}


def _batches(items: Iterable[T], size: int = BATCH) -> Iterator[list[T]]:
    """Lists of up to `size` items. A bad line ends the stream only after the lines before it
    are yielded (and inserted), so that a duplicate key earlier in the batch is still the line
    named, not the bad line read after it."""
    batch: list[T] = []
    try:
        for item in items:
            batch.append(item)
            if len(batch) == size:
                yield batch
                batch = []
    except ExportError:
        if batch:
            yield batch
        raise
    if batch:
        yield batch


def _insert(
    conn: sqlite3.Connection, table: str, rows: Iterable[tuple[int, tuple[Any, ...]]], file: str
) -> int:
    """Insert (line, row) pairs in batches; a duplicate key names its own line."""
    count = 0
    sql = INSERT[table]
    for batch in _batches(rows):
        conn.execute("SAVEPOINT batch")
        try:
            conn.executemany(sql, [row for _, row in batch])
        except sqlite3.IntegrityError:
            conn.execute("ROLLBACK TO batch")  # undo the rows before the failing one
            _find_duplicate(conn, sql, batch, file)
        conn.execute("RELEASE batch")
        count += len(batch)
    return count


def _find_duplicate(
    conn: sqlite3.Connection, sql: str, batch: list[tuple[int, tuple[Any, ...]]], file: str
) -> None:
    """Replay a failed batch row by row to name the line whose key was already listed."""
    for line, row in batch:
        try:
            conn.execute(sql, row)
        except sqlite3.IntegrityError:
            raise ExportError(
                "duplicate key (already listed earlier)", file=file, line=line
            ) from None
    raise ExportError("duplicate key", file=file)


def _practitioner_rows(
    export: Path, id_key: bytes, photos: list[tuple[str, str, bytes]]
) -> Generator[tuple[int, tuple[Any, ...]], None, None]:
    path = export / "practitioners.ndjson"
    try:
        big = path.stat().st_size >= READAHEAD_BYTES
    except OSError:
        big = False  # the reader names the missing file
    lines = (
        readahead(ex.practitioners, path, export, id_key)
        if big
        else ex.practitioners(export, id_key)
    )
    with contextlib.closing(lines):
        for line, row, photo in lines:
            if photo is not None:
                photos.append((row[0], row[1], photo))
            yield line, row


FILINGS = "filings.ndjson"


def _insert_filings(conn: sqlite3.Connection, export: Path) -> None:
    """Insert the filings, then check in one join that each names a practitioner and an
    institution of this export (two seeks per line from Python cost up to 40 s at national
    scale; the join walks the practitioners in key order).

    A filing that names neither is reported by its line, and before any bad line after it."""
    try:
        _insert(conn, "filing", ex.filings(export), FILINGS)
    except ExportError as err:
        if err.file == FILINGS and err.line is not None:
            _check_references(conn, export, before=err.line)
        raise
    _check_references(conn, export)


def _check_references(conn: sqlite3.Connection, export: Path, before: int | None = None) -> None:
    """Raise for the first filing (before line `before`) whose practitioner or institution is
    not in the export; the lines are read again only when the join found one."""
    bad = {
        (kind, cert_no, inst): no_practitioner
        for kind, cert_no, inst, no_practitioner in conn.execute(
            "SELECT f.kind, f.cert_no, f.institution, p.kind IS NULL FROM filing f "
            "LEFT JOIN practitioner p ON p.kind = f.kind AND p.cert_no = f.cert_no "
            "LEFT JOIN institution i ON i.reg_no = f.institution "
            "WHERE p.kind IS NULL OR i.reg_no IS NULL"
        )
    }
    if not bad:
        return
    first: ExportError | None = None
    with contextlib.suppress(ExportError):  # a bad line after the first bad filing
        for line, row in ex.filings(export):
            if before is not None and line >= before:
                break
            no_practitioner = bad.get((row[0], row[1], row[2]))
            if no_practitioner is not None:
                what = f"practitioner {row[1]}" if no_practitioner else f"institution {row[2]}"
                first = ExportError(f"{what} is not in this export", file=FILINGS, line=line)
                break
    raise first or ExportError(
        "a filing names a practitioner or institution not in this export", file=FILINGS
    )


def build(export: Path, out: Path, *, id_key: bytes) -> dict[str, Any]:
    """Build a replica at `out` (which must not exist) from an export.

    Returns:
        The replica's meta values.

    Raises:
        ExportError: the first bad line, named by file and line; `out` is removed.
    """
    meta = ex.read_meta(export)
    conn = sqlite3.connect(out, isolation_level=None)
    try:
        conn.execute(f"PRAGMA page_size={PAGE_SIZE}")  # before the first table: then it is fixed
        # MEMORY, not OFF: a savepoint must roll back to name a duplicate line, and a fresh
        # file journals almost nothing (new pages need no undo).
        conn.execute("PRAGMA journal_mode=MEMORY")
        conn.execute("PRAGMA synchronous=OFF")
        conn.execute("PRAGMA cache_size=-262144")
        conn.execute("BEGIN")
        schema.create_schema(conn, indexes=False)
        phase = _Phases()
        _insert(conn, "institution", ex.institutions(export), "institutions.ndjson")
        phase.done("institutions")
        photos: list[tuple[str, str, bytes]] = []
        # Closed at once if the build fails, which stops a readahead worker.
        with contextlib.closing(_practitioner_rows(export, id_key, photos)) as lines:
            for batch in _batches(lines):
                _insert(conn, "practitioner", batch, "practitioners.ndjson")
                if photos:
                    conn.executemany(INSERT["photo"], photos)
                    photos.clear()
        phase.done("practitioners and photos")
        _insert_filings(conn, export)
        phase.done("filings")
        # The sorter behind CREATE INDEX sorts its runs in helper threads (measured on 10.4 M
        # rows, two cores: a third faster); below a few million rows it makes no difference.
        conn.execute(f"PRAGMA threads={min(8, os.cpu_count() or 1)}")
        for table in schema.REPLICA_INDEXES:
            schema.create_indexes(conn, table)
        phase.done("indexes")
        values = {
            "sequence": str(meta["sequence"]),
            "exported_at": meta["exported_at"],
            "jurisdiction": meta["jurisdiction"],
            # The key itself never enters a replica: only its check value (kiosk/idkey.py).
            "id_key_check": idkey.check_value(id_key),
            "schema": SCHEMA,
            "built_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "counts": json.dumps(counts(conn)),
        }
        conn.executemany("INSERT INTO meta VALUES (?, ?)", values.items())
        conn.execute("COMMIT")
        conn.execute("PRAGMA journal_mode=DELETE")
        phase.done("commit")
        conn.execute("ANALYZE")
        phase.done("analyze")
        return values
    except BaseException:
        conn.close()
        out.unlink(missing_ok=True)
        raise
    finally:
        conn.close()


def counts(conn: sqlite3.Connection) -> dict[str, Any]:
    """Record counts by type and status, kept in meta so status needs no full scan."""
    result: dict[str, Any] = {}
    for kind, status, n in conn.execute(
        "SELECT 'I', status, count(*) FROM institution GROUP BY status UNION ALL "
        "SELECT kind, status, count(*) FROM practitioner GROUP BY kind, status"
    ):
        name = {"I": "institutions", "P": "physicians", "N": "nurses"}[kind]
        result.setdefault(name, {})[status] = n
    result["filings"] = conn.execute("SELECT count(*) FROM filing").fetchone()[0]
    return result
