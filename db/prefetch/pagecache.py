"""The page cache: how much of a file it holds (mincore(2)), and asking the kernel to read
pages ahead (POSIX_FADV_WILLNEED) in pieces the size of the device's read window."""

from __future__ import annotations

import ctypes
import errno
import fcntl
import functools
import mmap
import os
import sqlite3
import struct
import sys
import threading
from collections.abc import Iterable

# At or above this fraction of the file in the page cache, nothing is read ahead. A kiosk that
# has only been looking people up holds a small part of its replica; a file just installed or
# just read through holds all of it.
RESIDENT = 0.9
SAMPLE_WINDOWS, WINDOW_PAGES = 256, 64  # how a large file's residency is sampled
ASK_BYTES = 128 * 1024  # what one POSIX_FADV_WILLNEED reads at most on a default Linux device


class File:
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
            self.window = window(os.fstat(self.fd).st_dev)
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
        (until `stop` is set). Linux reads no more than the device's `window` for one
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
def window(dev: int) -> int:
    """The most one POSIX_FADV_WILLNEED reads of a file on device `dev`: Linux caps it at the
    larger of the device's read-ahead window and its largest request (sysfs; 8 MiB on this
    machine's disk), or ASK_BYTES, a default device's window, where sysfs does not say. Asked
    for in pieces that large, a delta needs tens of requests instead of thousands, each of
    which takes the GIL back (docs/decisions.md has the figures)."""
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


def ask(path: str, pages: Iterable[int] | None = None) -> None:
    """Ask the kernel to read `pages` of the database file at `path` (all of them when None) as
    the read-ahead does (POSIX_FADV_WILLNEED, which caches them page by page, not in the large
    folios of a sequential read), without waiting for them."""
    db = File(path)
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
