"""The operator's session as the screens see it (issue 20): the modes a role may open, the
idle lock, and signing out, which clears every screen of personal data."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from textual.screen import Screen

from domain.errors import KioskError
from screens.signin import SignInScreen

if TYPE_CHECKING:
    from kiosk.operators import Operator
    from kiosk.report import Inspection
    from screens.app import YanzhaoApp
    from screens.inspect import InspectScreen

log = logging.getLogger("yanzhao.tui")
# The permission each mode's screen needs (kiosk.operators.PERMISSIONS): Admin is an admin's.
MODE_PERMISSION = {"scan": "verify", "lookup": "lookup", "inspect": "inspect", "admin": "operators"}


class SessionGuard:
    """Sign-in, sign-out and the idle lock for one app.

    Signing out (or locking) removes every mode screen, with its cards, results, roster and
    boxes, and the modes make fresh ones on next use. An inspection in progress is held,
    unseen, and handed back when the same inspector signs in again.
    """

    def __init__(self, app: YanzhaoApp, screens: dict[str, Callable[[], Screen[None]]]) -> None:
        self.app = app
        self.screens = screens
        self.held: dict[str, Inspection] = {}
        self.last_input = time.monotonic()  # the last key or mouse event
        self.note = ""  # why the sign-in screen shows (a TEXT key: locked, signed out)

    def may_open(self, mode: str) -> bool | None:
        """Whether the signed-in operator's role allows a mode (None: nobody signed in)."""
        session = self.app.service.session
        return None if session is None else session.may(MODE_PERMISSION.get(mode, "operators"))

    def touch(self) -> None:
        """A key or mouse event: the kiosk is in use."""
        self.last_input = time.monotonic()

    def lock_if_idle(self) -> None:
        """Lock after `idle_lock_s` seconds without a key or mouse event (0: never)."""
        limit = self.app.service.config.idle_lock_s
        if self.app.service.session is not None and 0 < limit <= time.monotonic() - self.last_input:
            self.sign_out("lock")

    def signed_in(self, who: Operator) -> None:
        """The scan screen, and the inspector's own inspection back if one was held."""
        app = self.app
        held = self.held.get(who.name)
        app.inspected = held.institution if held is not None else None
        self.note = ""
        self.touch()
        app.switch_mode("scan")
        app.refresh_bindings()
        if held is not None:
            text = app.text("signin.resumed", name=held.institution.name, n=len(held.checks))
            app.notify(text, markup=False)

    def sign_out(self, why: str) -> None:
        """End the session ("logout" or "lock"): every screen is cleared, sign-in shows."""
        app, service = self.app, self.app.service
        self._hold_inspection(service.operator)
        failed: KioskError | None = None
        try:
            service.sign_out(why)
        except KioskError as err:  # not audited: the screen locks all the same
            log.error("sign-out (%s) could not be audited", why, exc_info=err)
            service.session, service.purpose, failed = None, None, err
        app.inspected = None
        self.note = "signin.locked" if why == "lock" else "signin.signed_out"
        app.clear_notifications()  # a toast may name a person
        if failed is not None:
            app.notify(failed.message, title=failed.title, severity="error", markup=False)
        if app.current_mode == "signin":  # no switch, so no resume: reset it here
            for screen in app.get_screen_stack("signin"):
                if isinstance(screen, SignInScreen):
                    screen.reset()
        app.switch_mode("signin")
        for mode, make in self.screens.items():
            app.remove_mode(mode)  # its screens go, with every widget and worker on them
            app.add_mode(mode, self._inspect_screen if mode == "inspect" else make)
        app.refresh_bindings()

    def _hold_inspection(self, name: str) -> None:
        try:
            stack = self.app.get_screen_stack("inspect")
        except KeyError:  # not opened this session
            return
        from screens.inspect import InspectScreen  # imported when its mode was first opened

        for screen in stack:
            if isinstance(screen, InspectScreen) and screen.inspection is not None:
                self.held[name] = screen.inspection

    def _inspect_screen(self) -> InspectScreen:
        """A new inspection screen, with the signed-in inspector's held inspection if any."""
        from screens.inspect import InspectScreen  # not at start-up: the first screen waits less

        screen = InspectScreen()
        screen.inspection = self.held.pop(self.app.service.operator, None)
        return screen
