"""Build a replica database file from a registry export (the publisher's side).

Rows are validated by kiosk.export and bulk-loaded with executemany into tables created from
db/models.py; secondary indexes are created after the load, which is several times cheaper
than maintaining them per row. The result is a finished database file that kiosks install by
a verified file swap: nothing is rebuilt on the kiosk.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
import sqlite3
import time
from collections.abc import Generator, Iterable, Iterator
from pathlib import Path
from typing import Any, TypeVar

from db import models
from db.readahead import readahead
from kiosk import export as ex
from kiosk.errors import ExportError

T = TypeVar("T")
log = logging.getLogger(__name__)


class _Phases:
    """Logs how long each phase of a build took (INFO on db.build; bench.core keeps them)."""

    def __init__(self) -> None:
        self._t = time.perf_counter()

    def done(self, name: str) -> None:
        now = time.perf_counter()
        log.info("build phase %s: %.1f s", name, now - self._t)
        self._t = now


BATCH = 20_000
# The replica's table layout; a publication makes no delta from a replica of another layout
# (kiosks then take the snapshot). 2: practitioner.photo is the photo's digest, not a flag.
SCHEMA = "2"
# From this size of practitioners.ndjson on (some 40,000 lines), its lines are read and checked
# in a worker process while this one inserts (db/readahead.py); below it, a process costs more
# than it saves.
READAHEAD_BYTES = 16 << 20

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


def create_schema(conn: sqlite3.Connection, *, indexes: bool) -> None:
    """Create the replica tables (and optionally their secondary indexes) from db/models."""
    for model in models.REPLICA_TABLES:
        conn.execute(model._schema._create_table().query()[0])  # type: ignore[attr-defined]  # peewee DDL
        if indexes:
            create_indexes(conn, model)


def create_indexes(conn: sqlite3.Connection, model: Any) -> None:
    """Create one table's secondary indexes as the models define them."""
    for index in model._schema._create_indexes():  # noqa: SLF001
        conn.execute(index.query()[0])


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


def _checked_filings(
    conn: sqlite3.Connection, export: Path
) -> Iterator[tuple[int, tuple[Any, ...]]]:
    has_p = "SELECT 1 FROM practitioner WHERE kind = ? AND cert_no = ?"
    has_i = "SELECT 1 FROM institution WHERE reg_no = ?"
    for line, row in ex.filings(export):
        if conn.execute(has_p, (row[0], row[1])).fetchone() is None:
            raise ExportError(
                f"practitioner {row[1]} is not in this export", file="filings.ndjson", line=line
            )
        if conn.execute(has_i, (row[2],)).fetchone() is None:
            raise ExportError(
                f"institution {row[2]} is not in this export", file="filings.ndjson", line=line
            )
        yield line, row


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
        # MEMORY, not OFF: a savepoint must roll back to name a duplicate line, and a fresh
        # file journals almost nothing (new pages need no undo).
        conn.execute("PRAGMA journal_mode=MEMORY")
        conn.execute("PRAGMA synchronous=OFF")
        conn.execute("PRAGMA cache_size=-262144")
        conn.execute("PRAGMA page_size=4096")
        conn.execute("BEGIN")
        create_schema(conn, indexes=False)
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
        _insert(conn, "filing", _checked_filings(conn, export), "filings.ndjson")
        phase.done("filings")
        for model in models.REPLICA_INDEXED:
            create_indexes(conn, model)
        phase.done("indexes")
        values = {
            "sequence": str(meta["sequence"]),
            "exported_at": meta["exported_at"],
            "jurisdiction": meta["jurisdiction"],
            "id_hash_key": id_key.hex(),
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
