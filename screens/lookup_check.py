"""A look-up's check by ID number: the worker, and the verdict cards it leaves (one per licence,
taken down again after the card timeout)."""

from __future__ import annotations

import datetime as dt

from rich.text import Text
from textual import work
from textual.message import Message
from textual.timer import Timer
from textual.worker import Worker, WorkerState, get_current_worker

from domain.errors import KioskError
from domain.types import IdCheck, Verdict
from kiosk.messages import t
from screens.base import kiosk_of
from screens.card_stack import CardStack
from screens.lookup_box import Worded, said
from screens.photo_view import halfblock


class IdCheckStack(CardStack):
    """The verdict cards of the last ID number checked, or why it could not be checked."""

    shown: IdCheckStack.Checked | None = None  # the check whose cards are shown
    # Checks started before the last forget() carry an older epoch and are dropped.
    epoch = 0
    _clear_timer: Timer | None = None

    class Checked(Message):
        """The verdict of every licence an ID number holds, photos drawn, number masked."""

        def __init__(
            self, check: IdCheck, photos: list[Text | None], mask: str, epoch: int
        ) -> None:
            super().__init__()
            self.check = check
            self.photos = photos
            self.mask = mask
            self.epoch = epoch

    class Refused(Message):
        """The ID number could not be checked here (not enrolled, no replica): why."""

        def __init__(self, message: str, epoch: int) -> None:
            super().__init__()
            self.message = message
            self.epoch = epoch

    class Answered(Message):
        """A check's answer is shown (or taken down): what the hint under the box says."""

        def __init__(self, hint: Worded, error: bool = False) -> None:
            super().__init__()
            self.hint = hint
            self.error = error

    def start(
        self, id_number: str, mask: str, institution: str | None, at: dt.datetime | None
    ) -> None:
        """Check an ID number in a worker; the cards come when it is done."""
        self.forget()
        self._check(id_number, mask, institution, at, self.epoch)

    def forget(self) -> None:
        """Take every card down; a check still on its way shows nothing when it comes."""
        self.epoch += 1
        self.shown = None
        if self._clear_timer is not None:
            self._clear_timer.stop()
        self.clear()

    # The description stands in for Textual's default, which would repr the ID number.
    @work(
        thread=True,
        exclusive=True,
        exit_on_error=False,
        group="lookup",
        name="check-id",
        description="check an ID number",
    )
    def _check(
        self, id_number: str, mask: str, institution: str | None, at: dt.datetime | None, epoch: int
    ) -> None:
        service = kiosk_of(self).service
        try:
            check = service.check_id_number(id_number, institution=institution, at=at)
        except KioskError as err:
            self.post_message(self.Refused(err.message, epoch))
            return
        photos = [halfblock(service.photo_for(v)) for v in check.results]
        if not get_current_worker().is_cancelled:  # a newer look-up has started: it shows
            self.post_message(self.Checked(check, photos, mask, epoch))

    async def on_id_check_stack_checked(self, message: Checked) -> None:
        if message.epoch != self.epoch:
            return
        app, check = kiosk_of(self), message.check
        self.shown = message
        self._restart_clear_timer()
        n, mask = len(check.results), message.mask
        inspected = next((v.inspected for v in check.results if v.inspected), None)

        def hint(lang: str) -> str:
            line = (
                t("lookup.checked", lang, mask=mask, n=n)
                if n
                else t("lookup.not_found", lang, mask=mask)
            )
            if inspected is not None:
                line += "  ·  " + t(
                    "lookup.context", lang, name=inspected.name, no=inspected.reg_no
                )
            return line

        self.post_message(self.Answered(hint))
        await self.show_check(check, message.photos, app.lang)
        if check.verdict is Verdict.INVALID:
            app.bell()

    async def on_id_check_stack_refused(self, message: Refused) -> None:
        if message.epoch != self.epoch:
            return
        app = kiosk_of(self)
        self.post_message(self.Answered(said("lookup.refused"), True))
        await self.show_message(
            app.text("lookup.cannot_check", message=message.message), error=True
        )

    async def relabel(self) -> None:
        """The cards shown, in the current language."""
        if self.shown is not None:
            await self.show_check(self.shown.check, self.shown.photos, kiosk_of(self).lang)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """A check that failed unexpectedly leaves no earlier card up; the app logs it and
        says what went wrong (Worker.StateChanged does not bubble)."""
        worker = event.worker
        if worker.name == "check-id" and event.state is WorkerState.ERROR:
            if not worker.is_cancelled:
                self.call_later(self.show_unchecked, kiosk_of(self).lang)
        kiosk_of(self).on_worker_state_changed(event)

    def _restart_clear_timer(self) -> None:
        if self._clear_timer is not None:
            self._clear_timer.stop()
        timeout = kiosk_of(self).service.config.card_timeout_s
        if timeout > 0:
            self._clear_timer = self.set_timer(timeout, self.take_down)

    def take_down(self) -> None:
        """After the card timeout, for the next person's privacy: the cards go, and the hint
        says what to type."""
        if self.shown is None:
            return
        self.forget()
        self.post_message(self.Answered(said("lookup.prompt")))
