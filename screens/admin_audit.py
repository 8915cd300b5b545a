"""The admin's audit pane (issue 20): the hash chain's head, to write down or send elsewhere as
an external anchor; intact, or the first record where it breaks; and purging old records."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.table import Table
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Button, Label, Static
from textual.worker import Worker, WorkerState

from domain.errors import KioskError
from screens.admin_confirm import ConfirmModal
from screens.base import kiosk_of

if TYPE_CHECKING:
    from db.audit import ChainReport


class AuditPane(Vertical):
    """The chain's head and state, verified in a worker; purge behind a confirmation."""

    DEFAULT_CSS: ClassVar[str] = """
    AuditPane { height: auto; padding: 0 1; }
    AuditPane #audit-head {
        height: auto; padding: 0 1; border: round $panel; text-style: bold; width: 72;
    }
    AuditPane #audit-summary { height: auto; margin: 1 0; }
    AuditPane #audit-bar { height: auto; }
    AuditPane #audit-bar Button { margin-right: 2; }
    """

    class Verified(Message, bubble=False):
        """A walk of the chain done in a worker, or why it could not be made."""

        def __init__(self, report: ChainReport | None, error: str | None = None) -> None:
            super().__init__()
            self.report, self.error = report, error

    class Purged(Message, bubble=False):
        """A purge done in a worker: how many records went, or why it was refused."""

        def __init__(self, count: int = 0, error: KioskError | None = None) -> None:
            super().__init__()
            self.count, self.error = count, error

    head = ""  # the head shown, for the copy button

    def compose(self) -> ComposeResult:
        yield Label("审计链头 Chain head — 抄下或发往别处留存 (write it down or send it elsewhere)")
        yield Static("—", id="audit-head")
        yield Static(id="audit-summary")
        with Horizontal(id="audit-bar"):
            yield Button("重新校验 Verify again", id="audit-verify", variant="primary")
            yield Button("复制链头 Copy head", id="audit-copy")
            yield Button("清理过期记录 Purge old records", id="audit-purge", variant="error")

    @on(Button.Pressed, "#audit-verify")
    def verify(self) -> None:
        """Walk the whole chain again (in a worker: a long trail takes a second or two)."""
        self.query_one("#audit-verify", Button).disabled = True
        self.query_one("#audit-summary", Static).update("校验中… verifying…")
        self._verify()

    @work(thread=True, exclusive=True, exit_on_error=False, group="audit")
    def _verify(self) -> None:
        try:
            report = kiosk_of(self).service.audit_report()
        except KioskError as err:
            self.post_message(self.Verified(None, err.message))
            return
        self.post_message(self.Verified(report))

    def on_audit_pane_verified(self, message: Verified) -> None:
        self.query_one("#audit-verify", Button).disabled = False
        summary = self.query_one("#audit-summary", Static)
        r = message.report
        if r is None:
            self.head = ""
            self.query_one("#audit-head", Static).update("—")
            summary.update(Text(f"✘ {message.error}", style="bold red"))
            return
        self.head = r.head
        self.query_one("#audit-head", Static).update(Text(r.head))
        out = Table.grid(padding=(0, 2))
        out.add_column(style="dim", no_wrap=True)
        out.add_column(overflow="fold")
        first = f"（自 #{r.first_id} from #{r.first_id}）" if r.first_id else ""
        label = "记录 records" if r.intact else "断点前记录 records before the break"
        out.add_row(label, f"{r.records:,} {first}")
        if r.intact:
            out.add_row("状态 state", Text("✔ 完整 intact", style="bold green"))
        else:
            out.add_row(
                "状态 state",
                Text(f"✘ 已断 BROKEN at record #{r.broken_at}", style="bold red"),
            )
            out.add_row("问题 problem", Text(r.problem or "", style="red"))
            out.add_row(
                "", Text("上面的链头是断点之前的 the head above is the one before the break")
            )
        summary.update(out)

    @on(Button.Pressed, "#audit-copy")
    def copy_head(self) -> None:
        """Put the head on the clipboard (the terminal's, where it supports it)."""
        if not self.head:
            self.notify("尚无链头 (no head yet: verify first)", markup=False)
            return
        self.app.copy_to_clipboard(self.head)
        self.notify(f"已复制链头 head copied: {self.head}", markup=False)

    @on(Button.Pressed, "#audit-purge")
    def ask_purge(self) -> None:
        days = kiosk_of(self).service.config.audit_retention_days
        question = (
            f"删除 {days} 天以前的审计记录？保留一条清理记录，链仍可校验。此操作不能撤销。\n"
            f"Remove audit records older than {days} days? A purge record keeps the chain "
            "verifiable. This cannot be undone."
        )
        self.app.push_screen(ConfirmModal(question, "清理 Purge"), self._purge_if)

    def _purge_if(self, yes: bool | None) -> None:
        if yes:
            self._purge()

    @work(thread=True, exclusive=True, exit_on_error=False, group="audit-purge")
    def _purge(self) -> None:
        try:
            n = kiosk_of(self).service.purge_audit()
        except KioskError as err:
            self.post_message(self.Purged(error=err))
            return
        self.post_message(self.Purged(n))

    def on_audit_pane_purged(self, message: Purged) -> None:
        err = message.error
        if err is not None:
            self.notify(err.message, title=err.title, severity="error", markup=False)
            return
        self.notify(f"已清理 {message.count} 条记录 (purged {message.count} records)", markup=False)
        self.verify()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group == "audit" and event.state is WorkerState.ERROR:
            self.query_one("#audit-verify", Button).disabled = False
            self.query_one("#audit-summary", Static).update("")
        kiosk_of(self).on_worker_state_changed(event)  # StateChanged does not bubble
