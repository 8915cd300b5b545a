"""db.delta as a property: for any two replicas, diff → write → read → apply turns the old one into
the new one, row for row, in one transaction."""

from __future__ import annotations

import io
import sqlite3
import tempfile
import threading
from pathlib import Path
from typing import Any

import orjson
import pytest
import zstandard
from hypothesis import given, settings
from hypothesis import strategies as st

from db import delta, schema
from publisher import diff
from publisher.export import photo_digest
from tests.sync.conftest import Chain

NULLABLE = {
    "institution": {"legal_rep", "valid_from"},
    "practitioner": {"level", "category", "scope", "title", "valid_until"},
    "filing": {"scope", "valid_until"},
    "photo": set(),
}
# Few keys, so rows collide, change and vanish; "N" and "P" put practitioners and filings in
# both parts that the diff runs side by side (diff.PARTS).
KEYS = st.sampled_from(["N", "P", "c", "d", "e", "f"])


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
    """As publisher.build makes replicas: a photo row exactly for the practitioners whose photo column
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
    schema.create_schema(conn, indexes=True)
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
        records = list(diff.diff(a, b))
        buf = io.BytesIO()
        diff.write(records, {"from": 1, "to": 2, "meta": {"sequence": 2, "note": "v2"}}, buf)
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


def test_the_diff_is_the_same_however_it_is_split(
    chain: Chain, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Parts diffed side by side give the very records of one pass over each table (in another
    order within a table, which apply does not depend on: it gathers a delta before it writes)."""
    old, new = (
        _snapshot(chain.bundles[1], tmp_path / "1.db"),
        _snapshot(chain.bundles[3], tmp_path / "3.db"),
    )
    split = list(diff.diff(old, new))
    assert {r["t"] for r in split} >= {"institution", "practitioner", "photo"}
    assert {r["key"][0] for r in split if r["t"] == "practitioner" and r["op"] == "upd"} == {
        "N",
        "P",
    }
    monkeypatch.setattr(diff, "DIFF_THREADS", 1)
    monkeypatch.setattr(diff, "PARTS", dict.fromkeys(diff.PARTS, ("1",)))
    whole = list(diff.diff(old, new))
    assert whole != split  # the order tells the two ways apart
    assert sorted(map(orjson.dumps, whole)) == sorted(map(orjson.dumps, split))


def test_a_part_that_fails_fails_the_diff_and_leaves_no_thread(tmp_path: Path) -> None:
    good = tmp_path / "good.db"
    _make(good, {t: {} for t in delta.ORDER}, 1)
    bad = tmp_path / "bad.db"
    bad.write_bytes(b"not a database" * 100)
    with pytest.raises(sqlite3.DatabaseError):
        list(diff.diff(bad, good))
    assert not [t for t in threading.enumerate() if t.name.startswith("diff")]


def test_a_diff_given_up_half_way_leaves_no_thread(chain: Chain, tmp_path: Path) -> None:
    old, new = (
        _snapshot(chain.bundles[1], tmp_path / "1.db"),
        _snapshot(chain.bundles[3], tmp_path / "3.db"),
    )
    records = diff.diff(old, new)
    next(records)
    records.close()  # e.g. the disk filled up while the delta was written
    assert not [t for t in threading.enumerate() if t.name.startswith("diff")]


def _snapshot(bundle: Path, dest: Path) -> Path:
    (src,) = bundle.glob("snapshot-*.db.zst")
    with src.open("rb") as fin, dest.open("wb") as fout:
        zstandard.ZstdDecompressor().copy_stream(fin, fout)
    return dest


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
