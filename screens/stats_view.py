"""The admin screen's statistics as charts: the figures of kiosk/stats.py, drawn.

Licences issued per month, licences by approving authority (a tree to open province → city →
county), by type and status, institutions by WS 218 category, and this kiosk's verifications
per day by verdict. The screen computes the figures in a worker and hands them to `show`.
"""

from __future__ import annotations

from typing import ClassVar

from rich.console import Group, RenderableType
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Label, Static, Tree
from textual.widgets.tree import TreeNode

from kiosk.stats import KINDS, AuthorityNode, RegistryStats, Stats
from screens.charts import Columns, HBars, Series, bar, fit, legend

TYPES = (
    Series("医师 physicians", "cyan"),
    Series("护士 nurses", "magenta"),
    Series("机构 institutions", "yellow"),
)
STATUS = {
    "active": Series("正常 active", "green"),
    "filed": Series("备案 filed", "blue"),
    "suspended": Series("暂停 suspended", "yellow"),
    "cancelled": Series("注销 cancelled", "red"),
}
VERDICTS = (
    Series("有效 valid", "green"),
    Series("注意 warning", "yellow"),
    Series("无效 invalid", "red"),
)
LEVELS = {"nation": "国", "province": "省", "city": "市", "county": "县", "other": "?"}
# A county's name fits in NAME_CELLS; a level up has one tree guide (GUIDE cells) less to its
# left, and that much more name, so the bars of every level line up.
NAME_CELLS, BAR_CELLS, GUIDE, DEPTHS = 28, 24, 4, 3


class StatsView(VerticalScroll):
    """Charts of the replica's and the kiosk's statistics."""

    DEFAULT_CSS: ClassVar[str] = """
    StatsView > Label { margin-top: 1; text-style: bold; }
    StatsView > Static { height: auto; }
    StatsView #stats-summary { margin-top: 0; }
    StatsView #chart-authorities { height: auto; max-height: 16; background: $surface; }
    StatsView #authority-detail { color: $text-muted; }
    """

    def compose(self) -> ComposeResult:
        yield Static("统计中… counting…", id="stats-summary")
        yield Label("按月签发 Licences issued per month")
        yield Static(id="chart-months")
        yield Label("按审批机关 By approving authority (Enter opens: province → city → county)")
        tree: Tree[AuthorityNode] = Tree("审批机关 authorities", id="chart-authorities")
        tree.show_root = False
        yield tree
        yield Static(id="authority-detail")
        yield Label("按类型和状态 By licence type and status")
        yield Static(id="chart-types")
        yield Label("机构类别 Institutions by category (WS 218)")
        yield Static(id="chart-categories")
        yield Label("本机核验 This kiosk's verifications per day, by verdict")
        yield Static(id="chart-verifications")

    def show(self, stats: Stats, problem: str | None = None) -> None:
        """Draw every chart from freshly computed figures; without a replica, say why
        (`problem`, e.g. a damaged file) and draw the kiosk's own figures only."""
        r = stats.registry
        tree = self.query_one("#chart-authorities", Tree)
        tree.clear()
        self.query_one("#authority-detail", Static).update("")
        if r is None:
            why = problem or "本机没有注册库：请先同步 (no replica: sync first)"
            summary = Text(why, style="bold yellow")
            self.query_one("#stats-summary", Static).update(summary)
            for chart in ("months", "types", "categories"):
                self.query_one(f"#chart-{chart}", Static).update(Text("—", style="dim"))
        else:
            self.query_one("#stats-summary", Static).update(_summary(r))
            self.query_one("#chart-months", Static).update(_months(r))
            _fill(tree.root, r.authorities)
            self.query_one("#chart-types", Static).update(_types(r))
            self.query_one("#chart-categories", Static).update(_categories(r))
        self.query_one("#chart-verifications", Static).update(_verifications(stats))

    def show_error(self, message: str) -> None:
        """Say why the figures could not be computed (the charts keep their last figures)."""
        self.query_one("#stats-summary", Static).update(Text(f"✘ {message}", style="bold red"))

    @on(Tree.NodeHighlighted, "#chart-authorities")
    def _highlighted(self, event: Tree.NodeHighlighted[AuthorityNode]) -> None:
        node = event.node.data
        if node is not None:
            self.query_one("#authority-detail", Static).update(_detail(node))


def _summary(r: RegistryStats) -> Text:
    t = r.totals
    return Text.assemble(
        (f"合计 total {t.total:,}", "bold"),
        (
            f" · 注册库 replica {r.jurisdiction} #{r.sequence}"
            f" · 导出 exported {r.exported_at:%Y-%m-%d %H:%M}\n",
            "dim",
        ),
        legend(TYPES, [t.physician, t.nurse, t.institution]),
    )


def _months(r: RegistryStats) -> RenderableType:
    if not r.months:
        return Text("—", style="dim")
    points = [(m.month, [m.counts.of(k) for k in KINDS]) for m in r.months]
    marks = [m.month[:4] if m.month.endswith("-01") else "" for m in r.months]
    return Group(legend(TYPES), Columns(points, TYPES, height=8, step=2, marks=marks))


def _fill(
    parent: TreeNode[AuthorityNode], nodes: tuple[AuthorityNode, ...], depth: int = 0
) -> None:
    """Add `nodes` under `parent`, each bar on the scale of its largest sibling; the top level
    opens at once, the levels below when asked."""
    biggest = max((n.total.total for n in nodes), default=0)
    name_cells = NAME_CELLS + GUIDE * max(0, DEPTHS - 1 - depth)
    for n in nodes:
        label = Text(f"{LEVELS.get(n.level, '?')} ")
        # A leaf has no ▶ before it: its name takes those two cells too.
        label.append(fit(n.name or n.code, name_cells + (0 if n.children else 2)))
        label.append(" ")
        values = [n.total.of(s) for s in KINDS]
        label.append_text(bar(values, biggest, BAR_CELLS, TYPES))
        label.append(f" {n.total.total:,}")
        child = parent.add(label, data=n, expand=depth == 0, allow_expand=bool(n.children))
        _fill(child, n.children, depth + 1)


def _detail(n: AuthorityNode) -> Text:
    own, total = n.own, n.total
    return Text(
        f"{n.name or '—'} {n.code}: 本级 own {own.physician:,}/{own.nurse:,}/{own.institution:,}"
        f" · 含下级 with those below {total.physician:,}/{total.nurse:,}/{total.institution:,}"
        " (医师/护士/机构 physicians/nurses/institutions)"
    )


def _types(r: RegistryStats) -> RenderableType:
    names = {
        "physician": "医师 physicians",
        "nurse": "护士 nurses",
        "institution": "机构 institutions",
    }
    rows, notes = [], []
    for t in r.types:
        by = dict(t.statuses)
        rows.append((names[t.kind], [by.get(s, 0) for s in STATUS]))
        notes.append(f"已过有效期 past valid-until {t.lapsed:,}" if t.lapsed else "")
    series = list(STATUS.values())
    return Group(legend(series), HBars(rows, series, label_width=18, note=notes))


def _categories(r: RegistryStats) -> RenderableType:
    if not r.categories:
        return Text("—", style="dim")
    rows = [
        (f"{c.name} {c.code or ''}".strip(), [c.active, c.count - c.active]) for c in r.categories
    ]
    series = [Series("正常 active", "green"), Series("其他 not active", "red")]
    return Group(legend(series), HBars(rows, series, label_width=22))


def _verifications(stats: Stats) -> RenderableType:
    days = stats.activity.days
    t = stats.activity.totals
    points = [(d.day, [d.valid, d.warning, d.invalid]) for d in days]
    marks = [d.day[5:] if i % 7 == 0 else "" for i, d in enumerate(days)]
    return Group(
        legend(VERDICTS, [t.valid, t.warning, t.invalid]),
        Columns(points, VERDICTS, height=6, step=2, marks=marks),
    )
