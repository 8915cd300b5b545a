"""Sign-in (issue 20): the first screen, and the one the kiosk locks to. An operator's name and
PIN, or on a home with no operator yet the first admin (name, PIN twice). Nothing of the other
screens is reachable from here: the app allows no mode key and no palette before sign-in."""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Footer, Input, Static
from textual.worker import Worker, WorkerState

from domain.errors import KioskError
from kiosk.operators import MAX_NAME, PIN_DIGITS, Operator
from screens.base import KioskScreen
from screens.demo_guide import load_operators, operators_text
from screens.status_header import StatusHeader


def pin_box(box_id: str) -> Input:
    """A PIN box: digits only, never shown."""
    return Input(id=box_id, password=True, restrict=r"[0-9]*", max_length=PIN_DIGITS[1])


class SignInScreen(KioskScreen):
    """Name and PIN; the first admin on a home without operators."""

    AUTO_FOCUS = "#signin-name"

    class SignedIn(Message):
        """The name and PIN signed an operator in (the service's session is set)."""

        def __init__(self, operator: Operator) -> None:
            super().__init__()
            self.operator = operator

    class Refused(Message):
        """The core refused: a wrong PIN (with tries left or the wait), locked, a bad name."""

        def __init__(self, message: str) -> None:
            super().__init__()
            self.message = message

    first_admin = False  # no operator yet: this creates the first admin
    note = ""  # why it shows (a TEXT key, or the core's message), until the next try

    def compose(self) -> ComposeResult:
        yield StatusHeader()
        with Vertical(id="signin-box"):
            yield Static(id="signin-title")
            yield Input(id="signin-name", max_length=MAX_NAME)
            yield pin_box("signin-pin")
            yield pin_box("signin-pin-again")
            yield Static(id="signin-message", markup=False)
            yield Static(id="signin-demo", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        self.reset()

    def on_screen_resume(self) -> None:
        """Shown again (a lock, a sign-out): empty boxes, and the reason why."""
        self.reset()

    def reset(self) -> None:
        """Empty every box and show the form this home needs (sign in, or the first admin)."""
        self.note = self.kiosk_app.guard.note
        self._check_first_admin()
        for box in self.query(Input):
            box.value = ""
            box.disabled = False
        self.query_one("#signin-name", Input).focus()
        self.refresh_texts()

    def _check_first_admin(self) -> None:
        """Whether this home has no operator yet (a local database that cannot be read: say
        why, and offer the plain sign-in, which will say it again)."""
        try:
            self.first_admin = self.kiosk_app.service.needs_first_admin()
        except KioskError as err:
            self.first_admin, self.note = False, err.message

    def refresh_texts(self) -> None:
        """Redraw in the current language."""
        app = self.kiosk_app
        self.sub_title = app.text("signin.title")
        self.query_one(StatusHeader).update_status()
        title = app.text("signin.first" if self.first_admin else "signin.title")
        self.query_one("#signin-title", Static).update(title)
        self.query_one("#signin-name", Input).placeholder = app.text("signin.name")
        self.query_one("#signin-pin", Input).placeholder = app.text("signin.pin")
        again = self.query_one("#signin-pin-again", Input)
        again.placeholder, again.display = app.text("signin.pin_again"), self.first_admin
        self._say(app.text(self.note or "signin.hint"), error=False)  # a key, or a message
        demo = self.query_one("#signin-demo", Static)
        operators = load_operators(app.service.home.path) if app.demo else []
        demo.update(operators_text(operators, app.lang) if operators else "")
        demo.display = bool(operators) and not self.first_admin

    def _say(self, message: str, *, error: bool) -> None:
        line = self.query_one("#signin-message", Static)
        line.update(message)
        line.set_class(error, "is-error")

    @on(Input.Submitted)
    def on_enter(self, event: Input.Submitted) -> None:
        """Enter moves to the next box; on the last one it signs in."""
        boxes = [b for b in self.query(Input) if b.display]
        if event.input is not boxes[-1]:
            boxes[boxes.index(event.input) + 1].focus()
            return
        name = self.query_one("#signin-name", Input).value
        pin = self.query_one("#signin-pin", Input).value
        if not name.strip() or not pin:
            (self.query_one("#signin-name", Input) if not name.strip() else boxes[1]).focus()
            return
        if self.first_admin and pin != self.query_one("#signin-pin-again", Input).value:
            self._refused(self.kiosk_app.text("signin.pin_differ"))
            return
        for box in boxes:
            box.disabled = True  # one try at a time: the core's wait is the next try's
        self._sign_in(name, pin, self.first_admin)

    @work(thread=True, exclusive=True, exit_on_error=False, group="sign-in", description="sign in")
    def _sign_in(self, name: str, pin: str, first_admin: bool) -> None:
        service = self.kiosk_app.service
        try:
            if first_admin:
                service.add_operator(name, "admin", pin)
            self.post_message(self.SignedIn(service.sign_in(name, pin)))
        except KioskError as err:
            self.post_message(self.Refused(err.message))

    def on_sign_in_screen_signed_in(self, message: SignedIn) -> None:
        self.note = ""
        for box in self.query(Input):
            box.value = ""
        self.kiosk_app.guard.signed_in(message.operator)

    def on_sign_in_screen_refused(self, message: Refused) -> None:
        self._refused(message.message)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """An unexpected failure frees the boxes again (the app logs it and says so)."""
        if event.worker.group == "sign-in" and event.state is WorkerState.ERROR:
            self._refused(self.kiosk_app.text("error.generic"))
        super().on_worker_state_changed(event)

    def _refused(self, message: str) -> None:
        """Say why, keep the name, empty the PIN boxes for the next try."""
        self.note = ""
        self._check_first_admin()
        for box in self.query(Input):
            box.disabled = False
            if box.id != "signin-name":
                box.value = ""
        self.refresh_texts()
        self._say(message, error=True)
        # after the refresh that enables the boxes: a disabled box cannot take the focus
        self.call_after_refresh(self.query_one("#signin-pin", Input).focus)
        self.app.bell()
