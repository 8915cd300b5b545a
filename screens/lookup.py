"""Look up (front desk): an ID number gives the verdict card of every licence it holds (the
seeds' "输入身份证号即可验证"); a certificate number or a name stays a search, with no verdict.

An ID number or a name is looked up only for a purpose picked for the session (issue 20); the
cards clear themselves after the card timeout, and `clear_personal` empties the screen. The
focus stays in the box: Down or Tab reach the results, PageDown/PageUp page them from either,
and typing on the table goes back to the box (lookup_results.py)."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on
from textual.actions import SkipAction
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.widgets import Footer, Static
from textual.widgets.input import Selection

from domain import idnum
from domain.timeutil import parse_cli_time
from kiosk.messages import t
from kiosk.query import MAX_QUERY, typed_kind
from kiosk.service import query_kind
from screens.base import KioskScreen, both
from screens.lookup_box import LookupBox, Worded, fixed, said, typed_hint
from screens.lookup_check import IdCheckStack
from screens.lookup_results import ResultsTable
from screens.lookup_search import SearchView
from screens.messages import PayloadScanned
from screens.purpose_picker import PurposePicker
from screens.status_header import StatusHeader


class LookupScreen(KioskScreen):
    """Search box; then the verdict cards of an ID number, or a search's table and detail."""

    BINDINGS: ClassVar[list[BindingType]] = [
        # Priority: the focused table's own PageDown only scrolls the page it shows. Not in
        # the footer: at 80 columns the app's keys (F1-F4, F9, quit) need all of it, and the
        # hint under the box says "PgDn 下一页" when there is a next page.
        *both("pagedown", "page(1)", "下一页", "Next page", show=False, priority=True),
        *both("pageup", "page(-1)", "上一页", "Previous", show=False, priority=True),
        Binding("down", "focus_results", show=False),
    ]
    AUTO_FOCUS = "#lookup-input"
    # An ID check asked for before the screen was composed (the app switches to it and checks
    # at once): done as soon as it is. `_ready` is set once the widgets are there.
    _ready = False
    _pending_check: tuple[str, dict[str, str] | None] | None = None
    _said: tuple[Worded, bool] = (said("lookup.prompt"), False)  # the hint, redrawn on F9
    DEFAULT_CSS: ClassVar[str] = """
    LookupScreen #lookup-bar { height: auto; }
    LookupScreen #lookup-bar #lookup-input { width: 1fr; }
    """

    def compose(self) -> ComposeResult:
        yield StatusHeader()
        with Horizontal(id="lookup-bar"):
            yield LookupBox(placeholder=self.kiosk_app.text("lookup.prompt"), id="lookup-input")
            yield PurposePicker(id="lookup-purpose")
        yield Static(id="lookup-hint")
        yield SearchView(id="lookup-main")
        yield IdCheckStack(id="lookup-cards")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = self.kiosk_app.text("mode.lookup")
        self._hint(said("lookup.prompt"))
        self.box.focus()
        self._ready = True
        if self._pending_check is not None:
            pending, self._pending_check = self._pending_check, None
            self.check_id(*pending)

    @property
    def box(self) -> LookupBox:
        """The search box."""
        return self.query_one("#lookup-input", LookupBox)

    @property
    def cards(self) -> IdCheckStack:
        """The verdict cards of an ID check."""
        return self.query_one(IdCheckStack)

    @property
    def shown_check(self) -> IdCheckStack.Checked | None:
        """The ID check whose cards are shown, if any."""
        return self.cards.shown

    @property
    def search_view(self) -> SearchView:
        """The table and detail of a search."""
        return self.query_one(SearchView)

    def _hint(self, message: Worded, error: bool = False) -> None:
        self._said = (message, error)
        text = message(self.kiosk_app.lang)
        hint = self.query_one("#lookup-hint", Static)
        hint.update(Text(text) if isinstance(text, str) else text)
        hint.set_class(error, "is-error")

    def refresh_texts(self) -> None:
        self.sub_title = self.kiosk_app.text("mode.lookup")
        for picker in self.query(PurposePicker):
            picker.relabel()
        self.box.placeholder = self.kiosk_app.text("lookup.prompt")
        self.query_one(StatusHeader).update_status()
        self.search_view.relabel()
        self._hint(*self._said)
        self.call_later(self.cards.relabel)

    @on(LookupBox.Changed, "#lookup-input")
    def on_typing(self, event: LookupBox.Changed) -> None:
        value = event.value
        error = typed_hint(value, self.kiosk_app.lang)[1]
        self._hint(lambda lang: typed_hint(value, lang)[0], error)

    def on_lookup_box_truncated(self) -> None:
        if typed_kind(self.box.value) != "code":  # a QR payload is cut, and verified on Scan
            self._hint(said("lookup.truncated", n=MAX_QUERY), True)

    def on_screen_resume(self) -> None:
        """Back on this screen (after a sign-in, say): show the session's purpose, if any."""
        for picker in self.query(PurposePicker):
            picker.show_current()

    def on_screen_suspend(self) -> None:
        """Left for another screen: typing held on the table, or a QR payload's head left in
        the box by a scan (the app verifies it on Scan), does not stay."""
        self.query_one(ResultsTable).discard_typing()
        if typed_kind(self.box.value) == "code":
            self.box.value = ""

    def on_purpose_picker_picked(self) -> None:
        self.box.focus()  # Enter now searches

    def on_results_table_typed(self, message: ResultsTable.Typed) -> None:
        """Typing on the table starts a new query in the box."""
        self.box.value = message.text[:MAX_QUERY]
        self.box.cursor_position = len(self.box.value)
        self.box.focus()
        if message.submit:
            self.submit(self.box.value)

    def on_search_view_listed(self, message: SearchView.Listed) -> None:
        self._hint(message.summary or said("lookup.prompt"))

    def on_id_check_stack_answered(self, message: IdCheckStack.Answered) -> None:
        self._hint(message.hint, message.error)

    def action_focus_results(self) -> None:
        """Down in the box: to the results, when there are some."""
        table = self.query_one(ResultsTable)
        if not table.row_count or self.shown_check is not None or table.has_focus:
            raise SkipAction()
        table.focus()

    def action_page(self, step: int, lang: str = "") -> None:
        """Next or previous page of a name search, wherever the focus is (not in the purpose
        list, whose own keys these are). `lang`: the wording of the key (see `both`)."""
        picker = self.query_one(PurposePicker)
        focused = self.focused
        if focused is not None and picker in focused.ancestors_with_self:
            raise SkipAction()
        if not self.search_view.page(step):
            raise SkipAction()

    @on(LookupBox.Submitted, "#lookup-input")
    def on_search(self, event: LookupBox.Submitted) -> None:
        self.submit(event.value)

    def submit(self, text: str) -> None:
        """Search what the box holds: an ID number is checked; a certificate number or a name
        (with a purpose) is searched. Nothing of the last person stays meanwhile."""
        q = text.strip()
        if typed_kind(q) == "code":  # a QR payload typed or cut here: verified on Scan
            self.box.value = ""
            self.kiosk_app.post_message(PayloadScanned(q, "paste"))
            return
        kind = query_kind(q)
        if kind == "id":
            self.check_id(q)  # clears the box once the check starts; a mistyped one stays
            return
        if not q:
            return
        self._clear_results()
        if kind == "cert" or not self._purpose_refused():  # a name needs a purpose
            self._show_cards(False)
            self.search_view.search(q)
            self.box.focus()
            self.box.selection = Selection(0, len(self.box.value))  # the next query replaces it

    def _clear_results(self) -> None:
        """A new search or check starts: the last one's cards, table, detail and photo go."""
        self.query_one(ResultsTable).discard_typing()
        self.search_view.clear()
        self.cards.forget()

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
        # Asked again on F9: the picker words it in the language then current.
        self._hint(
            lambda lang: (
                (pickers[0].problem() if pickers else t("lookup.need_purpose", lang))
                or t("lookup.prompt", lang)
            ),
            True,
        )
        self.notify(why, title="查询事由 Purpose", severity="warning", markup=False)
        for picker in pickers:
            picker.ask()
        return True

    def check_id(self, id_number: str, context: dict[str, str] | None = None) -> None:
        """Check an ID number (typed, read by a card reader, or a demo case): one verdict card
        per licence, in the context of the institution being inspected, if there is one. Asked
        before the screen is composed, it is done once it is."""
        if not self._ready:
            self._pending_check = (id_number, context)
            return
        self._clear_results()
        why = idnum.problem(idnum.fold(id_number))
        if why:
            self._hint(fixed(why), True)  # the message never repeats the number
            self._show_cards(True)  # no earlier card stays beside a number that was refused
            self.call_later(self.cards.show_message, why, error=True)
            return
        if self._purpose_refused():
            return
        for box in self.query("#lookup-input").results(LookupBox):
            box.value = ""  # the full number does not stay (nothing typed yet if not composed)
        context = context or {}
        inspected = self.kiosk_app.inspected
        here = context.get("institution") or (inspected.reg_no if inspected else None)
        mask = idnum.mask(idnum.fold(id_number))
        self._hint(said("lookup.checking", mask=mask))
        self._show_cards(True)
        at = parse_cli_time(context["at"]) if "at" in context else None
        self.cards.start(id_number, mask, here, at)

    def _show_cards(self, cards: bool) -> None:
        """The cards of an ID check, or the table and detail panel of a search."""
        self.query_one("#lookup-cards").set_class(cards, "is-shown")
        self.query_one("#lookup-main").set_class(cards, "is-hidden")

    def clear_personal(self) -> None:
        """Empty every widget that may show a person (cards, results, detail, photo, the
        box): the screen locks, or the operator signs out. Results still on their way are
        dropped when they come."""
        self._pending_check = None  # a check not started yet is not started after this
        if not self._ready:
            return  # never shown: nothing on it
        self._clear_results()
        self.box.value = ""
        self._hint(said("lookup.prompt"))
        self._show_cards(False)
