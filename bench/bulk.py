"""Bulk loading: raw executemany against sqlite-utils' insert_all on the same rows and schema.

    python -m bench.bulk [--rows N]

The replica build uses whichever is faster (issue 2: "bulk work uses sqlite-utils or raw
executemany, whichever the benchmark says").
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
import tempfile
import time
from pathlib import Path


def _rows(n: int) -> list[tuple[object, ...]]:
    return [
        (
            "P",
            f"1104102{i:08d}",
            i.to_bytes(16, "big"),
            "410***********1234",
            f"张{i % 977}",
            "M",
            "1980-01",
            "执业医师",
            "临床",
            '["内科专业"]',
            "主治医师",
            "河南省",
            f"REG{i % 5000:06d}",
            None,
            "active",
            "410000",
            "河南省卫生健康委员会",
            "2020-01-01",
            False,
            1,
        )
        for i in range(n)
    ]


def _fresh(path: Path) -> sqlite3.Connection:
    from db.schema import create_schema

    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=MEMORY")
    conn.execute("PRAGMA synchronous=OFF")
    create_schema(conn, indexes=False)
    return conn


def main(argv: list[str] | None = None) -> int:
    """Time both ways of loading N practitioner rows; print a table."""
    p = argparse.ArgumentParser(prog="python -m bench.bulk")
    p.add_argument("--rows", type=int, default=200_000)
    a = p.parse_args(argv)
    from db.delta import TABLES
    from publisher.build import INSERT

    rows = _rows(a.rows)
    cols = TABLES["practitioner"][0]
    with tempfile.TemporaryDirectory() as tmp:
        conn = _fresh(Path(tmp) / "raw.db")
        began = time.perf_counter()
        conn.execute("BEGIN")
        conn.executemany(INSERT["practitioner"], rows)
        conn.execute("COMMIT")
        raw = time.perf_counter() - began
        conn.close()

        import sqlite_utils

        conn = _fresh(Path(tmp) / "su.db")
        db = sqlite_utils.Database(conn)
        dicts = [dict(zip(cols, r, strict=True)) for r in rows]
        began = time.perf_counter()
        with db.conn:
            db["practitioner"].insert_all(dicts, batch_size=20_000)
        su = time.perf_counter() - began
    print(
        "| bulk load of practitioner rows | rows | time | rows/s | ratio |\n|---|---|---|---|---|"
    )
    print(f"| raw executemany | {a.rows:,} | {raw:.2f} s | {a.rows / raw:,.0f} | 1.0× |")
    print(
        f"| sqlite-utils insert_all | {a.rows:,} | {su:.2f} s | {a.rows / su:,.0f} | {su / raw:.1f}× |"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
