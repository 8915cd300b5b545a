"""The installed replica on disk: a versioned file named by an atomic CURRENT pointer.

    replica/CURRENT              the file name of the installed replica
    replica/replica-<seq>.db     the replica itself (rollback-journal mode)

A snapshot is installed under a new name and CURRENT is switched by rename, so a crash at any
moment leaves the old or the new replica; a reader holding the old file keeps reading the old
inode, and no journal or WAL file is ever shared between two databases.

Deltas are applied in place in one transaction (a crash leaves a hot journal, which `current()`
rolls back, since the kiosk's read-only connections cannot); the file is then hard-linked under
its new sequence's name and CURRENT switched, so watchers of CURRENT see every install.
"""

from __future__ import annotations

import contextlib
import os
import queue
import sqlite3
import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import IO, Any, Protocol

from db import schema
from domain.errors import NO_ROOM, BundleIntegrityError, ReplicaError, SyncError

POINTER = "CURRENT"


class Sink(Protocol):
    """Where a snapshot writer puts the new replica's bytes."""

    def write(self, data: bytes, /) -> int: ...

    def flush(self) -> None: ...


def current(replica_dir: Path) -> Path | None:
    """The installed replica file, or None when nothing is installed."""
    try:
        name = (replica_dir / POINTER).read_text("ascii").strip()
    except (OSError, UnicodeDecodeError):
        return None
    path = replica_dir / name
    if not name or "/" in name or not path.is_file():
        return None
    if Path(str(path) + "-journal").exists():
        _roll_back(path)
    return path


def _roll_back(path: Path) -> None:
    """Undo a delta that a crash interrupted, as a read-write opener does: a read-only one (the
    kiosk's) cannot, and fails on the hot journal. Harmless while a sync is still applying: the
    journal is only hot when no writer holds it."""
    try:
        conn = sqlite3.connect(path, timeout=30.0)
        try:
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        finally:
            conn.close()
    except sqlite3.Error:
        pass  # whoever opens the replica next reports it


def installed_sequence(replica_dir: Path) -> int | None:
    """The installed replica's sequence, or None."""
    path = current(replica_dir)
    if path is None:
        return None
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
            return int(conn.execute("SELECT value FROM meta WHERE key='sequence'").fetchone()[0])
    except (sqlite3.Error, TypeError, ValueError) as err:
        raise ReplicaError(f"本地库无法读取 (the installed replica cannot be read: {err})") from err


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _point(replica_dir: Path, name: str) -> None:
    tmp = replica_dir / (POINTER + ".tmp")
    with tmp.open("w", encoding="ascii") as fh:
        fh.write(name + "\n")
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, replica_dir / POINTER)
    _fsync_dir(replica_dir)


def _remove_db(path: Path) -> None:
    for suffix in ("", "-journal", "-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)


def clean(replica_dir: Path) -> None:
    """Remove leftovers of interrupted installs: partial files and replicas not in use."""
    keep = current(replica_dir)
    for path in replica_dir.glob("replica-*"):
        base = Path(str(path).removesuffix("-journal").removesuffix(".part"))
        if keep is None or base != keep:
            path.unlink(missing_ok=True)
    (replica_dir / (POINTER + ".tmp")).unlink(missing_ok=True)  # a switch that was cut short


def install_snapshot(
    replica_dir: Path, write: Callable[[Sink], None], sequence: int, jurisdiction: str
) -> Path:
    """Install a snapshot: `write` fills the new file, which is checked (schema, sequence,
    jurisdiction), synced and switched to.

    Raises:
        SyncError: the disk is full or the new file is not the replica the manifest names;
            nothing changed.
    """
    replica_dir.mkdir(parents=True, exist_ok=True)
    old = current(replica_dir)
    name = f"replica-{sequence:08d}.db"
    if old is not None and old.name == name:
        name = f"replica-{sequence:08d}-{os.getpid()}.db"
    part = replica_dir / (name + ".part")
    _remove_db(
        replica_dir / name
    )  # a stale journal or WAL under the new name would be replayed into it
    try:
        with part.open("wb") as fh:
            with _Writeback(fh) as sink:
                write(sink)
            fh.flush()
            os.fsync(fh.fileno())
        _check_snapshot(part, sequence, jurisdiction)
        os.replace(part, replica_dir / name)
        _point(replica_dir, name)
    except OSError as err:
        part.unlink(missing_ok=True)
        full = err.errno in NO_ROOM
        raise SyncError(
            f"写入本地库失败：{err.strerror}{'（磁盘已满？）' if full else ''} "
            f"(cannot write the replica: {err.strerror})"
        ) from err
    except BaseException:
        part.unlink(missing_ok=True)
        raise
    if old is not None:
        _remove_db(old)
    return replica_dir / name


class _Writeback:
    """A file writer for the new replica: chunks are written on a thread of their own, so that
    the kernel's copy of one overlaps the decompression of the next (both release the GIL), and
    each 32 MiB's disk writeback is started as soon as it is written, so that writing overlaps
    with decompressing and the final fsync has little left to do (it was a third of a snapshot
    install). POSIX_FADV_DONTNEED on a range just written starts its writeback without waiting;
    pages whose writeback has already finished are dropped from the cache (the first look-ups
    read them back). Durability still rests on the caller's fsync.

    A write error (a full disk) is raised by the next write or by leaving the `with`; if the
    caller is already failing, its exception carries the write error as a note. Leaving the
    `with` on an exception (an interrupt included) discards what is still queued and always
    ends the thread. At most QUEUED writes wait, each as large as the caller's (1 MiB from
    zstd)."""

    CHUNK = 32 << 20
    QUEUED = 8
    POLL = 1.0  # seconds: how soon the thread notices a close whose end marker was interrupted

    def __init__(self, fh: IO[bytes]) -> None:
        self._fh, self._done, self._pending = fh, 0, 0
        self._queue: queue.Queue[bytes | None] = queue.Queue(maxsize=self.QUEUED)
        self._error: BaseException | None = None
        self._closed, self._abort = threading.Event(), False
        self._thread = threading.Thread(target=self._run, name="replica-writer", daemon=True)
        self._thread.start()

    def __enter__(self) -> _Writeback:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: object
    ) -> None:
        self._abort = exc_type is not None  # the caller deletes the file: stop writing it
        self._closed.set()
        try:
            self._queue.put(None)  # wakes the thread at once; `_closed` ends it if interrupted
        finally:
            self._thread.join()
        if self._error is not None and exc is not self._error:  # not already on its way up
            if exc is None:
                raise self._error
            exc.add_note(f"写入本地库也失败 (writing the replica had also failed: {self._error!r})")

    def write(self, data: bytes) -> int:
        if self._error is not None:
            raise self._error
        if data:
            self._queue.put(bytes(data))  # the caller may reuse its buffer
        return len(data)

    def flush(self) -> None:
        """Nothing to do: leaving the `with` writes what is queued."""

    def _run(self) -> None:
        while True:
            try:
                data = self._queue.get(timeout=self.POLL)
            except queue.Empty:
                if self._closed.is_set():
                    break
                continue
            if data is None:
                break
            if self._error is None and not self._abort:
                try:
                    self._write(data)
                except BaseException as err:  # handed to the caller's thread
                    self._error = err
        if self._error is None and not self._abort:
            try:
                self._fh.flush()
            except BaseException as err:
                self._error = err

    def _write(self, data: bytes) -> None:
        n = self._fh.write(data)
        self._pending += n
        if self._pending >= self.CHUNK and hasattr(os, "posix_fadvise"):
            self._fh.flush()
            with contextlib.suppress(OSError):  # only a hint
                os.posix_fadvise(
                    self._fh.fileno(), self._done, self._pending, os.POSIX_FADV_DONTNEED
                )
            self._done += self._pending
            self._pending = 0


def _check_snapshot(path: Path, sequence: int, jurisdiction: str) -> None:
    """A snapshot is a replica as the kiosk itself would create it, of the manifest's sequence
    and jurisdiction: any other schema object (a trigger that would undo a later delta, a view,
    an extra table or index) is refused before the file is installed."""
    try:
        with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as conn:
            conn.execute("PRAGMA trusted_schema=OFF")
            found = schema.schema_of(conn)
            meta = dict(
                conn.execute(
                    "SELECT key, value FROM meta WHERE key IN ('sequence', 'jurisdiction')"
                ).fetchall()
            )
    except sqlite3.Error as err:
        raise BundleIntegrityError(
            f"快照不是有效的本地库 (the snapshot is not a replica: {err})"
        ) from err
    expected = schema.replica_schema()
    if found != expected:
        extra = sorted(f"{t} {n}" for t, n, _, _ in found - expected)
        missing = sorted(f"{t} {n}" for t, n, _, _ in expected - found)
        raise BundleIntegrityError(
            "快照的数据库结构与本机不符，拒绝安装 (the snapshot's schema is not the kiosk's: "
            + "; ".join(
                part
                for part in (
                    f"unexpected {', '.join(extra)[:200]}" if extra else "",
                    f"missing {', '.join(missing)[:200]}" if missing else "",
                )
                if part
            )
            + ")"
        )
    if meta.get("sequence") != str(sequence):
        raise BundleIntegrityError(
            f"快照序号与清单不符 (snapshot sequence {str(meta.get('sequence'))[:20]!r}, "
            f"the manifest says {sequence})"
        )
    if meta.get("jurisdiction") != jurisdiction:
        raise BundleIntegrityError(
            f"快照辖区与清单不符 (snapshot jurisdiction {str(meta.get('jurisdiction'))[:20]!r}, "
            f"the manifest says {jurisdiction})"
        )


def apply_deltas(
    replica_dir: Path,
    deltas: Iterable[tuple[dict[str, Any], Iterable[dict[str, Any]]]],
    apply: Callable[[sqlite3.Connection, dict[str, Any], Iterable[dict[str, Any]]], None],
) -> None:
    """Apply deltas to the installed replica in one transaction: all of them or none; then name
    it for its new sequence (a hard link and a CURRENT switch, no copy), so that a kiosk watching
    CURRENT notices the change as it does after a snapshot install."""
    path = current(replica_dir)
    if path is None:
        raise ReplicaError("没有可更新的本地库 (no replica to update)")
    conn = sqlite3.connect(path, isolation_level=None, timeout=30.0)
    try:
        conn.execute("PRAGMA journal_mode=DELETE")
        conn.execute("PRAGMA synchronous=FULL")
        conn.execute("PRAGMA cache_size=-65536")
        conn.execute("BEGIN IMMEDIATE")
        try:
            for header, records in deltas:
                apply(conn, header, records)
            conn.execute("COMMIT")
            sequence = int(
                conn.execute("SELECT value FROM meta WHERE key='sequence'").fetchone()[0]
            )
        except BaseException:
            if conn.in_transaction:  # SQLite may have rolled back already (e.g. disk full)
                conn.execute("ROLLBACK")
            raise
    except sqlite3.OperationalError as err:
        hint = "（磁盘已满？）" if any(w in str(err) for w in ("full", "I/O")) else ""
        raise SyncError(f"更新本地库失败{hint} (cannot update the replica: {err})") from err
    finally:
        conn.close()
    _rename(replica_dir, path, sequence)


def _rename(replica_dir: Path, path: Path, sequence: int) -> None:
    """Give the (committed) replica file its sequence's name. A crash on the way leaves CURRENT on
    either name of the same file; clean() drops the other."""
    name = f"replica-{sequence:08d}.db"
    if path.name == name:
        return
    _remove_db(replica_dir / name)
    try:
        os.link(path, replica_dir / name)
    except OSError:
        return  # keeps its old name: still correct, only not noticed by watchers of CURRENT
    _point(replica_dir, name)
    path.unlink(missing_ok=True)
