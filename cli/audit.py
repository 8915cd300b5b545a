"""`audit verify` and `audit export` (cli.md): the hash-chained trail, proved and exported."""

from __future__ import annotations

import sqlite3

from cli.commands import EXIT_OK, Io, _home, cli_service
from domain.errors import AuditError

EXIT_BROKEN = 2


def verify(home_opt: str | None, as_json: bool, io: Io) -> int:
    """Prove the chain intact (exit 0), or name the first record where it breaks (exit 2)."""
    from db.audit import verify as walk
    from db.local import open_local

    conn = open_local(_home(home_opt).local_db)
    try:
        report = walk(conn)
    except sqlite3.Error as err:
        raise AuditError(f"审计日志无法读取 (the audit trail cannot be read: {err})") from err
    finally:
        conn.close()
    if as_json:
        io.json(
            {
                "intact": report.intact,
                "records": report.records,
                "first_id": report.first_id,
                "head": report.head,
                "broken_at": report.broken_at,
                "problem": report.problem,
            }
        )
    elif report.intact:
        io.say(f"审计链完整 audit chain intact: {report.records} records, head {report.head}")
    else:
        io.say(f"审计链已断 audit chain BROKEN at record #{report.broken_at}: {report.problem}")
    return EXIT_OK if report.intact else EXIT_BROKEN


def export(home_opt: str | None, start: str, end: str, out: str, io: Io) -> int:
    """Write the records of a date range (China dates, both included) as CSV."""
    service = cli_service(home_opt)
    n = service.audit_export(start, end, out)  # BadInputError → 64
    io.say(f"已导出 {n} 条记录 exported {n} records to {out}")
    return EXIT_OK
