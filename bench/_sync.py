"""Timed kiosk syncs (snapshot and delta) with a phase breakdown, and their baselines.

Phases come from sync's own progress callback (download events per MiB, install start and
end), so the breakdown costs nothing measurable; `profiled` reruns a sync under cProfile.
"""

from __future__ import annotations

import cProfile
import io
import json
import os
import pstats
import shutil
import sqlite3
import time
from pathlib import Path
from typing import Any


class _Phases:
    def __init__(self) -> None:
        self.t0 = time.perf_counter()
        self.events: list[tuple[float, str, int, int]] = []

    def __call__(self, name: str, done: int, total: int) -> None:
        self.events.append((time.perf_counter() - self.t0, name, done, total))

    def breakdown(self, end: float) -> dict[str, float]:
        out: dict[str, float] = {}
        downloads = [e for e in self.events if e[1] != "install"]
        installs = [e[0] for e in self.events if e[1] == "install"]
        if downloads:
            out["download_s"] = downloads[-1][0]
        if len(installs) >= 2:
            out["after_download_until_install_s"] = installs[0] - out.get("download_s", 0.0)
            out["install_s"] = installs[-1] - installs[0]
            out["after_install_s"] = end - installs[-1]
        elif downloads:
            out["after_download_s"] = end - downloads[-1][0]
        return out


def timed_sync(home_path: Path, bundle: Path, root_pub: Path | None = None) -> dict[str, Any]:
    """Sync `home_path` (initialised first when `root_pub` is given) from the bundle folder."""
    from kiosk.home import Home, init
    from kiosk.sync import sync

    if root_pub is not None:
        manifest = json.loads((bundle / "manifest.json").read_bytes())
        home = init(
            home_path, [root_pub], manifest["jurisdiction"], root_pub.parent / "id-index.key"
        )
    else:
        home = Home(home_path)
    phases = _Phases()
    t0 = time.perf_counter()
    result = sync(home, str(bundle), progress=phases)
    seconds = time.perf_counter() - t0
    return {
        "seconds": seconds,
        "method": result.method,
        "from": result.from_sequence,
        "to": result.to_sequence,
        "downloaded": result.downloaded,
        "phases": phases.breakdown(seconds),
    }


def profiled(home_path: Path, bundle: Path, top: int = 25) -> str:
    """Sync under cProfile; the top functions by cumulative and by own time, as text."""
    from kiosk.home import Home
    from kiosk.sync import sync

    prof = cProfile.Profile()
    prof.enable()
    sync(Home(home_path), str(bundle))
    prof.disable()
    buf = io.StringIO()
    stats = pstats.Stats(prof, stream=buf)
    stats.sort_stats("cumulative").print_stats(top)
    stats.sort_stats("tottime").print_stats(top)
    return buf.getvalue()


def delta_parse(bundle: Path, name: str) -> dict[str, Any]:
    """Baseline: decompress and JSON-parse the delta file alone (no SQL)."""
    import zstandard

    from db import delta

    t0 = time.perf_counter()
    ops: dict[str, int] = {}
    with (bundle / name).open("rb") as raw, zstandard.ZstdDecompressor().stream_reader(raw) as fh:
        _, records = delta.read(io.BufferedReader(fh))
        for rec in records:
            key = f"{rec['t']}.{rec['op']}"
            ops[key] = ops.get(key, 0) + 1
    return {
        "seconds": time.perf_counter() - t0,
        "records": ops,
        "bytes": (bundle / name).stat().st_size,
    }


def timed_delta(home: Path, bundle: Path) -> dict[str, Any]:
    """Sync a delta with each UPDATE/DELETE batch and delta.apply timed (wrapping db.delta's
    helpers in this process only, for the duration of the call): seconds, the sync's method,
    and one line per step."""
    from db import delta, prefetch
    from kiosk.home import Home
    from kiosk.sync import sync

    lines: list[str] = []
    orig_update, orig_delete, orig_apply = delta._update, delta._delete, delta.apply  # noqa: SLF001
    orig_wanted = prefetch.wanted
    orig_seek, orig_wait = prefetch.Ahead.seek, prefetch.Ahead.wait
    waited = [0.0]  # what the apply waited for the read-ahead

    def wanted(conn: sqlite3.Connection) -> bool:
        t0 = time.perf_counter()
        path = prefetch.main_path(conn)
        fraction = None if path is None else prefetch.resident(path)
        answer = orig_wanted(conn)
        lines.append(
            f"read-ahead wanted: {answer} ({fraction if fraction is None else f'{fraction:.0%}'}"
            f" of the file in the page cache; {time.perf_counter() - t0:.3f} s)"
        )
        return answer

    def seek(ahead: prefetch.Ahead, changes: Any) -> None:
        t0 = time.perf_counter()
        orig_seek(ahead, changes)
        waited[0] += time.perf_counter() - t0

    def wait(ahead: prefetch.Ahead) -> prefetch.Readahead:
        t0 = time.perf_counter()
        done = orig_wait(ahead)
        waited[0] += time.perf_counter() - t0
        if done.keys and not any(line.startswith("read-ahead:") for line in lines):
            lines.append(
                f"read-ahead: {done.keys:,} keys; read whole: {', '.join(done.whole) or 'none'} "
                f"({done.pages:,} pages); {done.seeks:,} seeks; the apply waited "
                f"{waited[0]:.3f} s for it"
            )
        return done

    def update(
        conn: sqlite3.Connection, table: str, cols: tuple[str, ...], rows: list[Any]
    ) -> None:
        t0 = time.perf_counter()
        orig_update(conn, table, cols, rows)
        lines.append(
            f"UPDATE {table} SET {','.join(cols)}: {len(rows):,} rows "
            f"{time.perf_counter() - t0:.3f} s"
        )

    def delete(conn: sqlite3.Connection, table: str, keys: list[Any]) -> None:
        t0 = time.perf_counter()
        orig_delete(conn, table, keys)
        if keys:
            lines.append(f"DELETE {table}: {len(keys):,} rows {time.perf_counter() - t0:.3f} s")

    def apply(conn: sqlite3.Connection, header: Any, records: Any) -> None:
        t0 = time.perf_counter()
        orig_apply(conn, header, records)
        lines.append(f"delta.apply total (parse + SQL): {time.perf_counter() - t0:.3f} s")

    delta._update, delta._delete, delta.apply = update, delete, apply  # noqa: SLF001
    prefetch.wanted = wanted
    prefetch.Ahead.seek, prefetch.Ahead.wait = seek, wait  # type: ignore[method-assign]
    try:
        t0 = time.perf_counter()
        result = sync(Home(home), str(bundle))
        seconds = time.perf_counter() - t0
        lines.append(f"sync total (incl. BEGIN/COMMIT with synchronous=FULL): {seconds:.3f} s")
    finally:
        delta._update, delta._delete, delta.apply = orig_update, orig_delete, orig_apply  # noqa: SLF001
        prefetch.wanted = orig_wanted
        prefetch.Ahead.seek, prefetch.Ahead.wait = orig_seek, orig_wait  # type: ignore[method-assign]
    return {"seconds": seconds, "method": result.method, "steps": lines}


def settle() -> None:
    """Write out what earlier steps left dirty (a publish leaves gigabytes), so that no writeback
    of theirs competes with the step timed next, as none would on a kiosk."""
    os.sync()


def fresh_copy(home: Path, dest: Path) -> tuple[Path, Path]:
    """A copy of `home` at `dest` (replaced) and its replica file, written out and evicted from
    the page cache, so that each timed sync starts from the same state whatever the copy left
    there (a file just written may sit in the cache in large folios)."""
    from db import store

    shutil.rmtree(dest, ignore_errors=True)
    shutil.copytree(home, dest)
    replica = store.current(dest / "replica")
    assert replica is not None, f"no replica in {home}"
    os.sync()
    fd = os.open(replica, os.O_RDONLY)
    try:
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
    finally:
        os.close(fd)
    return dest, replica


def drop_page_cache() -> bool:
    """Write dirty pages out and drop the page cache (needs root), so that a replica is read from
    the disk as on a kiosk that synced long ago, and no writeback of earlier work competes."""
    os.sync()
    try:
        Path("/proc/sys/vm/drop_caches").write_text("3\n")
    except OSError:
        return False
    return True


def random_reads(path: Path, seconds: float = 1.0) -> float:
    """Random 4 KiB reads per second from `path`, one at a time as SQLite reads: how fast the
    disk answers right now (on a shared virtual disk this drops for minutes after a large write;
    seen here: 500 reads/s after a publish, 10,000 later)."""
    import random

    rng = random.Random(0)
    fd = os.open(path, os.O_RDONLY)
    try:
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_RANDOM)
        pages = max(1, os.fstat(fd).st_size // 4096)
        n, t0 = 0, time.perf_counter()
        while (elapsed := time.perf_counter() - t0) < seconds:
            os.pread(fd, 4096, rng.randrange(pages) * 4096)
            n += 1
        return n / elapsed
    finally:
        os.close(fd)


def warm(path: Path, timeout: float = 120.0) -> float:
    """Bring a file into the page cache as the kiosk's own reads do (db.prefetch asks the kernel
    for pages, SQLite reads page by page); seconds taken.

    Not by reading it through: sequential reads make Linux cache the file in large folios, and
    SQLite's page writes into a large folio cost ext4 a walk over all of the folio's blocks
    (`ext4_block_write_begin`: 19 % of a delta's samples against 1.6 %). Measured on one
    province replica and delta: the cached delta took 3.15-3.25 s after the file was read
    through, 2.51-2.57 s after it was read page by page. The sequential case is measured too
    (`read_through`, an informative figure): a kiosk's replica gets there only if something
    else reads the file through (a backup, `cp`)."""
    from db import prefetch

    t0 = time.perf_counter()
    prefetch.ask(str(path))
    while (prefetch.resident(str(path)) or 0.0) < 0.999:
        if time.perf_counter() - t0 > timeout:
            break
        time.sleep(0.05)
    return time.perf_counter() - t0


def read_through(path: Path) -> float:
    """Read a file through once, sequentially, into one reused buffer; seconds taken.

    Into one reused buffer: reading 2.3 GB as 4 MiB bytes objects took 1.9-2.1 s instead of
    0.26 s (each a fresh mapping) and left the process slower for what it timed next."""
    buf = bytearray(1 << 22)
    t0 = time.perf_counter()
    with path.open("rb", buffering=0) as fh:
        while fh.readinto(buf):
            pass
    return time.perf_counter() - t0
