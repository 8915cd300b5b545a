"""Deltas between two consecutive replicas: computed by the publisher, applied by kiosks.

A delta is a stream of JSON lines (zstd-compressed in the bundle): a header naming the
sequences and the new meta, then per table the inserted rows, the changed rows with *only
the columns that changed*, and the deleted keys. Applying one updates only what changed,
so index upkeep is limited to the indexed columns that really moved.
"""

from __future__ import annotations

import base64
import contextlib
import gc
import json
import operator
import queue
import sqlite3
import threading
from collections import defaultdict
from collections.abc import Generator, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import IO, Any

import orjson

from db import prefetch
from kiosk.errors import BundleIntegrityError, RollbackError

# table: (columns in order, number of leading key columns)
TABLES: dict[str, tuple[tuple[str, ...], int]] = {
    "institution": (
        (
            "reg_no",
            "name",
            "category",
            "address",
            "region",
            "legal_rep",
            "principal",
            "subjects",
            "valid_from",
            "valid_until",
            "status",
            "authority",
            "authority_name",
            "issued_on",
            "version",
        ),
        1,
    ),
    "practitioner": (
        (
            "kind",
            "cert_no",
            "id_hash",
            "id_mask",
            "name",
            "sex",
            "birth_month",
            "level",
            "category",
            "scope",
            "title",
            "location",
            "institution",
            "valid_until",
            "status",
            "authority",
            "authority_name",
            "issued_on",
            "photo",
            "version",
        ),
        2,
    ),
    "filing": (("kind", "cert_no", "institution", "scope", "filed_on", "valid_until"), 3),
    "photo": (("kind", "cert_no", "jpeg"), 2),
}
# Apply order: parents before children for inserts; deletions run first, children first.
ORDER = ("institution", "practitioner", "filing", "photo")


def _enc(v: Any) -> Any:
    return {"$b": base64.b64encode(v).decode("ascii")} if isinstance(v, bytes) else v


def _dec(v: Any) -> Any:
    return base64.b64decode(v["$b"]) if isinstance(v, dict) else v


_q = prefetch.quote


# Parts of a table diffed side by side (a condition on the table alias `{a}`): the diff is
# SQLite's work, which releases the GIL, so two parts use both cores. Physicians and nurses
# are near halves of the nation.
PARTS: dict[str, tuple[str, ...]] = {
    "institution": ("1",),
    "practitioner": ("{a}.kind < 'P'", "{a}.kind >= 'P'"),
    "filing": ("1",),
}
DIFF_THREADS = 2
_DONE = object()


def _open_pair(old: Path, new: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(new, check_same_thread=False)
    try:
        conn.execute("ATTACH DATABASE ? AS old", (f"file:{old}?mode=ro",))
    except sqlite3.Error:
        conn.close()
        raise
    return conn


def diff(old: Path, new: Path) -> Generator[dict[str, Any], None, None]:
    """Yield the delta records turning replica `old` into replica `new` (header excluded),
    table by table in ORDER and, within a table, part by part (PARTS): the same order on
    every run.

    Both must be replicas as db.build makes them, of the same schema: photos are diffed by the
    practitioners' photo digests (see _diff_photos)."""
    jobs = [(table, part) for table in ORDER if table != "photo" for part in PARTS[table]]
    stop = threading.Event()
    queues: list[queue.Queue[Any]] = [queue.Queue(maxsize=2_000) for _ in jobs]

    def put(q: queue.Queue[Any], item: Any) -> bool:
        while not stop.is_set():
            try:
                q.put(item, timeout=0.2)
                return True
            except queue.Full:
                continue
        return False

    running: set[sqlite3.Connection] = set()  # interrupted on the way out; under `lock`
    lock = threading.Lock()

    def run(i: int) -> None:
        table, part = jobs[i]
        try:
            conn = _open_pair(old, new)
            with lock:
                running.add(conn)
            try:
                for rec in _diff_table(conn, table, part):
                    if not put(queues[i], rec):
                        return
            finally:
                with lock:  # never closed while being interrupted
                    running.discard(conn)
                conn.close()
        except BaseException as err:  # handed to the reader, which raises it
            put(queues[i], err)
            return
        put(queues[i], _DONE)

    # In order of submission: the part being read has always started, so a part waiting on
    # its full queue never keeps the one being read from running.
    pool = ThreadPoolExecutor(DIFF_THREADS, thread_name_prefix="diff")
    try:
        for i in range(len(jobs)):
            pool.submit(run, i)
        touched: list[list[Any]] = []  # practitioners whose photo may have changed
        for i, (table, _) in enumerate(jobs):
            while (rec := queues[i].get()) is not _DONE:
                if isinstance(rec, BaseException):
                    raise rec
                if table == "practitioner" and (rec["op"] != "upd" or "photo" in rec["set"]):
                    touched.append(rec["key"] if rec["op"] != "ins" else rec["row"][:2])
                yield rec
        conn = _open_pair(old, new)
        try:
            yield from _diff_photos(conn, touched)
        finally:
            conn.close()
    finally:
        stop.set()
        with lock:
            for c in running:
                c.interrupt()  # a part deep in a scan stops now, not at its next record
        pool.shutdown(wait=True, cancel_futures=True)


def _diff_photos(conn: sqlite3.Connection, keys: list[list[Any]]) -> Iterator[dict[str, Any]]:
    """The photo rows of the practitioners that came, went or changed their photo digest.

    A replica holds a photo exactly when practitioner.photo (the photo's digest) is set, so no
    other photo can differ and none needs reading: comparing every photo of both replicas was
    the largest part of a delta's cost (27 GB each at national scale)."""
    new_sql = "SELECT jpeg FROM main.photo WHERE kind = ? AND cert_no = ?"
    old_sql = "SELECT 1 FROM old.photo WHERE kind = ? AND cert_no = ?"
    for key in sorted(keys):
        new = conn.execute(new_sql, key).fetchone()
        had = conn.execute(old_sql, key).fetchone() is not None
        if new is not None and not had:
            yield {"t": "photo", "op": "ins", "row": [*key, _enc(new[0])]}
        elif new is not None:
            yield {"t": "photo", "op": "upd", "key": list(key), "set": {"jpeg": _enc(new[0])}}
        elif had:
            yield {"t": "photo", "op": "del", "key": list(key)}


def _diff_table(conn: sqlite3.Connection, table: str, part: str = "1") -> Iterator[dict[str, Any]]:
    """One table's inserts, updates and deletes, of the rows that `part` selects."""
    cols, nkey = TABLES[table]
    keys, rest = cols[:nkey], cols[nkey:]
    on = " AND ".join(f"o.{_q(k)} = n.{_q(k)}" for k in keys)
    t = _q(table)
    in_n, in_o = part.format(a="n"), part.format(a="o")
    for row in conn.execute(
        f"SELECT n.* FROM main.{t} n "
        f"WHERE {in_n} AND NOT EXISTS (SELECT 1 FROM old.{t} o WHERE {on})"
    ):
        yield {"t": table, "op": "ins", "row": [_enc(v) for v in row]}
    differs = " OR ".join(f"o.{_q(c)} IS NOT n.{_q(c)}" for c in rest) or "0"
    select_n = ", ".join(f"n.{_q(c)}" for c in cols)
    select_o = ", ".join(f"o.{_q(c)}" for c in rest)
    for row in conn.execute(
        f"SELECT {select_n}, {select_o} FROM main.{t} n JOIN old.{t} o ON {on} "
        f"WHERE {in_n} AND ({differs})"
    ):
        new_vals, old_vals = row[: len(cols)], row[len(cols) :]
        changed = {
            c: _enc(v) for c, v, o in zip(rest, new_vals[nkey:], old_vals, strict=True) if v != o
        }
        yield {"t": table, "op": "upd", "key": list(new_vals[:nkey]), "set": changed}
    for row in conn.execute(
        f"SELECT {', '.join('o.' + _q(k) for k in keys)} FROM old.{t} o "
        f"WHERE {in_o} AND NOT EXISTS (SELECT 1 FROM main.{t} n WHERE {on})"
    ):
        yield {"t": table, "op": "del", "key": list(row)}


def write(
    records: Iterable[dict[str, Any]], header: dict[str, Any], fh: IO[bytes]
) -> dict[str, int]:
    """Write a delta as JSON lines; returns counts per operation."""
    fh.write(json.dumps(header, ensure_ascii=False).encode() + b"\n")
    counts: dict[str, int] = defaultdict(int)
    for rec in records:
        counts[rec["op"]] += 1
        fh.write(orjson.dumps(rec) + b"\n")
    return dict(counts)


def read(fh: IO[bytes]) -> tuple[dict[str, Any], Iterator[dict[str, Any]]]:
    """Read a delta's header and its records (lazily)."""
    try:
        header = orjson.loads(fh.readline())
    except orjson.JSONDecodeError as err:
        raise BundleIntegrityError(f"增量文件损坏 (delta header unreadable: {err})") from None

    def records() -> Iterator[dict[str, Any]]:
        for line in fh:
            try:
                yield orjson.loads(line)
            except orjson.JSONDecodeError as err:
                raise BundleIntegrityError(
                    f"增量文件损坏 (delta record unreadable: {err})"
                ) from None

    return header, records()


def apply(
    conn: sqlite3.Connection, header: dict[str, Any], records: Iterable[dict[str, Any]]
) -> None:
    """Apply one delta inside the caller's open transaction.

    Raises:
        RollbackError: the replica is not at the delta's starting sequence.
        BundleIntegrityError: a record that does not fit the replica.
    """
    (seq,) = conn.execute("SELECT value FROM meta WHERE key = 'sequence'").fetchone()
    if int(seq) != header["from"]:
        raise RollbackError(
            f"增量起点 {header['from']} 与本地库 {seq} 不符 (delta starts at {header['from']}, replica is at {seq})"
        )
    # Hundreds of thousands of small lists and dicts, none of them cyclic: the cycle collector
    # would walk them all again and again (a tenth of a national delta's time, profiled).
    with _no_cycle_collection():
        _apply(conn, records)
    conn.executemany(
        "INSERT OR REPLACE INTO meta VALUES (?, ?)",
        [(k, str(v)) for k, v in header["meta"].items()],
    )


@contextlib.contextmanager
def _no_cycle_collection() -> Iterator[None]:
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def _apply(conn: sqlite3.Connection, records: Iterable[dict[str, Any]]) -> None:
    changes = {table: prefetch.Changes() for table in ORDER}
    try:
        with prefetch.Ahead(conn, TABLES) as ahead:
            for n, rec in enumerate(records, 1):
                ch, op = changes[rec["t"]], rec["op"]
                if op == "upd":
                    values = rec["set"]
                    cols = tuple(sorted(values))
                    rows = ch.updates.get(cols)
                    if rows is None:
                        rows = ch.updates[cols] = []
                    rows.append([_dec(values[c]) for c in cols] + rec["key"])
                elif op == "del":
                    ch.deletes.append(rec["key"])
                elif op == "ins":
                    ch.inserts.append([_dec(v) for v in rec["row"]])
                else:
                    raise KeyError(op)
                if not n % prefetch.SEE_EVERY:
                    ahead.see(changes)
            # In key order: consecutive rows then share B-tree pages, which random order would
            # read and dirty once per row instead of once per page. (A delta as db.delta.diff
            # writes it is in key order already, which the sort finds in one pass.)
            for table, ch in changes.items():
                ch.deletes.sort()
                by_key = operator.itemgetter(slice(-TABLES[table][1], None))
                for rows in ch.updates.values():
                    rows.sort(key=by_key)
            ahead.seek(changes)
            # Updates before deletions: the keys of a delta's operations are apart, so the order
            # changes nothing but the time. The rows that only deletions reach are read ahead
            # while the updates run.
            for table in ORDER:
                for cols, rows in changes[table].updates.items():
                    _update(conn, table, cols, rows)
            ahead.wait()
            for table in reversed(ORDER):  # children first
                _delete(conn, table, changes[table].deletes)
        for table in ORDER:  # parents first
            if rows := changes[table].inserts:
                cols, _ = TABLES[table]
                conn.executemany(
                    f"INSERT INTO {_q(table)} VALUES ({','.join('?' * len(cols))})", rows
                )
    except (
        KeyError,
        TypeError,
        ValueError,
        sqlite3.IntegrityError,
        sqlite3.ProgrammingError,  # a row of the wrong length
    ) as err:
        raise BundleIntegrityError(
            f"增量与本地库不符 (delta does not fit the replica: {err})"
        ) from None


def _where(table: str) -> str:
    cols, nkey = TABLES[table]
    return " AND ".join(f"{_q(k)} = ?" for k in cols[:nkey])


def _delete(conn: sqlite3.Connection, table: str, keys: list[list[Any]]) -> None:
    if keys:
        conn.executemany(f"DELETE FROM {_q(table)} WHERE {_where(table)}", keys)


def _update(
    conn: sqlite3.Connection, table: str, cols: tuple[str, ...], rows: list[list[Any]]
) -> None:
    allowed = set(TABLES[table][0])
    if not set(cols) <= allowed:
        raise KeyError(f"unknown column in {table}")
    sets = ", ".join(f"{_q(c)} = ?" for c in cols)
    conn.executemany(f"UPDATE {_q(table)} SET {sets} WHERE {_where(table)}", rows)
