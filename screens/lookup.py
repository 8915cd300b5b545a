"""Look up (front desk): by ID number (checked as it is typed), certificate number or name."""

from __future__ import annotations

from typing import ClassVar

from rich.markup import escape
from rich.table import Table
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.widgets import DataTable, Footer, Input, Static

from domain import idnum
from domain.types import Practitioner
from kiosk.messages import t
from kiosk.query import NAME_RESULTS
from kiosk.service import query_kind
from screens.base import KioskScreen
from screens.photo_view import halfblock
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
    """Search box, results table, detail panel."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("pagedown", "page(1)", "下一页 Next page"),
        Binding("pageup", "page(-1)", "上一页 Previous"),
    ]
    AUTO_FOCUS = "#lookup-input"
    query_text = ""
    page_start = 0  # the first person of the page shown (not `offset`: a Widget's own)

    class Found(Message):
        """Results of a look-up worker."""

        def __init__(self, results: list[Practitioner], offset: int = 0) -> None:
            super().__init__()
            self.results = results
            self.offset = offset

    class Detailed(Message):
        """A detail record with its photo."""

        def __init__(self, person: Practitioner | None, photo: Text | None) -> None:
            super().__init__()
            self.person = person
            self.photo = photo

    def compose(self) -> ComposeResult:
        yield StatusHeader()
        yield Input(placeholder=self.kiosk_app.text("lookup.prompt"), id="lookup-input")
        yield Static(id="lookup-hint")
        with Horizontal(id="lookup-main"):
            yield DataTable(id="lookup-results", cursor_type="row", zebra_stripes=True)
            with VerticalScroll(id="lookup-detail"):
                yield Static(id="lookup-detail-text")
                yield Static(id="lookup-photo")
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
        self.query_one(StatusHeader).update_status()

    @on(Input.Changed, "#lookup-input")
    def on_typing(self, event: Input.Changed) -> None:
        message, error = id_hint(event.value, self.kiosk_app.lang)
        hint = self.query_one("#lookup-hint", Static)
        hint.update(message)
        hint.set_class(error, "is-error")

    @on(Input.Submitted, "#lookup-input")
    def on_search(self, event: Input.Submitted) -> None:
        q = event.value.strip()
        if query_kind(q) == "id" and idnum.problem(q):
            self.query_one("#lookup-hint", Static).update(idnum.problem(q) or "")
            return
        if q:
            self.query_text, self.page_start = q, 0
            self._search(q)
            if query_kind(q) == "id":
                event.input.value = ""  # the full ID number does not stay on the counter screen

    def action_page(self, step: int) -> None:
        """Next or previous page of a name search."""
        if self.query_text and query_kind(self.query_text) == "name":
            offset = max(0, self.page_start + step * NAME_RESULTS)
            if offset != self.page_start and (step < 0 or len(self.results) == NAME_RESULTS):
                self._search(self.query_text, offset)  # the page moves when its results come

    @work(thread=True, exclusive=True, exit_on_error=False, group="lookup")
    def _search(self, query: str, offset: int = 0) -> None:
        found = self.kiosk_app.service.lookup(query, offset=offset)
        self.post_message(self.Found(found, offset))

    def on_lookup_screen_found(self, message: Found) -> None:
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
            self._detail(message.results[0])

    @on(DataTable.RowHighlighted, "#lookup-results")
    def on_row(self, event: DataTable.RowHighlighted) -> None:
        if event.row_key.value is not None and self.results:
            self._detail(self.results[int(event.row_key.value)])

    @work(thread=True, exclusive=True, exit_on_error=False, group="detail")
    def _detail(self, person: Practitioner) -> None:
        service = self.kiosk_app.service
        full = service.practitioner(person.kind, person.cert_no)
        raw = service.photo(person.kind, person.cert_no) if person.has_photo else None
        self.post_message(self.Detailed(full, halfblock(raw)))

    def on_lookup_screen_detailed(self, message: Detailed) -> None:
        p = message.person
        panel = self.query_one("#lookup-detail-text", Static)
        if p is None:
            panel.update("")
            return
        lang = self.kiosk_app.lang
        grid = Table.grid(padding=(0, 2))
        grid.add_column(style="dim", no_wrap=True)
        grid.add_column()
        for key, value in (
            ("card.name", p.name),
            ("card.sex", t(f"sex.{p.sex}", lang)),
            ("card.id", p.id_mask),
            ("card.cert", p.cert_no),
            ("card.level", p.level),
            ("card.category", p.category),
            ("card.scope", "、".join(p.scope)),
            ("card.location", p.location),
            ("card.org", p.institution_name or p.institution),
            ("card.valid_until", p.valid_until),
            ("card.authority", p.authority_name),
        ):
            if value:
                grid.add_row(t(key, lang), Text(value))
        grid.add_row(
            "状态 status",
            Text(
                t(f"status.{p.status}", lang),
                style="bold green" if p.status == "active" else "bold red",
            ),
        )
        for f in p.filings:
            until = f" → {f.valid_until}" if f.valid_until else ""
            grid.add_row(
                t("card.sites", lang),
                Text(f"{f.institution_name or f.institution}（{f.filed_on}{until}）"),
            )
        panel.update(grid)
        self.query_one("#lookup-photo", Static).update(message.photo or "")
