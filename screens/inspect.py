"""Inspection (inspectors): pick the institution, then every person, scanned or entered by
ID number, is checked in its context, shown on a verdict card and added to a running roster
(once a person: a second check replaces the first); ending the inspection, once confirmed,
exports an HTML and CSV report. An institution's own licence scanned meanwhile is not a
person: the officer is offered to inspect that institution instead."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Footer, Input, OptionList, Static
from textual.worker import Worker, WorkerState

from domain import idnum
from domain.errors import BadInputError, KioskError
from domain.types import Institution, Reason, Verdict, Verification
from kiosk import report
from kiosk.messages import t
from kiosk.service import KioskService, query_kind
from kiosk.verify import trusted
from screens.card_stack import CardStack
from screens.inspect_ending import InspectEnding
from screens.inspect_picker import InstitutionPicker
from screens.inspect_roster import InspectRoster
from screens.photo_view import halfblock, no_photo
from screens.status_header import StatusHeader


def photo_of(service: KioskService, v: Verification) -> Text | None:
    """The face for a person's card (in a worker: it decodes), or the card's "no photo" for a
    person without one; None for anything else (an unverified credential names nobody)."""
    raw = service.photo_for(v)
    if raw:
        return halfblock(raw)
    lic = v.credential.licence if v.credential is not None and trusted(v) else None
    person = v.practitioner is not None or (lic is not None and lic.type in ("P", "N"))
    return no_photo() if person else None


class InspectScreen(InspectEnding):
    """Two steps: choose the institution, then check people."""

    DEFAULT_CSS: ClassVar[str] = """
    InspectScreen #inspect-reports { height: auto; max-height: 7; }
    """

    class Picked(Message):
        """Institutions matching the search, or the one chosen by scanning its licence."""

        def __init__(self, found: list[Institution], chosen: Institution | None = None) -> None:
            super().__init__()
            self.found = found
            self.chosen = chosen

    class Checked(Message):
        """People checked in the context of the institution `place` (a scan: one; an ID
        number: one per licence), the roster lines they make and their photos; with nobody
        found by an ID number, no results and the reasons why (NOT_IN_REGISTRY …)."""

        def __init__(
            self,
            results: tuple[Verification, ...],
            lines: list[report.Check],
            photos: list[Text | None],
            not_found: tuple[Reason, ...] = (),
            epoch: int = 0,
            place: str | None = None,
        ) -> None:
            super().__init__()
            self.results = results
            self.lines = lines
            self.photos = photos
            self.not_found = not_found
            self.epoch = epoch
            self.place = place

    class IdCheckRefused(Message):
        """An ID number that could not be checked here (not enrolled, no replica): why."""

        def __init__(self, message: str) -> None:
            super().__init__()
            self.message = message

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
            yield InstitutionPicker(id="inspect-institutions")
            yield CardStack(id="inspect-last")
            yield InspectRoster(id="inspect-roster")
            yield Static(id="inspect-reports")
        yield Footer()

    def on_mount(self) -> None:
        self.found: list[Institution] = []
        self.refresh_texts()

    def refresh_texts(self) -> None:
        """Every text in the current language; the visible step's widgets shown."""
        app, lang = self.kiosk_app, self.kiosk_app.lang
        self.sub_title = app.text("mode.inspect")
        ins = self.inspection
        self._show_title()
        self.query_one("#inspect-add", Input).placeholder = app.text("inspect.add")
        self.query_one("#inspect-search", Input).display = ins is None
        self.query_one("#inspect-add", Input).display = ins is not None
        self.query_one(InstitutionPicker).display = ins is None
        self.query_one(InspectRoster).display = ins is not None
        self.query_one(CardStack).display = ins is not None
        self.query_one(InstitutionPicker).show(self.found, lang)
        self.query_one(InspectRoster).redraw(ins.checks if ins else (), lang)
        self._show_reports()
        self.refresh_bindings()  # Ctrl+E shown only during an inspection

    def _show_title(self) -> None:
        """What is inspected, where, by whom, and how many so far; else how to pick."""
        app, ins = self.kiosk_app, self.inspection
        if ins is None:
            title = Text(app.text("inspect.pick"))
        else:
            inst = ins.institution
            title = Text(app.text("inspect.active", name=inst.name, no=inst.reg_no))
            details = t(
                "inspect.details",
                app.lang,
                address=inst.address,
                officer=ins.officer or t("inspect.no_officer", app.lang),
                people=len(ins.checks),
                scans=ins.scans(),
            )
            title.append("\n" + details, style="not bold dim")
        self.query_one("#inspect-title", Static).update(title)

    def _show_reports(self) -> None:
        """The latest saved reports, while no inspection takes the room."""
        widget = self.query_one("#inspect-reports", Static)
        widget.display = self.inspection is None
        folder = self.kiosk_app.service.home.path / "reports"
        names = [p.name for p in report.listing(folder)[:5]]
        heading = t("inspect.reports", self.kiosk_app.lang)
        widget.update(Text(f"{heading}:\n  " + "\n  ".join(names)) if names else "")

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
        picker = self.query_one(InstitutionPicker)
        picker.show(message.found, self.kiosk_app.lang)
        if message.found:
            picker.focus()
        else:
            self.notify(t("inspect.pick.none", self.kiosk_app.lang), markup=False)

    @on(OptionList.OptionSelected, "#inspect-institutions")
    def on_choose(self, event: OptionList.OptionSelected) -> None:
        chosen = next((i for i in self.found if i.reg_no == event.option.id), None)
        if chosen is not None:
            self.start(chosen)

    def start(self, institution: Institution) -> None:
        """Begin inspecting an institution (also the context of Look up's ID checks)."""
        app = self.kiosk_app
        try:
            self.inspection = app.service.start_inspection(institution)
        except KioskError as err:
            self.notify(err.message, title=err.title, severity="error", markup=False)
            return
        if not self.inspection.officer:
            self.inspection.officer = app.service.operator
        app.inspected = institution
        self.query_one(InspectRoster).clear()
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
        key = self.inspection.person_key(idnum.normalise(id_number))
        self._check_id(id_number, self.inspection.institution.reg_no, key, self.epoch)

    # The description stands in for Textual's default, which would repr the ID number.
    @work(
        thread=True,
        exclusive=False,
        exit_on_error=False,
        group="inspect-check",
        description="check an ID number",
    )
    def _check_id(self, id_number: str, here: str, key: str, epoch: int) -> None:
        service = self.kiosk_app.service
        try:
            result = service.check_id_number(id_number, institution=here, purpose="inspection")
        except KioskError as err:
            self.post_message(self.IdCheckRefused(err.message))
            return
        mask = idnum.mask(idnum.normalise(id_number))
        not_found = t("card.not_found", self.kiosk_app.lang)
        lines = report.checks_of(service.clock(), result, mask, not_found, key)
        photos = [photo_of(service, v) for v in result.results]
        checked = self.Checked(result.results, lines, photos, result.reasons, epoch, here)
        self.post_message(checked)

    def on_inspect_screen_id_check_refused(self, message: IdCheckRefused) -> None:
        text = self.kiosk_app.text("lookup.cannot_check", message=message.message)
        self.notify(text, severity="error", markup=False)
        self.call_later(self.query_one(CardStack).show_message, text, error=True)

    @work(thread=True, exclusive=False, exit_on_error=False, group="inspect-check")
    def _check(self, payload: str, here: str | None, epoch: int) -> None:
        service = self.kiosk_app.service
        result = service.verify(payload, institution=here)
        lic = result.credential.licence if result.credential and trusted(result) else None
        if lic is not None and lic.type == "I":  # an institution's licence: not a person
            inst = service.institution(lic.no)
            if here is not None:
                self.post_message(self.InstitutionScanned(result, inst, epoch))
            elif inst is None:
                raise BadInputError("本机注册库中没有该机构 (the replica has no such institution)")
            else:
                self.post_message(self.Picked([inst], inst))
            return
        if here is None:
            raise BadInputError(
                "请扫描机构的执业许可证二维码 (scan the institution's licence QR code)"
            )
        line = report.Check.of(service.clock(), result)
        photo = photo_of(service, result)
        self.post_message(self.Checked((result,), [line], [photo], (), epoch, here))

    async def on_inspect_screen_checked(self, message: Checked) -> None:
        ins = self.inspection
        if ins is None or message.place not in (None, ins.institution.reg_no):
            return  # checked for an inspection that has ended meanwhile
        # The data-dependent part (the roster lines) ran in the worker: a failure there ends
        # in on_worker_state_changed below. What is left lays out plain strings and the cards.
        added = [ins.add(check) for check in message.lines]
        self._show_title()
        if message.epoch != self.epoch:
            return  # recorded, not shown: the screen was cleared meanwhile
        roster, lang = self.query_one(InspectRoster), self.kiosk_app.lang
        for line, replaced in added:
            roster.add_check(line, replaced, lang)
        stack = self.query_one(CardStack)
        if message.results:
            await stack.show_results(message.results, message.photos, lang)
        else:
            await stack.show_not_found(message.not_found, lang)
        if any(check.verdict == Verdict.INVALID for check in message.lines):
            self.app.bell()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """A check that failed clears the last person shown (the app logs it and says so:
        Textual calls KioskScreen's handler too)."""
        if event.worker.group == "inspect-check" and event.state is WorkerState.ERROR:
            if self.inspection is not None:
                self._show_unchecked()

    def _show_unchecked(self) -> None:
        self.call_later(self.query_one(CardStack).show_unchecked, self.kiosk_app.lang)
        self.app.bell()

    def clear_personal(self) -> None:
        """Empty every widget that may show a person (the last cards, the roster, the boxes):
        the screen locks, or the operator signs out. The inspection itself goes on: what was
        checked stays in it, for its report, but is not shown again."""
        self.epoch += 1
        if not self.is_mounted:
            return  # never shown: nothing on it
        self.query_one("#inspect-last", CardStack).clear()
        self.query_one(InspectRoster).clear()
        self.query_one("#inspect-search", Input).value = ""
        self.query_one("#inspect-add", Input).value = ""
