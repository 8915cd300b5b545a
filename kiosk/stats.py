"""Statistics the health administrations ask for (issue 19; cli.md `stats`), and the kiosk's own.

From the replica: licences (physicians, nurses, institutions) counted by approving authority
down the division tree (province → city → county), by licence type and status, institutions
by WS 218 category, and registrations per month of issue. From the local audit trail: this
kiosk's verifications per day by verdict. Plain Python: the CLI prints these figures and the
admin screen charts them; `as_json` is the one shape both the CLI and docs/stats.md promise.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from db.activity import outcomes_per_day
from domain.timeutil import CHINA, china_date
from domain.types import ReplicaInfo, Verdict
from kiosk.ws218 import CLASSES, classify

if TYPE_CHECKING:
    from db.replica import Replica, ReplicaCounts

KINDS = ("physician", "nurse", "institution")
_KIND = {"P": "physician", "N": "nurse", "I": "institution"}
# Every status the export allows, per kind (registry-export.md), listed even when none holds it,
# so the figures keep one shape from one replica to the next.
STATUSES = {
    "physician": ("active", "filed", "suspended", "cancelled"),
    "nurse": ("active", "filed", "suspended", "cancelled"),
    "institution": ("active", "suspended", "cancelled"),
}
# Audit actions whose outcome is a verdict: a scanned credential, and a check by ID number.
VERDICT_ACTIONS = ("verify", "check")
ACTIVITY_DAYS = 30
LEVELS = ("nation", "province", "city", "county", "other")


@dataclass(frozen=True, slots=True)
class Counts:
    """Licences of each type."""

    physician: int = 0
    nurse: int = 0
    institution: int = 0

    @property
    def total(self) -> int:
        """Licences of every type."""
        return self.physician + self.nurse + self.institution

    def of(self, kind: str) -> int:
        """The count of one type ('physician', 'nurse' or 'institution')."""
        return int(getattr(self, kind))

    def __add__(self, other: Counts) -> Counts:
        return Counts(
            self.physician + other.physician,
            self.nurse + other.nurse,
            self.institution + other.institution,
        )


@dataclass(frozen=True, slots=True)
class AuthorityNode:
    """An approving authority's place in the division tree, and the licences it and the
    authorities below it approved.

    A city or province that approved nothing itself still has a node when an authority below
    it did, so that every level carries its total; its `name` is then the trust list's, or None.
    """

    code: str  # 6-digit division code (GB/T 2260)
    level: str  # one of LEVELS
    name: str | None  # the authority's name (审批机关) where known
    own: Counts  # approved by this authority itself
    total: Counts  # by it and every authority below it
    children: tuple[AuthorityNode, ...] = ()  # largest total first


@dataclass(frozen=True, slots=True)
class TypeStatus:
    """One licence type by record status."""

    kind: str
    total: int
    statuses: tuple[tuple[str, int], ...]  # STATUSES[kind] in order, then any other seen
    lapsed: int  # still 'active', but valid_until (注册有效期至 / 有效期限) is past


@dataclass(frozen=True, slots=True)
class CategoryCount:
    """Institutions of one category (WS 218 name)."""

    name: str
    code: str | None  # WS 218 code, when the category is one (D600 村卫生室)
    cls: str | None  # WS 218 class letter (A 医院 … H), when known
    count: int
    active: int


@dataclass(frozen=True, slots=True)
class MonthCount:
    """Licences issued in one month (YYYY-MM), by type."""

    month: str
    counts: Counts


@dataclass(frozen=True, slots=True)
class DayVerdicts:
    """This kiosk's verifications on one day (China date), by verdict."""

    day: str
    valid: int = 0
    warning: int = 0
    invalid: int = 0

    @property
    def total(self) -> int:
        """Verifications of any verdict."""
        return self.valid + self.warning + self.invalid


@dataclass(frozen=True, slots=True)
class RegistryStats:
    """The replica's figures."""

    jurisdiction: str
    sequence: int
    exported_at: dt.datetime
    as_of: str  # the day `lapsed` is counted against (China date)
    totals: Counts
    authorities: tuple[AuthorityNode, ...]  # the roots: provinces (and any odd code)
    types: tuple[TypeStatus, ...]  # in KINDS order
    categories: tuple[CategoryCount, ...]  # largest first
    months: tuple[MonthCount, ...]  # every month from the first issue to the last, in order


@dataclass(frozen=True, slots=True)
class Activity:
    """This kiosk's verifications per day, over the last `ACTIVITY_DAYS` days up to today."""

    days: tuple[DayVerdicts, ...]  # every day of the window, oldest first

    @property
    def totals(self) -> DayVerdicts:
        """The whole window, as one 'day' named by its first and last day."""
        first, last = (self.days[0].day, self.days[-1].day) if self.days else ("", "")
        return DayVerdicts(
            f"{first}/{last}",
            sum(d.valid for d in self.days),
            sum(d.warning for d in self.days),
            sum(d.invalid for d in self.days),
        )


@dataclass(frozen=True, slots=True)
class Stats:
    """Everything `stats` reports."""

    computed_at: dt.datetime
    registry: RegistryStats | None  # None when no replica is installed
    activity: Activity = field(default_factory=lambda: Activity(()))


def compute(
    replica: Replica | None,
    audit_conn: sqlite3.Connection,
    now: dt.datetime,
    *,
    names: Mapping[str, str] | None = None,
    days: int = ACTIVITY_DAYS,
) -> Stats:
    """The statistics of a replica (None: no replica) and of the audit trail, at `now`.

    One pass over each replica table (db/replica.py), one more over the practitioners only for
    authorities that nothing else names, and one bounded read of the audit trail.

    Args:
        names: authority code → name (the trust list's), for authorities that approved no
            institution: it spares a pass over the practitioners to find their names.
        days: how many days of verifications, up to today.

    Raises:
        ReplicaError: the replica cannot be read. HomeError: the audit trail cannot be.
    """
    registry = None
    if replica is not None:
        today = china_date(now)
        counts = replica.stats(today=today)
        known = dict(names or {}) | counts.names  # the records' own names first
        unnamed = {g.authority for g in counts.groups} - known.keys()
        known |= replica.authority_names(sorted(unnamed))  # one more pass, only if needed
        registry = _registry(counts, known, replica.info(), today)
    return Stats(now, registry, _activity(audit_conn, now, days))


def _registry(
    counts: ReplicaCounts, names: Mapping[str, str], info: ReplicaInfo, today: str
) -> RegistryStats:
    """The replica's figures from its counted groups (plain dicts: a province has thousands)."""
    own: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(KINDS, 0))
    status: dict[str, dict[str, int]] = {k: dict.fromkeys(STATUSES[k], 0) for k in KINDS}
    lapsed = dict.fromkeys(KINDS, 0)
    categories: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for g in counts.groups:
        kind = _KIND[g.kind]
        own[g.authority][kind] += g.n
        status[kind][g.status] = status[kind].get(g.status, 0) + g.n
        if g.status == "active":
            lapsed[kind] += g.n if g.lapsed else 0
        if kind == "institution":
            c = categories[g.category]
            c[0] += g.n
            c[1] += g.n if g.status == "active" else 0
    months: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(KINDS, 0))
    for m in counts.months:
        months[m.month][_KIND[m.kind]] += m.n
    by_authority = {code: Counts(**c) for code, c in own.items()}
    types = tuple(
        TypeStatus(k, sum(status[k].values()), tuple(status[k].items()), lapsed[k]) for k in KINDS
    )
    return RegistryStats(
        info.jurisdiction,
        info.sequence,
        info.exported_at,
        today,
        sum(by_authority.values(), Counts()),
        tree(by_authority, names),
        types,
        _categories(categories),
        _dense_months({m: Counts(**c) for m, c in months.items()}),
    )


def level_of(code: str) -> str:
    """The division level of an authority's code (GB/T 2260: PP0000, PPCC00, PPCCXX)."""
    if len(code) != 6 or not code.isdigit():
        return "other"
    if code == "000000":
        return "nation"
    if code.endswith("0000"):
        return "province"
    return "city" if code.endswith("00") else "county"


def parent_of(code: str) -> str | None:
    """The code of the division above (a county's city, a city's province), or None."""
    level = level_of(code)
    if level == "county":
        return code[:4] + "00"
    if level == "city":
        return code[:2] + "0000"
    return None


def tree(own: Mapping[str, Counts], names: Mapping[str, str]) -> tuple[AuthorityNode, ...]:
    """The division tree of the authorities in `own` (code → licences it approved), with the
    divisions above them added so that every level has its total; roots largest first."""
    children: dict[str | None, set[str]] = defaultdict(set)
    for code in own:
        node: str | None = code
        while node is not None:
            parent = parent_of(node)
            if node in children[parent]:
                break
            children[parent].add(node)
            node = parent

    def build(code: str) -> AuthorityNode:
        kids = _largest_first(build(c) for c in children.get(code, ()))
        mine = own.get(code, Counts())
        total = sum((k.total for k in kids), mine)
        return AuthorityNode(code, level_of(code), names.get(code), mine, total, kids)

    return _largest_first(build(c) for c in children[None])


def _largest_first(nodes: Iterable[AuthorityNode]) -> tuple[AuthorityNode, ...]:
    return tuple(sorted(nodes, key=lambda n: (-n.total.total, n.code)))


def _categories(counted: Mapping[str, list[int]]) -> tuple[CategoryCount, ...]:
    merged: dict[tuple[str, str | None, str | None], list[int]] = defaultdict(lambda: [0, 0])
    for text, (n, active) in counted.items():
        c = classify(text)
        m = merged[(c.name, c.code, c.cls)]
        m[0] += n
        m[1] += active
    out = [CategoryCount(name, code, cls, n, a) for (name, code, cls), (n, a) in merged.items()]
    return tuple(sorted(out, key=lambda c: (-c.count, c.cls or "~", c.code or "", c.name)))


def _dense_months(months: Mapping[str, Counts]) -> tuple[MonthCount, ...]:
    """Every month from the first to the last, the empty ones included (a chart's gaps)."""
    valid = sorted(m for m in months if _is_month(m))
    if not valid:
        return ()
    year, month = int(valid[0][:4]), int(valid[0][5:])
    out = []
    while (key := f"{year:04d}-{month:02d}") <= valid[-1]:
        out.append(MonthCount(key, months.get(key, Counts())))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return tuple(out)


def _is_month(text: str) -> bool:
    return len(text) == 7 and text[4] == "-" and text[:4].isdigit() and text[5:].isdigit()


def _activity(conn: sqlite3.Connection, now: dt.datetime, days: int) -> Activity:
    """Verifications per China day over the last `days` days, today included."""
    today = now.astimezone(CHINA).date()
    first = today - dt.timedelta(days=days - 1)
    start = dt.datetime.combine(first, dt.time(), CHINA)
    end = dt.datetime.combine(today + dt.timedelta(days=1), dt.time(), CHINA)
    per_day: dict[str, dict[str, int]] = defaultdict(dict)
    for day, outcome, n in outcomes_per_day(
        conn, VERDICT_ACTIONS, start, end, CHINA.utcoffset(None) or dt.timedelta()
    ):
        if outcome in _VERDICTS:
            per_day[day][outcome] = per_day[day].get(outcome, 0) + n
    out = []
    for i in range(days):
        day = (first + dt.timedelta(days=i)).isoformat()
        v = per_day.get(day, {})
        out.append(DayVerdicts(day, v.get("valid", 0), v.get("warning", 0), v.get("invalid", 0)))
    return Activity(tuple(out))


_VERDICTS = frozenset(v.value for v in Verdict)


def as_json(stats: Stats) -> dict[str, Any]:
    """The stable JSON shape of `stats --json` (docs/stats.md). No ID number ever appears:
    only counts, codes, names of authorities and categories, months and days."""
    r = stats.registry
    a = stats.activity
    return {
        "format": 1,
        "computed_at": stats.computed_at.isoformat(),
        "replica": None
        if r is None
        else {
            "jurisdiction": r.jurisdiction,
            "sequence": r.sequence,
            "exported_at": r.exported_at.isoformat(),
            "as_of": r.as_of,
            "totals": _counts(r.totals),
            "authorities": [_node(n) for n in r.authorities],
            "by_type": {
                t.kind: {"total": t.total, "status": dict(t.statuses), "lapsed": t.lapsed}
                for t in r.types
            },
            "institution_categories": [
                {
                    "name": c.name,
                    "code": c.code,
                    "class": c.cls,
                    "class_name": CLASSES.get(c.cls or ""),
                    "count": c.count,
                    "active": c.active,
                }
                for c in r.categories
            ],
            "registrations_by_month": [{"month": m.month} | _counts(m.counts) for m in r.months],
        },
        "verifications": {
            "days": len(a.days),
            "from": a.days[0].day if a.days else None,
            "to": a.days[-1].day if a.days else None,
            "totals": _verdicts(a.totals),
            "by_day": [{"date": d.day} | _verdicts(d) for d in a.days],
        },
    }


def _counts(c: Counts) -> dict[str, int]:
    return {k: c.of(k) for k in KINDS} | {"total": c.total}


def _verdicts(d: DayVerdicts) -> dict[str, int]:
    return {"valid": d.valid, "warning": d.warning, "invalid": d.invalid, "total": d.total}


def _node(n: AuthorityNode) -> dict[str, Any]:
    return {
        "code": n.code,
        "level": n.level,
        "name": n.name,
        "own": _counts(n.own),
        "total": _counts(n.total),
        "children": [_node(c) for c in n.children],
    }
