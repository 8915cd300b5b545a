"""Seeking a delta's keys in the replica's b-trees: one join per b-tree over a TEMP table of
keys, run inside SQLite (which releases the GIL) on several read-only connections."""

from __future__ import annotations

import operator
import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Changes:
    """One table's changes, grouped as db.delta applies them: the keys it deletes, the rows it
    updates by the columns they set (each row: those columns' values in that order, then the
    key), and the rows it inserts (every column, in table order)."""

    deletes: list[list[Any]] = field(default_factory=list)
    updates: dict[tuple[str, ...], list[list[Any]]] = field(default_factory=dict)
    inserts: list[list[Any]] = field(default_factory=list)


# Where a probe's rows come from: changes, and how to make a row of temp.k of each (None: as is).
_Source = tuple[Sequence[Any], Callable[[Any], Sequence[Any]] | None]


@dataclass(frozen=True)
class Probe:
    sql: str  # one join over temp.k
    width: int  # columns of temp.k
    sources: tuple[_Source, ...]
    targets: tuple[str, ...]  # the b-trees in which each row is one seek
    via: tuple[str, ...] = ()  # b-trees the join also walks to get there
    deletes_only: bool = False  # every row is a key the delta deletes

    @property
    def count(self) -> int:
        return sum(len(rows) for rows, _ in self.sources)

    def rows(self) -> list[Sequence[Any]]:
        out: list[Sequence[Any]] = []
        for rows, get in self.sources:
            out += rows if get is None else map(get, rows)
        return out


@dataclass(frozen=True)
class Table:
    name: str
    cols: tuple[str, ...]
    keys: tuple[str, ...]
    rowid: bool
    indexes: tuple[tuple[str, tuple[str, ...]], ...]  # secondary indexes: (name, columns)


def quote(name: str) -> str:
    """An SQL identifier, quoted."""
    return '"' + name.replace('"', '""') + '"'


def _indexes(conn: sqlite3.Connection, table: str) -> list[tuple[str, tuple[str, ...]]]:
    """The table's secondary indexes on plain columns: (name, columns)."""
    out = []
    for _, name, _unique, origin, partial in conn.execute(
        f"PRAGMA main.index_list({quote(table)})"
    ):
        if origin == "pk" or partial:
            continue
        cols = tuple(r[2] for r in conn.execute(f"PRAGMA main.index_info({quote(name)})"))
        if cols and all(cols):
            out.append((name, cols))
    return out


def table_of(conn: sqlite3.Connection, name: str, cols: tuple[str, ...], nkey: int) -> Table | None:
    row = conn.execute(
        "SELECT sql NOT LIKE '%WITHOUT ROWID%' FROM main.sqlite_master "
        "WHERE type = 'table' AND name = ?",
        (name,),
    ).fetchone()
    if row is None:
        return None
    return Table(name, cols, cols[:nkey], bool(row[0]), tuple(_indexes(conn, name)))


def probes(t: Table, ch: Changes) -> list[Probe]:
    """The seeks that read what applying `ch` to table `t` reads: its rows, and the entries of
    each index that the changes move (old ones by the row, new ones by the values they get).
    Nothing is copied here: a probe's rows are made when it runs (`Probe.rows`)."""
    name, keys = quote(t.name), t.keys
    nkey = len(keys)
    key_of_update = operator.itemgetter(slice(-nkey, None))
    key_of_insert = operator.itemgetter(slice(0, nkey))
    on_key = " AND ".join(f"t.{quote(k)} = k.c{i}" for i, k in enumerate(keys))
    key_index = tuple(n for n, icols in t.indexes if t.rowid and icols == keys)
    # max() of the last column reads the row itself, also where an index found the key, and
    # all of a long value (a photo's overflow pages, which its delete or update walks)
    probes = [
        Probe(
            f"SELECT max(t.{quote(t.cols[-1])}) FROM temp.k CROSS JOIN main.{name} t ON {on_key}",
            nkey,
            (
                (ch.deletes, None),
                *((rows, key_of_update) for rows in ch.updates.values()),
                (ch.inserts, key_of_insert),
            ),
            (t.name, *key_index),
            deletes_only=not ch.updates and not ch.inserts,
        )
    ]
    tail = ("rowid",) if t.rowid else keys
    for index, icols in t.indexes:
        if index in key_index:
            continue  # the row probe found the row through it
        # Whether an update moves the index is a question about its columns, asked once for
        # each set of columns, not for each row.
        ic = frozenset(icols)
        moving = [(cols, rows) for cols, rows in ch.updates.items() if not ic.isdisjoint(cols)]
        full = icols + tuple(c for c in tail if c not in icols)
        on = " AND ".join(f"x.{quote(c)} = t.{quote(c)}" for c in full)
        probes.append(
            Probe(
                f"SELECT count(*) FROM temp.k CROSS JOIN main.{name} t ON {on_key} "
                f"CROSS JOIN main.{name} x INDEXED BY {quote(index)} ON {on}",
                nkey,
                ((ch.deletes, None), *((rows, key_of_update) for _, rows in moving)),
                (index,),
                (t.name, *key_index),
                deletes_only=not moving,
            )
        )
        # The new entries, where the values they get are all known: an inserted row's, or an
        # update's that sets every indexed column it does not have in its key.
        seek = icols + (() if t.rowid else tuple(c for c in keys if c not in icols))
        entries: list[_Source] = []
        for cols, rows in moving:
            if all(c in cols or c in keys for c in seek):
                at = [cols.index(c) if c in cols else len(cols) + keys.index(c) for c in seek]
                entries.append((rows, _getter(at)))
        if ch.inserts:
            entries.append((ch.inserts, _getter([t.cols.index(c) for c in seek])))
        on = " AND ".join(f"x.{quote(c)} = k.c{i}" for i, c in enumerate(seek))
        probes.append(
            Probe(
                f"SELECT count(*) FROM temp.k CROSS JOIN main.{name} x INDEXED BY {quote(index)} "
                f"ON {on}",
                len(seek),
                tuple(entries),
                (index,),
            )
        )
    return [p for p in probes if p.count]


def _getter(at: list[int]) -> Callable[[Any], Sequence[Any]]:
    if len(at) == 1:
        (i,) = at
        return lambda row: (row[i],)
    return operator.itemgetter(*at)
