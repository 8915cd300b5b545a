"""Inspection (inspectors): pick the institution, then every person, scanned or entered by
ID number, is checked in its context, shown on a verdict card and added to a running roster;
ending the inspection exports an HTML and CSV report."""

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

from domain import idnum
from domain.errors import BadInputError, KioskError
from domain.types import Institution, Reason, Verdict, Verification
from kiosk import report
from kiosk.messages import VERDICT_LABELS, t
from kiosk.service import query_kind
from kiosk.verify import trusted
from screens.base import KioskScreen
from screens.card_stack import CardStack
from screens.photo_view import halfblock
from screens.status_header import StatusHeader

STYLE = {"valid": "bold green", "warning": "bold yellow", "invalid": "bold red"}


class InspectScreen(KioskScreen):
    """Two steps: choose the institution, then check people."""

    BINDINGS: ClassVar[list[BindingType]] = [
        # priority: the add box (an Input, focused) binds ctrl+e to "end of line" itself
        Binding("ctrl+e", "end_inspection", "结束检查 End", priority=True),
    ]

    class Picked(Message):
        """Institutions matching the search, or the one chosen by scanning its licence."""

        def __init__(self, found: list[Institution], chosen: Institution | None = None) -> None:
            super().__init__()
            self.found = found
            self.chosen = chosen

    class Checked(Message):
        """People checked in the inspection's context (a scan: one; an ID number: one per
        licence), the roster lines they make and their photos; with nobody found by an ID
        number, no results and the reasons why (NOT_IN_REGISTRY …)."""

        def __init__(
            self,
            results: tuple[Verification, ...],
            lines: list[report.Check],
            photos: list[Text | None],
            not_found: tuple[Reason, ...] = (),
            epoch: int = 0,
        ) -> None:
            super().__init__()
            self.results = results
            self.lines = lines
            self.photos = photos
            self.not_found = not_found
            self.epoch = epoch

    class IdCheckRefused(Message):
        """An ID number that could not be checked here (not enrolled, no replica): why."""

        def __init__(self, message: str) -> None:
            super().__init__()
            self.message = message

    inspection: report.Inspection | None = None
    # Checks started before the last clear_personal carry an older epoch: they still join
    # the inspection (its report), but are not shown on a screen that was just cleared.
    epoch = 0

    @property
    def accepts_scans(self) -> bool:
        """Scans come here while this screen is showing."""
        return True

    def compose(self) -> ComposeResult:
        yield StatusHeader()
        yield Static(id="inspect-title")
        yield Input(id="inspect-search")
        yield Input(placeholder=self.kiosk_app.text("inspect.add"), id="inspect-add")
        with Vertical(id="inspect-main"):
            yield DataTable(id="inspect-institutions", cursor_type="row")
            yield CardStack(id="inspect-last")
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
        self.query_one("#inspect-add", Input).display = ins is not None
        self.query_one("#inspect-institutions", DataTable).display = ins is None
        self.query_one("#inspect-roster", DataTable).display = ins is not None
        self.query_one("#inspect-last", CardStack).display = ins is not None
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
        """Begin inspecting an institution (also the context of Look up's ID checks)."""
        app = self.kiosk_app
        try:
            self.inspection = app.service.start_inspection(institution)
        except KioskError as err:
            self.notify(err.message, title=err.title, severity="error", markup=False)
            return
        app.inspected = institution
        self.query_one("#inspect-roster", DataTable).clear()
        self.call_later(self.query_one(CardStack).show_message, app.text("inspect.none"))
        self.refresh_texts()
        self.query_one("#inspect-add", Input).focus()  # an ID card reader types into it

    def scan(self, payload: str) -> None:
        """A scan: picks the institution (its licence QR) or checks a person; an ID number
        read by a card reader checks the person it belongs to."""
        if query_kind(payload) == "id":
            self.add_id_number(payload)
            return
        here = self.inspection.institution.reg_no if self.inspection else None
        self._check(payload, here, self.epoch)

    @on(Input.Submitted, "#inspect-add")
    def on_add(self, event: Input.Submitted) -> None:
        text = event.value.strip()
        event.input.value = ""  # a full ID number does not stay on screen
        if text.startswith("YZ1:"):
            self.scan(text)
        elif query_kind(text) == "id":
            self.add_id_number(text)
        elif text:
            self.notify(self.kiosk_app.text("inspect.not_id"), severity="warning", markup=False)

    def add_id_number(self, id_number: str) -> None:
        """Check a person by ID number at the inspected institution, as a scan would be."""
        app = self.kiosk_app
        why = idnum.problem(idnum.fold(id_number))
        if self.inspection is None or why:
            message = why or app.text("inspect.pick_first")
            self.notify(message, severity="warning", markup=False)
            return
        self._check_id(id_number, self.inspection.institution.reg_no, self.epoch)

    # The description stands in for Textual's default, which would repr the ID number.
    @work(
        thread=True,
        exclusive=False,
        exit_on_error=False,
        group="inspect-check",
        description="check an ID number",
    )
    def _check_id(self, id_number: str, here: str, epoch: int) -> None:
        service = self.kiosk_app.service
        try:
            result = service.check_id_number(id_number, institution=here, purpose="inspection")
        except KioskError as err:
            self.post_message(self.IdCheckRefused(err.message))
            return
        mask = idnum.mask(idnum.normalise(id_number))
        lines = report.checks_of(
            service.clock(), result, mask, t("card.not_found", self.kiosk_app.lang)
        )
        photos = [halfblock(service.photo_for(v)) for v in result.results]
        self.post_message(self.Checked(result.results, lines, photos, result.reasons, epoch))

    def on_inspect_screen_id_check_refused(self, message: IdCheckRefused) -> None:
        text = self.kiosk_app.text("lookup.cannot_check", message=message.message)
        self.notify(text, severity="error", markup=False)
        self.call_later(self.query_one(CardStack).show_message, text, error=True)

    @work(thread=True, exclusive=False, exit_on_error=False, group="inspect-check")
    def _check(self, payload: str, here: str | None, epoch: int) -> None:
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
        line = report.Check.of(service.clock(), result)
        self.post_message(
            self.Checked((result,), [line], [halfblock(service.photo_for(result))], (), epoch)
        )

    async def on_inspect_screen_checked(self, message: Checked) -> None:
        if self.inspection is None:
            return
        # The data-dependent part (the roster lines) ran in the worker: a failure there ends
        # in on_worker_state_changed below. What is left lays out plain strings and the cards.
        roster = self.query_one("#inspect-roster", DataTable)
        for check in message.lines:
            self.inspection.add(check)
        if message.epoch != self.epoch:
            return  # recorded, not shown: the screen was cleared meanwhile
        for check in message.lines:
            zh, en = VERDICT_LABELS[Verdict(check.verdict)]
            roster.add_row(
                check.at.astimezone().strftime("%H:%M:%S"),
                escape(check.name),  # data, never markup
                escape(check.no),
                Text(f"{zh} {en}", style=STYLE[check.verdict]),
                escape("；".join(check.reasons) or "—"),
            )
        stack, lang = self.query_one(CardStack), self.kiosk_app.lang
        if message.results:
            await stack.show_results(message.results, message.photos, lang)
        else:
            await stack.show_not_found(message.not_found, lang)
        if any(check.verdict == Verdict.INVALID for check in message.lines):
            self.app.bell()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """A check that failed clears the last person shown (the app logs it and says so)."""
        if event.worker.group == "inspect-check" and event.state is WorkerState.ERROR:
            if self.inspection is not None:
                self._show_unchecked()

    def _show_unchecked(self) -> None:
        self.call_later(self.query_one(CardStack).show_unchecked, self.kiosk_app.lang)
        self.app.bell()

    def action_end_inspection(self) -> None:
        """Save the report and go back to picking an institution."""
        if self.inspection is None:
            return
        service = self.kiosk_app.service
        try:
            html_path, _ = service.save_inspection(self.inspection)
        except KioskError as err:
            self.notify(err.message, title=err.title, severity="error", markup=False)
            return
        self.notify(self.kiosk_app.text("inspect.saved", path=html_path.name), markup=False)
        self.inspection = None
        self.kiosk_app.inspected = None
        self.refresh_texts()

    def clear_personal(self) -> None:
        """Empty every widget that may show a person (the last cards, the roster, the boxes):
        the screen locks, or the operator signs out. The inspection itself goes on: what was
        checked stays in it, for its report, but is not shown again."""
        self.epoch += 1
        if not self.is_mounted:
            return  # never shown: nothing on it
        self.query_one("#inspect-last", CardStack).clear()
        self.query_one("#inspect-roster", DataTable).clear()
        self.query_one("#inspect-search", Input).value = ""
        self.query_one("#inspect-add", Input).value = ""
