"""The hash-chained audit trail (issue 20): every edit, deletion, reordering and truncation is
found and named; purges keep it verifiable; a record that cannot be written stops the action."""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from db import audit as chain
from db.local import audit, open_local
from domain.errors import AuditError

T0 = dt.datetime(2026, 1, 1, 8, 0, tzinfo=dt.UTC)


@pytest.fixture
def trail(tmp_path: Path) -> Iterator[sqlite3.Connection]:
    """A local database holding ten records, a day apart."""
    conn = open_local(tmp_path / "kiosk.db")
    for i in range(10):
        audit(
            conn,
            "verify",
            subject=f"P 11041082500000{i}",
            outcome="valid",
            at=T0 + dt.timedelta(days=i),
        )
    yield conn
    conn.close()


def _edit(conn: sqlite3.Connection, sql: str, *params: Any) -> None:
    conn.execute(sql, params)


def test_an_untouched_trail_is_intact_and_its_head_is_the_last_hash(
    trail: sqlite3.Connection,
) -> None:
    report = chain.verify(trail)
    last = chain.head(trail)
    assert report.intact and report.records == 10 and report.first_id == 1
    assert last is not None and report.head == last.hash and last.id == 10


def test_an_edited_field_is_named(trail: sqlite3.Connection) -> None:
    _edit(trail, "UPDATE audit_entry SET outcome = 'invalid' WHERE id = 4")
    report = chain.verify(trail)
    assert not report.intact and report.broken_at == 4 and "changed" in (report.problem or "")


def test_an_edit_with_its_hash_recomputed_breaks_the_next_link(
    trail: sqlite3.Connection,
) -> None:
    row = trail.execute(f"SELECT {chain.COLUMNS} FROM audit_entry WHERE id = 4").fetchone()
    forged = chain.Record(*row)._replace(at="2025-01-01T00:00:00.000+00:00")
    _edit(
        trail,
        "UPDATE audit_entry SET at = ?, hash = ? WHERE id = 4",
        forged.at,
        chain.digest(forged),
    )
    report = chain.verify(trail)
    assert report.broken_at == 5 and "follow" in (report.problem or "")


def test_a_deleted_record_is_named(trail: sqlite3.Connection) -> None:
    _edit(trail, "DELETE FROM audit_entry WHERE id = 6")
    report = chain.verify(trail)
    assert not report.intact and report.broken_at == 6 and "missing" in (report.problem or "")


def test_reordered_records_are_found(trail: sqlite3.Connection) -> None:
    """Swap the contents of two records (ids stay in order)."""
    cols = "at, operator, action, subject, outcome, detail, purpose, place, prev, hash"
    a = trail.execute(f"SELECT {cols} FROM audit_entry WHERE id = 3").fetchone()
    b = trail.execute(f"SELECT {cols} FROM audit_entry WHERE id = 7").fetchone()
    sets = ", ".join(f"{c} = ?" for c in cols.split(", "))
    _edit(trail, f"UPDATE audit_entry SET {sets} WHERE id = 3", *b)
    _edit(trail, f"UPDATE audit_entry SET {sets} WHERE id = 7", *a)
    assert chain.verify(trail).broken_at == 3


def test_a_cut_tail_is_found(trail: sqlite3.Connection) -> None:
    _edit(trail, "DELETE FROM audit_entry WHERE id >= 9")
    report = chain.verify(trail)
    assert not report.intact and report.broken_at == 9 and "cut" in (report.problem or "")


def test_records_removed_from_the_start_without_a_purge_are_found(
    trail: sqlite3.Connection,
) -> None:
    _edit(trail, "DELETE FROM audit_entry WHERE id <= 2")
    report = chain.verify(trail)
    assert report.broken_at == 3 and "purge" in (report.problem or "")


def test_a_purge_keeps_the_chain_verifiable(trail: sqlite3.Connection) -> None:
    gone = chain.purge(
        trail, T0 + dt.timedelta(days=4), chain.Entry("purge", T0 + dt.timedelta(days=30))
    )
    assert gone == 4
    report = chain.verify(trail)
    assert report.intact and report.first_id == 5 and report.records == 7
    purge = chain.head(trail)
    assert purge is not None and purge.action == "purge"
    assert json.loads(purge.detail)["through"] == 4
    audit(trail, "verify", at=T0 + dt.timedelta(days=31))
    assert chain.verify(trail).intact
    # Removing one more old record, as if it were purged, is not a purge.
    _edit(trail, "DELETE FROM audit_entry WHERE id = 5")
    assert chain.verify(trail).broken_at == 6


def test_a_forged_purge_record_is_found(trail: sqlite3.Connection) -> None:
    """A purge record written by hand to cover a deletion breaks the chain itself."""
    _edit(trail, "DELETE FROM audit_entry WHERE id <= 2")
    detail = json.dumps({"through": 2, "hash": "0" * 64, "count": 2})
    _edit(
        trail,
        "INSERT INTO audit_entry (at, operator, action, subject, outcome, detail, purpose, "
        "place, prev, hash) VALUES ('2026-02-01', '', 'purge', '', '', ?, '', '', '', '')",
        detail,
    )
    assert not chain.verify(trail).intact


def test_records_made_before_the_chain_are_chained_once_on_upgrade(tmp_path: Path) -> None:
    """A kiosk.db of local schema step 2 (no chain), with a gap where a row was deleted."""
    from db import schema

    path = tmp_path / "kiosk.db"
    with contextlib.closing(sqlite3.connect(path, isolation_level=None)) as old:
        for step in schema.LOCAL_STEPS[:2]:
            assert isinstance(step, str)
            for statement in step.split(";"):
                if statement.strip():
                    old.execute(statement)
        old.execute("PRAGMA user_version = 2")
        for i in (1, 2, 5):
            old.execute(
                "INSERT INTO audit_entry VALUES (?, ?, '', 'verify', ?, 'valid', '')",
                (i, f"2026-01-0{i}T00:00:00.000+00:00", f"P {i}"),
            )
    conn = open_local(path)
    try:
        report = chain.verify(conn)
        assert report.intact and report.records == 3
        subjects = [r[0] for r in conn.execute("SELECT subject FROM audit_entry ORDER BY id")]
        assert subjects == ["P 1", "P 2", "P 5"]
        audit(conn, "verify", subject="P 6")
        assert chain.verify(conn).intact and chain.verify(conn).records == 4
    finally:
        conn.close()


def test_export_writes_a_date_range_and_defuses_formulas(
    trail: sqlite3.Connection, tmp_path: Path
) -> None:
    audit(trail, "lookup", subject='=HYPERLINK("http://x")', at=T0 + dt.timedelta(days=2, hours=1))
    out = tmp_path / "a.csv"
    n = chain.export(trail, "2026-01-02", "2026-01-03", out)
    rows = list(csv.DictReader(out.open(encoding="utf-8-sig")))
    assert n == len(rows) == 3
    assert [r["id"] for r in rows] == ["2", "3", "11"]
    assert rows[-1]["subject"].startswith("'=")


def test_a_record_that_cannot_be_written_stops_the_verification(demo_copy: Path) -> None:
    """A full disk, made real with SQLite's own page limit: the verification is not shown,
    the service says why, and what was recorded before stays intact."""
    from kiosk.home import Home
    from kiosk.operators import Operator
    from kiosk.service import KioskService

    case = json.loads(
        (demo_copy / "demo" / "credentials.ndjson").read_text("utf-8").splitlines()[0]
    )
    service = KioskService(Home(demo_copy), session=Operator("desk1", "desk"))
    service.verify(case["payload"])
    conn = service._audit_conn()
    before = chain.verify(conn)
    pages = conn.execute("PRAGMA page_count").fetchone()[0]
    conn.execute(f"PRAGMA max_page_count = {pages}")
    big = "x" * 1500
    with pytest.raises(AuditError, match="nothing was done"):
        for _ in range(50):  # fill the last free page, then one more record cannot fit
            service.verify(case["payload"] + big)
    conn.execute("PRAGMA max_page_count = 1073741823")
    after = chain.verify(conn)
    assert after.intact and after.records >= before.records


def test_the_kiosk_purges_past_its_retention_and_the_chain_stays_whole(
    demo_copy: Path,
) -> None:
    from kiosk.home import Home
    from kiosk.operators import NotAllowedError, Operator
    from kiosk.service import KioskService

    for name in ("kiosk.db", "kiosk.db-wal", "kiosk.db-shm"):  # this test's records only
        (demo_copy / name).unlink(missing_ok=True)
    now = dt.datetime.now(dt.UTC)
    clock = [now - dt.timedelta(days=2000)]
    service = KioskService(Home(demo_copy), clock=lambda: clock[0], session=Operator("d", "desk"))
    service.verify("YZ1:old")
    service.verify("YZ1:old too")
    clock[0] = now
    service.verify("YZ1:new")
    with pytest.raises(NotAllowedError):
        service.purge_audit()
    service.warm_up()  # at start, past config.audit_retention_days
    conn = service._audit_conn()
    report = chain.verify(conn)
    assert report.intact and report.first_id == 3
    subjects = [r[0] for r in conn.execute("SELECT action FROM audit_entry ORDER BY id")]
    assert subjects[0] == "verify" and "purge" in subjects
    service.session = Operator("a", "admin")
    assert service.purge_audit() == 0


def test_a_truncated_local_database_is_reported_and_kept(demo_copy: Path) -> None:
    """Half a kiosk.db (a crash, a full disk): audit verify exits 3 saying so, a verification
    is refused with the reason, and the damaged file is left as it was for recovery."""
    from kiosk.home import Home
    from kiosk.operators import Operator
    from kiosk.service import KioskService
    from tests.test_cli import run

    service = KioskService(Home(demo_copy), session=Operator("desk1", "desk"))
    for i in range(200):
        service.verify(f"YZ1:{i}")
    service._audit_conn().execute("PRAGMA wal_checkpoint(TRUNCATE)")
    service._audit_conn().close()
    db = demo_copy / "kiosk.db"
    data = db.read_bytes()
    db.write_bytes(data[: len(data) // 2])
    proc = run("audit", "verify", "--home", str(demo_copy))
    assert proc.returncode == 3 and "malformed" in proc.stderr and "Traceback" not in proc.stderr
    proc = run("verify", "--home", str(demo_copy), "--payload", "YZ1:x", "--json")
    assert proc.returncode == 3 and "Traceback" not in proc.stderr and proc.stdout == ""
    assert db.read_bytes() == data[: len(data) // 2]


def test_audit_verify_and_export_through_the_cli(demo_copy: Path, tmp_path: Path) -> None:
    """cli.md `audit verify` / `audit export`: exit 0 intact, 2 broken (naming the record),
    64 for bad dates; the export lists the range and is itself recorded."""
    from tests.test_cli import run

    for i in range(3):
        run("verify", "--home", str(demo_copy), "--payload", f"YZ1:{i}")
    proc = run("audit", "verify", "--home", str(demo_copy), "--json")
    doc = json.loads(proc.stdout)
    assert proc.returncode == 0 and doc["intact"] and len(doc["head"]) == 64
    today = dt.datetime.now(dt.UTC).date()
    out = tmp_path / "trail.csv"
    week = (today - dt.timedelta(days=7)).isoformat()
    proc = run(
        "audit",
        "export",
        "--home",
        str(demo_copy),
        "--from",
        week,
        "--to",
        (today + dt.timedelta(days=1)).isoformat(),
        "--out",
        str(out),
    )
    assert proc.returncode == 0, proc.stderr
    rows = list(csv.DictReader(out.open(encoding="utf-8-sig")))
    assert [r["action"] for r in rows[-4:]] == ["verify", "verify", "verify", "export"]
    proc = run(
        "audit",
        "export",
        "--home",
        str(demo_copy),
        "--from",
        "2026-02-30",
        "--to",
        week,
        "--out",
        str(out),
    )
    assert proc.returncode == 64 and "Traceback" not in proc.stderr
    with contextlib.closing(sqlite3.connect(demo_copy / "kiosk.db")) as db, db:
        db.execute(
            "UPDATE audit_entry SET subject = 'P forged' WHERE id = (SELECT max(id) - 2 FROM audit_entry)"
        )
        broken = db.execute("SELECT max(id) - 2 FROM audit_entry").fetchone()[0]
    proc = run("audit", "verify", "--home", str(demo_copy), "--json")
    doc = json.loads(proc.stdout)
    assert proc.returncode == 2 and not doc["intact"] and doc["broken_at"] == broken


def test_a_settings_change_is_recorded_before_it_takes_effect(demo_copy: Path) -> None:
    from kiosk.home import Home
    from kiosk.operators import NotAllowedError, Operator
    from kiosk.service import KioskService

    service = KioskService(Home(demo_copy), session=Operator("d", "desk"))
    with pytest.raises(NotAllowedError):
        service.update_settings({"max_replica_age_days": "36500"})
    service.update_settings(language="en")  # the display language is anyone's
    service.session = Operator("a", "admin")
    service.update_settings({"card_timeout_s": "15"})
    conn = service._audit_conn()
    rows = conn.execute(
        "SELECT operator, action, detail FROM audit_entry WHERE action = 'settings'"
    )
    assert list(rows)[-2:] == [
        ("d", "settings", "language=en"),
        ("a", "settings", "card_timeout_s=15"),
    ]


def test_a_purge_of_every_record_keeps_the_chain_verifiable(trail: sqlite3.Connection) -> None:
    gone = chain.purge(
        trail, T0 + dt.timedelta(days=100), chain.Entry("purge", T0 + dt.timedelta(days=101))
    )
    assert gone == 10
    report = chain.verify(trail)
    assert report.intact and report.first_id == 11 and report.records == 1
