"""The kiosk's Textual app: wiring only (modes, bindings, sign-in and lock, scanner input,
global errors)."""

from __future__ import annotations

import dataclasses
import logging
import sys
from typing import TYPE_CHECKING, Any, ClassVar

from textual import events
from textual.app import App
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.worker import Worker, WorkerFailed, WorkerState

from domain.errors import KioskError
from domain.types import Institution
from kiosk.messages import t
from kiosk.query import typed_kind
from kiosk.service import KioskService
from screens.base import NARROW_BELOW, SHORT_BELOW, both, worded_for
from screens.crash import Crashed
from screens.kiosk_exit import KioskExitScreen
from screens.messages import PayloadScanned
from screens.session import MODE_PERMISSION, SessionGuard
from screens.signin import SignInScreen
from screens.wedge_keys import WedgeKeys

if TYPE_CHECKING:
    from screens.demo_guide import DemoGuide

log = logging.getLogger("yanzhao.tui")
RECHECK_S = 15.0
IDLE_CHECK_S = 1.0


def _scan_screen() -> Screen[Any]:
    from screens.scan import ScanScreen

    return ScanScreen()


def _lookup_screen() -> Screen[Any]:
    from screens.lookup import LookupScreen

    return LookupScreen()


def _inspect_screen() -> Screen[Any]:
    from screens.inspect import InspectScreen

    return InspectScreen()


def _admin_screen() -> Screen[Any]:
    from screens.admin import AdminScreen

    return AdminScreen()


class YanzhaoApp(App[int], inherit_bindings=False):
    """The counter kiosk: sign in, then scan, look up, inspect, administer.

    Textual's own bindings are not inherited (ctrl+c, ctrl+q): quitting is ours to allow, and
    in kiosk mode it takes an admin's PIN.
    """

    CSS_PATH = "app.tcss"
    TITLE = "验照 Yanzhao"
    # Every mode but sign-in is imported when first opened (the first screen, sign-in, does not
    # wait for their imports): check `current_mode`, not isinstance, before then.
    MODES: ClassVar[dict[str, Any]] = {
        "signin": SignInScreen,
        "scan": lambda: _scan_screen(),
        "lookup": lambda: _lookup_screen(),
        "inspect": lambda: _inspect_screen(),
        "admin": lambda: _admin_screen(),
    }
    DEFAULT_MODE = "signin"  # before anything else; on_mount moves on if already signed in
    # Below 100 columns the demo guide folds and the card takes the width; below 30 rows
    # the paste box and the verdict band shed their padding (app.tcss).
    HORIZONTAL_BREAKPOINTS = [
        (0, "-narrow"),
        (NARROW_BELOW, "-wide"),
    ]
    VERTICAL_BREAKPOINTS = [
        (0, "-short"),
        (SHORT_BELOW, "-tall"),
    ]
    # Each key twice, worded in one language each: check_action shows the one of the current
    # language, so the footer holds every key at 80 columns. Sign-out first, so that a narrow
    # footer still shows it.
    BINDINGS: ClassVar[list[BindingType]] = [
        *both("ctrl+l", "sign_out", "登出", "Sign out", priority=True),
        *both("f1", "switch_mode('scan')", "扫码", "Scan"),
        *both("f2", "switch_mode('lookup')", "查询", "Look up"),
        *both("f3", "switch_mode('inspect')", "检查", "Inspect"),
        Binding("f3", "refuse_mode('inspect')", show=False),  # the roles without: a notice
        *both("f4", "switch_mode('admin')", "管理", "Admin"),
        Binding("f4", "refuse_mode('admin')", show=False),
        *both("f9", "toggle_language", "English", "中文"),
        *both("ctrl+q", "quit", "退出", "Quit", priority=True),
    ]

    def __init__(
        self, service: KioskService, *, demo: bool = False, kiosk: bool = False, camera: Any = None
    ) -> None:
        super().__init__()
        self.service = service
        self.demo = demo
        self.kiosk = kiosk
        self.camera = camera
        self.use_command_palette = not kiosk  # Textual's public switch: ctrl+p opens nothing
        self.wedge = WedgeKeys(self)  # a keyboard-wedge scanner's keys, told from typing
        # The institution being inspected (Inspection, F3), if any: the context of every
        # check by ID number on Look up too.
        self.inspected: Institution | None = None
        self.guard = SessionGuard(self, {m: self.MODES[m] for m in MODE_PERMISSION})
        self.admin_exit = False  # kiosk mode ended by an admin's PIN (main.py does not restart)

    @property
    def lang(self) -> str:
        """The interface language, 'zh' or 'en'."""
        return self.service.config.language

    def text(self, key: str, **params: object) -> str:
        """Interface text in the current language."""
        return t(key, self.lang, **params)

    def on_mount(self) -> None:
        self.title = t("app.title", self.lang)
        if self.service.session is not None:
            self.switch_mode("scan")
        self.set_interval(IDLE_CHECK_S, self.guard.lock_if_idle)
        # Right after the first paint, not before: the imports hold the GIL a while.
        self.call_after_refresh(
            lambda: self.run_worker(
                self._warm_up, thread=True, exit_on_error=False, group="warm-up"
            )
        )
        self.set_interval(
            RECHECK_S,
            lambda: self.run_worker(
                self._recheck, thread=True, exclusive=True, exit_on_error=False, group="recheck"
            ),
        )
        if self.camera is not None:
            self.camera.start(lambda text: self.post_message(PayloadScanned(text, "camera")))

    def _warm_up(self) -> None:
        """After the first screen is up: load what the first scan needs (OpenCV for photos,
        the replica's first pages), so that scan is as fast as the rest."""
        import cv2  # noqa: F401
        import PIL.Image  # the first photo's decode and enhancement (some 25 ms cold)
        import PIL.ImageEnhance  # noqa: F401
        import PIL.ImageFilter  # noqa: F401

        PIL.Image.init()  # its plugins (JPEG, PNG) are registered on first open otherwise

        self.service.warm_up()

    def _recheck(self) -> None:
        """Retry after a failure at start, and pick up a replica synced by another process."""
        if self.service.refresh():
            self.call_from_thread(self.refresh_texts)

    def on_unmount(self) -> None:
        if self.camera is not None:
            self.camera.stop()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Before sign-in only quit and the language; then the modes the role allows (the
        others' keys give a notice instead); never the palette in kiosk mode."""
        if not worded_for(self.lang, parameters):
            return False  # the same key, worded in the other language
        signed_in = self.service.session is not None
        if action in ("switch_mode", "refuse_mode"):
            if isinstance(self.screen, KioskExitScreen):
                return False  # the prompt stays over the screen it was opened on
            allowed = self.guard.may_open(str(parameters[0]))
            return allowed is not None and allowed == (action == "switch_mode")
        if action in ("sign_out", "command_palette"):
            return signed_in and not (action == "command_palette" and self.kiosk)
        return True

    async def action_switch_mode(self, mode: str, lang: str = "") -> None:
        """Show a mode's screen (F1-F4); `lang` only tells the key's two wordings apart."""
        await super().action_switch_mode(mode)

    def action_refuse_mode(self, mode: str) -> None:
        """A mode the signed-in role may not use (the core would refuse its actions anyway)."""
        self.notify(self.text(f"mode.denied.{mode}"), severity="warning", markup=False)

    def action_sign_out(self, lang: str = "") -> None:
        """Sign out (ctrl+l): the screens are cleared and the sign-in screen shows."""
        self.guard.sign_out("logout")

    async def action_quit(self, lang: str = "") -> None:
        """Quit; in kiosk mode only with an admin's name and PIN."""
        if not self.kiosk:
            self.exit()
        elif not isinstance(self.screen, KioskExitScreen):
            self.push_screen(KioskExitScreen(), self._kiosk_exit)

    def _kiosk_exit(self, confirmed: bool | None) -> None:
        if confirmed:
            self.admin_exit = True
            self.exit(0)

    async def on_event(self, event: events.Event) -> None:
        # Every key passes the burst detector first, whichever widget has focus: a wedge
        # scanner types a payload and Enter at 1-5 ms a key. This is the one place the app
        # overrides App.on_event (public API).
        if isinstance(event, (events.Key, events.MouseEvent)) and not event.is_forwarded:
            self.guard.touch()
        if isinstance(event, events.Key) and not event.is_forwarded and self.wedge.take(event):
            event.prevent_default()
            event.stop()
            return
        await super().on_event(event)

    def on_payload_scanned(self, message: PayloadScanned) -> None:
        """Route a scan: the inspection screen takes it during an inspection; an ID number
        read on Look up is checked there; anything else goes to Scan. Nothing before sign-in."""
        if self.service.session is None:
            self.notify(self.text("signin.first_scan"), severity="warning", markup=False)
            return
        screen = self.screen
        if self.current_mode == "inspect":  # imported once its mode was opened
            from screens.inspect import InspectScreen

            if isinstance(screen, InspectScreen) and screen.accepts_scans:
                screen.scan(message.payload)
                return
        if self.current_mode == "lookup" and typed_kind(message.payload) != "code":
            from screens.lookup import LookupScreen

            if isinstance(screen, LookupScreen):  # an ID number is checked, anything else
                screen.submit(message.payload)  # (a certificate number) searched
                return
        if self.current_mode != "scan":
            self.switch_mode("scan")
        self.call_later(lambda: self._to_scan_screen(message.payload, message.context))

    def _to_scan_screen(self, payload: str, context: dict[str, str]) -> None:
        from screens.scan import ScanScreen  # imported by the switch to its mode

        if isinstance(self.screen, ScanScreen):
            self.screen.scan(payload, context)

    def on_demo_guide_id_case_picked(self, message: DemoGuide.IdCasePicked) -> None:
        """A demo check by ID number: on Look up, as if the number had been typed there."""
        self.check_id_number(message.id_number, message.context)

    def check_id_number(self, id_number: str, context: dict[str, str] | None = None) -> None:
        """Show Look up and check an ID number there."""
        if self.current_mode != "lookup":
            self.switch_mode("lookup")
        self.call_later(self._to_lookup_screen, id_number, context or {})

    def _to_lookup_screen(self, id_number: str, context: dict[str, str]) -> None:
        from screens.lookup import LookupScreen  # imported by the switch to its mode

        if isinstance(self.screen, LookupScreen):
            self.screen.check_id(id_number, context)

    def action_toggle_language(self, lang: str = "") -> None:
        """Switch the interface between Chinese and English (F9)."""
        language = "en" if self.service.config.language == "zh" else "zh"
        try:
            self.service.update_settings(language=language)
        except KioskError as err:  # shown in the new language all the same, just not kept
            self.notify(err.message, title=err.title, severity="warning", markup=False)
            self.service.config = dataclasses.replace(self.service.config, language=language)
        self.refresh_texts()

    def refresh_texts(self) -> None:
        """Ask every screen to redraw its texts in the current language, every verdict card
        shown included, and the footer its keys."""
        # Cards exist only once their module is loaded (with Scan, Look up or Inspect): it is
        # not imported here, before the first of them, to keep the sign-in screen light.
        cards = sys.modules.get("screens.verdict_card")
        self.title = t("app.title", self.lang)
        for screen in self._every_screen():
            refresh = getattr(screen, "refresh_texts", None)
            if refresh:
                refresh()
            for card in screen.query(cards.VerdictCard) if cards is not None else ():
                card.relabel(self.lang)
        self.refresh_bindings()

    def _every_screen(self) -> list[Screen[Any]]:
        """The screens of every mode opened, not only the one shown: a mode left before F9
        (an inspection's card and roster, say) is in the new language when it comes back."""
        screens: list[Screen[Any]] = []
        for mode in self.MODES:
            try:
                screens += self.get_screen_stack(mode)
            except KeyError:  # not opened yet: it is built in the language current then
                continue
        return screens + [s for s in self.screen_stack if s not in screens]

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """Any worker that fails unexpectedly ends in a calm message, never a traceback."""
        if event.state != WorkerState.ERROR:
            return
        err = event.worker.error
        if isinstance(err, KioskError):
            log.warning("worker %s: %s", event.worker.name, err.title, exc_info=err)
            self.notify(err.message, title=err.title, severity="error", markup=False)
        else:
            log.error("worker %s failed", event.worker.name, exc_info=err)
            self.notify(self.text("error.generic"), severity="error", markup=False)

    def _handle_exception(self, error: Exception) -> None:
        # Private Textual API (App._handle_exception, textual 8.2), used here and nowhere else:
        # Textual has no public hook for an unhandled exception, and its default prints a Rich
        # traceback *with local variables* (ID numbers among them) when the app exits. We log
        # the error, then let Textual go on as usual (exit code 1, run_test re-raises) with a
        # stand-in that prints only what Crashed.__rich__ allows. A test checks the terminal.
        cause = error.error if isinstance(error, WorkerFailed) else error
        log.critical("unhandled error: the app stops", exc_info=cause)
        super()._handle_exception(Crashed(cause, kiosk=self.kiosk))
