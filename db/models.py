"""The tables, defined once: the replica (replaced or updated by sync) and the kiosk's own
local database (audit, settings, operators), which no sync ever touches.

Both databases are deferred (`SqliteDatabase(None)`); callers `init` them on a file. Hot-path
reads do not go through these models (see db/replica.py and BENCHMARKS.md): the models own
the schema, bulk builds and the local database.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from peewee import (
    BlobField,
    CompositeKey,
    IntegerField,
    Model,
    SqliteDatabase,
    TextField,
)

replica_db = SqliteDatabase(None)
local_db = SqliteDatabase(None)


class ReplicaModel(Model):
    """Base of the replica tables."""

    class Meta:
        database = replica_db
        table_settings = ["WITHOUT ROWID"]
        legacy_table_names = False


class Meta(ReplicaModel):
    """Key/value facts about the publication: sequence, exported_at, id_key_check …"""

    key = TextField(primary_key=True)
    value = TextField()


class Institution(ReplicaModel):
    """医疗机构执业许可证 records."""

    reg_no = TextField(primary_key=True)
    name = TextField(index=True)
    category = TextField()
    address = TextField()
    region = TextField()
    legal_rep = TextField(null=True)
    principal = TextField()
    subjects = TextField()  # JSON array
    valid_from = TextField(null=True)
    valid_until = TextField()
    status = TextField()
    authority = TextField()
    authority_name = TextField()
    issued_on = TextField()
    version = IntegerField()


class Practitioner(ReplicaModel):
    """Physicians ('P') and nurses ('N'); the ID number only as keyed hash and mask."""

    kind = TextField()
    cert_no = TextField()
    id_hash = BlobField(index=True)
    id_mask = TextField()
    name = TextField(index=True)
    sex = TextField()
    birth_month = TextField()
    level = TextField(null=True)
    category = TextField(null=True)
    scope = TextField(null=True)  # JSON array
    title = TextField(null=True)
    location = TextField()
    institution = TextField(index=True)
    valid_until = TextField(null=True)
    status = TextField()
    authority = TextField()
    authority_name = TextField()
    issued_on = TextField()
    # First 16 bytes of the photo's SHA-256, NULL without one: the publisher diffs photos by it
    # instead of reading every photo of both replicas (27 GB each at national scale).
    photo = BlobField(null=True)
    version = IntegerField()

    class Meta:
        primary_key = CompositeKey("kind", "cert_no")


class Filing(ReplicaModel):
    """多机构执业备案: a practitioner's additional institutions."""

    kind = TextField()
    cert_no = TextField()
    institution = TextField(index=True)
    scope = TextField(null=True)  # JSON array
    filed_on = TextField()
    valid_until = TextField(null=True)

    class Meta:
        primary_key = CompositeKey("kind", "cert_no", "institution")


class Photo(ReplicaModel):
    """Face photos, apart from the records so that record pages stay small.

    A rowid table, unlike the others: a 2-3 KB photo in a WITHOUT ROWID row spills to an
    overflow page of its own (measured: every delete then touched two pages at random). Its key
    is a unique index made after the bulk load, not a PRIMARY KEY kept up row by row, which
    made each photo insert 4x dearer (bench figures in BENCHMARKS.md).
    """

    kind = TextField()
    cert_no = TextField()
    jpeg = BlobField()

    class Meta:
        primary_key = False
        table_settings: list[str] = []
        indexes = ((("kind", "cert_no"), True),)


REPLICA_TABLES: list[type[Model]] = [Meta, Institution, Practitioner, Filing, Photo]
# Secondary indexes, created after a bulk load (cheaper than maintaining them row by row).
REPLICA_INDEXED = {Institution, Practitioner, Filing, Photo}


def create_schema(conn: sqlite3.Connection, *, indexes: bool) -> None:
    """Create the replica tables (and optionally their secondary indexes) on a connection."""
    for model in REPLICA_TABLES:
        conn.execute(model._schema._create_table().query()[0])  # type: ignore[attr-defined]  # peewee DDL
        if indexes:
            create_indexes(conn, model)


def create_indexes(conn: sqlite3.Connection, model: Any) -> None:
    """Create one table's secondary indexes as the models define them."""
    for index in model._schema._create_indexes():  # noqa: SLF001
        conn.execute(index.query()[0])


def replica_schema() -> frozenset[tuple[str, str, str, str | None]]:
    """Every schema object of a replica as the kiosk itself creates it, with the statistics
    table ANALYZE adds: (type, name, table, sql) rows of sqlite_schema."""
    with sqlite3.connect(":memory:") as conn:
        create_schema(conn, indexes=True)
        conn.execute("ANALYZE")
        return schema_of(conn)


def schema_of(conn: sqlite3.Connection) -> frozenset[tuple[str, str, str, str | None]]:
    """The (type, name, table, sql) rows of a database's sqlite_schema."""
    return frozenset(
        (r[0], r[1], r[2], r[3])
        for r in conn.execute("SELECT type, name, tbl_name, sql FROM sqlite_schema")
    )


class LocalModel(Model):
    """Base of the kiosk's own tables."""

    class Meta:
        database = local_db
        legacy_table_names = False


class AuditEntry(LocalModel):
    """One look-up or verification: who, when, what, with what outcome. No clear ID numbers."""

    at = TextField()
    operator = TextField(default="")
    action = TextField()  # verify | lookup | sync | …
    subject = TextField(default="")  # masked or hashed, never in clear
    outcome = TextField(default="")
    detail = TextField(default="")


class Setting(LocalModel):
    """Kiosk settings edited on the kiosk (survive every sync)."""

    key = TextField(primary_key=True)
    value = TextField()


LOCAL_TABLES: list[type[Model]] = [AuditEntry, Setting]
