"""Audit-trail benchmark: `python -m bench.audit [--records N] [--n N] [--out F]`.

Issue 20's figure: writing an audit record adds at most 1 ms to a verification (p50). Builds
the demo world in a temporary folder, fills its audit trail with N earlier records (a busy
kiosk's years), then times, interleaved per scan:

- `KioskService.verify` (verification, the chained audit record, the alert rules),
- `verify_payload` alone with the same context (the same verification, unrecorded): the
  baseline; the difference of the two medians is what recording adds,
- the bare chained append, and the plain INSERT the trail used before the chain (second
  baseline: what the chain itself costs).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sqlite3
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench._measure import paired, summary_ms

OUT = Path(__file__).resolve().parent / "out"


def _fill(conn: sqlite3.Connection, records: int) -> None:
    """Append `records` chained records in big transactions (the chain's own code)."""
    from db import audit as chain

    at = dt.datetime.now(dt.UTC) - dt.timedelta(days=365)
    step = dt.timedelta(days=365) / max(1, records)
    conn.execute("BEGIN IMMEDIATE")
    for i in range(records):
        entry = chain.Entry("verify", at + i * step, "desk1", f"P 1104108250{i:05d}", "valid")
        chain._insert(conn, entry)
        if i % 50_000 == 49_999:
            conn.execute("COMMIT")
            conn.execute("BEGIN IMMEDIATE")
    conn.execute("COMMIT")


def run(records: int, n: int) -> dict[str, Any]:
    """Measure on a fresh demo world; returns the figures."""
    from db import audit as chain
    from kiosk.home import Home
    from kiosk.operators import Operator
    from kiosk.service import KioskService
    from kiosk.verify import verify_payload
    from seed.demo import build

    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp) / "home"
        build(home, practitioners=2000)
        service = KioskService(Home(home), session=Operator("desk1", "desk"))
        conn = service._audit_conn()
        t0 = time.perf_counter()
        _fill(conn, records)
        fill_s = time.perf_counter() - t0
        lines = (home / "demo" / "credentials.ndjson").read_text("utf-8").splitlines()
        payload = json.loads(lines[0])["payload"]
        ctx = service._context(None, None, None)
        keys = list(range(n))
        with_audit, alone = paired(
            keys,
            lambda _: service.verify(payload),
            lambda _: verify_payload(payload, ctx, service.trust, service.replica),
        )
        plain = sqlite3.connect(Path(tmp) / "plain.db", isolation_level=None)
        plain.execute("PRAGMA journal_mode=WAL")
        plain.execute("PRAGMA synchronous=NORMAL")
        plain.execute(
            "CREATE TABLE audit_entry (id INTEGER PRIMARY KEY, at TEXT, operator TEXT, "
            "action TEXT, subject TEXT, outcome TEXT, detail TEXT)"
        )
        now = dt.datetime.now(dt.UTC)
        entry = chain.Entry("verify", now, "desk1", "P 110410825000001", "valid")
        appended, inserted = paired(
            keys,
            lambda _: chain.append(conn, entry),
            lambda _: plain.execute(
                "INSERT INTO audit_entry (at, operator, action, subject, outcome, detail) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (chain.stamp(now), "desk1", "verify", "P 110410825000001", "valid", ""),
            ),
        )
        report = chain.verify(conn)
        t0 = time.perf_counter()
        chain.verify(conn)
        walk_s = time.perf_counter() - t0
    a, b = summary_ms(with_audit), summary_ms(alone)
    return {
        "records_before": records,
        "fill_s": fill_s,
        "verify_recorded": a,
        "verify_alone": b,
        "added_p50_ms": a["p50_ms"] - b["p50_ms"],
        "chained_append": summary_ms(appended),
        "plain_insert": summary_ms(inserted),
        "chain_walk_s": walk_s,
        "chain_records": report.records,
        "chain_intact": report.intact,
    }


def main(argv: list[str] | None = None) -> int:
    """Run and print the figures (and write them to --out)."""
    p = argparse.ArgumentParser(prog="bench.audit")
    p.add_argument("--records", type=int, default=200_000)
    p.add_argument("--n", type=int, default=2000)
    p.add_argument("--out", type=Path, default=OUT / "audit.json")
    a = p.parse_args(argv)
    r = run(a.records, a.n)
    a.out.parent.mkdir(parents=True, exist_ok=True)
    a.out.write_text(json.dumps(r, indent=2), "utf-8")
    print(json.dumps(r, indent=2))
    ok = r["added_p50_ms"] <= 1.0
    print(
        f"audit adds {r['added_p50_ms']:.3f} ms p50 to a verification: {'met' if ok else 'NOT met'}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
