"""Deltas between two consecutive replicas: computed by the publisher, applied by kiosks.

A delta is a stream of JSON lines (zstd-compressed in the bundle): a header naming the
sequences and the new meta, then per table the inserted rows, the changed rows with *only
the columns that changed*, and the deleted keys. Applying one updates only what changed,
so index upkeep is limited to the indexed columns that really moved.
"""

from __future__ import annotations

import base64
import contextlib
import gc
import operator
import sqlite3
from collections.abc import Iterable, Iterator
from typing import IO, Any

import orjson

from db import prefetch
from domain.errors import BundleIntegrityError, RollbackError

# table: (columns in order, number of leading key columns)
TABLES: dict[str, tuple[tuple[str, ...], int]] = {
    "institution": (
        (
            "reg_no",
            "name",
            "category",
            "address",
            "region",
            "legal_rep",
            "principal",
            "subjects",
            "valid_from",
            "valid_until",
            "status",
            "authority",
            "authority_name",
            "issued_on",
            "version",
        ),
        1,
    ),
    "practitioner": (
        (
            "kind",
            "cert_no",
            "id_hash",
            "id_mask",
            "name",
            "sex",
            "birth_month",
            "level",
            "category",
            "scope",
            "title",
            "location",
            "institution",
            "valid_until",
            "status",
            "authority",
            "authority_name",
            "issued_on",
            "photo",
            "version",
        ),
        2,
    ),
    "filing": (("kind", "cert_no", "institution", "scope", "filed_on", "valid_until"), 3),
    "photo": (("kind", "cert_no", "jpeg"), 2),
}
# Apply order: parents before children for inserts; deletions run first, children first.
ORDER = ("institution", "practitioner", "filing", "photo")


def _dec(v: Any) -> Any:
    return base64.b64decode(v["$b"]) if isinstance(v, dict) else v


_q = prefetch.quote


def read(fh: IO[bytes]) -> tuple[dict[str, Any], Iterator[dict[str, Any]]]:
    """Read a delta's header and its records (lazily)."""
    try:
        header = orjson.loads(fh.readline())
    except orjson.JSONDecodeError as err:
        raise BundleIntegrityError(f"增量文件损坏 (delta header unreadable: {err})") from None

    def records() -> Iterator[dict[str, Any]]:
        for line in fh:
            try:
                yield orjson.loads(line)
            except orjson.JSONDecodeError as err:
                raise BundleIntegrityError(
                    f"增量文件损坏 (delta record unreadable: {err})"
                ) from None

    return header, records()


def apply(
    conn: sqlite3.Connection, header: dict[str, Any], records: Iterable[dict[str, Any]]
) -> None:
    """Apply one delta inside the caller's open transaction.

    Raises:
        RollbackError: the replica is not at the delta's starting sequence.
        BundleIntegrityError: a record that does not fit the replica.
    """
    (seq,) = conn.execute("SELECT value FROM meta WHERE key = 'sequence'").fetchone()
    if int(seq) != header["from"]:
        raise RollbackError(
            f"增量起点 {header['from']} 与本地库 {seq} 不符 (delta starts at {header['from']}, replica is at {seq})"
        )
    # Hundreds of thousands of small lists and dicts, none of them cyclic: the cycle collector
    # would walk them all again and again (a tenth of a national delta's time, profiled).
    with _no_cycle_collection():
        _apply(conn, records)
    conn.executemany(
        "INSERT OR REPLACE INTO meta VALUES (?, ?)",
        [(k, str(v)) for k, v in header["meta"].items()],
    )


@contextlib.contextmanager
def _no_cycle_collection() -> Iterator[None]:
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def _apply(conn: sqlite3.Connection, records: Iterable[dict[str, Any]]) -> None:
    changes = {table: prefetch.Changes() for table in ORDER}
    try:
        with prefetch.Ahead(conn, TABLES) as ahead:
            for n, rec in enumerate(records, 1):
                ch, op = changes[rec["t"]], rec["op"]
                if op == "upd":
                    values = rec["set"]
                    cols = tuple(sorted(values))
                    rows = ch.updates.get(cols)
                    if rows is None:
                        rows = ch.updates[cols] = []
                    rows.append([_dec(values[c]) for c in cols] + rec["key"])
                elif op == "del":
                    ch.deletes.append(rec["key"])
                elif op == "ins":
                    ch.inserts.append([_dec(v) for v in rec["row"]])
                else:
                    raise KeyError(op)
                if not n % prefetch.SEE_EVERY:
                    ahead.see(changes)
            # In key order: consecutive rows then share B-tree pages, which random order would
            # read and dirty once per row instead of once per page. (A delta as publisher.diff.diff
            # writes it is in key order already, which the sort finds in one pass.)
            for table, ch in changes.items():
                ch.deletes.sort()
                by_key = operator.itemgetter(slice(-TABLES[table][1], None))
                for rows in ch.updates.values():
                    rows.sort(key=by_key)
            ahead.seek(changes)
            # Updates before deletions: the keys of a delta's operations are apart, so the order
            # changes nothing but the time. The rows that only deletions reach are read ahead
            # while the updates run.
            for table in ORDER:
                for cols, rows in changes[table].updates.items():
                    _update(conn, table, cols, rows)
            ahead.wait()
            for table in reversed(ORDER):  # children first
                _delete(conn, table, changes[table].deletes)
        for table in ORDER:  # parents first
            if rows := changes[table].inserts:
                cols, _ = TABLES[table]
                conn.executemany(
                    f"INSERT INTO {_q(table)} VALUES ({','.join('?' * len(cols))})", rows
                )
    except (
        KeyError,
        TypeError,
        ValueError,
        sqlite3.IntegrityError,
        sqlite3.ProgrammingError,  # a row of the wrong length
    ) as err:
        raise BundleIntegrityError(
            f"增量与本地库不符 (delta does not fit the replica: {err})"
        ) from None


def _where(table: str) -> str:
    cols, nkey = TABLES[table]
    return " AND ".join(f"{_q(k)} = ?" for k in cols[:nkey])


def _delete(conn: sqlite3.Connection, table: str, keys: list[list[Any]]) -> None:
    if keys:
        conn.executemany(f"DELETE FROM {_q(table)} WHERE {_where(table)}", keys)


def _update(
    conn: sqlite3.Connection, table: str, cols: tuple[str, ...], rows: list[list[Any]]
) -> None:
    allowed = set(TABLES[table][0])
    if not set(cols) <= allowed:
        raise KeyError(f"unknown column in {table}")
    sets = ", ".join(f"{_q(c)} = ?" for c in cols)
    conn.executemany(f"UPDATE {_q(table)} SET {sets} WHERE {_where(table)}", rows)
