"""kiosk/query.py's look-up helpers: what the box holds (for the hint), and a name's true count."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from db import store
from db.replica import Replica
from domain import idnum
from kiosk.query import COUNT_CAP, count_by_name, typed_kind


def _people(home: Path) -> list[dict[str, str]]:
    with (home / "demo" / "export" / "practitioners.ndjson").open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh]


def test_typed_kind_tells_an_id_number_from_a_certificate_number(demo_world: Path) -> None:
    """Issue 21: a certificate number being typed is not "已输入 15/18 位" of an ID number."""
    people = _people(demo_world)
    doctor = next(p for p in people if p["kind"] == "physician")
    nurse = next(p for p in people if p["kind"] == "nurse")
    for person in (doctor, nurse):
        assert typed_kind(person["cert_no"]) == "cert", person["cert_no"]
        for n in (12, 13):  # a prefix may look like an ID number up to its "month"
            assert typed_kind(person["cert_no"][:n]) == "cert", person["cert_no"][:n]
        id18 = person["id_number"]
        for n in (8, 10, 14, 17, 18):
            assert typed_kind(id18[:n]) == "id", n
        assert typed_kind(id18[:3]) == "id_or_cert"
    body = doctor["id_number"][:6] + doctor["id_number"][8:17]  # an old 15-digit number
    assert typed_kind(body) == "legacy_or_cert"
    assert typed_kind(doctor["name"]) == "name" and typed_kind("  ") == "empty"
    assert typed_kind("yz1:ABC") == "code" and typed_kind(doctor["institution"]) == "cert"
    assert typed_kind(idnum.mask(doctor["id_number"])) == "cert"


@pytest.mark.parametrize("cap", [False, True])
def test_count_by_name_is_the_true_total(demo_world: Path, cap: bool) -> None:
    """Issue 21: "找到 20 条记录" was the page size; the count is every match (up to the cap)."""
    people = _people(demo_world)
    surname = max(
        {p["name"][0] for p in people}, key=lambda s: sum(p["name"][0] == s for p in people)
    )
    expected = sum(p["name"].startswith(surname) for p in people)
    path = store.current(demo_world / "replica")
    assert path is not None and expected > 20
    replica = Replica(path)
    try:
        if cap:
            import kiosk.query as query

            old = query.COUNT_CAP
            query.COUNT_CAP = 5
            try:
                assert count_by_name(replica, surname) == 5
            finally:
                query.COUNT_CAP = old
        else:
            assert count_by_name(replica, surname) == expected < COUNT_CAP
            assert count_by_name(replica, "无此人名") == 0
    finally:
        replica.close()


def test_the_replica_counts_a_name_and_the_service_asks_it(
    demo_world: Path, demo_copy: Path
) -> None:
    """Issue 21's follow-up: the count is the replica's public query (kiosk/query.py no longer
    reaches into `Replica._all`), and the service gives the look-up the same figure as a name
    search's pages add up to; a name a search refuses is refused here too."""
    import inspect

    import kiosk.query as query
    from domain.errors import QueryError
    from kiosk.home import Home
    from kiosk.operators import NotAllowedError, Operator
    from kiosk.service import KioskService

    assert "._all(" not in inspect.getsource(query)
    people = _people(demo_world)
    name = people[0]["name"][:2]
    expected = sum(p["name"].startswith(name) for p in people)
    path = store.current(demo_world / "replica")
    assert path is not None
    replica = Replica(path)
    try:
        assert replica.count_by_name(name, cap=COUNT_CAP) == expected >= 1
        assert replica.count_by_name(name[0], cap=3) == 3
    finally:
        replica.close()
    service = KioskService(Home(demo_copy), session=Operator("admin1", "admin"))  # audits
    service.purpose = "counter"
    assert service.count_name_matches(name) == expected
    pages = [service.lookup_name(name, offset=o) for o in range(0, min(expected, 100), 20)]
    assert sum(map(len, pages)) == min(expected, 100)
    with pytest.raises(QueryError):
        service.count_name_matches("  ")
    service.session = None
    with pytest.raises(NotAllowedError):
        service.count_name_matches(name)


def test_an_institution_is_found_by_any_part_of_its_name(demo_world: Path) -> None:
    """The inspector types "人民医院", not the city it starts with: names that start with what
    was typed come first, then those that hold it further on, each in name order; a page is
    never more than asked for, and a name nobody holds finds nothing."""
    with (demo_world / "demo" / "export" / "institutions.ndjson").open(encoding="utf-8") as fh:
        names = [json.loads(line)["name"] for line in fh]
    target = next(n for n in names if len(n) > 6)
    part = target[3:7]  # not the start of its own name
    holders = sorted(n for n in names if part in n)
    path = store.current(demo_world / "replica")
    assert path is not None
    replica = Replica(path)
    try:
        found = [i.name for i in replica.institutions_by_name(part, limit=1000)]
        starts = [n for n in found if n.startswith(part)]
        assert sorted(found) == holders and target in found
        assert found == sorted(starts) + sorted(n for n in found if not n.startswith(part))
        assert len(replica.institutions_by_name(part, limit=1)) == 1
        assert replica.institutions_by_name("无此机构名称") == []
    finally:
        replica.close()
