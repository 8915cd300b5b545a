"""Inspection (inspectors): pick the institution, then every scan is checked in its context
and added to a running roster; ending the inspection exports an HTML and CSV report."""

from __future__ import annotations

from typing import ClassVar

from rich.markup import escape
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import DataTable, Footer, Input, Static
from textual.worker import Worker, WorkerState

from domain.errors import BadInputError
from domain.types import Institution, Verification
from kiosk import report
from kiosk.messages import VERDICT_LABELS, t
from kiosk.verify import trusted
from screens.base import KioskScreen
from screens.status_header import StatusHeader
from screens.verdict_card import UNCHECKED, UNCHECKED_ADVICE

STYLE = {"valid": "bold green", "warning": "bold yellow", "invalid": "bold red"}


class InspectScreen(KioskScreen):
    """Two steps: choose the institution, then check people."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+e", "end_inspection", "结束检查 End"),
    ]

    class Picked(Message):
        """Institutions matching the search, or the one chosen by scanning its licence."""

        def __init__(self, found: list[Institution], chosen: Institution | None = None) -> None:
            super().__init__()
            self.found = found
            self.chosen = chosen

    class Checked(Message):
        """A person checked in the inspection's context, and the roster line it makes."""

        def __init__(self, result: Verification, check: report.Check) -> None:
            super().__init__()
            self.result = result
            self.check = check

    inspection: report.Inspection | None = None

    @property
    def accepts_scans(self) -> bool:
        """Scans come here while this screen is showing."""
        return True

    def compose(self) -> ComposeResult:
        yield StatusHeader()
        yield Static(id="inspect-title")
        yield Input(id="inspect-search")
        with Vertical(id="inspect-main"):
            yield DataTable(id="inspect-institutions", cursor_type="row")
            yield Static(id="inspect-last")
            yield DataTable(id="inspect-roster", cursor_type="row", zebra_stripes=True)
            yield Static(id="inspect-reports")
        yield Footer()

    def on_mount(self) -> None:
        self.found: list[Institution] = []
        self.query_one("#inspect-institutions", DataTable).add_columns(
            "机构名称 name", "登记号 reg. no.", "类别 category", "状态 status"
        )
        self.query_one("#inspect-roster", DataTable).add_columns(
            "时间 time", "姓名 name", "证书编码 no.", "结论 verdict", "原因 reasons"
        )
        self.refresh_texts()

    def refresh_texts(self) -> None:
        app = self.kiosk_app
        self.sub_title = app.text("mode.inspect")
        ins = self.inspection
        title = (
            app.text("inspect.pick")
            if ins is None
            else app.text(
                "inspect.active",
                name=escape(ins.institution.name),  # data, never markup
                no=escape(ins.institution.reg_no),
            )
        )
        self.query_one("#inspect-title", Static).update(title)
        self.query_one("#inspect-search", Input).display = ins is None
        self.query_one("#inspect-institutions", DataTable).display = ins is None
        self.query_one("#inspect-roster", DataTable).display = ins is not None
        self.query_one("#inspect-last", Static).display = ins is not None
        self._show_reports()

    def _show_reports(self) -> None:
        folder = self.kiosk_app.service.home.path / "reports"
        names = [p.name for p in report.listing(folder)[:5]]
        self.query_one("#inspect-reports", Static).update(
            ("已保存的报告 saved reports:\n  " + "\n  ".join(names)) if names else ""
        )

    @on(Input.Submitted, "#inspect-search")
    def on_search(self, event: Input.Submitted) -> None:
        if event.value.strip():
            self._find(event.value)

    @work(thread=True, exclusive=True, exit_on_error=False, group="inspect-find")
    def _find(self, query: str) -> None:
        self.post_message(self.Picked(self.kiosk_app.service.find_institutions(query)))

    def on_inspect_screen_picked(self, message: Picked) -> None:
        if message.chosen is not None:
            self.start(message.chosen)
            return
        self.found = message.found
        table = self.query_one("#inspect-institutions", DataTable)
        table.clear()
        for i, inst in enumerate(message.found):
            table.add_row(
                escape(inst.name),
                escape(inst.reg_no),
                escape(inst.category),
                t(f"status.{inst.status}", self.kiosk_app.lang),
                key=str(i),
            )
        if message.found:
            table.focus()
        else:
            self.notify(self.kiosk_app.text("lookup.none"), markup=False)

    @on(DataTable.RowSelected, "#inspect-institutions")
    def on_choose(self, event: DataTable.RowSelected) -> None:
        if event.row_key.value is not None:
            self.start(self.found[int(event.row_key.value)])

    def start(self, institution: Institution) -> None:
        """Begin inspecting an institution."""
        service = self.kiosk_app.service
        self.inspection = report.Inspection(institution, service.operator, service.clock())
        self.query_one("#inspect-roster", DataTable).clear()
        self.query_one("#inspect-last", Static).update(self.kiosk_app.text("inspect.none"))
        self.refresh_texts()

    def scan(self, payload: str) -> None:
        """A scan: picks the institution (its licence QR) or checks a person."""
        self._check(payload, self.inspection.institution.reg_no if self.inspection else None)

    @work(thread=True, exclusive=False, exit_on_error=False, group="inspect-check")
    def _check(self, payload: str, here: str | None) -> None:
        service = self.kiosk_app.service
        result = service.verify(payload, institution=here)
        if here is None:
            lic = result.credential.licence if result.credential else None
            if lic is None or lic.type != "I" or not trusted(result):
                raise BadInputError(
                    "请扫描机构的执业许可证二维码 (scan the institution's licence QR code)"
                )
            inst = service.institution(lic.no)
            if inst is None:
                raise BadInputError("本机注册库中没有该机构 (the replica has no such institution)")
            self.post_message(self.Picked([inst], inst))
            return
        self.post_message(self.Checked(result, report.Check.of(service.clock(), result)))

    def on_inspect_screen_checked(self, message: Checked) -> None:
        if self.inspection is None:
            return
        # The data-dependent part (report.Check.of) ran in the worker: a failure there ends in
        # on_worker_state_changed below. What is left only lays out plain strings.
        check = message.check
        self.inspection.add(check)
        zh, en = VERDICT_LABELS[message.result.verdict]
        label = Text(f"{zh} {en}", style=STYLE[check.verdict])
        self.query_one("#inspect-roster", DataTable).add_row(
            check.at.astimezone().strftime("%H:%M:%S"),
            escape(check.name),  # data, never markup
            escape(check.no),
            label,
            escape("；".join(check.reasons) or "—"),
        )
        last = Text(f"{check.name}  ", style="bold")
        last.append(label)
        for r in message.result.reasons:
            last.append(f"\n• {r.message}")
        self.query_one("#inspect-last", Static).update(last)
        if check.verdict == "invalid":
            self.app.bell()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """A check that failed clears the last person shown (the app logs it and says so)."""
        if event.worker.group == "inspect-check" and event.state is WorkerState.ERROR:
            if self.inspection is not None:
                self._show_unchecked()

    def _show_unchecked(self) -> None:
        zh, en = UNCHECKED
        text = Text(f"{zh} ({en})", style="bold yellow")
        text.append("\n" + "\n".join(UNCHECKED_ADVICE))
        self.query_one("#inspect-last", Static).update(text)
        self.app.bell()

    def action_end_inspection(self) -> None:
        """Save the report and go back to picking an institution."""
        if self.inspection is None:
            return
        service = self.kiosk_app.service
        try:
            html_path, _ = report.save(
                self.inspection, service.home.path / "reports", service.clock()
            )
        except OSError as err:
            self.notify(
                f"报告保存失败 (report not saved: {err.strerror})", severity="error", markup=False
            )
            return
        service.audit(
            "inspection",
            subject=self.inspection.institution.reg_no,
            outcome=str(len(self.inspection.checks)),
            detail=html_path.name,
        )
        self.notify(self.kiosk_app.text("inspect.saved", path=html_path.name), markup=False)
        self.inspection = None
        self.refresh_texts()
