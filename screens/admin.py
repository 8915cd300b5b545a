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

from kiosk.messages import TEXT, t
from kiosk.progress import SyncMeter, Transfer, done_text, transfer_text
from kiosk.stats import Stats
from screens.admin_alerts import AlertsPane
from screens.admin_audit import AuditPane
from screens.admin_operators import OperatorsPane
from screens.base import KioskScreen
from screens.settings_form import SettingsForm
from screens.stats_view import StatsView
from screens.status_header import StatusHeader, age_text

# The tabs, each named in the current language only, so that all eight fit 80 columns.
TABS = (
    "status",
    "sync",
    "trust",
    "stats",
    "settings",
    "alerts",
    "audit",
    "operators",
)


# The replica's record counts (its `meta`), labelled as the pane's other rows are.
COUNTED = {
    "institutions": "机构 institutions",
    "physicians": "医师 physicians",
    "nurses": "护士 nurses",
    "filings": "多机构执业备案 filings",
}


def _status(status: str, lang: str) -> str:
    """A record status in the interface language ("正常", "active"); unknown ones as they are."""
    return t(f"status.{status}", lang) if f"status.{status}" in TEXT else status


class AdminScreen(KioskScreen):
    """Tabs for the admin's work."""

    BINDINGS: ClassVar[list[BindingType]] = []
    DEFAULT_CSS = """
    AdminScreen #sync-progress { display: none; }
    AdminScreen #sync-progress.is-running { display: block; }
    AdminScreen #sync-meter { color: $text-muted; }
    """

    class Progressed(Message):
        """Sync progress from the worker: where the transfer stands."""

        def __init__(self, transfer: Transfer) -> None:
            super().__init__()
            self.transfer = transfer

    class Synced(Message):
        """A sync ended: a result, or an error message; and how long it took."""

        def __init__(
            self, result: Any = None, error: str | None = None, seconds: float = 0.0
        ) -> None:
            super().__init__()
            self.result, self.error, self.seconds = result, error, seconds

    # What the sync tab's meter line shows: ("idle",), ("starting",), ("transfer", Transfer),
    # ("done", SyncResult, seconds) or ("failed",); redrawn in the current language on F9.
    _meter: tuple[Any, ...] = ("idle",)

    class Counted(Message):
        """Statistics computed in a worker: the figures, or why there are none."""

        def __init__(self, stats: Stats | None = None, error: str | None = None) -> None:
            super().__init__()
            self.stats, self.error = stats, error

    def compose(self) -> ComposeResult:
        yield StatusHeader()
        text = self.kiosk_app.text
        with TabbedContent(id="admin-tabs"):
            with TabPane(text("admin.tab.status"), id="tab-status"):
                yield VerticalScroll(Static(id="admin-status"))
            with TabPane(text("admin.tab.sync"), id="tab-sync"):
                yield Label(text("admin.source"), id="sync-label")
                with Horizontal(id="sync-row"):
                    yield Input(id="sync-source")
                    yield Button(text("admin.sync"), id="sync-go", variant="primary")
                yield ProgressBar(id="sync-progress", total=100, show_eta=False)
                yield Static(id="sync-meter")
                yield Static(id="sync-result")
            with TabPane(text("admin.tab.trust"), id="tab-trust"):
                yield DataTable(id="trust-table", cursor_type="row")
            with TabPane(text("admin.tab.stats"), id="tab-stats"):
                yield StatsView(id="admin-stats")
            with TabPane(text("admin.tab.settings"), id="tab-settings"):
                yield VerticalScroll(id="settings-form")
            with TabPane(text("admin.tab.alerts"), id="tab-alerts"):
                yield AlertsPane(id="admin-alerts")
            with TabPane(text("admin.tab.audit"), id="tab-audit"):
                yield VerticalScroll(AuditPane(id="admin-audit"), can_focus=False)
            with TabPane(text("admin.tab.operators"), id="tab-operators"):
                yield VerticalScroll(OperatorsPane(id="admin-operators"), can_focus=False)
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = self.kiosk_app.text("mode.admin")
        service = self.kiosk_app.service
        self.query_one("#sync-source", Input).value = service.config.sync_source
        self._build_settings()
        self._show_meter()
        self.refresh_all()

    def refresh_texts(self) -> None:
        text = self.kiosk_app.text
        self.sub_title = text("mode.admin")
        tabs = self.query_one(TabbedContent)
        for name in TABS:
            if name != "alerts":  # the alerts' title carries their count: set when counted
                tabs.get_tab(f"tab-{name}").label = text(f"admin.tab.{name}")
        self.query_one("#sync-label", Label).update(text("admin.source"))
        self.query_one("#sync-go", Button).label = text("admin.sync")
        self._show_meter()
        for form in self.query(SettingsForm):
            form.refresh_texts()
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
        name = self.kiosk_app.text("admin.tab.alerts")
        tab.label = Text(f"{name} ({n})", style="bold red") if n else name

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
            out.add_row("辖区 jurisdiction", Text(info.jurisdiction))
            lang = self.kiosk_app.lang
            for kind, statuses in info.counts.items():  # the replica's data: Text, not markup
                label = Text(COUNTED.get(kind, str(kind)))
                if isinstance(statuses, dict):
                    said = (f"{_status(str(s), lang)} {n:,}" for s, n in sorted(statuses.items()))
                    out.add_row(label, Text("  ".join(said)))
                else:
                    out.add_row(label, Text(f"{statuses:,}"))
        out.add_row("信任列表 trust list", str(health.trust_sequence or "—"))
        self.query_one("#admin-status", Static).update(out)

    def _show_trust(self) -> None:
        """One key a two-line row, four columns, so that validity and revocation fit 80
        columns: authority (name; code · role), key (kid; algorithm), validity (from; to),
        state (and the revocation date)."""
        service = self.kiosk_app.service
        text = self.kiosk_app.text
        table = self.query_one("#trust-table", DataTable)
        table.clear(columns=True)
        for key in ("trust.authority", "trust.key", "trust.validity", "trust.state"):
            table.add_column(text(key))
        for k in service.trust.keys if service.trust else ():
            if k.revoked_at is not None:
                state = Text(text("trust.revoked"), style="bold red")
                state.append(f"\n{k.revoked_at.date()}")
            elif k.not_after > service.clock():
                state = Text(text("trust.valid"), style="green")
            else:
                state = Text(text("trust.expired"), style="yellow")
            table.add_row(
                f"{k.authority_name}\n{k.authority} · {text('trust.role.' + k.role)}",
                f"{k.kid}\n{k.alg}",
                f"{k.not_before.date()}\n{k.not_after.date()}",
                state,
                height=2,
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
            self.notify(self.kiosk_app.text("sync.need_source"), severity="warning", markup=False)
            return
        self.query_one("#sync-go", Button).disabled = True
        self.query_one("#sync-result", Static).update(self.kiosk_app.text("sync.running"))
        bar = self.query_one("#sync-progress", ProgressBar)
        bar.update(total=100, progress=0)
        bar.add_class("is-running")
        self._meter = ("starting",)
        self._show_meter()
        self._sync(source)

    @work(thread=True, exclusive=True, exit_on_error=False, group="sync")
    def _sync(self, source: str) -> None:
        from domain.errors import KioskError

        service = self.kiosk_app.service
        meter = SyncMeter()

        def progress(name: str, done: int, total: int) -> None:
            shown = meter.update(name, done, total)
            if shown is not None:
                self.post_message(self.Progressed(shown))

        try:
            result = service.sync(source, progress)
        except KioskError as err:
            self.post_message(self.Synced(error=err.message, seconds=meter.seconds()))
            return
        try:
            service.update_settings(sync_source=source)
        except KioskError:
            pass  # the sync is done; only the folder to offer next time is not remembered
        self.post_message(self.Synced(result, seconds=meter.seconds()))

    def on_admin_screen_progressed(self, message: Progressed) -> None:
        tr = message.transfer
        self.query_one("#sync-progress", ProgressBar).update(
            total=max(tr.total, 1), progress=min(tr.done, max(tr.total, 1))
        )
        self._meter = ("transfer", tr)
        self._show_meter()

    def _show_meter(self) -> None:
        """The line under the bar: idle, the bytes and speed, or how the last sync ended."""
        lang, state = self.kiosk_app.lang, self._meter
        if state[0] == "transfer":
            line = transfer_text(state[1], lang)
        elif state[0] == "done":
            r = state[1]
            line = done_text(r.downloaded, state[2], lang)
            key = "admin.synced" if r.changed else "admin.uptodate"
            self.query_one("#sync-result", Static).update(
                Text("✔ " + t(key, lang, to=r.to_sequence, method=r.method), style="bold green")
            )
        else:
            line = t(f"sync.{state[0]}", lang)
        self.query_one("#sync-meter", Static).update(line)

    def on_admin_screen_synced(self, message: Synced) -> None:
        self.query_one("#sync-go", Button).disabled = False
        self.query_one("#sync-progress", ProgressBar).remove_class("is-running")
        out = self.query_one("#sync-result", Static)
        if message.error:
            self._meter = ("failed",)
            self._show_meter()
            out.update(Text(f"✘ {message.error}", style="bold red"))
            self.notify(
                message.error,
                title=self.kiosk_app.text("sync.failed_title"),
                severity="error",
                markup=False,
            )
            return
        self._meter = ("done", message.result, message.seconds)
        self._show_meter()  # and the result line, both in the current language
        self.refresh_all()

    def _build_settings(self) -> None:

        self.query_one("#settings-form", VerticalScroll).mount(SettingsForm())
