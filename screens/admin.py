"""Admin: replica status, sync with progress, the trust list, statistics, settings; alerts,
the audit chain and operators (issue 20), each a pane of its own module."""

from __future__ import annotations

from typing import Any, ClassVar

from rich.table import Table
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.widgets import (
    Button,
    DataTable,
    Footer,
    Input,
    Label,
    ProgressBar,
    Static,
    TabbedContent,
    TabPane,
)

from kiosk.messages import t
from kiosk.stats import Stats
from screens.admin_alerts import AlertsPane
from screens.admin_audit import AuditPane
from screens.admin_operators import OperatorsPane
from screens.base import KioskScreen
from screens.settings_form import SettingsForm
from screens.stats_view import StatsView
from screens.status_header import StatusHeader, age_text

ALERTS = "警报 Alerts"


class AdminScreen(KioskScreen):
    """Tabs for the admin's work."""

    BINDINGS: ClassVar[list[BindingType]] = []

    class Progressed(Message):
        """Sync progress from the worker."""

        def __init__(self, name: str, done: int, total: int) -> None:
            super().__init__()
            self.name, self.done, self.total = name, done, total

    class Synced(Message):
        """A sync ended: a result, or an error message."""

        def __init__(self, result: Any = None, error: str | None = None) -> None:
            super().__init__()
            self.result, self.error = result, error

    class Counted(Message):
        """Statistics computed in a worker: the figures, or why there are none."""

        def __init__(self, stats: Stats | None = None, error: str | None = None) -> None:
            super().__init__()
            self.stats, self.error = stats, error

    def compose(self) -> ComposeResult:
        yield StatusHeader()
        with TabbedContent(id="admin-tabs"):
            with TabPane("状态 Status", id="tab-status"):
                yield VerticalScroll(Static(id="admin-status"))
            with TabPane("同步 Sync", id="tab-sync"):
                yield Label(t("admin.source"))
                with Horizontal(id="sync-row"):
                    yield Input(id="sync-source")
                    yield Button("同步 Sync", id="sync-go", variant="primary")
                yield ProgressBar(id="sync-progress", show_eta=False)
                yield Static(id="sync-result")
            with TabPane("信任列表 Trust list", id="tab-trust"):
                yield DataTable(id="trust-table")
            with TabPane("统计 Statistics", id="tab-stats"):
                yield StatsView(id="admin-stats")
            with TabPane("设置 Settings", id="tab-settings"):
                yield VerticalScroll(id="settings-form")
            with TabPane(ALERTS, id="tab-alerts"):
                yield AlertsPane(id="admin-alerts")
            with TabPane("审计 Audit", id="tab-audit"):
                yield VerticalScroll(AuditPane(id="admin-audit"), can_focus=False)
            with TabPane("操作员 Operators", id="tab-operators"):
                yield VerticalScroll(OperatorsPane(id="admin-operators"), can_focus=False)
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = self.kiosk_app.text("mode.admin")
        service = self.kiosk_app.service
        self.query_one("#sync-source", Input).value = service.config.sync_source
        self.query_one("#trust-table", DataTable).add_columns(
            "机关 authority",
            "代码 code",
            "角色 role",
            "算法 alg",
            "kid",
            "有效期 validity",
            "状态 state",
        )
        self._build_settings()
        self.refresh_all()

    def refresh_texts(self) -> None:
        self.sub_title = self.kiosk_app.text("mode.admin")
        self.refresh_all()

    def refresh_all(self) -> None:
        """Status, trust list and statistics, from the service's current state."""
        self.query_one(StatusHeader).update_status()
        self._show_status()
        self._show_trust()
        self._count()
        self.query_one(AlertsPane).load()  # the open alerts' count is in the tab's title

    def on_screen_resume(self) -> None:
        """Shown again (F4, or back from a sign-in): what the admin sees is read afresh."""
        self.query_one(AlertsPane).load()
        self._refresh_pane(self.query_one(TabbedContent).active)

    @on(TabbedContent.TabActivated)
    def on_tab(self, event: TabbedContent.TabActivated) -> None:
        self._refresh_pane(event.pane.id or "")

    def _refresh_pane(self, pane: str) -> None:
        if pane == "tab-alerts":
            self.query_one(AlertsPane).load()
        elif pane == "tab-audit":
            self.query_one(AuditPane).verify()
        elif pane == "tab-operators":
            self.query_one(OperatorsPane).load()

    def on_alerts_pane_counted(self, message: AlertsPane.Counted) -> None:
        n = message.open_alerts
        tab = self.query_one(TabbedContent).get_tab("tab-alerts")
        tab.label = Text(f"{ALERTS} ({n})", style="bold red") if n else ALERTS

    def _show_status(self) -> None:
        service = self.kiosk_app.service
        health = service.health()
        out = Table.grid(padding=(0, 2))
        out.add_column(style="dim")
        out.add_column()
        if health.replica is None:
            out.add_row("注册库 replica", Text("未安装 none — 请同步 sync", style="bold red"))
        else:
            info = health.replica
            style = "bold red" if health.stale else "green"
            out.add_row("版本 sequence", str(info.sequence))
            out.add_row("导出时间 exported", info.exported_at.isoformat())
            if health.age is not None:
                out.add_row("库龄 age", Text(age_text(health.age), style=style))
            out.add_row("辖区 jurisdiction", info.jurisdiction)
            for kind, statuses in info.counts.items():
                if isinstance(statuses, dict):
                    out.add_row(kind, "  ".join(f"{s} {n:,}" for s, n in sorted(statuses.items())))
                else:
                    out.add_row(kind, f"{statuses:,}")
        out.add_row("信任列表 trust list", str(health.trust_sequence or "—"))
        self.query_one("#admin-status", Static).update(out)

    def _show_trust(self) -> None:
        service = self.kiosk_app.service
        table = self.query_one("#trust-table", DataTable)
        table.clear()
        for k in service.trust.keys if service.trust else ():
            state = (
                Text("已吊销 revoked", style="bold red")
                if k.revoked
                else (
                    Text("有效 valid", style="green")
                    if k.not_after > service.clock()
                    else Text("已过期 expired", style="yellow")
                )
            )
            table.add_row(
                k.authority_name,
                k.authority,
                k.role,
                k.alg,
                k.kid,
                f"{k.not_before.date()} – {k.not_after.date()}",
                state,
            )

    @work(thread=True, exclusive=True, exit_on_error=False, group="stats")
    def _count(self) -> None:
        from domain.errors import KioskError

        try:
            stats: Stats = self.kiosk_app.service.stats()
        except KioskError as err:
            self.post_message(self.Counted(error=err.message))
            return
        self.post_message(self.Counted(stats))

    def on_admin_screen_counted(self, message: Counted) -> None:
        view = self.query_one(StatsView)
        if message.stats is not None:
            failed = self.kiosk_app.service.load_error  # why there is no replica, if it failed
            view.show(message.stats, failed.message if failed else None)
        else:
            view.show_error(message.error or "")

    @on(Button.Pressed, "#sync-go")
    @on(Input.Submitted, "#sync-source")
    def start_sync(self) -> None:
        source = self.query_one("#sync-source", Input).value.strip()
        if not source:
            self.notify(
                "请输入数据包目录或网址 (enter a bundle folder or URL)",
                severity="warning",
                markup=False,
            )
            return
        self.query_one("#sync-go", Button).disabled = True
        self.query_one("#sync-result", Static).update("同步中… syncing…")
        self._sync(source)

    @work(thread=True, exclusive=True, exit_on_error=False, group="sync")
    def _sync(self, source: str) -> None:
        from domain.errors import KioskError

        service = self.kiosk_app.service
        last = {"pct": -1}

        def progress(name: str, done: int, total: int) -> None:
            pct = int(100 * done / total) if total else 100
            if pct != last["pct"]:
                last["pct"] = pct
                self.post_message(self.Progressed(name, done, total))

        try:
            result = service.sync(source, progress)
        except KioskError as err:
            self.post_message(self.Synced(error=err.message))
            return
        try:
            service.update_settings(sync_source=source)
        except KioskError:
            pass  # the sync is done; only the folder to offer next time is not remembered
        self.post_message(self.Synced(result))

    def on_admin_screen_progressed(self, message: Progressed) -> None:
        self.query_one("#sync-progress", ProgressBar).update(
            total=message.total or 1, progress=message.done
        )

    def on_admin_screen_synced(self, message: Synced) -> None:
        self.query_one("#sync-go", Button).disabled = False
        out = self.query_one("#sync-result", Static)
        if message.error:
            out.update(Text(f"✘ {message.error}", style="bold red"))
            self.notify(message.error, title="同步失败 Sync failed", severity="error", markup=False)
            return
        r = message.result
        key = "admin.synced" if r.changed else "admin.uptodate"
        out.update(
            Text(
                "✔ " + self.kiosk_app.text(key, to=r.to_sequence, method=r.method),
                style="bold green",
            )
        )
        self.refresh_all()

    def _build_settings(self) -> None:

        self.query_one("#settings-form", VerticalScroll).mount(SettingsForm())
