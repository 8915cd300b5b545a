"""`stats [--json]` (cli.md): the replica's counts and this kiosk's verifications per day.

The figures come from kiosk/stats.py through the same KioskService as the admin screen; the
JSON is `kiosk.stats.as_json`, documented in docs/stats.md. The text is a few rich tables.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from cli.commands import EXIT_OK, EXIT_UNCHECKED, Io, cli_service

if TYPE_CHECKING:
    from rich.table import Table

    from kiosk.stats import AuthorityNode, RegistryStats, Stats

MONTHS_SHOWN = 24  # the text shows the latest two years; --json has every month
LEVEL_NAMES = {
    "nation": "国家 nation",
    "province": "省 province",
    "city": "市 city",
    "county": "县 county",
    "other": "其他 other",
}


def stats(home_opt: str | None, as_json: bool, io: Io) -> int:
    """stats [--json]: exit 0 with the figures, 3 when there is no readable replica (or no
    home at all)."""
    from domain.errors import HomeError, ReplicaError
    from kiosk.stats import as_json as stats_json

    try:
        service = cli_service(home_opt)
    except HomeError as err:  # no home, so no replica either: as `status` does, exit 3
        io.fail(err)
        return EXIT_UNCHECKED
    if service.replica is None:
        io.fail(
            service.load_error or "本机没有注册库：请先同步 (no replica installed: run sync first)"
        )
        return EXIT_UNCHECKED
    try:
        figures: Stats = service.stats()
    except (ReplicaError, HomeError) as err:  # unreadable replica or audit trail: no figures
        io.fail(err)
        return EXIT_UNCHECKED
    if as_json:
        io.json(stats_json(figures))
    else:
        _print(figures, io)
    return EXIT_OK


def _print(s: Stats, io: Io) -> None:
    from rich.console import Console

    console = Console(file=io.out, highlight=False, width=_width(io))
    r = s.registry
    assert r is not None  # stats() returned early without a replica
    console.print(
        f"注册库统计 Replica statistics: jurisdiction {r.jurisdiction}, sequence {r.sequence}, "
        f"exported {r.exported_at.isoformat()}, as of {r.as_of}"
    )
    t = r.totals
    console.print(
        f"合计 Totals: physicians {t.physician:,} · nurses {t.nurse:,} · "
        f"institutions {t.institution:,} · all {t.total:,}\n"
    )
    for table in (_types(r), _authorities(r), _categories(r), _months(r), _activity(s)):
        console.print(table)
        console.print()


def _width(io: Io) -> int | None:
    """The terminal's width, or a fixed 120 columns into a pipe or file (stable output)."""
    return None if getattr(io.out, "isatty", lambda: False)() else 120


def _table(title: str, *columns: str, text: int = 1) -> Table:
    """A table whose first `text` columns are words, the rest right-aligned numbers."""
    from rich.cells import cell_len
    from rich.table import Table

    table = Table(title=title, title_justify="left", min_width=cell_len(title))
    for i, col in enumerate(columns):
        table.add_column(col, justify="left" if i < text else "right")
    return table


def _types(r: RegistryStats) -> Table:
    statuses = ("active", "filed", "suspended", "cancelled")
    table = _table("按类型和状态 By licence type and status", "type", "total", *statuses, "lapsed*")
    for ts in r.types:
        by = dict(ts.statuses)
        cells = [f"{by[s]:,}" if s in by else "—" for s in statuses]
        table.add_row(ts.kind, f"{ts.total:,}", *cells, f"{ts.lapsed:,}")
    table.caption = "* still active, but past its valid-until date (注册有效期至 / 有效期限)"
    return table


def _authorities(r: RegistryStats) -> Table:
    table = _table(
        "按审批机关 By approving authority (province → city → county; totals include the "
        "levels below)",
        "authority",
        "code",
        "level",
        "physicians",
        "nurses",
        "institutions",
        "total",
        text=3,
    )
    for depth, n in _walk(r.authorities):
        table.add_row(
            "  " * depth + (n.name or "—"),
            n.code,
            LEVEL_NAMES.get(n.level, n.level),
            f"{n.total.physician:,}",
            f"{n.total.nurse:,}",
            f"{n.total.institution:,}",
            f"{n.total.total:,}",
        )
    return table


def _walk(nodes: Iterable[AuthorityNode], depth: int = 0) -> Iterator[tuple[int, AuthorityNode]]:
    for n in nodes:
        yield depth, n
        yield from _walk(n.children, depth + 1)


def _categories(r: RegistryStats) -> Table:
    table = _table(
        "机构类别 Institutions by category (WS 218)",
        "category",
        "code",
        "class",
        "count",
        "active",
        text=3,
    )
    for c in r.categories:
        table.add_row(c.name, c.code or "—", c.cls or "—", f"{c.count:,}", f"{c.active:,}")
    return table


def _months(r: RegistryStats) -> Table:
    shown = r.months[-MONTHS_SHOWN:]
    table = _table(
        f"按月签发 Issued per month (last {len(shown)} of {len(r.months)}; --json: all)",
        "month",
        "physicians",
        "nurses",
        "institutions",
        "total",
    )
    for m in shown:
        c = m.counts
        table.add_row(
            m.month, f"{c.physician:,}", f"{c.nurse:,}", f"{c.institution:,}", f"{c.total:,}"
        )
    return table


def _activity(s: Stats) -> Table:
    a = s.activity
    total = a.totals
    table = _table(
        f"本机核验 Verifications here, by day ({total.day.replace('/', ' – ')})",
        "date",
        "valid",
        "warning",
        "invalid",
        "total",
    )
    for d in [d for d in a.days if d.total]:
        table.add_row(d.day, f"{d.valid:,}", f"{d.warning:,}", f"{d.invalid:,}", f"{d.total:,}")
    table.add_section()
    table.add_row(
        "合计 total",
        f"{total.valid:,}",
        f"{total.warning:,}",
        f"{total.invalid:,}",
        f"{total.total:,}",
        style="bold",
        end_section=False,
    )
    return table
