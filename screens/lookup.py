"""Look up (front desk): an ID number gives the verdict card of every licence it holds (the
seeds' "输入身份证号即可验证"); a certificate number or a name stays a search, with no verdict.

An ID number or a name is looked up only for a purpose picked for the session (issue 20); the
cards clear themselves after the card timeout, and `clear_personal` empties the screen."""

from __future__ import annotations

import datetime as dt
from typing import ClassVar

from rich.markup import escape
from rich.table import Table
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.timer import Timer
from textual.widgets import DataTable, Footer, Input, Static
from textual.worker import Worker, WorkerState, get_current_worker

from domain import idnum
from domain.errors import KioskError
from domain.timeutil import parse_cli_time
from domain.types import IdCheck, Practitioner, Verdict
from kiosk.messages import t
from kiosk.query import NAME_RESULTS
from kiosk.service import query_kind
from screens.base import KioskScreen
from screens.card_fields import practitioner_fields
from screens.card_stack import CardStack
from screens.photo_view import halfblock
from screens.purpose_picker import PurposePicker
from screens.status_header import StatusHeader

KIND = {"physician": ("医师", "physician"), "nurse": ("护士", "nurse")}


def id_hint(text: str, lang: str) -> tuple[str, bool]:
    """What to tell a person typing an ID number: (message, is_error)."""
    s = text.strip().upper()
    if not s or not s[:17].isdigit():
        return t("lookup.prompt", lang), False
    if len(s) < 18:
        return t("lookup.typing_id", lang, n=len(s)), False
    why = idnum.problem(s)
    return (why, True) if why else (t("lookup.id_ok", lang), False)


class LookupScreen(KioskScreen):
    """Search box; then the verdict cards of an ID number, or a search's table and detail."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("pagedown", "page(1)", "下一页 Next page"),
        Binding("pageup", "page(-1)", "上一页 Previous"),
    ]
    AUTO_FOCUS = "#lookup-input"
    DEFAULT_CSS: ClassVar[str] = """
    LookupScreen #lookup-bar { height: auto; }
    LookupScreen #lookup-bar #lookup-input { width: 1fr; }
    """
    query_text = ""
    # Results of workers started before the last clear_personal carry an older epoch and are
    # dropped: nothing personal comes back onto a screen that was just cleared.
    epoch = 0
    _clear_timer: Timer | None = None
    shown_check: LookupScreen.IdChecked | None = None  # the ID check whose cards are shown
    page_start = 0  # the first person of the page shown (not `offset`: a Widget's own)

    class Found(Message):
        """Results of a look-up worker."""

        def __init__(self, results: list[Practitioner], offset: int = 0, epoch: int = 0) -> None:
            super().__init__()
            self.results = results
            self.offset = offset
            self.epoch = epoch

    class IdChecked(Message):
        """The verdict of every licence an ID number holds, photos drawn, number masked."""

        def __init__(
            self, check: IdCheck, photos: list[Text | None], mask: str, epoch: int = 0
        ) -> None:
            super().__init__()
            self.check = check
            self.photos = photos
            self.mask = mask
            self.epoch = epoch

    class IdCheckRefused(Message):
        """The ID number could not be checked here (not enrolled, no replica): why."""

        def __init__(self, message: str) -> None:
            super().__init__()
            self.message = message

    class Detailed(Message):
        """A detail record with its photo."""

        def __init__(self, person: Practitioner | None, photo: Text | None, epoch: int = 0) -> None:
            super().__init__()
            self.person = person
            self.photo = photo
            self.epoch = epoch

    def compose(self) -> ComposeResult:
        yield StatusHeader()
        with Horizontal(id="lookup-bar"):
            yield Input(placeholder=self.kiosk_app.text("lookup.prompt"), id="lookup-input")
            yield PurposePicker(id="lookup-purpose")
        yield Static(id="lookup-hint")
        with Horizontal(id="lookup-main"):
            yield DataTable(id="lookup-results", cursor_type="row", zebra_stripes=True)
            with VerticalScroll(id="lookup-detail"):
                yield Static(id="lookup-detail-text")
                yield Static(id="lookup-photo")
        yield CardStack(id="lookup-cards")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = self.kiosk_app.text("mode.lookup")
        self.results: list[Practitioner] = []
        table = self.query_one(DataTable)
        table.add_columns(
            "姓名 name",
            "类别 kind",
            "证书编码 cert no.",
            "身份证号 ID",
            "状态 status",
            "执业机构 institution",
        )
        self.query_one("#lookup-hint", Static).update(self.kiosk_app.text("lookup.prompt"))
        self.query_one(Input).focus()

    def refresh_texts(self) -> None:
        self.sub_title = self.kiosk_app.text("mode.lookup")
        for picker in self.query(PurposePicker):
            picker.relabel()
        self.query_one(StatusHeader).update_status()
        shown = self.shown_check
        if shown is not None:  # the cards' labels in the new language
            stack = self.query_one(CardStack)
            self.call_later(stack.show_check, shown.check, shown.photos, self.kiosk_app.lang)

    @on(Input.Changed, "#lookup-input")
    def on_typing(self, event: Input.Changed) -> None:
        message, error = id_hint(event.value, self.kiosk_app.lang)
        hint = self.query_one("#lookup-hint", Static)
        hint.update(message)
        hint.set_class(error, "is-error")

    def on_screen_resume(self) -> None:
        """Back on this screen (after a sign-in, say): show the session's purpose, if any."""
        for picker in self.query(PurposePicker):
            picker.show_current()

    def on_purpose_picker_picked(self) -> None:
        self.query_one("#lookup-input", Input).focus()  # Enter now searches

    @on(Input.Submitted, "#lookup-input")
    def on_search(self, event: Input.Submitted) -> None:
        q = event.value.strip()
        kind = query_kind(q)
        if kind == "id":
            self.check_id(q)  # clears the box once the check starts; a mistyped one stays
        elif q and (kind == "cert" or not self._purpose_refused()):  # a name needs a purpose
            self.query_text, self.page_start = q, 0
            self._show_cards(False)
            self._search(q, 0, self.epoch)

    def _purpose_refused(self) -> bool:
        """True, with a prompt to pick one, when this session has no purpose for a look-up by
        ID number or name (certificate numbers need none). The box keeps what was typed."""
        if self.kiosk_app.service.purpose is not None:
            return False
        # The picker may not be composed yet: an ID card read as the screen first opens.
        pickers = list(self.query(PurposePicker))
        why = pickers[0].problem() if pickers else self.kiosk_app.text("lookup.need_purpose")
        if why is None:
            return False
        hint = self.query_one("#lookup-hint", Static)
        hint.update(Text(why))
        hint.set_class(True, "is-error")
        self.notify(why, title="查询事由 Purpose", severity="warning", markup=False)
        for picker in pickers:
            picker.ask()
        return True

    def check_id(self, id_number: str, context: dict[str, str] | None = None) -> None:
        """Check an ID number (typed, read by a card reader, or a demo case): one verdict card
        per licence, in the context of the institution being inspected, if there is one."""
        hint = self.query_one("#lookup-hint", Static)
        why = idnum.problem(idnum.fold(id_number))
        if why:
            hint.update(why)  # the message never repeats the number
            hint.set_class(True, "is-error")
            self._show_cards(True)  # no earlier card stays beside a number that was refused
            self.call_later(self.query_one(CardStack).show_message, why, error=True)
            return
        if self._purpose_refused():
            return
        for box in self.query("#lookup-input").results(Input):
            box.value = ""  # the full number does not stay (nothing typed yet if not composed)
        context = context or {}
        inspected = self.kiosk_app.inspected
        here = context.get("institution") or (inspected.reg_no if inspected else None)
        mask = idnum.mask(idnum.fold(id_number))
        hint.update(self.kiosk_app.text("lookup.checking", mask=mask))
        hint.set_class(False, "is-error")
        self.query_text = ""
        self._show_cards(True)
        at = parse_cli_time(context["at"]) if "at" in context else None
        self._check_id(id_number, mask, here, at, self.epoch)

    # The description stands in for Textual's default, which would repr the ID number.
    @work(
        thread=True,
        exclusive=True,
        exit_on_error=False,
        group="lookup",
        name="check-id",
        description="check an ID number",
    )
    def _check_id(
        self,
        id_number: str,
        mask: str,
        institution: str | None,
        at: dt.datetime | None,
        epoch: int,
    ) -> None:
        service = self.kiosk_app.service
        try:
            check = service.check_id_number(id_number, institution=institution, at=at)
        except KioskError as err:
            self.post_message(self.IdCheckRefused(err.message))
            return
        photos = [halfblock(service.photo_for(v)) for v in check.results]
        if not get_current_worker().is_cancelled:  # a newer look-up has started: it shows
            self.post_message(self.IdChecked(check, photos, mask, epoch))

    async def on_lookup_screen_id_checked(self, message: IdChecked) -> None:
        if message.epoch != self.epoch:
            return
        app, check = self.kiosk_app, message.check
        self.shown_check = message
        self._restart_clear_timer()
        n = len(check.results)
        hint = (
            app.text("lookup.checked", mask=message.mask, n=n)
            if n
            else app.text("lookup.not_found", mask=message.mask)
        )
        inspected = next((v.inspected for v in check.results if v.inspected), None)
        if inspected is not None:
            hint += "  ·  " + app.text("lookup.context", name=inspected.name, no=inspected.reg_no)
        self.query_one("#lookup-hint", Static).update(Text(hint))
        await self.query_one(CardStack).show_check(check, message.photos, app.lang)
        if check.verdict is Verdict.INVALID:
            self.app.bell()

    async def on_lookup_screen_id_check_refused(self, message: IdCheckRefused) -> None:
        app = self.kiosk_app
        hint = self.query_one("#lookup-hint", Static)
        hint.update(app.text("lookup.refused"))
        hint.set_class(True, "is-error")
        text = app.text("lookup.cannot_check", message=message.message)
        await self.query_one(CardStack).show_message(text, error=True)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """An ID check that failed unexpectedly leaves no earlier card up; KioskScreen's
        handler runs next, and the app logs it and says what went wrong."""
        worker = event.worker
        if worker.name == "check-id" and event.state is WorkerState.ERROR:
            if not worker.is_cancelled:
                self.call_later(self.query_one(CardStack).show_unchecked, self.kiosk_app.lang)

    def _show_cards(self, cards: bool) -> None:
        """The cards of an ID check, or the table and detail panel of a search."""
        self.shown_check = None  # until the next check's cards come
        self.query_one("#lookup-cards").set_class(cards, "is-shown")
        self.query_one("#lookup-main").set_class(cards, "is-hidden")

    def action_page(self, step: int) -> None:
        """Next or previous page of a name search."""
        if self.query_text and query_kind(self.query_text) == "name":
            offset = max(0, self.page_start + step * NAME_RESULTS)
            if offset != self.page_start and (step < 0 or len(self.results) == NAME_RESULTS):
                self._search(self.query_text, offset, self.epoch)  # moves when results come

    @work(thread=True, exclusive=True, exit_on_error=False, group="lookup")
    def _search(self, query: str, offset: int, epoch: int) -> None:
        found = self.kiosk_app.service.lookup(query, offset=offset)
        self.post_message(self.Found(found, offset, epoch))

    def on_lookup_screen_found(self, message: Found) -> None:
        if message.epoch != self.epoch:
            return
        self._show_cards(False)
        self.results, self.page_start = message.results, message.offset
        table = self.query_one(DataTable)
        table.clear()
        lang = self.kiosk_app.lang
        for i, p in enumerate(message.results):
            kind = KIND[p.kind][1 if lang == "en" else 0]
            table.add_row(  # escaped: a table reads a str as markup ("[" in a name)
                escape(p.name),
                kind,
                escape(p.cert_no),
                p.id_mask,
                t(f"status.{p.status}", lang),
                escape(p.institution_name or p.institution),
                key=str(i),
            )
        n = len(message.results)
        page = (
            f"  ·  {self.page_start + 1}–{self.page_start + n}"
            if n == NAME_RESULTS or self.page_start
            else ""
        )
        self.query_one("#lookup-hint", Static).update(
            (t("lookup.count", lang, n=n) + page) if n else t("lookup.none", lang)
        )
        if n:
            table.focus()
            self._detail(message.results[0], self.epoch)

    @on(DataTable.RowHighlighted, "#lookup-results")
    def on_row(self, event: DataTable.RowHighlighted) -> None:
        if event.row_key.value is not None and self.results:
            self._detail(self.results[int(event.row_key.value)], self.epoch)

    @work(thread=True, exclusive=True, exit_on_error=False, group="detail")
    def _detail(self, person: Practitioner, epoch: int) -> None:
        service = self.kiosk_app.service
        full = service.practitioner(person.kind, person.cert_no)
        raw = service.photo(person.kind, person.cert_no) if person.has_photo else None
        self.post_message(self.Detailed(full, halfblock(raw), epoch))

    def on_lookup_screen_detailed(self, message: Detailed) -> None:
        if message.epoch != self.epoch:
            return
        p = message.person
        panel = self.query_one("#lookup-detail-text", Static)
        if p is None:
            panel.update("")
            return
        lang = self.kiosk_app.lang
        grid = Table.grid(padding=(0, 2))
        grid.add_column(style="dim", no_wrap=True)
        grid.add_column(overflow="fold")  # a long number wraps, never cut to "…"
        for name, value in practitioner_fields(p, None, lang):
            grid.add_row(name, Text(value))  # data, never markup
        grid.add_row(
            "状态 status",
            Text(
                t(f"status.{p.status}", lang),
                style="bold green" if p.status == "active" else "bold red",
            ),
        )
        panel.update(grid)
        self.query_one("#lookup-photo", Static).update(message.photo or "")

    def _restart_clear_timer(self) -> None:
        if self._clear_timer is not None:
            self._clear_timer.stop()
        timeout = self.kiosk_app.service.config.card_timeout_s
        if timeout > 0:
            self._clear_timer = self.set_timer(timeout, self.clear_cards)

    def clear_cards(self) -> None:
        """Take an ID check's cards down (after the card timeout, for the next person's
        privacy); a search shown since then stays."""
        if self.shown_check is None:
            return
        self.shown_check = None
        self.query_one(CardStack).clear()
        hint = self.query_one("#lookup-hint", Static)
        hint.update(self.kiosk_app.text("lookup.prompt"))
        hint.set_class(False, "is-error")

    def clear_personal(self) -> None:
        """Empty every widget that may show a person (cards, results, detail, photo, the
        box): the screen locks, or the operator signs out. Results still on their way are
        dropped when they come."""
        self.epoch += 1
        if not self.is_mounted:
            return  # never shown: nothing on it
        if self._clear_timer is not None:
            self._clear_timer.stop()
        self.shown_check, self.results, self.query_text, self.page_start = None, [], "", 0
        self.query_one(CardStack).clear()
        self.query_one("#lookup-results", DataTable).clear()
        self.query_one("#lookup-detail-text", Static).update("")
        self.query_one("#lookup-photo", Static).update("")
        for box in self.query("#lookup-input").results(Input):
            box.value = ""
        hint = self.query_one("#lookup-hint", Static)
        hint.update(self.kiosk_app.text("lookup.prompt"))
        hint.set_class(False, "is-error")
        self._show_cards(False)
