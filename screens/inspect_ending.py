"""Ending an inspection, or switching it to another institution: asked first, with the
counts so far, then the report saved. The base of the inspection screen (screens/inspect.py)."""

from __future__ import annotations

from functools import partial
from typing import ClassVar

from textual.binding import BindingType
from textual.message import Message
from textual.widgets import Input

from domain.errors import KioskError
from domain.types import Institution, Verification
from kiosk import report
from kiosk.messages import TEXT, t
from screens.admin_confirm import ConfirmModal
from screens.base import KioskScreen, both
from screens.card_stack import CardStack
from screens.inspect_roster import InspectRoster


class InspectEnding(KioskScreen):
    """Ctrl+E and the institution-licence switch, each behind a question."""

    BINDINGS: ClassVar[list[BindingType]] = [
        # priority: the add box (an Input, focused) binds ctrl+e to "end of line" itself
        *both("ctrl+e", "end_inspection", "结束检查", "End", priority=True),
    ]

    class InstitutionScanned(Message):
        """A trusted institution licence scanned during an inspection: its verification, its
        record in the replica (None when the replica lacks it)."""

        def __init__(
            self, result: Verification, institution: Institution | None, epoch: int
        ) -> None:
            super().__init__()
            self.result = result
            self.institution = institution
            self.epoch = epoch

    inspection: report.Inspection | None = None
    # Checks started before the last clear_personal carry an older epoch: they still join
    # the inspection (its report), but are not shown on a screen that was just cleared.
    epoch = 0

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Ctrl+E only while an inspection runs (the footer shows it then)."""
        if action == "end_inspection" and self.inspection is None:
            return False
        return super().check_action(action, parameters)

    def start(self, institution: Institution) -> None:
        """Begin inspecting an institution (the screen's own)."""
        raise NotImplementedError

    def refresh_texts(self) -> None:
        """Every text in the current language (the screen's own)."""
        raise NotImplementedError

    async def on_inspect_ending_institution_scanned(self, message: InstitutionScanned) -> None:
        """Show the licence's card; offer to inspect that institution instead."""
        ins, lang = self.inspection, self.kiosk_app.lang
        if ins is None or message.epoch != self.epoch:
            return
        await self.query_one(CardStack).show_results((message.result,), [None], lang)
        inst = message.institution
        if inst is None or inst.reg_no == ins.institution.reg_no:
            note = t("inspect.switch.unknown" if inst is None else "inspect.switch.same", lang)
            self.notify(note, severity="warning", markup=False)
            return
        people = len(ins.checks)
        question = t(
            "inspect.switch.ask" if people else "inspect.switch.ask_empty",
            lang,
            name=inst.name,
            no=inst.reg_no,
            address=inst.address,
            people=people,
        )
        yes = " ".join(TEXT["inspect.switch.yes"])
        self.app.push_screen(ConfirmModal(question, yes=yes), partial(self._switch, inst))

    def _switch(self, institution: Institution, confirmed: bool | None) -> None:
        """Confirmed: end the inspection (its report saved, if anyone was checked) and
        inspect `institution`."""
        if not confirmed or self.inspection is None:
            return
        if self.inspection.checks and not self._save():
            return
        self.start(institution)

    def action_end_inspection(self, _lang: str = "") -> None:
        """Ask (with the counts so far), then save the report and go back to picking."""
        ins = self.inspection
        if ins is None:
            return
        n = ins.counts()
        question = t(
            "inspect.end.ask",
            self.kiosk_app.lang,
            name=ins.institution.name,
            people=len(ins.checks),
            scans=ins.scans(),
            valid=n["valid"],
            warning=n["warning"],
            invalid=n["invalid"],
        )
        yes = " ".join(TEXT["inspect.end.yes"])
        self.app.push_screen(ConfirmModal(question, yes=yes), self._end)

    def _end(self, confirmed: bool | None) -> None:
        if confirmed and self.inspection is not None and self._save():
            self.inspection = None
            self.kiosk_app.inspected = None
            self.query_one(InspectRoster).clear()
            self.query_one(CardStack).clear()
            self.refresh_texts()
            self.query_one("#inspect-search", Input).focus()

    def _save(self) -> bool:
        """Save the inspection's report; False (and why, said) when it could not be."""
        if self.inspection is None:
            return False
        try:
            html_path, _ = self.kiosk_app.service.save_inspection(self.inspection)
        except KioskError as err:
            self.notify(err.message, title=err.title, severity="error", markup=False)
            return False
        self.notify(self.kiosk_app.text("inspect.saved", path=html_path.name), markup=False)
        return True
