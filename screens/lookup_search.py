"""A look-up's search by name or certificate number: the results table and the detail panel,
the workers that fill them, and the pages of a name search with its true total."""

from __future__ import annotations

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.message import Message
from textual.worker import Worker, WorkerState

from domain.types import Practitioner
from kiosk.query import MAX_NAME_RESULTS, NAME_RESULTS
from kiosk.service import query_kind
from screens.base import kiosk_of
from screens.lookup_box import Worded, count_hint
from screens.lookup_detail import DetailPanel
from screens.lookup_results import ResultsTable
from screens.photo_view import halfblock


class SearchView(Horizontal):
    """The table of people found and the detail of the one highlighted."""

    query_text = ""  # the search shown (or on its way)
    page_start = 0  # the first person of the page shown (not `offset`: a Widget's own)
    total = 0  # how many the search matched, all pages
    # Results of workers started before the last clear() carry an older epoch and are dropped.
    epoch = 0

    class Found(Message):
        """A page of a search, with the search's total."""

        def __init__(self, people: list[Practitioner], offset: int, total: int, epoch: int) -> None:
            super().__init__()
            self.people = people
            self.offset = offset
            self.total = total
            self.epoch = epoch

    class Detailed(Message):
        """A detail record with its photo."""

        def __init__(self, person: Practitioner | None, photo: Text | None, epoch: int) -> None:
            super().__init__()
            self.person = person
            self.photo = photo
            self.epoch = epoch

    class Listed(Message):
        """A page is shown (or none found): what the hint says of it."""

        def __init__(self, summary: Worded | None) -> None:
            super().__init__()
            self.summary = summary

    def compose(self) -> ComposeResult:
        yield ResultsTable(id="lookup-results")
        yield DetailPanel(id="lookup-detail")

    @property
    def results(self) -> list[Practitioner]:
        """The people on the page shown."""
        return self.query_one(ResultsTable).people

    def search(self, query: str) -> None:
        """Start a new search: nothing of the last one stays while it runs."""
        self.clear()
        self.query_text = query
        self._search(query, 0, self.epoch)

    def page(self, step: int) -> bool:
        """Ask for the next (1) or previous (-1) page of a name search; False if there is none
        (the key then does what it does elsewhere)."""
        if not self.query_text or query_kind(self.query_text) != "name":
            return False
        offset = max(0, self.page_start + step * NAME_RESULTS)
        if offset == self.page_start or offset >= self.total:
            return False
        self._search(self.query_text, offset, self.epoch)  # moves when the results come
        return True

    def clear(self) -> None:
        """Empty the table and the detail; results still on their way are dropped."""
        self.epoch += 1
        self.query_text, self.page_start, self.total = "", 0, 0
        self.query_one(ResultsTable).show([], kiosk_of(self).lang)
        self.query_one(DetailPanel).clear()

    def relabel(self) -> None:
        """The table in the current language (the detail follows with the next row)."""
        table = self.query_one(ResultsTable)
        table.show(table.people, kiosk_of(self).lang)

    @work(thread=True, exclusive=True, exit_on_error=False, group="lookup", name="search")
    def _search(self, query: str, offset: int, epoch: int) -> None:
        service = kiosk_of(self).service
        found = service.lookup(query, offset=offset)
        named = query_kind(query) == "name"
        total = service.count_name_matches(query) if named else len(found)
        self.post_message(self.Found(found, offset, max(total, offset + len(found)), epoch))

    def on_search_view_found(self, message: Found) -> None:
        if message.epoch != self.epoch:
            return
        self.page_start, self.total = message.offset, message.total
        lang = kiosk_of(self).lang
        self.query_one(ResultsTable).show(message.people, lang)
        cap = MAX_NAME_RESULTS if query_kind(self.query_text) == "name" else 0
        total, offset, shown = message.total, message.offset, len(message.people)
        self.post_message(self.Listed(lambda lang: count_hint(total, offset, shown, cap, lang)))
        if message.people:
            self._detail(message.people[0], self.epoch)
        else:
            self.query_one(DetailPanel).clear()

    @on(ResultsTable.RowHighlighted, "#lookup-results")
    def on_row(self, event: ResultsTable.RowHighlighted) -> None:
        people = self.results
        if event.row_key.value is not None and int(event.row_key.value) < len(people):
            self._detail(people[int(event.row_key.value)], self.epoch)

    @work(thread=True, exclusive=True, exit_on_error=False, group="detail")
    def _detail(self, person: Practitioner, epoch: int) -> None:
        service = kiosk_of(self).service
        full = service.practitioner(person.kind, person.cert_no)
        raw = service.photo(person.kind, person.cert_no) if person.has_photo else None
        self.post_message(self.Detailed(full, halfblock(raw), epoch))

    def on_search_view_detailed(self, message: Detailed) -> None:
        if message.epoch == self.epoch:
            self.query_one(DetailPanel).show(message.person, message.photo, kiosk_of(self).lang)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """A new search that failed leaves nobody on screen (a failed page keeps the page);
        the app says what went wrong (Worker.StateChanged does not bubble)."""
        if event.state is not WorkerState.ERROR:
            return
        if event.worker.name == "search" and not self.results:
            self.clear()
            self.post_message(self.Listed(None))
        kiosk_of(self).on_worker_state_changed(event)
