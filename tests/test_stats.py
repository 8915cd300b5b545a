"""Statistics (kiosk/stats.py, `stats [--json]`): every figure checked against counts made
independently, from the demo world's registry export read as plain JSON lines and from the
replica with plain SQL; the kiosk's verifications per day from a real local database."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import re
import sqlite3
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from db import store
from db.local import audit, open_local
from db.replica import Replica
from domain.timeutil import CHINA, parse_instant
from kiosk.stats import (
    KINDS,
    Counts,
    DayVerdicts,
    as_json,
    compute,
    level_of,
    parent_of,
    tree,
)
from kiosk.ws218 import classify

ROOT = Path(__file__).resolve().parent.parent


def _export(world: Path) -> dict[str, list[dict[str, Any]]]:
    folder = world / "demo" / "export"
    return {
        name: [
            json.loads(line) for line in (folder / f"{name}.ndjson").read_text("utf-8").splitlines()
        ]
        for name in ("institutions", "practitioners")
    }


def _records(world: Path) -> list[tuple[str, dict[str, Any]]]:
    """Every licence of the export as (type, record)."""
    e = _export(world)
    return [(p["kind"], p) for p in e["practitioners"]] + [
        ("institution", i) for i in e["institutions"]
    ]


@pytest.fixture(scope="module")
def now(demo_world: Path) -> dt.datetime:
    """A day after the export: the demo world's own time."""
    meta = json.loads((demo_world / "demo" / "export" / "meta.json").read_text("utf-8"))
    return parse_instant(meta["exported_at"]) + dt.timedelta(days=1)


@pytest.fixture
def replica(demo_world: Path) -> Any:
    path = store.current(demo_world / "replica")
    assert path is not None
    opened = Replica(path)
    yield opened
    opened.close()


@pytest.fixture
def local(tmp_path: Path) -> Any:
    conn = open_local(tmp_path / "kiosk.db")
    yield conn
    conn.close()


def test_counts_by_type_status_month_category_match_the_export(
    demo_world: Path, replica: Replica, local: sqlite3.Connection, now: dt.datetime
) -> None:
    records = _records(demo_world)
    today = now.astimezone(CHINA).date().isoformat()
    stats = compute(replica, local, now)
    r = stats.registry
    assert r is not None and r.jurisdiction == "410000" and r.sequence == 1 and r.as_of == today

    kinds = Counter(k for k, _ in records)
    assert (r.totals.physician, r.totals.nurse, r.totals.institution) == (
        kinds["physician"],
        kinds["nurse"],
        kinds["institution"],
    )
    statuses = Counter((k, rec["status"]) for k, rec in records)
    lapsed = Counter(
        k
        for k, rec in records
        if rec["status"] == "active" and rec.get("valid_until") and rec["valid_until"] < today
    )
    for t in r.types:
        assert t.total == kinds[t.kind]
        assert {s: n for s, n in t.statuses if n} == {
            s: n for (k, s), n in statuses.items() if k == t.kind
        }
        assert t.lapsed == lapsed[t.kind]
    assert lapsed["nurse"] > 0 and lapsed["institution"] > 0  # the demo has lapsed ones

    months = Counter((rec["issued_on"][:7], k) for k, rec in records)
    got = {(m.month, k): m.counts.of(k) for m in r.months for k in KINDS}
    assert {key: n for key, n in got.items() if n} == dict(months)
    assert [m.month for m in r.months] == sorted(m.month for m in r.months)
    assert r.months[0].month == min(m for m, _ in months)
    assert r.months[-1].month == max(m for m, _ in months)
    assert len({m.month for m in r.months}) == len(r.months)  # dense: no month twice, gaps 0

    institutions = [rec for k, rec in records if k == "institution"]
    by_category = Counter(classify(i["category"]).name for i in institutions)
    active = Counter(classify(i["category"]).name for i in institutions if i["status"] == "active")
    assert {c.name: (c.count, c.active) for c in r.categories} == {
        name: (n, active[name]) for name, n in by_category.items()
    }
    assert [c.count for c in r.categories] == sorted((c.count for c in r.categories), reverse=True)
    village = next(c for c in r.categories if c.name == "村卫生室")
    assert (village.code, village.cls) == ("D600", "D")


def test_authority_tree_matches_the_export_level_by_level(
    demo_world: Path, replica: Replica, local: sqlite3.Connection, now: dt.datetime
) -> None:
    records = _records(demo_world)
    own = Counter((rec["authority"], k) for k, rec in records)
    names = {rec["authority"]: rec["authority_name"] for _, rec in records}
    r = compute(replica, local, now).registry
    assert r is not None
    (province,) = r.authorities
    assert (province.code, province.level) == ("410000", "province")
    assert province.name == names["410000"] == "河南省卫生健康委员会"
    assert province.total == r.totals
    assert province.own.physician == own[("410000", "physician")]
    cities = {c.code: c for c in province.children}
    expected_cities = {code[:4] + "00" for code in names if code != "410000"}
    assert set(cities) == expected_cities
    for city in province.children:
        assert city.level == "city" and parent_of(city.code) == "410000"
        for kind in ("physician", "nurse", "institution"):
            below = sum(
                n for (code, k), n in own.items() if k == kind and code[:4] == city.code[:4]
            )
            assert city.total.of(kind) == below, (city.code, kind)
            assert city.own.of(kind) == own[(city.code, kind)]
        for county in city.children:
            assert county.level == "county" and county.children == ()
            assert county.name == names[county.code]
            assert county.total == county.own
            assert county.total.physician == own[(county.code, "physician")]
        totals = [c.total.total for c in city.children]
        assert totals == sorted(totals, reverse=True)
    assert sum(c.total.total for c in province.children) + province.own.total == r.totals.total
    # Authorities that approved no institution are named from their practitioners' records.
    only_people = {rec["authority"] for k, rec in records if k != "institution"} - {
        rec["authority"] for k, rec in records if k == "institution"
    }
    assert replica.authority_names(sorted(only_people)) == {c: names[c] for c in only_people}
    assert replica.authority_names([]) == {}


def test_replica_groups_agree_with_plain_sql(replica: Replica) -> None:
    """The one-pass counting of db/replica.py against SQLite's own GROUP BY."""
    counts = replica.stats(today="2026-01-01")
    mine = Counter[tuple[str, str, str]]()
    for g in counts.groups:
        mine[(g.kind, g.authority, g.status)] += g.n
    conn = sqlite3.connect(f"file:{replica.path}?mode=ro", uri=True)
    try:
        sql = conn.execute(
            "SELECT kind, authority, status, count(*) FROM practitioner GROUP BY 1, 2, 3 "
            "UNION ALL SELECT 'I', authority, status, count(*) FROM institution GROUP BY 2, 3"
        ).fetchall()
        lapsed = conn.execute(
            "SELECT count(*) FROM practitioner WHERE valid_until < '2026-01-01'"
        ).fetchone()[0]
        months = dict(
            conn.execute(
                "SELECT kind || substr(issued_on, 1, 7), count(*) FROM practitioner GROUP BY 1"
            ).fetchall()
        )
    finally:
        conn.close()
    assert dict(mine) == {(k, a, s): n for k, a, s, n in sql}
    assert sum(g.n for g in counts.groups if g.lapsed and g.kind != "I") == lapsed
    assert {m.kind + m.month: m.n for m in counts.months if m.kind != "I"} == months
    assert replica.stats() == replica.stats()  # without a day, nothing lapsed, and stable
    assert not any(g.lapsed for g in replica.stats().groups)


def test_verifications_per_day_by_verdict_from_the_audit_trail(
    local: sqlite3.Connection,
) -> None:
    now = dt.datetime(2026, 11, 20, 2, 30, tzinfo=dt.UTC)  # 10:30 in China

    def at(text: str) -> dt.datetime:
        return dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC)

    entries = [
        ("verify", "valid", "2026-11-19T16:00:00"),  # 00:00 on the 20th in China
        ("verify", "invalid", "2026-11-19T15:59:59.999"),  # 23:59 on the 19th
        ("check", "warning", "2026-11-20T01:00:00"),  # an ID-number check has a verdict too
        ("lookup", "3", "2026-11-20T01:00:00"),  # not a verification
        ("sync", "ok", "2026-11-20T01:00:00"),
        ("verify", "valid", "2026-10-21T16:00:00"),  # the window's first day, 10-22 in China
        ("verify", "valid", "2026-10-21T15:59:00"),  # the day before it: outside
        ("verify", "valid", "2026-11-20T17:00:00"),  # tomorrow in China (a clock gone back)
    ]
    for action, outcome, when in entries:
        audit(local, action, outcome=outcome, at=at(when))
    activity = compute(None, local, now).activity
    assert len(activity.days) == 30
    assert activity.days[-1] == DayVerdicts("2026-11-20", valid=1, warning=1)
    assert activity.days[-2] == DayVerdicts("2026-11-19", invalid=1)
    assert activity.days[0] == DayVerdicts("2026-10-22", valid=1)
    assert sum(d.total for d in activity.days[1:-2]) == 0
    assert (activity.totals.valid, activity.totals.warning, activity.totals.invalid) == (2, 1, 1)
    plan = " ".join(
        str(r)
        for r in local.execute(
            "EXPLAIN QUERY PLAN SELECT count(*) FROM audit_entry WHERE at >= ? AND at < ? "
            "AND action IN ('verify', 'check')",
            ("a", "b"),
        )
    )
    assert "audit_entry_at" in plan  # bounded by the window, not a scan of the whole trail


def test_without_a_replica_only_the_kiosks_own_figures(local: sqlite3.Connection) -> None:
    stats = compute(None, local, dt.datetime(2026, 11, 20, tzinfo=dt.UTC))
    assert stats.registry is None
    doc = as_json(stats)
    assert doc["replica"] is None and doc["verifications"]["totals"]["total"] == 0


def test_the_tree_adds_the_levels_above_and_names_them_where_known() -> None:
    own = {
        "411303": Counts(physician=2),
        "411302": Counts(nurse=1),
        "410000": Counts(institution=1),
        "419001": Counts(physician=1),  # a county-level city under the province directly
        "12345": Counts(nurse=4),  # not a division code: kept, at the top
    }
    roots = tree(own, {"411303": "南阳市卧龙区卫生健康委员会", "410000": "河南省卫生健康委员会"})
    assert [(n.code, n.level, n.total.total) for n in roots] == [
        ("410000", "province", 5),
        ("12345", "other", 4),
    ]
    henan = roots[0]
    assert henan.own == Counts(institution=1)
    nanyang = next(c for c in henan.children if c.code == "411300")
    assert (nanyang.level, nanyang.name, nanyang.own, nanyang.total) == (
        "city",
        None,
        Counts(),
        Counts(physician=2, nurse=1),
    )
    assert [c.code for c in nanyang.children] == ["411303", "411302"]
    assert nanyang.children[0].name == "南阳市卧龙区卫生健康委员会"
    assert [c.code for c in henan.children] == ["411300", "419000"]
    assert [level_of(c) for c in ("000000", "410000", "411300", "411303", "x")] == [
        "nation",
        "province",
        "city",
        "county",
        "other",
    ]


def test_ws218_names_codes_and_groups() -> None:
    assert (classify("村卫生室").code, classify("村卫生室").cls) == ("D600", "D")
    assert classify("a100").name == "综合医院"
    assert classify("中医（综合）医院").code == "A210"
    assert classify("中医院").name == "中医(综合)医院"
    assert (classify("诊所").code, classify("诊所").cls) == (None, "D")
    assert (classify("宠物医院").code, classify("宠物医院").cls) == (None, None)


def test_json_shape_is_stable_and_holds_no_id_number(
    demo_world: Path, replica: Replica, local: sqlite3.Connection, now: dt.datetime
) -> None:
    doc = as_json(compute(replica, local, now))
    assert set(doc) == {"format", "computed_at", "replica", "verifications"}
    assert doc["format"] == 1
    rep = doc["replica"]
    assert set(rep) == {
        "jurisdiction",
        "sequence",
        "exported_at",
        "as_of",
        "totals",
        "authorities",
        "by_type",
        "institution_categories",
        "registrations_by_month",
    }
    assert set(rep["totals"]) == {"physician", "nurse", "institution", "total"}
    node = rep["authorities"][0]
    assert set(node) == {"code", "level", "name", "own", "total", "children"}
    assert set(rep["by_type"]) == {"physician", "nurse", "institution"}
    assert set(rep["by_type"]["nurse"]) == {"total", "status", "lapsed"}
    assert set(rep["institution_categories"][0]) == {
        "name",
        "code",
        "class",
        "class_name",
        "count",
        "active",
    }
    assert set(rep["registrations_by_month"][0]) == {
        "month",
        "physician",
        "nurse",
        "institution",
        "total",
    }
    assert set(doc["verifications"]) == {"days", "from", "to", "totals", "by_day"}
    text = json.dumps(doc, ensure_ascii=False)
    ids = {p["id_number"] for p in _export(demo_world)["practitioners"]}
    assert not any(i in text for i in ids)
    assert not re.search(r"\d{17}[\dX]", text)
    assert "id_" not in text


# --- the command line ---------------------------------------------------------------------


def _stats(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "YANZHAO_HOME"}
    return subprocess.run(
        [sys.executable, str(ROOT / "main.py"), "stats", "--home", str(home), *args],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        cwd=ROOT,
    )


def test_cli_stats_json_counts_equal_the_export(demo_world: Path) -> None:
    proc = _stats(demo_world, "--json")
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    kinds = Counter(k for k, _ in _records(demo_world))
    assert doc["replica"]["totals"] == {
        "physician": kinds["physician"],
        "nurse": kinds["nurse"],
        "institution": kinds["institution"],
        "total": sum(kinds.values()),
    }
    assert doc["replica"]["authorities"][0]["name"] == "河南省卫生健康委员会"
    assert len(doc["verifications"]["by_day"]) == doc["verifications"]["days"] == 30


def test_cli_stats_text_and_missing_replica(demo_world: Path, tmp_path: Path) -> None:
    from cli.commands import Io
    from cli.stats import stats

    out, err = io.StringIO(), io.StringIO()
    assert stats(str(demo_world), False, Io(out, err)) == 0
    text = out.getvalue()
    kinds = Counter(k for k, _ in _records(demo_world))
    assert f"nurses {kinds['nurse']:,}" in text and "平顶山市卫生健康委员会" in text
    assert "村卫生室" in text and "D600" in text and not err.getvalue()

    proc = _stats(demo_world / "demo" / "no-replica-home", "--json")
    assert proc.returncode == 3 and proc.stdout == ""
    assert "sync" in proc.stderr and "Traceback" not in proc.stderr
    proc = _stats(tmp_path / "no-home")
    assert proc.returncode == 3 and "init" in proc.stderr and "Traceback" not in proc.stderr


def test_cli_stats_with_a_damaged_replica_exits_3(demo_copy: Path) -> None:
    from cli.commands import Io
    from cli.stats import stats

    path = store.current(demo_copy / "replica")
    assert path is not None
    path.write_bytes(b"not a database" * 1000)
    out, err = io.StringIO(), io.StringIO()
    assert stats(str(demo_copy), True, Io(out, err)) == 3
    assert out.getvalue() == "" and "本地库" in err.getvalue()


def test_benchmark_measures_a_replica(replica: Replica) -> None:
    from bench.stats import measure

    r = measure(replica.path, rounds=2)
    conn = sqlite3.connect(f"file:{replica.path}?mode=ro", uri=True)
    try:
        (records,) = conn.execute(
            "SELECT (SELECT count(*) FROM practitioner) + (SELECT count(*) FROM institution)"
        ).fetchone()
    finally:
        conn.close()
    assert r["records"] == records
    assert r["warm_median_s"] > 0 and r["scan_median_s"] > 0 and len(r["rounds"]) == 2
