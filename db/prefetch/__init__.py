"""Read the pages that a delta will change into the OS page cache, many reads at a time,
before the delta is applied.

SQLite reads one page at a time, waiting for each: applied to a replica that is not in the
page cache, a national delta waits on some 150,000 random reads in a row. A disk answers
several at once far faster. So several threads each open a read-only connection, load their share of the keys
into a TEMP table, and run one join that seeks every key in the table and in each index the
delta moves: the seeks run inside SQLite, which releases the GIL. (Seeking key by key from
Python threads held the GIL per call and cost more than it saved: docs/decisions.md.)

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
first), so the apply hardly waits for it.

The parts: `seek` (the keys' joins), `btree` (a b-tree's pages from its interior pages) and
`pagecache` (what the page cache holds; asking the kernel for pages); `Ahead`, here, runs
them beside the apply.

Only a hint: it never writes, and any error ends it quietly; the apply then reads what it
still needs itself. And only when it can help: on a replica whose file is already in the page
cache (mincore(2) says), the seeks would cost the CPU they cost the apply and read nothing,
so `wanted` says no.
"""

from __future__ import annotations

import sqlite3
import struct
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, NamedTuple

from db.prefetch.btree import btree_pages
from db.prefetch.pagecache import File, ask, main_path, resident, wanted
from db.prefetch.seek import Changes, Probe, Table, probes, quote, table_of

__all__ = [
    "NOTHING",
    "Ahead",
    "Changes",
    "Readahead",
    "ask",
    "main_path",
    "quote",
    "resident",
    "wanted",
]

THREADS = 16  # reads in flight; more gave nothing on this disk (bench figures)
MIN_ROWS = 2_000  # below this, starting the threads costs more than the reads
# A b-tree is read whole when the delta's keys in it are at least this many times its leaves:
# then about two thirds of its leaves or more are changed (1 - e^-1), and reading the rest in
# file order costs less than seeking the changed ones one by one.
DENSE = 1.0
SEE_EVERY = 4_096  # records between two looks at which b-trees a delta being read reaches densely


class Readahead(NamedTuple):
    """What a read-ahead did: keys it read ahead for, seeks it made for them, the b-trees it
    read whole and their pages."""

    keys: int
    seeks: int
    whole: tuple[str, ...]
    pages: int


NOTHING = Readahead(0, 0, (), 0)


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
        self._tables: dict[str, Table] = {}
        self._roots: dict[str, int] = {}
        self._walked: dict[str, tuple[list[int], int] | None] = {}
        self._whole: dict[str, list[int]] = {}  # b-trees asked for whole: their pages
        self._file: File | None = None
        self._stop = threading.Event()
        self._asker: ThreadPoolExecutor | None = None
        self._late: ThreadPoolExecutor | None = None
        self._readers: set[sqlite3.Connection] = set()  # interrupted on the way out
        self._lock = threading.Lock()
        if self.path is None or not wanted(conn):
            return
        try:
            for name, (cols, nkey) in tables.items():
                table = table_of(conn, name, cols, nkey)
                if table is not None:
                    self._tables[name] = table
            self._roots = {
                name: root
                for name, root in conn.execute(
                    "SELECT name, rootpage FROM main.sqlite_master WHERE type IN ('table', 'index')"
                )
                if isinstance(root, int) and root > 0
            }
            self._file = File(self.path)
        except (sqlite3.Error, OSError, ValueError):
            self._tables = {}

    def __enter__(self) -> Ahead:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def probes(self, changes: dict[str, Changes]) -> list[Probe]:
        return [
            p
            for name, ch in changes.items()
            if name in self._tables
            for p in probes(self._tables[name], ch)
        ]

    def see(self, changes: dict[str, Changes]) -> None:
        """Ask for every b-tree that `changes` (the delta read so far) reach densely."""
        if not self._tables:
            return
        probes = self.probes(changes)
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
                    self._walked[name] = btree_pages(self._file, self._roots[name])  # type: ignore[arg-type]
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
        left = [p for p in self.probes(changes) if not self._whole.keys() >= {*p.targets, *p.via}]
        busy = {n for p in left if not p.deletes_only for n in (*p.targets, *p.via)}
        late = [p for p in left if p.deletes_only and busy.isdisjoint((*p.targets, *p.via))]
        now = [p for p in left if p not in late]
        self.seeks = sum(p.count for p in left)
        if now:
            self._run(now, "mode=ro")
        if late:
            self._late = ThreadPoolExecutor(1, thread_name_prefix="prefetch-late")
            self._late.submit(self._run, late, "mode=ro&immutable=1")

    def _run(self, probes: list[Probe], mode: str) -> None:
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
