"""Computing a delta between two consecutive replicas (the publisher's side of db/delta.py).

`diff` yields the records that turn one replica into the next, table by table, the diff of
each table's parts run side by side in SQLite (which releases the GIL); `write` streams a
header and the records as JSON lines. Kiosks read and apply them with db.delta.
"""

from __future__ import annotations

import base64
import json
import queue
import sqlite3
import threading
from collections import defaultdict
from collections.abc import Generator, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import IO, Any

import orjson

from db.delta import ORDER, TABLES
from db.prefetch import quote as _q


def _enc(v: Any) -> Any:
    return {"$b": base64.b64encode(v).decode("ascii")} if isinstance(v, bytes) else v


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

    Both must be replicas as publisher.build makes them, of the same schema: photos are diffed by the
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
