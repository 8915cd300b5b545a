"""Read the pages that a delta will change into the OS page cache, many reads at a time,
before the delta is applied.

SQLite reads one page at a time, waiting for each: applied to a replica that is not in the
page cache, a national delta waited on some 150,000 random reads in a row, half of its time.
The disk answers several at once far faster (here 19,000 reads/s one by one, 69,000 with 16
in flight). So several threads each open a read-only connection, load their share of the keys
into a TEMP table, and run one join that seeks every key in the table and in each index the
delta moves: the seeks run inside SQLite, which releases the GIL. (Seeking key by key from
Python threads held the GIL per call and cost more than it saved: measured, BENCHMARKS.md.)

Only a hint: it never writes, and any error ends it quietly; the apply then reads what it
still needs itself. And only when it can help: on a replica whose file is already in the page
cache (mincore(2) says), the seeks would cost the CPU they cost the apply and read nothing
(measured: a third of a cached province delta's time), so `wanted` says no.
"""

from __future__ import annotations

import ctypes
import functools
import mmap
import os
import sqlite3
import sys
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

THREADS = 16  # reads in flight; more gave nothing on this disk (bench figures)
MIN_ROWS = 2_000  # below this, starting the threads costs more than the reads
# At or above this fraction of the file in the page cache, nothing is read ahead. A kiosk that
# has only been looking people up holds a small part of its replica; a file just installed or
# just read through holds all of it.
RESIDENT = 0.9
SAMPLE_WINDOWS, WINDOW_PAGES = 256, 64  # how a large file's residency is sampled


@dataclass
class Plan:
    """What one table's delta will touch: rows by key (`old`: changed or deleted, with the
    columns whose index entries move; `fresh`: about to be inserted), and index entries to be
    made (`new`: a key with the values it gets, all of an inserted row's or those an update
    sets)."""

    old: list[tuple[Sequence[Any], frozenset[str]]] = field(default_factory=list)
    fresh: list[Sequence[Any]] = field(default_factory=list)
    new: list[tuple[Sequence[Any], dict[str, Any]]] = field(default_factory=list)


@dataclass(frozen=True)
class _Probe:
    sql: str  # one join over temp.k
    width: int  # columns of temp.k
    rows: list[Sequence[Any]]


def quote(name: str) -> str:
    """An SQL identifier, quoted."""
    return '"' + name.replace('"', '""') + '"'


def _indexes(conn: sqlite3.Connection, table: str) -> list[tuple[str, tuple[str, ...]]]:
    """The table's secondary indexes on plain columns: (name, columns)."""
    out = []
    for _, name, _unique, origin, partial in conn.execute(
        f"PRAGMA main.index_list({quote(table)})"
    ):
        if origin == "pk" or partial:
            continue
        cols = tuple(r[2] for r in conn.execute(f"PRAGMA main.index_info({quote(name)})"))
        if cols and all(cols):
            out.append((name, cols))
    return out


def _probes(
    conn: sqlite3.Connection, table: str, keys: tuple[str, ...], cols: tuple[str, ...], plan: Plan
) -> list[_Probe]:
    t = quote(table)
    (rowid_table,) = conn.execute(
        "SELECT sql NOT LIKE '%WITHOUT ROWID%' FROM main.sqlite_master WHERE name = ?", (table,)
    ).fetchone()
    on_key = " AND ".join(f"t.{quote(k)} = k.c{i}" for i, k in enumerate(keys))
    # max() of the last column reads the row itself, also where an index found the key, and
    # all of a long value (a photo's overflow pages, which its delete or update walks)
    probes = [
        _Probe(
            f"SELECT max(t.{quote(cols[-1])}) FROM temp.k CROSS JOIN main.{t} t ON {on_key}",
            len(keys),
            [*(key for key, _ in plan.old), *plan.fresh],
        )
    ]
    tail = ("rowid",) if rowid_table else keys
    for name, icols in _indexes(conn, table):
        if rowid_table and icols == keys:
            continue  # the row probe found the row through it
        full = icols + tuple(c for c in tail if c not in icols)
        moved = [key for key, changed in plan.old if changed & set(icols)]
        if moved:
            on = " AND ".join(f"x.{quote(c)} = t.{quote(c)}" for c in full)
            probes.append(
                _Probe(
                    f"SELECT count(*) FROM temp.k CROSS JOIN main.{t} t ON {on_key} "
                    f"CROSS JOIN main.{t} x INDEXED BY {quote(name)} ON {on}",
                    len(keys),
                    moved,
                )
            )
        seek = icols + (() if rowid_table else tuple(c for c in keys if c not in icols))
        entries: list[Sequence[Any]] = [
            [values.get(c, key[keys.index(c)] if c in keys else None) for c in seek]
            for key, values in plan.new
            if all(c in values or c in keys for c in seek) and set(icols) & set(values)
        ]
        if entries:
            on = " AND ".join(f"x.{quote(c)} = k.c{i}" for i, c in enumerate(seek))
            probes.append(
                _Probe(
                    f"SELECT count(*) FROM temp.k CROSS JOIN main.{t} x INDEXED BY {quote(name)} "
                    f"ON {on}",
                    len(seek),
                    entries,
                )
            )
    return [p for p in probes if p.rows]


@functools.cache
def _libc() -> ctypes.CDLL:
    libc = ctypes.CDLL(None, use_errno=True)  # the process's own symbols: libc's among them
    libc.mmap.restype = ctypes.c_void_p
    libc.mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int]
    libc.mmap.argtypes += [ctypes.c_int, ctypes.c_long]
    libc.munmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t]
    libc.mincore.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_char_p]
    return libc


def resident(path: str) -> float | None:
    """The fraction of the file at `path` that is in the OS page cache (mincore(2) on a
    read-only mapping, which reads nothing), or None where that cannot be told."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = _libc()
        fd = os.open(path, os.O_RDONLY)
    except (OSError, AttributeError):
        return None
    try:
        size = os.fstat(fd).st_size
        if size == 0:
            return None
        addr = libc.mmap(None, size, mmap.PROT_READ, mmap.MAP_SHARED, fd, 0)
        if addr in (None, ctypes.c_void_p(-1).value):
            return None
        try:
            pages = (size + mmap.PAGESIZE - 1) // mmap.PAGESIZE
            # A large file is sampled in windows spread over it: the kernel's cost is per page
            # asked about (60 ms for all of a 3 GB replica, under 1 ms sampled).
            if pages <= SAMPLE_WINDOWS * WINDOW_PAGES:
                windows = [(0, pages)]
            else:
                windows = [
                    (i * pages // SAMPLE_WINDOWS, WINDOW_PAGES) for i in range(SAMPLE_WINDOWS)
                ]
            vec = ctypes.create_string_buffer(max(n for _, n in windows))
            seen = asked = 0
            for first, n in windows:
                n = min(n, pages - first)
                if libc.mincore(addr + first * mmap.PAGESIZE, n * mmap.PAGESIZE, vec) != 0:
                    return None
                # bit 0 of each byte: in the page cache; the other bits are unspecified
                seen += vec.raw[:n].translate(_LOW_BIT).count(1)
                asked += n
            return seen / asked
        finally:
            libc.munmap(addr, size)
    finally:
        os.close(fd)


_LOW_BIT = bytes(i & 1 for i in range(256))


def main_path(conn: sqlite3.Connection) -> str | None:
    """The file of the database `conn` has open as "main"; None when it is in memory."""
    try:
        path = next(r[2] for r in conn.execute("PRAGMA database_list") if r[1] == "main")
    except (sqlite3.Error, StopIteration):
        return None
    return str(path) if path else None


def wanted(conn: sqlite3.Connection) -> bool:
    """Whether reading ahead can help the database `conn` has open as "main": a file, and one
    not already (nearly) all in the page cache."""
    path = main_path(conn)
    if path is None:
        return False
    fraction = resident(path)
    return fraction is None or fraction < RESIDENT


def warm(
    conn: sqlite3.Connection,
    plans: dict[str, Plan],
    tables: dict[str, tuple[tuple[str, ...], int]],
    threads: int = THREADS,
) -> int:
    """Read what `plans` will touch in the database `conn` has open (as "main"); returns the
    number of seeks made, 0 when it was not worth it or could not be done."""
    path = main_path(conn)
    if path is None:  # in memory: nothing to read
        return 0
    try:
        probes: list[_Probe] = []
        for table, plan in plans.items():
            cols, nkey = tables[table]
            probes += _probes(conn, table, cols[:nkey], cols, plan)
    except (sqlite3.Error, KeyError, IndexError):
        return 0
    total = sum(len(p.rows) for p in probes)
    if total < MIN_ROWS:
        return 0

    def share(i: int) -> list[_Probe]:
        out = []
        for p in probes:
            step = -(-len(p.rows) // threads)
            out.append(_Probe(p.sql, p.width, p.rows[i * step : (i + 1) * step]))
        return [p for p in out if p.rows]

    def run(mine: list[_Probe]) -> None:
        try:
            reader = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=0)
        except sqlite3.Error:
            return
        try:
            reader.execute("PRAGMA temp_store=MEMORY")
            for p in mine:
                cols = ", ".join(f"c{i}" for i in range(p.width))
                reader.execute(f"CREATE TEMP TABLE k ({cols})")
                reader.executemany(
                    f"INSERT INTO temp.k VALUES ({', '.join('?' * p.width)})", p.rows
                )
                reader.execute(p.sql).fetchone()
                reader.execute("DROP TABLE temp.k")
        except sqlite3.Error:
            pass  # e.g. locked out by an earlier delta of the chain that spilled: only a hint
        finally:
            reader.close()

    with ThreadPoolExecutor(threads, thread_name_prefix="prefetch") as pool:
        list(pool.map(run, [share(i) for i in range(threads)]))
    return total
