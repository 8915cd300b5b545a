"""The purpose of this session's look-ups (issue 20; 735号: every look-up traceable): picked
once from a short list, "other" with a note, and kept by the service until sign-out."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.css.query import NoMatches
from textual.message import Message
from textual.widgets import Input, Select

from domain.errors import QueryError
from kiosk.messages import t
from kiosk.query import MAX_NOTE, PURPOSES, check_purpose
from screens.base import kiosk_of

OPTIONS = [(f"{zh} {en}", key) for key, (zh, en) in PURPOSES.items()]


class PurposePicker(Horizontal):
    """A Select of PURPOSES and, for "other", a note; each change goes to the service."""

    DEFAULT_CSS: ClassVar[str] = """
    PurposePicker { height: auto; width: auto; }
    PurposePicker #purpose-select { width: 30; }
    PurposePicker #purpose-note { width: 30; display: none; }
    PurposePicker.is-other #purpose-note { display: block; }
    """

    class Picked(Message):
        """A purpose is complete (a key, or "other" with its note): the search may go on."""

    def compose(self) -> ComposeResult:
        lang = kiosk_of(self).lang
        yield Select(OPTIONS, prompt=t("purpose.prompt", lang), id="purpose-select")
        yield Input(placeholder=t("purpose.note", lang), id="purpose-note", max_length=MAX_NOTE)

    def on_mount(self) -> None:
        self.show_current()

    def show_current(self) -> None:
        """Show the service's purpose: after a sign-out it is None, and the picker is blank."""
        try:
            note_box = self.query_one("#purpose-note", Input)
            select: Select[str] = self.query_one("#purpose-select", Select)
        except NoMatches:
            return  # not composed yet (the screen's first showing): on_mount shows it
        key, _, note = (kiosk_of(self).service.purpose or "").partition(":")
        note_box.value = note.strip()
        if key in PURPOSES:
            select.value = key
        else:
            select.clear()
        self.set_class(key == "other", "is-other")

    def relabel(self) -> None:
        """The prompt and the note's placeholder in the current language."""
        lang = kiosk_of(self).lang
        for select in self.query("#purpose-select").results(Select):
            select.prompt = t("purpose.prompt", lang)
        for note in self.query("#purpose-note").results(Input):
            note.placeholder = t("purpose.note", lang)

    def ask(self) -> None:
        """Move the focus to what is missing: the note of "other", or the list."""
        wanted = "#purpose-note" if self.has_class("is-other") else "#purpose-select"
        for widget in self.query(wanted):
            widget.focus()

    def problem(self) -> str | None:
        """Why no look-up by ID number or name may go now (a sentence), or None."""
        if kiosk_of(self).service.purpose is not None:
            return None
        try:
            picked = self._picked()
        except NoMatches:  # not composed yet
            picked = None
        if picked is None:
            return kiosk_of(self).text("lookup.need_purpose")
        try:
            check_purpose(picked)
        except QueryError as err:
            return err.message
        return None  # complete, though not handed over yet: _apply does that on every change

    def _picked(self) -> str | None:
        select: Select[str] = self.query_one("#purpose-select", Select)
        if select.is_blank():
            return None
        if select.value == "other":
            return f"other: {self.query_one('#purpose-note', Input).value.strip()}"
        return str(select.value)

    def _apply(self) -> bool:
        """Hand what is picked to the service; an incomplete pick leaves none (ask again).
        True when there is a purpose now."""
        service = kiosk_of(self).service
        try:
            service.set_purpose(self._picked())
        except QueryError:
            service.set_purpose(None)
        return service.purpose is not None

    @on(Select.Changed, "#purpose-select")
    def on_pick(self, event: Select.Changed) -> None:
        other = event.value == "other"
        self.set_class(other, "is-other")
        if self._apply():
            self.post_message(self.Picked())
        elif other:  # complete it with a note
            self.query_one("#purpose-note", Input).focus()

    @on(Input.Changed, "#purpose-note")
    def on_note(self) -> None:
        self._apply()

    @on(Input.Submitted, "#purpose-note")
    def on_note_done(self, event: Input.Submitted) -> None:
        event.stop()  # not a search
        why = self.problem()
        if why is not None:
            self.notify(why, title="查询事由 Purpose", severity="warning", markup=False)
            return
        self.post_message(self.Picked())
