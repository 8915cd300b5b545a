"""The warm-up after the first screen (issue 21): the first scan after launch finds every
statement it runs on the replica already compiled and its indexes' top pages read."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kiosk.home import Home
from kiosk.operators import Operator
from kiosk.service import KioskService


def _replica_sql(service: KioskService) -> list[str]:
    """Every statement run on the service's replica connection from now on."""
    seen: list[str] = []
    assert service.replica is not None
    service.replica._conn.set_trace_callback(seen.append)  # noqa: SLF001 - what ran, in SQLite
    return seen


def _shape(sql: str) -> str:
    """A statement without its literal values (the trace shows them bound)."""
    return sql.split(" WHERE ")[0] + (" WHERE" if " WHERE " in sql else "")


def test_warm_up_runs_every_statement_a_scan_runs(
    demo_copy: Path, demo_cases: list[dict[str, Any]]
) -> None:
    fresh = KioskService(Home(demo_copy), session=Operator("d", "desk"))
    warmed = _replica_sql(fresh)
    fresh.warm_up()
    scan = KioskService(Home(demo_copy), session=Operator("d", "desk"))
    scanned = _replica_sql(scan)
    for case in demo_cases:  # with and without photos, filings, institutions
        if case["expect"] == "valid" and not case.get("context"):
            result = scan.verify(case["payload"])
            scan.photo_for(result)
    scan.lookup_cert_no("0")  # and a certificate look-up
    assert scanned and {_shape(s) for s in scanned} <= {_shape(s) for s in warmed}
