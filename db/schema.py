"""The tables, defined once, in SQL: the replica (replaced or updated by sync) and the kiosk's
own local database (audit, settings), which no sync ever touches.

Plain SQL, no ORM (docs/decisions.md): the replica is read on the hot path with raw queries
(an ORM-built query cost 7-8× the look-up itself, BENCHMARKS.md), built with executemany, and
compared object by object with a snapshot's schema (sync refuses anything else); the local
database is written on the verify command's cold path. Its schema grows by numbered steps
(`LOCAL_STEPS`, kept in `PRAGMA user_version`).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

# One table each, in creation order. Every table but photo is WITHOUT ROWID: records are read
# by key. photo is a rowid table: a 2-3 KB photo in a WITHOUT ROWID row spills to an overflow
# page of its own (measured: every delete then touched two pages at random); its key is a
# unique index made after the bulk load, not a PRIMARY KEY kept up row by row, which made each
# photo insert 4x dearer (BENCHMARKS.md).
REPLICA_TABLES: dict[str, str] = {
    # Facts about the publication: sequence, exported_at, jurisdiction, id_key_check …
    "meta": 'CREATE TABLE "meta" ("key" TEXT NOT NULL PRIMARY KEY, "value" TEXT NOT NULL) '
    "WITHOUT ROWID",
    # 医疗机构执业许可证; subjects is a JSON array.
    "institution": 'CREATE TABLE "institution" ("reg_no" TEXT NOT NULL PRIMARY KEY, '
    '"name" TEXT NOT NULL, "category" TEXT NOT NULL, "address" TEXT NOT NULL, '
    '"region" TEXT NOT NULL, "legal_rep" TEXT, "principal" TEXT NOT NULL, '
    '"subjects" TEXT NOT NULL, "valid_from" TEXT, "valid_until" TEXT NOT NULL, '
    '"status" TEXT NOT NULL, "authority" TEXT NOT NULL, "authority_name" TEXT NOT NULL, '
    '"issued_on" TEXT NOT NULL, "version" INTEGER NOT NULL) WITHOUT ROWID',
    # Physicians ('P') and nurses ('N'); the ID number only as keyed hash and mask; scope a
    # JSON array; photo the first 16 bytes of the photo's SHA-256 (NULL without one), by which
    # the publisher diffs photos instead of reading every photo of both replicas.
    "practitioner": 'CREATE TABLE "practitioner" ("kind" TEXT NOT NULL, '
    '"cert_no" TEXT NOT NULL, "id_hash" BLOB NOT NULL, "id_mask" TEXT NOT NULL, '
    '"name" TEXT NOT NULL, "sex" TEXT NOT NULL, "birth_month" TEXT NOT NULL, "level" TEXT, '
    '"category" TEXT, "scope" TEXT, "title" TEXT, "location" TEXT NOT NULL, '
    '"institution" TEXT NOT NULL, "valid_until" TEXT, "status" TEXT NOT NULL, '
    '"authority" TEXT NOT NULL, "authority_name" TEXT NOT NULL, "issued_on" TEXT NOT NULL, '
    '"photo" BLOB, "version" INTEGER NOT NULL, PRIMARY KEY ("kind", "cert_no")) WITHOUT ROWID',
    # 多机构执业备案: a practitioner's additional institutions; scope a JSON array.
    "filing": 'CREATE TABLE "filing" ("kind" TEXT NOT NULL, "cert_no" TEXT NOT NULL, '
    '"institution" TEXT NOT NULL, "scope" TEXT, "filed_on" TEXT NOT NULL, '
    '"valid_until" TEXT, PRIMARY KEY ("kind", "cert_no", "institution")) WITHOUT ROWID',
    # Face photos, apart from the records so that record pages stay small.
    "photo": 'CREATE TABLE "photo" ("kind" TEXT NOT NULL, "cert_no" TEXT NOT NULL, '
    '"jpeg" BLOB NOT NULL)',
}

# Secondary indexes, created after a bulk load (cheaper than keeping them up row by row).
REPLICA_INDEXES: dict[str, tuple[str, ...]] = {
    "institution": ('CREATE INDEX "institution_name" ON "institution" ("name")',),
    "practitioner": (
        'CREATE INDEX "practitioner_id_hash" ON "practitioner" ("id_hash")',
        'CREATE INDEX "practitioner_name" ON "practitioner" ("name")',
        'CREATE INDEX "practitioner_institution" ON "practitioner" ("institution")',
    ),
    "filing": ('CREATE INDEX "filing_institution" ON "filing" ("institution")',),
    "photo": ('CREATE UNIQUE INDEX "photo_kind_cert_no" ON "photo" ("kind", "cert_no")',),
}


def _chain_audit(conn: sqlite3.Connection) -> None:
    from db import audit

    conn.execute(audit.TABLE_SQL.replace('"audit_entry"', '"audit_chained"', 1))
    rows = conn.execute(
        "SELECT at, operator, action, subject, outcome, detail FROM audit_entry ORDER BY id"
    ).fetchall()
    prev = audit.GENESIS
    for i, (at, operator, action, subject, outcome, detail) in enumerate(rows, 1):
        record = audit.Record(i, at, operator, action, subject, outcome, detail, "", "", prev, "")
        prev = audit.digest(record)
        conn.execute(audit.INSERT.replace("audit_entry", "audit_chained", 1), (*record[:-1], prev))
    conn.execute('DROP TABLE "audit_entry"')
    conn.execute('ALTER TABLE "audit_chained" RENAME TO "audit_entry"')
    conn.execute('CREATE INDEX "audit_entry_at" ON "audit_entry" ("at")')


# The local database's schema, step by step: step N brings user_version N-1 to N. A step is
# never edited once released; the schema grows by appending one.
LOCAL_STEPS: tuple[str | Callable[[sqlite3.Connection], None], ...] = (
    # 1: the audit trail and the settings an admin changes on the kiosk.
    'CREATE TABLE "audit_entry" ("id" INTEGER NOT NULL PRIMARY KEY, "at" TEXT NOT NULL, '
    '"operator" TEXT NOT NULL, "action" TEXT NOT NULL, "subject" TEXT NOT NULL, '
    '"outcome" TEXT NOT NULL, "detail" TEXT NOT NULL);'
    'CREATE TABLE "setting" ("key" TEXT NOT NULL PRIMARY KEY, "value" TEXT NOT NULL);',
    # 2: the latest recorded time, read on every verification (CLOCK_SUSPECT), in O(log n).
    'CREATE INDEX "audit_entry_at" ON "audit_entry" ("at");',
    # 3: the hash-chained audit trail (issue 20): every record holds the SHA-256 of the one
    # before; ids never reused (AUTOINCREMENT), so a cut tail shows in sqlite_sequence. The
    # records made before the chain are chained once here, renumbered from 1.
    _chain_audit,
    # 4: operators (argon2 PIN hashes, failed tries, lock) and the alerts raised on abnormal use
    # (each once per key: the kind and the window it covers), with who acknowledged them.
    'CREATE TABLE "operator" ("name" TEXT NOT NULL PRIMARY KEY, "role" TEXT NOT NULL, '
    '"pin" TEXT NOT NULL, "failures" INTEGER NOT NULL DEFAULT 0, '
    '"next_try" TEXT NOT NULL DEFAULT \'\', "locked" INTEGER NOT NULL DEFAULT 0, '
    '"created_at" TEXT NOT NULL);'
    'CREATE TABLE "alert" ("id" INTEGER PRIMARY KEY AUTOINCREMENT, "key" TEXT NOT NULL UNIQUE, '
    '"at" TEXT NOT NULL, "kind" TEXT NOT NULL, "evidence" TEXT NOT NULL, '
    "\"acked_by\" TEXT NOT NULL DEFAULT '', \"acked_at\" TEXT NOT NULL DEFAULT '');",
)


def create_schema(conn: sqlite3.Connection, *, indexes: bool) -> None:
    """Create the replica tables (and optionally their secondary indexes) on a connection."""
    for table, sql in REPLICA_TABLES.items():
        conn.execute(sql)
        if indexes:
            create_indexes(conn, table)


def create_indexes(conn: sqlite3.Connection, table: str) -> None:
    """Create one table's secondary indexes."""
    for sql in REPLICA_INDEXES.get(table, ()):
        conn.execute(sql)


def replica_schema() -> frozenset[tuple[str, str, str, str | None]]:
    """Every schema object of a replica as the kiosk itself creates it, with the statistics
    table ANALYZE adds: (type, name, table, sql) rows of sqlite_schema."""
    conn = sqlite3.connect(":memory:")
    try:
        create_schema(conn, indexes=True)
        conn.execute("ANALYZE")
        return schema_of(conn)
    finally:
        conn.close()


def schema_of(conn: sqlite3.Connection) -> frozenset[tuple[str, str, str, str | None]]:
    """The (type, name, table, sql) rows of a database's sqlite_schema."""
    return frozenset(
        (r[0], r[1], r[2], r[3])
        for r in conn.execute("SELECT type, name, tbl_name, sql FROM sqlite_schema")
    )


def migrate_local(conn: sqlite3.Connection) -> None:
    """Bring the local database's schema up to date (a connection in autocommit mode): each
    step in a transaction of its own, which reads the version again once it holds the write
    lock, so two processes opening one new database at once apply each step once."""
    while int(conn.execute("PRAGMA user_version").fetchone()[0]) < len(LOCAL_STEPS):
        conn.execute("BEGIN IMMEDIATE")
        try:
            version = int(conn.execute("PRAGMA user_version").fetchone()[0])
            if version < len(LOCAL_STEPS):
                step = LOCAL_STEPS[version]
                if callable(step):
                    step(conn)
                else:
                    for statement in step.split(";"):
                        if statement.strip():
                            conn.execute(statement)
                conn.execute(f"PRAGMA user_version={version + 1}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
