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
removes).

It overlaps the apply rather than going before it (`Ahead`): a b-tree is asked for as soon as
the records read so far reach it densely, so the disk reads it while the rest of the delta is
parsed; the keys the updates reach are sought once the last record is in; the keys only the
deletions reach are sought in the background while the updates run (the apply does its updates
first). A province delta's apply waited 0.36 s for the read-ahead before, and 0.001 s now.

Only a hint: it never writes, and any error ends it quietly; the apply then reads what it
still needs itself. And only when it can help: on a replica whose file is already in the page
cache (mincore(2) says), the seeks would cost the CPU they cost the apply and read nothing
(measured: a third of a cached province delta's time), so `wanted` says no.
"""

from __future__ import annotations

import ctypes
import errno
import fcntl
import functools
import mmap
import operator
import os
import sqlite3
import struct
import sys
import threading
from collections.abc import Callable, Iterable, Sequence
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
SEE_EVERY = 4_096  # records between two looks at which b-trees a delta being read reaches densely


@dataclass
class Changes:
    """One table's changes, grouped as db.delta applies them: the keys it deletes, the rows it
    updates by the columns they set (each row: those columns' values in that order, then the
    key), and the rows it inserts (every column, in table order)."""

    deletes: list[list[Any]] = field(default_factory=list)
    updates: dict[tuple[str, ...], list[list[Any]]] = field(default_factory=dict)
    inserts: list[list[Any]] = field(default_factory=list)


# Where a probe's rows come from: changes, and how to make a row of temp.k of each (None: as is).
_Source = tuple[Sequence[Any], Callable[[Any], Sequence[Any]] | None]


@dataclass(frozen=True)
class _Probe:
    sql: str  # one join over temp.k
    width: int  # columns of temp.k
    sources: tuple[_Source, ...]
    targets: tuple[str, ...]  # the b-trees in which each row is one seek
    via: tuple[str, ...] = ()  # b-trees the join also walks to get there
    deletes_only: bool = False  # every row is a key the delta deletes

    @property
    def count(self) -> int:
        return sum(len(rows) for rows, _ in self.sources)

    def rows(self) -> list[Sequence[Any]]:
        out: list[Sequence[Any]] = []
        for rows, get in self.sources:
            out += rows if get is None else map(get, rows)
        return out


@dataclass(frozen=True)
class _Table:
    name: str
    cols: tuple[str, ...]
    keys: tuple[str, ...]
    rowid: bool
    indexes: tuple[tuple[str, tuple[str, ...]], ...]  # secondary indexes: (name, columns)


class Readahead(NamedTuple):
    """What a read-ahead did: keys it read ahead for, seeks it made for them, the b-trees it
    read whole and their pages."""

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


def _table(conn: sqlite3.Connection, name: str, cols: tuple[str, ...], nkey: int) -> _Table | None:
    row = conn.execute(
        "SELECT sql NOT LIKE '%WITHOUT ROWID%' FROM main.sqlite_master "
        "WHERE type = 'table' AND name = ?",
        (name,),
    ).fetchone()
    if row is None:
        return None
    return _Table(name, cols, cols[:nkey], bool(row[0]), tuple(_indexes(conn, name)))


def _probes(t: _Table, ch: Changes) -> list[_Probe]:
    """The seeks that read what applying `ch` to table `t` reads: its rows, and the entries of
    each index that the changes move (old ones by the row, new ones by the values they get).
    Nothing is copied here: a probe's rows are made when it runs (`_Probe.rows`)."""
    name, keys = quote(t.name), t.keys
    nkey = len(keys)
    key_of_update = operator.itemgetter(slice(-nkey, None))
    key_of_insert = operator.itemgetter(slice(0, nkey))
    on_key = " AND ".join(f"t.{quote(k)} = k.c{i}" for i, k in enumerate(keys))
    key_index = tuple(n for n, icols in t.indexes if t.rowid and icols == keys)
    # max() of the last column reads the row itself, also where an index found the key, and
    # all of a long value (a photo's overflow pages, which its delete or update walks)
    probes = [
        _Probe(
            f"SELECT max(t.{quote(t.cols[-1])}) FROM temp.k CROSS JOIN main.{name} t ON {on_key}",
            nkey,
            (
                (ch.deletes, None),
                *((rows, key_of_update) for rows in ch.updates.values()),
                (ch.inserts, key_of_insert),
            ),
            (t.name, *key_index),
            deletes_only=not ch.updates and not ch.inserts,
        )
    ]
    tail = ("rowid",) if t.rowid else keys
    for index, icols in t.indexes:
        if index in key_index:
            continue  # the row probe found the row through it
        # Whether an update moves the index is a question about its columns, asked once for
        # each set of columns, not for each row.
        ic = frozenset(icols)
        moving = [(cols, rows) for cols, rows in ch.updates.items() if not ic.isdisjoint(cols)]
        full = icols + tuple(c for c in tail if c not in icols)
        on = " AND ".join(f"x.{quote(c)} = t.{quote(c)}" for c in full)
        probes.append(
            _Probe(
                f"SELECT count(*) FROM temp.k CROSS JOIN main.{name} t ON {on_key} "
                f"CROSS JOIN main.{name} x INDEXED BY {quote(index)} ON {on}",
                nkey,
                ((ch.deletes, None), *((rows, key_of_update) for _, rows in moving)),
                (index,),
                (t.name, *key_index),
                deletes_only=not moving,
            )
        )
        # The new entries, where the values they get are all known: an inserted row's, or an
        # update's that sets every indexed column it does not have in its key.
        seek = icols + (() if t.rowid else tuple(c for c in keys if c not in icols))
        entries: list[_Source] = []
        for cols, rows in moving:
            if all(c in cols or c in keys for c in seek):
                at = [cols.index(c) if c in cols else len(cols) + keys.index(c) for c in seek]
                entries.append((rows, _getter(at)))
        if ch.inserts:
            entries.append((ch.inserts, _getter([t.cols.index(c) for c in seek])))
        on = " AND ".join(f"x.{quote(c)} = k.c{i}" for i, c in enumerate(seek))
        probes.append(
            _Probe(
                f"SELECT count(*) FROM temp.k CROSS JOIN main.{name} x INDEXED BY {quote(index)} "
                f"ON {on}",
                len(seek),
                tuple(entries),
                (index,),
            )
        )
    return [p for p in probes if p.count]


def _getter(at: list[int]) -> Callable[[Any], Sequence[Any]]:
    if len(at) == 1:
        (i,) = at
        return lambda row: (row[i],)
    return operator.itemgetter(*at)


class _File:
    """Pages of a database file read as bytes, outside SQLite. No lock is taken: a file that a
    writer is changing can be read half-changed, so what is found there is only a hint.

    Pages are read past the page cache (O_DIRECT) where the file system allows it: a plain
    read of a page that SQLite's own reading-around marked makes the kernel read around it
    again, for this file, in windows up to the device's (measured: walking four b-trees of a
    4 KiB-page replica read 400 pages instead of 13). Asks go to the page cache either way."""

    def __init__(self, path: str) -> None:
        direct = getattr(os, "O_DIRECT", 0)
        try:
            self.fd = os.open(path, os.O_RDONLY | direct)
        except OSError:
            if not direct:
                raise
            direct = 0  # e.g. tmpfs
            self.fd = os.open(path, os.O_RDONLY)
        self._buffer = mmap.mmap(-1, 65536) if direct else None  # aligned, as O_DIRECT needs
        try:
            header = self._read(0, 4096)[:100]  # a whole block: O_DIRECT reads whole blocks
            if len(header) < 100 or not header.startswith(b"SQLite format 3\0"):
                raise ValueError("not an SQLite database")
            (size,) = struct.unpack(">H", header[16:18])
            self.page_size = 65536 if size == 1 else size
            self.pages = os.fstat(self.fd).st_size // self.page_size
            self.window = _window(os.fstat(self.fd).st_dev)
        except BaseException:
            self.close()
            raise

    def _read(self, offset: int, size: int) -> bytes:
        if self._buffer is not None:
            try:
                n = os.preadv(self.fd, [memoryview(self._buffer)[:size]], offset)
                return self._buffer[:n]
            except OSError as err:
                if err.errno != errno.EINVAL:
                    raise
                # an offset or size the device cannot read directly: read through the cache
                fcntl.fcntl(
                    self.fd, fcntl.F_SETFL, fcntl.fcntl(self.fd, fcntl.F_GETFL) & ~os.O_DIRECT
                )
                self._buffer.close()
                self._buffer = None
        return os.pread(self.fd, size, offset)

    def page(self, pgno: int) -> bytes:
        data = self._read((pgno - 1) * self.page_size, self.page_size)
        if len(data) != self.page_size:
            raise ValueError(f"page {pgno} is beyond the file")
        return data

    def close(self) -> None:
        if self._buffer is not None:
            self._buffer.close()
            self._buffer = None
        os.close(self.fd)

    def ask(self, pages: Iterable[int], stop: threading.Event | None = None) -> None:
        """Ask the kernel to read `pages`, neighbours together, without waiting for the reads
        (until `stop` is set). Linux reads no more than the device's `_window` for one
        POSIX_FADV_WILLNEED, so longer runs are asked for in pieces of that size."""
        step = max(1, self.window // self.page_size)
        for first, n in _runs(pages):
            for at in range(first, first + n, step):
                if stop is not None and stop.is_set():
                    return
                os.posix_fadvise(
                    self.fd,
                    (at - 1) * self.page_size,
                    min(step, first + n - at) * self.page_size,
                    os.POSIX_FADV_WILLNEED,
                )


@functools.cache
def _window(dev: int) -> int:
    """The most one POSIX_FADV_WILLNEED reads of a file on device `dev`: Linux caps it at the
    larger of the device's read-ahead window and its largest request (sysfs; 8 MiB on this
    machine's disk), or ASK_BYTES, a default device's window, where sysfs does not say. Asked
    for in pieces that large, a province delta's 387 MB are 80 requests instead of 3,000,
    each taking the GIL back: from a thread beside the delta's parsing, 0.36 s instead of 0.54."""
    block = f"/sys/dev/block/{os.major(dev)}:{os.minor(dev)}"
    for queue in (f"{block}/queue", f"{block}/../queue"):  # a disk, or a partition of one
        try:
            with open(f"{queue}/read_ahead_kb") as ra, open(f"{queue}/max_sectors_kb") as io:
                kib = max(int(ra.read()), int(io.read()))
        except (OSError, ValueError):
            continue
        return max(ASK_BYTES, kib * 1024)
    return ASK_BYTES


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


def ask(path: str, pages: Iterable[int] | None = None) -> None:
    """Ask the kernel to read `pages` of the database file at `path` (all of them when None) as
    the read-ahead does (POSIX_FADV_WILLNEED, which caches them page by page, not in the large
    folios of a sequential read), without waiting for them."""
    db = _File(path)
    try:
        db.ask(range(1, db.pages + 1) if pages is None else pages)
    finally:
        db.close()


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


class Ahead:
    """The read-ahead of one delta, begun while the delta is still being read.

        with Ahead(conn, delta.TABLES) as ahead:
            for each record: group it into `changes`, and every SEE_EVERY records ahead.see(changes)
            ahead.seek(changes)     # the keys the updates and inserts reach, sought now
            ... updates ...
            ahead.wait()            # the deleted keys, sought meanwhile; then the deletes

    A b-tree is asked for whole as soon as the changes read so far reach it densely (DENSE),
    from a thread of its own, so the disk reads it while the rest of the delta is parsed.
    After the last record, `seek` seeks the keys left, in the b-trees not read whole: first
    those the updates and inserts reach, before it returns; then, in the background while the
    updates run, those that only deletions reach (the photos of removed people, which no
    update changes), through connections that take no lock (`immutable=1`), since the apply
    holds its write lock by then and a reader's lock would keep it from spilling its cache.
    All of it is a hint: nothing here raises, and the apply reads whatever it still lacks.
    Only where it can help (`wanted`)."""

    def __init__(
        self,
        conn: sqlite3.Connection,
        tables: dict[str, tuple[tuple[str, ...], int]],
        threads: int = THREADS,
    ) -> None:
        self.path = main_path(conn)
        self.threads = threads
        self.keys = self.seeks = 0
        self._tables: dict[str, _Table] = {}
        self._roots: dict[str, int] = {}
        self._walked: dict[str, tuple[list[int], int] | None] = {}
        self._whole: dict[str, list[int]] = {}  # b-trees asked for whole: their pages
        self._file: _File | None = None
        self._stop = threading.Event()
        self._asker: ThreadPoolExecutor | None = None
        self._late: ThreadPoolExecutor | None = None
        self._readers: set[sqlite3.Connection] = set()  # interrupted on the way out
        self._lock = threading.Lock()
        if self.path is None or not wanted(conn):
            return
        try:
            for name, (cols, nkey) in tables.items():
                table = _table(conn, name, cols, nkey)
                if table is not None:
                    self._tables[name] = table
            self._roots = {
                name: root
                for name, root in conn.execute(
                    "SELECT name, rootpage FROM main.sqlite_master WHERE type IN ('table', 'index')"
                )
                if isinstance(root, int) and root > 0
            }
            self._file = _File(self.path)
        except (sqlite3.Error, OSError, ValueError):
            self._tables = {}

    def __enter__(self) -> Ahead:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _probes(self, changes: dict[str, Changes]) -> list[_Probe]:
        return [
            p
            for name, ch in changes.items()
            if name in self._tables
            for p in _probes(self._tables[name], ch)
        ]

    def see(self, changes: dict[str, Changes]) -> None:
        """Ask for every b-tree that `changes` (the delta read so far) reach densely."""
        if not self._tables:
            return
        probes = self._probes(changes)
        self.keys = sum(p.count for p in probes)  # a key counted in each b-tree it reaches
        if self.keys < MIN_ROWS:
            return
        reach: dict[str, int] = {}
        for p in probes:
            for name in p.targets:
                reach[name] = reach.get(name, 0) + p.count
        for name, n in reach.items():
            if name in self._whole or name not in self._roots:
                continue
            if name not in self._walked:
                try:
                    self._walked[name] = _btree(self._file, self._roots[name])  # type: ignore[arg-type]
                except (ValueError, struct.error, OSError):
                    self._walked[name] = None  # left to the seeks
            walked = self._walked[name]
            if walked is not None and n >= DENSE * walked[1]:
                self._whole[name] = walked[0]
                if self._asker is None:
                    self._asker = ThreadPoolExecutor(1, thread_name_prefix="prefetch-ask")
                self._asker.submit(self._ask, walked[0])

    def _ask(self, pages: list[int]) -> None:
        try:
            self._file.ask(pages, self._stop)  # type: ignore[union-attr]
        except (OSError, ValueError):
            pass

    def seek(self, changes: dict[str, Changes]) -> None:
        """After the delta's last record: seek the keys of the b-trees not read whole, those
        that the updates and inserts reach before returning, the others in the background."""
        self.see(changes)
        if self.keys < MIN_ROWS:
            return
        left = [p for p in self._probes(changes) if not self._whole.keys() >= {*p.targets, *p.via}]
        busy = {n for p in left if not p.deletes_only for n in (*p.targets, *p.via)}
        late = [p for p in left if p.deletes_only and busy.isdisjoint((*p.targets, *p.via))]
        now = [p for p in left if p not in late]
        self.seeks = sum(p.count for p in left)
        if now:
            self._run(now, "mode=ro")
        if late:
            self._late = ThreadPoolExecutor(1, thread_name_prefix="prefetch-late")
            self._late.submit(self._run, late, "mode=ro&immutable=1")

    def _run(self, probes: list[_Probe], mode: str) -> None:
        try:
            jobs = [(p.sql, p.width, p.rows()) for p in probes]
        except (IndexError, KeyError, TypeError):
            return  # a record that does not fit the table: the apply names it

        def share(i: int) -> list[tuple[str, int, list[Sequence[Any]]]]:
            out = []
            for sql, width, rows in jobs:
                step = -(-len(rows) // self.threads)
                if mine := rows[i * step : (i + 1) * step]:
                    out.append((sql, width, mine))
            return out

        with ThreadPoolExecutor(self.threads, thread_name_prefix="prefetch") as pool:
            list(pool.map(lambda i: self._seek(share(i), mode), range(self.threads)))

    def _seek(self, jobs: list[tuple[str, int, list[Sequence[Any]]]], mode: str) -> None:
        if not jobs or self._stop.is_set():
            return
        try:
            reader = sqlite3.connect(f"file:{self.path}?{mode}", uri=True, timeout=0)
        except sqlite3.Error:
            return
        with self._lock:
            self._readers.add(reader)
        try:
            reader.execute("PRAGMA temp_store=MEMORY")
            for sql, width, rows in jobs:
                if self._stop.is_set():
                    break
                cols = ", ".join(f"c{i}" for i in range(width))
                reader.execute(f"CREATE TEMP TABLE k ({cols})")
                reader.executemany(f"INSERT INTO temp.k VALUES ({', '.join('?' * width)})", rows)
                reader.execute(sql).fetchone()
                reader.execute("DROP TABLE temp.k")
        except sqlite3.Error:
            pass  # e.g. locked out by an earlier delta of the chain that spilled: only a hint
        finally:
            with self._lock:  # never closed while being interrupted
                self._readers.discard(reader)
            reader.close()

    def wait(self) -> Readahead:
        """Wait for every read asked for and seek begun; what the read-ahead did."""
        self._join()
        pages = sum(len(p) for p in self._whole.values())
        return Readahead(self.keys, self.seeks, tuple(sorted(self._whole)), pages)

    def _join(self) -> None:
        for pool in (self._asker, self._late):
            if pool is not None:
                pool.shutdown(wait=True)

    def close(self) -> None:
        """Stop what is still running (a delta that failed half-way) and let go of the file."""
        self._stop.set()
        with self._lock:
            for reader in self._readers:
                reader.interrupt()
        self._join()
        if self._file is not None:
            self._file.close()
            self._file = None
