"""The admin's alerts pane (issue 20; 735号 "异常预警"): alerts on abnormal use with their
evidence, open ones first and marked, acknowledged one at a time by an admin."""

from __future__ import annotations

import datetime as dt
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.coordinate import Coordinate
from textual.message import Message
from textual.widgets import Button, DataTable, Static
from textual.worker import Worker

from domain.errors import KioskError
from domain.timeutil import CHINA
from kiosk.alerts import KINDS, Alert
from screens.base import kiosk_of


def local_time(stamp: str) -> str:
    """A stored UTC time as China time to the minute ("" when it is not a time)."""
    try:
        return dt.datetime.fromisoformat(stamp).astimezone(CHINA).strftime("%Y-%m-%d %H:%M")
    except ValueError:
        return stamp


def kind_name(kind: str) -> str:
    """An alert's kind in Chinese and English."""
    zh, en = KINDS.get(kind, (kind, kind))
    return f"{zh} {en}"


class AlertsPane(Vertical):
    """The alerts table, the highlighted alert's full evidence, and acknowledging it."""

    DEFAULT_CSS: ClassVar[str] = """
    AlertsPane { height: auto; }
    AlertsPane #alerts-note { height: auto; padding: 0 1; }
    AlertsPane #alerts-note.is-error { color: $error; text-style: bold; }
    AlertsPane #alerts-table { height: auto; max-height: 16; }
    AlertsPane #alert-evidence { height: auto; max-height: 8; padding: 0 1; margin: 1 0; }
    AlertsPane #alerts-bar { height: auto; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("a", "acknowledge", "确认警报 Acknowledge"),
    ]

    class Loaded(Message, bubble=False):
        """Alerts read in a worker, or why they could not be (not an admin, say)."""

        def __init__(self, alerts: list[Alert], error: str | None = None) -> None:
            super().__init__()
            self.alerts, self.error = alerts, error

    class Counted(Message):
        """How many alerts are open (the admin screen puts it in the tab's title)."""

        def __init__(self, open_alerts: int) -> None:
            super().__init__()
            self.open_alerts = open_alerts

    class Acknowledged(Message, bubble=False):
        """An acknowledgement done in a worker, or why it was refused."""

        def __init__(self, alert_id: int, error: KioskError | None = None) -> None:
            super().__init__()
            self.alert_id, self.error = alert_id, error

    alerts: tuple[Alert, ...] = ()  # as shown, row by row

    def compose(self) -> ComposeResult:
        yield Static(id="alerts-note")
        yield DataTable(id="alerts-table", cursor_type="row", zebra_stripes=True)
        yield Static(id="alert-evidence")
        with Horizontal(id="alerts-bar"):
            yield Button("确认所选警报 Acknowledge (a)", id="alert-ack", variant="warning")
            yield Button("刷新 Refresh", id="alerts-refresh")

    def on_mount(self) -> None:
        table = self.query_one("#alerts-table", DataTable)
        table.add_column("状态 state", width=16)
        table.add_column("时间 time (CST)", width=16)
        table.add_column("类型 kind", width=38)
        table.add_column("证据 evidence", width=36)

    @on(Button.Pressed, "#alerts-refresh")
    def load(self) -> None:
        """Read the alerts again (in a worker)."""
        self._load()

    @work(thread=True, exclusive=True, exit_on_error=False, group="alerts")
    def _load(self) -> None:
        try:
            alerts = kiosk_of(self).service.alerts()
        except KioskError as err:
            self.post_message(self.Loaded([], err.message))
            return
        self.post_message(self.Loaded(alerts))

    def on_alerts_pane_loaded(self, message: Loaded) -> None:
        self.alerts = tuple(message.alerts)
        note = self.query_one("#alerts-note", Static)
        note.set_class(message.error is not None, "is-error")
        open_alerts = sum(1 for a in message.alerts if not a.acked_at)
        if message.error is not None:
            note.update(Text(message.error))
        elif not message.alerts:
            note.update("没有警报 No alerts")
        else:
            note.update(f"待确认 {open_alerts} 条 · open: {open_alerts}")
        table = self.query_one("#alerts-table", DataTable)
        table.clear()
        for a in message.alerts:
            state = (
                Text(f"✓ 已确认 {a.acked_by}", style="green")
                if a.acked_at
                else Text("● 待确认 OPEN", style="bold red")
            )
            table.add_row(
                state, local_time(a.at), kind_name(a.kind), Text(a.evidence), key=str(a.id)
            )
        self._show_evidence(0)
        self.post_message(self.Counted(open_alerts if message.error is None else 0))

    @on(DataTable.RowHighlighted, "#alerts-table")
    def on_row(self, event: DataTable.RowHighlighted) -> None:
        self._show_evidence(event.cursor_row)

    def _show_evidence(self, row: int) -> None:
        box = self.query_one("#alert-evidence", Static)
        if not 0 <= row < len(self.alerts):
            box.update("")
            return
        a = self.alerts[row]
        out = Text(f"#{a.id}  {kind_name(a.kind)}  {local_time(a.at)}\n", style="bold")
        out.append(a.evidence)
        if a.acked_at:
            out.append(f"\n已确认 acknowledged by {a.acked_by} {local_time(a.acked_at)}", "green")
        box.update(out)

    def _highlighted(self) -> int | None:
        table = self.query_one("#alerts-table", DataTable)
        if not table.row_count:
            return None
        key = table.coordinate_to_cell_key(Coordinate(table.cursor_row, 0)).row_key.value
        return int(key) if key is not None else None

    @on(Button.Pressed, "#alert-ack")
    def action_acknowledge(self) -> None:
        """Acknowledge the highlighted alert (the core checks the role and audits it)."""
        alert_id = self._highlighted()
        if alert_id is None:
            self.notify("没有可确认的警报 (no alert to acknowledge)", markup=False)
            return
        self._acknowledge(alert_id)

    @work(thread=True, exclusive=True, exit_on_error=False, group="alerts-ack")
    def _acknowledge(self, alert_id: int) -> None:
        try:
            kiosk_of(self).service.acknowledge_alert(alert_id)
        except KioskError as err:
            self.post_message(self.Acknowledged(alert_id, err))
            return
        self.post_message(self.Acknowledged(alert_id))

    def on_alerts_pane_acknowledged(self, message: Acknowledged) -> None:
        err = message.error
        if err is not None:
            self.notify(err.message, title=err.title, severity="error", markup=False)
        else:
            self.notify(f"警报 #{message.alert_id} 已确认 (alert acknowledged)", markup=False)
        self.load()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        kiosk_of(self).on_worker_state_changed(event)  # StateChanged does not bubble
