"""Read the pages that a delta will change into the OS page cache, many reads at a time,
before the delta is applied.

SQLite reads one page at a time, waiting for each: applied to a replica that is not in the
page cache, a national delta waited on some 150,000 random reads in a row, half of its time.
The disk answers several at once far faster (here 19,000 reads/s one by one, 69,000 with 16
in flight). So several threads each open a read-only connection, load their share of the keys
into a TEMP table, and run one join that seeks every key in the table and in each index the
delta moves: the seeks run inside SQLite, which releases the GIL. (Seeking key by key from
Python threads held the GIL per call and cost more than it saved: measured, BENCHMARKS.md.)

Where a delta reaches most leaves of a b-tree (a province delta reaches every leaf of the
practitioner table and of most indexes), seeking its keys one by one is the slow way to read
it: the b-tree's pages are listed from its interior pages alone (the SQLite file format,
https://www.sqlite.org/fileformat2.html#b_tree_pages) and the kernel is asked for all of them
(POSIX_FADV_WILLNEED), which it reads many at a time and mostly in file order. Keys are still
sought in the b-trees that the delta reaches only here and there (the photos of the people it
removes), before the pages are asked for, so that the seeks do not queue behind them.

Only a hint: it never writes, and any error ends it quietly; the apply then reads what it
still needs itself. And only when it can help: on a replica whose file is already in the page
cache (mincore(2) says), the seeks would cost the CPU they cost the apply and read nothing
(measured: a third of a cached province delta's time), so `wanted` says no.
"""

from __future__ import annotations

import ctypes
import dataclasses
import functools
import mmap
import os
import sqlite3
import struct
import sys
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, NamedTuple

THREADS = 16  # reads in flight; more gave nothing on this disk (bench figures)
MIN_ROWS = 2_000  # below this, starting the threads costs more than the reads
# At or above this fraction of the file in the page cache, nothing is read ahead. A kiosk that
# has only been looking people up holds a small part of its replica; a file just installed or
# just read through holds all of it.
RESIDENT = 0.9
SAMPLE_WINDOWS, WINDOW_PAGES = 256, 64  # how a large file's residency is sampled
# A b-tree is read whole when the delta's keys in it are at least this many times its leaves:
# then about two thirds of its leaves or more are changed (1 - e^-1), and reading the rest in
# file order costs less than seeking the changed ones one by one.
DENSE = 1.0
MAX_DEPTH = 12  # b-tree levels; far more than any replica has (a national table has four)
ASK_BYTES = 128 * 1024  # what one POSIX_FADV_WILLNEED reads at most on a default Linux device


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
    targets: tuple[str, ...]  # the b-trees in which each row is one seek
    via: tuple[str, ...] = ()  # b-trees the join also walks to get there


class Readahead(NamedTuple):
    """What `warm` did: keys it read ahead for, seeks it made for them, the b-trees it read
    whole and their pages."""

    keys: int
    seeks: int
    whole: tuple[str, ...]
    pages: int


NOTHING = Readahead(0, 0, (), 0)


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
    indexes = _indexes(conn, table)
    key_index = tuple(name for name, icols in indexes if rowid_table and icols == keys)
    probes = [
        _Probe(
            f"SELECT max(t.{quote(cols[-1])}) FROM temp.k CROSS JOIN main.{t} t ON {on_key}",
            len(keys),
            [*(key for key, _ in plan.old), *plan.fresh],
            (table, *key_index),
        )
    ]
    tail = ("rowid",) if rowid_table else keys
    for name, icols in indexes:
        if name in key_index:
            continue  # the row probe found the row through it
        full = icols + tuple(c for c in tail if c not in icols)
        # The cheap test first: most changes do not touch a given index's columns (the whole
        # read-ahead's preparation was 0.3 s of a province delta when it came second).
        ic = frozenset(icols)
        moved = [key for key, changed in plan.old if not ic.isdisjoint(changed)]
        if moved:
            on = " AND ".join(f"x.{quote(c)} = t.{quote(c)}" for c in full)
            probes.append(
                _Probe(
                    f"SELECT count(*) FROM temp.k CROSS JOIN main.{t} t ON {on_key} "
                    f"CROSS JOIN main.{t} x INDEXED BY {quote(name)} ON {on}",
                    len(keys),
                    moved,
                    (name,),
                    (table, *key_index),
                )
            )
        seek = icols + (() if rowid_table else tuple(c for c in keys if c not in icols))
        entries: list[Sequence[Any]] = [
            [values.get(c, key[keys.index(c)] if c in keys else None) for c in seek]
            for key, values in plan.new
            if not ic.isdisjoint(values) and all(c in values or c in keys for c in seek)
        ]
        if entries:
            on = " AND ".join(f"x.{quote(c)} = k.c{i}" for i, c in enumerate(seek))
            probes.append(
                _Probe(
                    f"SELECT count(*) FROM temp.k CROSS JOIN main.{t} x INDEXED BY {quote(name)} "
                    f"ON {on}",
                    len(seek),
                    entries,
                    (name,),
                )
            )
    return [p for p in probes if p.rows]


class _File:
    """Pages of a database file read as bytes, outside SQLite. No lock is taken: a file that a
    writer is changing can be read half-changed, so what is found there is only a hint."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        header = os.pread(fd, 100, 0)
        if len(header) < 100 or not header.startswith(b"SQLite format 3\0"):
            raise ValueError("not an SQLite database")
        (size,) = struct.unpack(">H", header[16:18])
        self.page_size = 65536 if size == 1 else size
        self.pages = os.fstat(fd).st_size // self.page_size

    def page(self, pgno: int) -> bytes:
        data = os.pread(self.fd, self.page_size, (pgno - 1) * self.page_size)
        if len(data) != self.page_size:
            raise ValueError(f"page {pgno} is beyond the file")
        return data

    def ask(self, pages: Iterable[int]) -> None:
        """Ask the kernel to read `pages`, neighbours together, without waiting. One request
        reads no more than the device's read-ahead window (Linux caps POSIX_FADV_WILLNEED at
        it: 128 KiB by default), so longer runs are asked for in pieces of that size."""
        step = max(1, ASK_BYTES // self.page_size)
        for first, n in _runs(pages):
            for at in range(first, first + n, step):
                os.posix_fadvise(
                    self.fd,
                    (at - 1) * self.page_size,
                    min(step, first + n - at) * self.page_size,
                    os.POSIX_FADV_WILLNEED,
                )


def _runs(pages: Iterable[int]) -> list[tuple[int, int]]:
    """Sorted page numbers as runs of neighbours: (first page, number of pages)."""
    runs: list[list[int]] = []
    for pgno in sorted(set(pages)):
        if runs and runs[-1][0] + runs[-1][1] == pgno:
            runs[-1][1] += 1
        else:
            runs.append([pgno, 1])
    return [(first, n) for first, n in runs]


def _children(data: bytes, pgno: int) -> list[int] | None:
    """The child pages of an interior b-tree page, in key order; None for a leaf page."""
    at = 100 if pgno == 1 else 0  # page 1 starts with the file header
    kind = data[at]
    if kind in (10, 13):
        return None
    if kind not in (2, 5):
        raise ValueError(f"page {pgno} is not a b-tree page")
    (cells,) = struct.unpack_from(">H", data, at + 3)
    (right,) = struct.unpack_from(">I", data, at + 8)
    pointers = struct.unpack_from(f">{cells}H", data, at + 12)
    return [struct.unpack_from(">I", data, p)[0] for p in pointers] + [right]


def _btree(db: _File, root: int) -> tuple[list[int], int]:
    """All pages of the b-tree at `root`, and how many of them are leaves, from its interior
    pages alone: the leaves are not read. Raises ValueError or struct.error on a page that is
    not what a b-tree has there (a file changed under the reader included)."""
    interior: list[int] = []
    level, seen = [root], {root}
    for _ in range(MAX_DEPTH):
        if _children(db.page(level[0]), level[0]) is None:  # a level is all leaves or none
            return interior + level, len(level)
        db.ask(level)
        below: list[int] = []
        for pgno in level:
            kids = _children(db.page(pgno), pgno)
            if kids is None:
                raise ValueError(f"a leaf among interior pages at page {pgno}")
            below += kids
        if any(not 1 < k <= db.pages for k in below) or seen.intersection(below):
            raise ValueError("child page out of place")
        seen.update(below)
        interior += level
        level = below
    raise ValueError("b-tree too deep")


def _dense(conn: sqlite3.Connection, path: str, probes: list[_Probe]) -> dict[str, list[int]]:
    """The b-trees that `probes` reach densely (DENSE), each with all its pages. A b-tree that
    cannot be walked is left to the seeks."""
    keys: dict[str, int] = {}
    for p in probes:
        for name in p.targets:
            keys[name] = keys.get(name, 0) + len(p.rows)
    roots = dict(
        conn.execute(
            "SELECT name, rootpage FROM main.sqlite_master WHERE type IN ('table', 'index')"
        ).fetchall()
    )
    dense: dict[str, list[int]] = {}
    fd = os.open(path, os.O_RDONLY)
    try:
        db = _File(fd)
        for name, n in keys.items():
            root = roots.get(name)
            if not isinstance(root, int) or root < 1:
                continue
            try:
                pages, leaves = _btree(db, root)
            except (ValueError, struct.error, OSError):
                continue
            if n >= DENSE * leaves:
                dense[name] = pages
    finally:
        os.close(fd)
    return dense


def ask(path: str, pages: Iterable[int] | None = None) -> None:
    """Ask the kernel to read `pages` of the database file at `path` (all of them when None) as
    the read-ahead does, in page-sized requests, without waiting for them."""
    fd = os.open(path, os.O_RDONLY)
    try:
        db = _File(fd)
        db.ask(range(1, db.pages + 1) if pages is None else pages)
    finally:
        os.close(fd)


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
) -> Readahead:
    """Read what `plans` will touch in the database `conn` has open (as "main"): b-trees that
    the delta reaches densely whole, keys elsewhere. NOTHING when it was not worth it or could
    not be done."""
    path = main_path(conn)
    if path is None:  # in memory: nothing to read
        return NOTHING
    try:
        probes: list[_Probe] = []
        for table, plan in plans.items():
            cols, nkey = tables[table]
            probes += _probes(conn, table, cols[:nkey], cols, plan)
    except (sqlite3.Error, KeyError, IndexError):
        return NOTHING
    total = sum(len(p.rows) for p in probes)
    if total < MIN_ROWS:
        return NOTHING
    try:
        dense = _dense(conn, path, probes)
    except (sqlite3.Error, OSError, ValueError):
        dense = {}
    probes = [p for p in probes if not dense.keys() >= {*p.targets, *p.via}]

    def share(i: int) -> list[_Probe]:
        out = []
        for p in probes:
            step = -(-len(p.rows) // threads)
            out.append(dataclasses.replace(p, rows=p.rows[i * step : (i + 1) * step]))
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

    seeks = sum(len(p.rows) for p in probes)
    if probes:
        with ThreadPoolExecutor(threads, thread_name_prefix="prefetch") as pool:
            list(pool.map(run, [share(i) for i in range(threads)]))
    # The dense b-trees are asked for after the seeks, which then find the disk idle instead
    # of queueing behind hundreds of megabytes (province: read-ahead 0.41-0.46 s against
    # 0.56-0.63 s, three rounds alternated).
    pages = [p for btree in dense.values() for p in btree]
    try:
        ask(path, pages)
    except (OSError, ValueError):
        pages = []
    return Readahead(total, seeks, tuple(sorted(dense)), len(pages))
