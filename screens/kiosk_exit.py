"""Leaving `--kiosk` (issue 20): the only way out is an admin's name and PIN, checked by the
core (wrong PINs back off and lock as at sign-in) and audited as kiosk_exit."""

from __future__ import annotations

from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Input, Static
from textual.worker import Worker, WorkerState

from domain.errors import KioskError
from kiosk.operators import MAX_NAME
from screens.base import kiosk_of
from screens.signin import pin_box


class KioskExitScreen(ModalScreen[bool]):
    """An admin's name and PIN; dismissed with True when they check out, False on Escape."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "取消 Cancel")]
    AUTO_FOCUS = "#kiosk-exit-name"

    class Refused(Message):
        """Not an admin's name and PIN: why (tries left, the wait, locked, not an admin)."""

        def __init__(self, message: str) -> None:
            super().__init__()
            self.message = message

    class Confirmed(Message):
        """An admin's name and PIN: the kiosk may end."""

    def compose(self) -> ComposeResult:
        app = kiosk_of(self)
        with Vertical(id="kiosk-exit-box"):
            yield Static(app.text("kiosk_exit.title"), id="kiosk-exit-title")
            yield Input(
                placeholder=app.text("signin.name"), id="kiosk-exit-name", max_length=MAX_NAME
            )
            pin = pin_box("kiosk-exit-pin")
            pin.placeholder = app.text("signin.pin")
            yield pin
            yield Static(id="kiosk-exit-message", markup=False)

    @on(Input.Submitted, "#kiosk-exit-name")
    def on_name(self) -> None:
        self.query_one("#kiosk-exit-pin", Input).focus()

    @on(Input.Submitted, "#kiosk-exit-pin")
    def on_pin(self) -> None:
        name = self.query_one("#kiosk-exit-name", Input).value
        pin = self.query_one("#kiosk-exit-pin", Input)
        if name.strip() and pin.value:
            pin.disabled = True
            self._confirm(name, pin.value)

    @work(thread=True, exclusive=True, exit_on_error=False, group="kiosk-exit", description="admin")
    def _confirm(self, name: str, pin: str) -> None:
        try:
            kiosk_of(self).service.confirm_admin(name, pin)
        except KioskError as err:
            self.post_message(self.Refused(err.message))
            return
        self.post_message(self.Confirmed())

    def on_kiosk_exit_screen_confirmed(self) -> None:
        self.dismiss(True)

    def on_kiosk_exit_screen_refused(self, message: Refused) -> None:
        self._refused(message.message)

    def _refused(self, message: str) -> None:
        line = self.query_one("#kiosk-exit-message", Static)
        line.update(message)
        pin = self.query_one("#kiosk-exit-pin", Input)
        pin.value, pin.disabled = "", False
        pin.focus()
        self.app.bell()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """An unexpected failure frees the PIN box; the app logs it and says so."""
        if event.worker.group == "kiosk-exit" and event.state is WorkerState.ERROR:
            self._refused(kiosk_of(self).text("error.generic"))
        kiosk_of(self).on_worker_state_changed(event)

    def action_cancel(self) -> None:
        """Back to the kiosk, still locked."""
        self.dismiss(False)
