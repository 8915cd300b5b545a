"""Where the time goes in publish and in a delta sync, on a cached bench.core world:
`python -m bench._profile --scale N [--out FILE]` (run bench.core at that scale first).

Publishes both exports under cProfile, then applies the delta with every UPDATE/DELETE batch
and the commit timed separately (by wrapping db.delta's helpers in this process only).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import shutil
import sqlite3
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench import _world as w
from bench.core import OUT


def _stats(prof: cProfile.Profile, top: int) -> str:
    buf = io.StringIO()
    st = pstats.Stats(prof, stream=buf)
    st.sort_stats("cumulative").print_stats(top)
    st.sort_stats("tottime").print_stats(top)
    return buf.getvalue()


def _publish(world: w.World, export: Path, bundle: Path, top: int) -> str:
    from kiosk.publish import publish

    prof = cProfile.Profile()
    t0 = time.perf_counter()
    prof.enable()
    publish(export, world.trust, world.keys / "publisher.pem", bundle)
    prof.disable()
    return f"publish {export.name}: {time.perf_counter() - t0:.1f} s (under cProfile)\n" + _stats(prof, top)


def _timed_delta(home: Path, bundle: Path) -> list[str]:
    from db import delta
    from kiosk.home import Home
    from kiosk.sync import sync

    lines: list[str] = []
    orig_update, orig_delete, orig_apply = delta._update, delta._delete, delta.apply  # noqa: SLF001

    def update(conn: sqlite3.Connection, table: str, cols: tuple[str, ...], rows: list[Any]) -> None:
        t0 = time.perf_counter()
        orig_update(conn, table, cols, rows)
        lines.append(f"UPDATE {table} SET {','.join(cols)}: {len(rows):,} rows {time.perf_counter() - t0:.3f} s")

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
    try:
        t0 = time.perf_counter()
        sync(Home(home), str(bundle))
        lines.append(f"sync total (incl. BEGIN/COMMIT with synchronous=FULL): {time.perf_counter() - t0:.3f} s")
    finally:
        delta._update, delta._delete, delta.apply = orig_update, orig_delete, orig_apply  # noqa: SLF001
    return lines


def main(argv: list[str] | None = None) -> int:
    """Profile publish (both exports) and time the delta apply by statement."""
    from kiosk.home import init
    from kiosk.sync import sync

    p = argparse.ArgumentParser(prog="python -m bench._profile")
    p.add_argument("--scale", type=int, default=w.PROVINCE)
    p.add_argument("--photo-fraction", type=float, default=1.0)
    p.add_argument("--out", type=Path, default=OUT / "profile.txt")
    p.add_argument("--top", type=int, default=30)
    a = p.parse_args(argv)
    world = w.obtain(OUT, a.scale, photo_fraction=a.photo_fraction, log=print)
    work = Path(tempfile.mkdtemp(prefix="bench-profile-", dir=OUT))
    try:
        bundle = work / "bundle"
        parts = [_publish(world, world.export1, bundle, a.top)]
        home = init(work / "home", [world.keys / "root.pub.pem"])
        sync(home, str(bundle))
        parts.append(_publish(world, world.export2, bundle, a.top))
        parts.append("\n".join(_timed_delta(work / "home", bundle)))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    a.out.write_text("\n\n".join(parts), "utf-8")
    print(parts[-1])
    return 0


if __name__ == "__main__":
    sys.exit(main())
