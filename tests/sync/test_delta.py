"""db.delta as a property: for any two replicas, diff → write → read → apply turns the old one into
the new one, row for row, in one transaction."""

from __future__ import annotations

import io
import sqlite3
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from db import build, delta
from kiosk.export import photo_digest

NULLABLE = {
    "institution": {"legal_rep", "valid_from"},
    "practitioner": {"level", "category", "scope", "title", "valid_until"},
    "filing": {"scope", "valid_until"},
    "photo": set(),
}
KEYS = st.sampled_from(["a", "b", "c", "d", "e", "f"])  # few keys: rows collide, change, vanish


def _value(table: str, col: str) -> st.SearchStrategy[Any]:
    if col in ("id_hash", "jpeg"):
        return st.binary(max_size=12)
    if col == "version":
        return st.integers(-(2**63), 2**63 - 1)
    if col == "photo":
        return st.none()  # set by _as_built from the photo rows
    text = st.text(max_size=6)
    return st.one_of(st.none(), text) if col in NULLABLE[table] else text


def _rows(table: str) -> st.SearchStrategy[dict[tuple[Any, ...], tuple[Any, ...]]]:
    cols, nkey = delta.TABLES[table]
    key = st.tuples(*[KEYS for _ in range(nkey)])
    rest = st.tuples(*[_value(table, c) for c in cols[nkey:]])
    return st.dictionaries(key, rest, max_size=8)


def _as_built(content: dict[str, dict[tuple[Any, ...], tuple[Any, ...]]]) -> dict[str, Any]:
    """As db.build makes replicas: a photo row exactly for the practitioners whose photo column
    is that photo's digest (the generated photo rows of other keys are dropped)."""
    at = delta.TABLES["practitioner"][0].index("photo") - 2
    practitioners, photos = {}, {}
    for key, rest in content["practitioner"].items():
        jpeg = content["photo"].get(key, (None,))[0]
        values = list(rest)
        values[at] = None if jpeg is None else photo_digest(jpeg)
        practitioners[key] = tuple(values)
        if jpeg is not None:
            photos[key] = (jpeg,)
    return {**content, "practitioner": practitioners, "photo": photos}


REPLICA = st.fixed_dictionaries({t: _rows(t) for t in delta.ORDER}).map(_as_built)


def _make(path: Path, content: dict[str, dict[tuple[Any, ...], tuple[Any, ...]]], seq: int) -> None:
    conn = sqlite3.connect(path)
    build.create_schema(conn, indexes=True)
    for table, rows in content.items():
        n = len(delta.TABLES[table][0])
        conn.executemany(
            f'INSERT INTO "{table}" VALUES ({",".join("?" * n)})', [k + v for k, v in rows.items()]
        )
    conn.executemany(
        "INSERT INTO meta VALUES (?, ?)", [("sequence", str(seq)), ("note", f"v{seq}")]
    )
    conn.commit()
    conn.close()


def _dump(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    conn = sqlite3.connect(path)
    try:
        return {
            t: sorted(conn.execute(f'SELECT * FROM "{t}"').fetchall(), key=repr)
            for t in (*delta.ORDER, "meta")
        }
    finally:
        conn.close()


def _round_trip(old: dict[str, Any], new: dict[str, Any]) -> list[dict[str, Any]]:
    with tempfile.TemporaryDirectory() as tmp:
        a, b = Path(tmp) / "old.db", Path(tmp) / "new.db"
        _make(a, old, 1)
        _make(b, new, 2)
        records = list(delta.diff(a, b))
        buf = io.BytesIO()
        delta.write(records, {"from": 1, "to": 2, "meta": {"sequence": 2, "note": "v2"}}, buf)
        buf.seek(0)
        header, stream = delta.read(buf)
        conn = sqlite3.connect(a, isolation_level=None)
        conn.execute("BEGIN")
        delta.apply(conn, header, stream)
        conn.execute("COMMIT")
        conn.close()
        assert _dump(a) == _dump(b)
        return records


@settings(max_examples=80, deadline=None)
@given(old=REPLICA, new=REPLICA)
def test_apply_of_diff_turns_old_into_new(old: dict, new: dict) -> None:  # type: ignore[type-arg]
    _round_trip(old, new)


def test_every_kind_of_photo_change_reaches_the_kiosk() -> None:
    """Photos are diffed by digest only: replaced, removed, added to a known practitioner,
    brought by a new one and taken away with a deleted one; untouched ones are not sent."""
    cols = delta.TABLES["practitioner"][0][2:]

    def person(name: str) -> tuple[Any, ...]:
        values: dict[str, Any] = {c: "x" for c in cols} | {"id_hash": b"h", "version": 1}
        values |= {"name": name, "photo": None}
        return tuple(values[c] for c in cols)

    def world(people: dict[str, bytes | None]) -> dict[str, Any]:
        return _as_built(
            {
                "institution": {},
                "filing": {},
                "practitioner": {("P", k): person(k) for k in people},
                "photo": {("P", k): (v,) for k, v in people.items() if v is not None},
            }
        )

    old = world({"same": b"s", "replaced": b"r1", "removed": b"x", "added": None, "gone": b"g"})
    new = world({"same": b"s", "replaced": b"r2", "removed": None, "added": b"a", "new": b"n"})
    photos = {
        (r["op"], (r.get("key") or r["row"])[1]) for r in _round_trip(old, new) if r["t"] == "photo"
    }
    assert photos == {
        ("upd", "replaced"),
        ("del", "removed"),
        ("ins", "added"),
        ("ins", "new"),
        ("del", "gone"),
    }
