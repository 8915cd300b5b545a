"""Statistics benchmark: `python -m bench.stats [--scale N | --replica FILE] [--out F]`.

Times `kiosk.stats.compute` (the `stats` command and the admin screen's figures) on a
province's replica (700,000 practitioners by default), built once from the cached benchmark
world (bench/_world.py) and kept beside it. Each round is interleaved with its baseline, one
plain scan of the practitioner table reading the same columns: the floor of any statistics
that must look at every record, as the replica's schema has no index to aggregate on. The
first round starts with the replica's pages dropped from the page cache (that file only),
as on a kiosk that has not read its replica since boot.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sqlite3
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from bench import _world as w

OUT = Path(__file__).resolve().parent / "out"
SCAN = (
    "SELECT max(kind), max(status), max(authority), max(issued_on), max(valid_until) "
    "FROM practitioner"
)
# The alternative db/replica.py does not take: the same practitioner groups by SQLite's GROUP
# BY, which sorts every row, once per grouping.
GROUP_BY = (
    "SELECT kind, status, ifnull(valid_until, '9999') < ?1, authority, count(*) "
    "FROM practitioner GROUP BY 1, 2, 3, 4",
    "SELECT kind, substr(issued_on, 1, 7), count(*) FROM practitioner GROUP BY 1, 2",
)


def replica_of(scale: int, photo_fraction: float) -> Path:
    """The replica of the cached world's first export, built (about a minute at 700k) if
    missing."""
    from domain import idkey
    from publisher.build import build

    world = w.obtain(OUT, scale, photo_fraction=photo_fraction, log=print)
    path = world.path / "stats-replica.db"
    if not path.exists():
        tmp = path.with_suffix(".tmp")
        tmp.unlink(missing_ok=True)
        build(world.export1, tmp, id_key=idkey.read(world.id_key))
        tmp.rename(path)
    return path


def _evict(path: Path) -> None:
    """Drop one file's pages from the page cache (no root needed, nobody else's cache)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
    finally:
        os.close(fd)


def measure(replica: Path, rounds: int = 5) -> dict[str, Any]:
    """Time compute() and the scan baseline, alternately, over `rounds` rounds (the first
    cold). Returns seconds (wall and CPU) and the figures' sizes."""
    from db import schema
    from db.replica import Replica
    from kiosk.stats import compute

    audit = sqlite3.connect(":memory:", isolation_level=None)
    schema.migrate_local(audit)
    opened = Replica(replica)
    now = dt.datetime.now(dt.UTC)
    base = sqlite3.connect(f"file:{replica}?mode=ro", uri=True)
    base.execute("PRAGMA cache_size=-16000")
    runs: list[dict[str, float]] = []
    try:
        _evict(replica)
        for _ in range(rounds):
            t0, c0 = time.perf_counter(), time.process_time()
            stats = compute(opened, audit, now)
            t1, c1 = time.perf_counter(), time.process_time()
            base.execute(SCAN).fetchall()
            t2 = time.perf_counter()
            base.execute(GROUP_BY[0], (stats.registry.as_of if stats.registry else "",)).fetchall()
            base.execute(GROUP_BY[1]).fetchall()
            t3 = time.perf_counter()
            runs.append(
                {"wall_s": t1 - t0, "cpu_s": c1 - c0, "scan_s": t2 - t1, "group_by_s": t3 - t2}
            )
    finally:
        opened.close()
        base.close()
    assert stats.registry is not None
    warm = runs[1:] or runs
    return {
        "replica": str(replica),
        "records": stats.registry.totals.total,
        "authorities": _count_nodes(stats.registry.authorities),
        "months": len(stats.registry.months),
        "cold_s": runs[0]["wall_s"],
        "warm_median_s": statistics.median(r["wall_s"] for r in warm),
        "warm_cpu_median_s": statistics.median(r["cpu_s"] for r in warm),
        "scan_median_s": statistics.median(r["scan_s"] for r in warm),
        "group_by_median_s": statistics.median(r["group_by_s"] for r in warm),
        "rounds": runs,
    }


def _count_nodes(nodes: Any) -> int:
    return sum(1 + _count_nodes(n.children) for n in nodes)


def main(argv: list[str] | None = None) -> int:
    """Command line: build or reuse the replica, measure, print, write the JSON."""
    p = argparse.ArgumentParser(prog="python -m bench.stats", description=__doc__.splitlines()[0])
    p.add_argument("--scale", type=int, default=w.PROVINCE, help="practitioners (700,000)")
    p.add_argument("--photo-fraction", type=float, default=1.0)
    p.add_argument("--replica", type=Path, help="measure this replica file instead")
    p.add_argument("--rounds", type=int, default=7)
    p.add_argument("--out", type=Path, default=OUT / "stats.json")
    a = p.parse_args(argv)
    replica = a.replica or replica_of(a.scale, a.photo_fraction)
    load = os.getloadavg()
    r = measure(replica, a.rounds) | {"load_at_start": load, "load_at_end": os.getloadavg()}
    a.out.parent.mkdir(parents=True, exist_ok=True)
    a.out.write_text(json.dumps(r, indent=2), "utf-8")
    print(
        f"stats on {r['records']:,} licences ({r['authorities']} authorities, "
        f"{r['months']} months): cold {r['cold_s']:.2f} s, warm median "
        f"{r['warm_median_s']:.2f} s (CPU {r['warm_cpu_median_s']:.2f} s); one plain scan "
        f"{r['scan_median_s']:.3f} s; practitioners by SQL GROUP BY instead "
        f"{r['group_by_median_s']:.2f} s; load {load[0]:.2f} → {r['load_at_end'][0]:.2f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
