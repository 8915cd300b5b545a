"""db.prefetch reads into the page cache what a delta's apply then reads, and only that; it
never changes the outcome and never fails the apply.

Page-cache residency is read with mincore(2) on the real replica file: a prefetch that read
nothing, the wrong pages or the whole file fails these tests.
"""

from __future__ import annotations

import ctypes
import io
import mmap
import os
import shutil
import sqlite3
import sys
import threading
from collections.abc import Iterable, Iterator
from pathlib import Path

import pytest
import zstandard

from db import delta, prefetch
from db.prefetch import btree, pagecache, seek
from domain import idkey
from domain.errors import BundleIntegrityError
from publisher import build
from tests.sync.conftest import Chain, installed, replica_rows

linux = pytest.mark.skipif(sys.platform != "linux", reason="mincore and fadvise are Linux's")
PAGE = mmap.PAGESIZE


def _resident(path: Path) -> set[int]:
    """The file's pages (of the OS page size) that are in the page cache."""
    libc = ctypes.CDLL(None, use_errno=True)
    size = path.stat().st_size
    n = (size + PAGE - 1) // PAGE
    vec = (ctypes.c_ubyte * n)()
    with path.open("rb") as fh, mmap.mmap(fh.fileno(), size, access=mmap.ACCESS_COPY) as mm:
        buf = ctypes.c_char.from_buffer(mm)
        try:
            addr = ctypes.addressof(buf)
            if libc.mincore(ctypes.c_void_p(addr), ctypes.c_size_t(size), vec) != 0:
                pytest.skip(f"mincore failed: {os.strerror(ctypes.get_errno())}")
        finally:
            del buf
    return {i for i in range(n) if vec[i] & 1}


def _settled(path: Path, wait: float = 5.0) -> set[int]:
    """The file's resident pages once the reads asked for have landed (POSIX_FADV_WILLNEED
    returns before its reads do): when two looks 0.1 s apart agree, or after `wait` seconds."""
    import time

    seen, end = _resident(path), time.monotonic() + wait
    while time.monotonic() < end:
        time.sleep(0.1)
        now = _resident(path)
        if now == seen:
            break
        seen = now
    return seen


def _cold_copy(src: Path, dest: Path) -> Path:
    shutil.copyfile(src, dest)
    fd = os.open(dest, os.O_RDONLY)
    try:
        os.fsync(fd)
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
    finally:
        os.close(fd)
    if len(_resident(dest)) > (dest.stat().st_size // PAGE) // 10:
        pytest.skip("this file system keeps the file cached (tmpfs?)")
    return dest


def _delta_records(bundle: Path) -> tuple[dict, list[dict]]:  # type: ignore[type-arg]
    (path,) = bundle.glob("delta-00000001-00000002*.zst")
    with path.open("rb") as raw, zstandard.ZstdDecompressor().stream_reader(raw) as fh:
        header, records = delta.read(io.BufferedReader(fh))
        return header, list(records)


def conn_page_size(db: Path) -> int:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        size = int(conn.execute("PRAGMA page_size").fetchone()[0])
    conn.close()
    return size


class _Stop(Exception):
    pass


def _apply(db: Path, header: dict, records: list[dict]) -> None:  # type: ignore[type-arg]
    _apply_records(db, header, records)


def _apply_records(db: Path, header: dict, records: Iterable[dict]) -> None:  # type: ignore[type-arg]
    conn = sqlite3.connect(db, isolation_level=None)
    try:
        conn.execute("BEGIN IMMEDIATE")
        try:
            delta.apply(conn, header, records)
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")
    finally:
        conn.close()


def _changed_pages(before: Path, after: Path) -> set[int]:
    """The pages (of the OS page size) of `before` that differ in `after`."""
    a, b = before.read_bytes(), after.read_bytes()
    return {
        i
        for i in range(len(a) // PAGE)
        if a[i * PAGE : (i + 1) * PAGE] != b[i * PAGE : (i + 1) * PAGE]
    }


def _stop_after_read_ahead(m: pytest.MonkeyPatch, got: list[prefetch.Readahead]) -> None:
    """Make delta.apply stop right after its read-ahead (all of it, the background seeks
    included), before the first change: what is then resident, the read-ahead read."""
    real = prefetch.Ahead.seek

    def seek_then_stop(self: prefetch.Ahead, changes: dict[str, prefetch.Changes]) -> None:
        real(self, changes)
        got.append(self.wait())
        raise _Stop

    m.setattr(prefetch.Ahead, "seek", seek_then_stop)


@linux
def test_prefetch_reads_what_the_apply_reads(
    chain: Chain, home1: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    header, records = _delta_records(chain.bundles[2])
    monkeypatch.setattr(prefetch, "MIN_ROWS", 0)  # the demo delta is small
    monkeypatch.setattr(prefetch, "DENSE", float("inf"))  # this test is about the seeks
    # The replica as publish builds it, but in 4 KiB pages, the kernel's: in 16 KiB ones (the
    # replica's) the kernel's reading around each page asked for brings in most of an index of a
    # replica as small as the demo's, with or without the index seeks this test is about.
    base = tmp_path / "base.db"
    monkeypatch.setattr(build, "PAGE_SIZE", PAGE)
    build.build(chain.exports[1], base, id_key=idkey.read(chain.id_key))
    with sqlite3.connect(f"file:{base}?mode=ro", uri=True) as conn:
        try:
            owner = {pg - 1: n for n, pg in conn.execute("SELECT name, pageno FROM dbstat")}
        except sqlite3.OperationalError:
            pytest.skip("this SQLite has no dbstat")
    conn.close()
    assert PAGE == 4096 == conn_page_size(base)

    # What applying the delta reads, with no prefetch: what is resident after it (the kernel's
    # reading around included, so this varies with the kernel), and of that, the pages it
    # changed (which it must have read, and which no kernel heuristic adds to).
    plain = _cold_copy(base, tmp_path / "plain.db")
    with monkeypatch.context() as m:
        m.setattr(prefetch, "wanted", lambda conn: False)
        _apply(plain, header, records)
    # Pages the apply added to the file cannot be read ahead
    needed = {p for p in _resident(plain) if p < base.stat().st_size // PAGE}
    changed = _changed_pages(base, plain)

    # What the prefetch alone reads: stopped right after it, before any write.
    ahead = _cold_copy(base, tmp_path / "ahead.db")
    seeks: list[prefetch.Readahead] = []
    with monkeypatch.context() as m:
        _stop_after_read_ahead(m, seeks)
        with pytest.raises(_Stop):
            _apply(ahead, header, records)
    read = _resident(ahead)

    assert seeks[0].seeks >= len(records) and seeks[0].pages == 0
    assert changed <= needed, "the apply changed pages it did not read?"
    covered = len(changed & read) / len(changed)
    # Not all: a row that grows or goes can make SQLite rebalance its leaf with the neighbour
    # leaves, which no seek reads (photos, one a page, the most). Measured: 90-94 % (on Linux
    # 6.18); without the index probes at most three fifths (the index pages are 52 of 128).
    assert covered >= 0.8, f"prefetch read {covered:.0%} of the pages the apply changed"
    # Index entries are found by seeks: the index that this delta moves most (nine practitioners
    # change institution) is read ahead whole (a read-ahead without index probes reads none of
    # it, the index lying apart from the rows at the file's end).
    moved = {p for p in changed if owner.get(p) == "practitioner_institution"}
    assert len(moved) >= 10
    assert len(moved & read) >= 0.8 * len(moved)
    assert len(read) <= 2 * len(needed) + 8, "prefetch read far more than the apply needs"
    assert len(read) < (ahead.stat().st_size // PAGE) // 2

    # And with the prefetch, the apply gives the same replica as without.
    _apply(ahead, header, records)
    assert replica_rows(ahead) == replica_rows(plain)


def test_probes_seek_the_indexes_a_change_moves(home1: Path) -> None:
    conn = sqlite3.connect(f"file:{installed(home1)}?mode=ro", uri=True)
    cols, nkey = delta.TABLES["practitioner"]
    conn.execute("CREATE TEMP TABLE k (c0, c1, c2)")  # as each prefetch thread makes it
    table = seek.table_of(conn, "practitioner", cols, nkey)
    assert table is not None
    # One practitioner moves to another institution: the row, then its values and key.
    moved = prefetch.Changes(
        updates={("institution", "version"): [["PDY0000000", 2, "P", "no-such-certificate"]]}
    )
    probes = seek.probes(table, moved)
    plans = [" ".join(r[3] for r in conn.execute("EXPLAIN QUERY PLAN " + p.sql)) for p in probes]
    conn.close()
    assert len(plans) == 3  # the row, the old index entry, the new one
    assert "USING PRIMARY KEY (kind=? AND cert_no=?)" in plans[0]
    for p in plans[1:]:
        assert (
            "COVERING INDEX practitioner_institution (institution=? AND kind=? AND cert_no=?)" in p
        )
    assert not any("practitioner_name" in p or "practitioner_id_hash" in p for p in plans)


@linux
def test_prefetch_is_only_a_hint_when_the_replica_is_locked(
    chain: Chain, home1: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    header, records = _delta_records(chain.bundles[2])
    monkeypatch.setattr(prefetch, "MIN_ROWS", 0)
    db = _cold_copy(installed(home1), tmp_path / "locked.db")
    writer = sqlite3.connect(db, isolation_level=None)
    writer.execute("BEGIN EXCLUSIVE")  # no reader gets in
    try:
        gone = [r["key"] for r in records if r["t"] == "practitioner" and r["op"] == "del"]
        changes = {"practitioner": prefetch.Changes(deletes=gone)}
        assert prefetch.wanted(writer)
        with prefetch.Ahead(writer, delta.TABLES) as ahead:
            ahead.seek(changes)
            assert ahead.wait().keys > 0  # tried, no error
    finally:
        writer.execute("ROLLBACK")
        writer.close()


@linux
def test_a_replica_already_in_the_page_cache_is_not_read_ahead(
    chain: Chain, home1: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    header, records = _delta_records(chain.bundles[2])
    monkeypatch.setattr(prefetch, "MIN_ROWS", 0)
    real, calls = prefetch.Ahead.wait, []

    def counted(self: prefetch.Ahead) -> prefetch.Readahead:
        calls.append(real(self))
        return calls[-1]

    monkeypatch.setattr(prefetch.Ahead, "wait", counted)
    cold = _cold_copy(installed(home1), tmp_path / "cold.db")
    assert prefetch.resident(str(cold)) == pytest.approx(len(_resident(cold)) / _pages(cold))
    _apply(cold, header, records)
    assert len(calls) == 1 and calls[0].keys >= len(records)

    cached = _cold_copy(installed(home1), tmp_path / "cached.db")
    cached.read_bytes()  # read through: all of it in the page cache
    assert prefetch.resident(str(cached)) == 1.0
    _apply(cached, header, records)
    assert len(calls) == 2 and calls[1] == prefetch.NOTHING, "a cached replica was read ahead"
    assert replica_rows(cached) == replica_rows(cold)


@linux
def test_residency_of_a_large_file_is_sampled_over_all_of_it(tmp_path: Path) -> None:
    big = tmp_path / "big.db"
    pages = 4 * pagecache.SAMPLE_WINDOWS * pagecache.WINDOW_PAGES  # 256 MiB of 4 KiB pages
    with big.open("wb") as fh:
        fh.truncate(pages * PAGE)  # sparse: nothing written, nothing cached
    assert prefetch.resident(str(big)) == 0.0
    with big.open("rb") as fh:  # read the first quarter and the last quarter
        fh.read(pages // 4 * PAGE)
        fh.seek(3 * pages // 4 * PAGE)
        fh.read()
    assert prefetch.resident(str(big)) == pytest.approx(len(_resident(big)) / pages, abs=0.05)
    assert 0.4 < prefetch.resident(str(big)) < 0.6  # type: ignore[operator]


def test_residency_of_what_cannot_be_mapped_is_unknown(tmp_path: Path) -> None:
    empty = tmp_path / "empty.db"
    empty.touch()
    assert prefetch.resident(str(empty)) is None
    assert prefetch.resident(str(tmp_path / "missing.db")) is None
    memory = sqlite3.connect(":memory:")
    try:
        assert not prefetch.wanted(memory)
    finally:
        memory.close()


def _pages(path: Path) -> int:
    return (path.stat().st_size + PAGE - 1) // PAGE


def _dbstat(db: Path) -> dict[str, tuple[set[int], int]]:
    """Every b-tree's pages and number of leaves, as SQLite's dbstat walks them."""
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        try:
            rows = conn.execute("SELECT name, pageno, pagetype FROM dbstat").fetchall()
        except sqlite3.OperationalError:
            pytest.skip("this SQLite has no dbstat")
    conn.close()
    out: dict[str, tuple[set[int], int]] = {}
    for name, pageno, kind in rows:
        if kind == "overflow":
            continue  # not b-tree pages: a long value's continuation
        pages, leaves = out.get(name, (set(), 0))
        pages.add(pageno)
        out[name] = (pages, leaves + (kind == "leaf"))
    return out


def _roots(db: Path) -> dict[str, int]:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        roots = dict(conn.execute("SELECT name, rootpage FROM sqlite_master WHERE rootpage > 0"))
    conn.close()
    return {"sqlite_schema": 1, **roots}


def _walk(db: Path, root: int) -> tuple[list[int], int]:
    file = pagecache.File(str(db))
    try:
        return btree.btree_pages(file, root)
    finally:
        file.close()


def _deep(tmp_path: Path) -> Path:
    """A database of 512-byte pages: b-trees several levels deep, of every kind (rowid and
    WITHOUT ROWID tables, an index, a schema whose root on page 1 is an interior page)."""
    db = tmp_path / "deep.db"
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA page_size=512")
    conn.execute("CREATE TABLE r (a TEXT, b BLOB)")
    conn.execute("CREATE TABLE w (k TEXT PRIMARY KEY, v TEXT) WITHOUT ROWID")
    for i in range(40):  # enough schema rows for sqlite_schema to need interior pages
        conn.execute(f"CREATE TABLE pad_{i} (x INTEGER PRIMARY KEY, y TEXT DEFAULT 'padding')")
    rows = [(f"name-{i * 7919 % 20000:05d}", bytes(i % 300)) for i in range(20_000)]
    conn.executemany("INSERT INTO r VALUES (?, ?)", rows)
    conn.executemany("INSERT INTO w VALUES (?, ?)", [(a, a * 3) for a, _ in rows[:8000]])
    conn.execute("CREATE INDEX r_a ON r (a)")
    conn.execute("DELETE FROM r WHERE rowid % 3 = 0")  # free pages and uneven leaves
    conn.commit()
    conn.close()
    return db


def test_btree_walk_lists_the_pages_sqlite_lists(home1: Path, tmp_path: Path) -> None:
    """Every b-tree of a real replica (16 KiB pages) and of a deep 512-byte-page file: the walk,
    which reads interior pages only, finds exactly the pages and leaves that dbstat finds."""
    for db in (installed(home1), _deep(tmp_path)):
        stat, roots = _dbstat(db), _roots(db)
        assert set(stat) <= set(roots)
        for name, (pages, leaves) in stat.items():
            walked, n = _walk(db, roots[name])
            assert (set(walked), n) == (pages, leaves), name
            assert len(walked) == len(pages), f"{name}: a page listed twice"
        assert any(len(p) > n for p, n in stat.values()), "no interior pages: walk not tried"
    deep = _dbstat(tmp_path / "deep.db")
    assert len(deep["sqlite_schema"][0]) > 1  # page 1 (after the file header) was interior
    assert len(deep["r"][0]) - deep["r"][1] > 50  # several interior levels


def test_btree_walk_refuses_what_is_not_a_btree(tmp_path: Path) -> None:
    db = _deep(tmp_path)
    root = _roots(db)["r"]
    pages, _ = _walk(db, root)
    interior = next(p for p in pages if p != root)  # the level under the root is interior
    broken = tmp_path / "broken.db"
    shutil.copyfile(db, broken)
    with broken.open("r+b") as fh:  # an interior page overwritten with junk
        fh.seek((interior - 1) * 512)
        fh.write(b"\x07" + bytes(511))
    with pytest.raises(ValueError):
        _walk(broken, root)
    looped = tmp_path / "looped.db"
    shutil.copyfile(db, looped)
    with looped.open("r+b") as fh:  # the root's right-most child made the root itself
        fh.seek((root - 1) * 512 + 8)
        fh.write(root.to_bytes(4, "big"))
    with pytest.raises(ValueError):
        _walk(looped, root)


@linux
def test_a_dense_delta_reads_its_btrees_whole(
    chain: Chain, home1: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Where the delta reaches a b-tree densely, every page of it is read and none of its keys
    is sought; elsewhere keys are sought; the outcome is the same replica either way."""
    header, records = _delta_records(chain.bundles[2])
    monkeypatch.setattr(prefetch, "MIN_ROWS", 0)
    src = installed(home1)
    stat = _dbstat(src)
    per = conn_page_size(src) // PAGE

    def prefetched(dense: float) -> tuple[prefetch.Readahead, set[int], Path]:
        db = _cold_copy(src, tmp_path / f"dense-{dense}.db")
        got: list[prefetch.Readahead] = []
        with monkeypatch.context() as m:
            m.setattr(prefetch, "DENSE", dense)
            _stop_after_read_ahead(m, got)
            with pytest.raises(_Stop):
                _apply(db, header, records)
        return got[0], {p // per + 1 for p in _settled(db)}, db  # as replica page numbers

    tables = {r["t"] for r in records}
    assert {"practitioner", "photo"} <= tables

    # Every b-tree the delta reaches counts as dense: all of each is asked for, nothing sought.
    everything, resident, db = prefetched(0.0)
    whole = set().union(*(stat[t][0] for t in tables))
    assert everything.seeks == 0 and set(everything.whole) >= tables
    assert everything.pages == sum(len(stat[name][0]) for name in everything.whole)
    assert whole <= resident, f"{len(whole - resident)} pages of dense b-trees not read"

    # None counts as dense: keys are sought, no b-tree is read whole.
    sought, _, _ = prefetched(float("inf"))
    assert sought.pages == 0 and sought.seeks >= len(records)

    # The default: the practitioner table, whose every leaf the delta reaches, is read whole;
    # the photos, a handful among two thousand, are sought.
    default, resident, _ = prefetched(prefetch.DENSE)
    assert "practitioner" in default.whole and "photo" not in default.whole
    assert default.pages == sum(len(stat[name][0]) for name in default.whole)
    assert 0 < default.seeks < sought.seeks
    assert stat["practitioner"][0] <= resident

    plain = _cold_copy(src, tmp_path / "plain.db")
    _apply(db, header, records)
    _apply(plain, header, records)
    assert replica_rows(db) == replica_rows(plain)


@linux
def test_asking_for_a_long_run_of_pages_reads_all_of_it(tmp_path: Path) -> None:
    """Linux reads no more than the device's read-ahead window for one POSIX_FADV_WILLNEED
    (here up to 8 MiB, 128 KiB by default): a b-tree of neighbouring pages, asked for at once,
    must still be read to its end."""
    src = tmp_path / "long.db"
    conn = sqlite3.connect(src)
    conn.execute("PRAGMA page_size=16384")
    conn.execute("CREATE TABLE t (b BLOB)")
    conn.executemany("INSERT INTO t VALUES (?)", [(os.urandom(8000),) for _ in range(5000)])
    conn.commit()
    conn.close()
    db = _cold_copy(src, tmp_path / "cold.db")
    assert db.stat().st_size > 32 << 20
    prefetch.ask(str(db))
    assert len(_settled(db)) >= 0.99 * _pages(db)


@linux
def test_the_read_ahead_begins_while_the_delta_is_still_being_read(
    chain: Chain, home1: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A b-tree that the records read so far reach densely is asked for at once, so the disk
    reads it while the rest of the delta is parsed: here, before the last record is handed
    over, every page of the practitioner table is in the page cache."""
    header, records = _delta_records(chain.bundles[2])
    monkeypatch.setattr(prefetch, "MIN_ROWS", 0)
    monkeypatch.setattr(prefetch, "DENSE", 0.0)  # any b-tree reached counts as dense
    monkeypatch.setattr(prefetch, "SEE_EVERY", 1)
    src = installed(home1)
    per = conn_page_size(src) // PAGE
    table = {(p - 1) * per + i for p in _dbstat(src)["practitioner"][0] for i in range(per)}
    db = _cold_copy(src, tmp_path / "reading.db")
    assert not table & _resident(db)
    seen: list[set[int]] = []

    def reading() -> Iterator[dict]:  # type: ignore[type-arg]
        yield from records[:-1]
        seen.append(_settled(db))  # before the last record: seek() has not run yet
        yield records[-1]

    assert records[-1]["t"] != "institution"  # the practitioners were read before it
    _apply_records(db, header, reading())
    assert table <= seen[0], f"{len(table - seen[0])} of {len(table)} pages not read ahead"
    plain = _cold_copy(src, tmp_path / "plain.db")
    _apply(plain, header, records)
    assert replica_rows(db) == replica_rows(plain)


@linux
def test_a_delta_that_fails_half_way_leaves_no_read_ahead_running(
    chain: Chain, home1: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A record that does not fit the table (an inserted row too short) is the apply's to name,
    as BundleIntegrityError; the read-ahead, which meets it first, neither raises nor leaves a
    thread behind; the replica is as it was."""
    header, records = _delta_records(chain.bundles[2])
    monkeypatch.setattr(prefetch, "MIN_ROWS", 0)
    monkeypatch.setattr(prefetch, "DENSE", float("inf"))  # seek every key
    before = replica_rows(installed(home1))  # not of the copy: that would bring it all in
    db = _cold_copy(installed(home1), tmp_path / "bad.db")
    bad = [*records, {"t": "practitioner", "op": "ins", "row": ["P"]}]
    seeks: list[prefetch.Readahead] = []
    real = prefetch.Ahead.wait

    def wait(self: prefetch.Ahead) -> prefetch.Readahead:
        seeks.append(real(self))
        return seeks[-1]

    monkeypatch.setattr(prefetch.Ahead, "wait", wait)
    with pytest.raises(BundleIntegrityError):
        _apply(db, header, bad)
    assert seeks and seeks[0].seeks > 0  # the read-ahead ran, and met the bad row first
    assert not [t.name for t in threading.enumerate() if t.name.startswith("prefetch")]
    assert replica_rows(db) == before


@linux
def test_walking_a_btree_reads_no_leaf_into_the_page_cache(home1: Path, tmp_path: Path) -> None:
    """The walk reads interior pages past the page cache (O_DIRECT): through it, the kernel
    read around each page in windows up to the device's and brought in leaves by the hundred."""
    src = installed(home1)
    stat, roots = _dbstat(src), _roots(src)  # dbstat reads every page: of another copy
    db = _cold_copy(src, tmp_path / "walk.db")
    file = pagecache.File(str(db))
    try:
        if file._buffer is None:
            pytest.skip("this file system has no O_DIRECT")
        for name in stat:
            btree.btree_pages(file, roots[name])
    finally:
        file.close()
    interior = sum(len(pages) - leaves for pages, leaves in stat.values())
    assert interior > 0
    # At most the interior pages themselves (some kernels keep what a direct read read).
    per = conn_page_size(src) // PAGE
    assert len(_settled(db, wait=0.5)) <= interior * per, "the walk read leaves into the cache"


def test_pages_are_asked_for_in_pieces_as_large_as_the_device_reads(tmp_path: Path) -> None:
    window = pagecache.window(tmp_path.stat().st_dev)
    assert window >= pagecache.ASK_BYTES and window % 4096 == 0
    assert pagecache.window(os.makedev(0, 0)) == pagecache.ASK_BYTES  # no sysfs
