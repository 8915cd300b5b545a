"""Scan (the home screen): always listening; the verdict card fills the screen."""

from __future__ import annotations

import logging
from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.timer import Timer
from textual.widgets import Footer, Input, Static
from textual.worker import Worker, WorkerState, get_current_worker

from domain.types import Verdict
from kiosk.service import query_kind
from screens.base import KioskScreen, both
from screens.demo_guide import DemoGuide
from screens.messages import PayloadScanned
from screens.photo_view import from_array, halfblock
from screens.scan_box import ScanBox, too_long
from screens.status_header import StatusHeader
from screens.verdict_card import CardData, VerdictCard

log = logging.getLogger("yanzhao.tui")
# The strip's name for F5 when the guide is folded, and when it is open.
GUIDE_KEY = {
    False: ("F5 演示清单", "F5 demo list"),
    True: ("F5 收起演示清单", "F5 fold the demo list"),
}


class ScanScreen(KioskScreen):
    """Waits for a code from the scanner, the camera or a paste, and shows the verdict."""

    BINDINGS: ClassVar[list[BindingType]] = [
        *both("escape", "clear_card", "清除", "Clear"),
        Binding("f5", "toggle_guide", show=False),  # named on the strip, when folded
    ]
    AUTO_FOCUS = "#scan-input"

    class Verified(Message):
        """A verification finished in a worker."""

        def __init__(self, data: CardData, epoch: int = 0) -> None:
            super().__init__()
            self.data = data
            self.epoch = epoch

    def __init__(self) -> None:
        super().__init__()
        self._clear_timer: Timer | None = None
        self.last: CardData | None = None
        self.unchecked = False  # the last scan could not be checked
        # Verifications started before the last clear_personal carry an older epoch and are
        # dropped: nothing personal comes back onto a screen that was just cleared.
        self.epoch = 0

    def compose(self) -> ComposeResult:
        yield StatusHeader()
        with Horizontal(id="scan-main"):
            yield VerdictCard(id="verdict-card")
            with Vertical(id="scan-side"):
                yield Static(id="camera-status")
                yield Static(id="camera-preview")
                if self.kiosk_app.demo:
                    yield DemoGuide(id="demo-guide")
        yield Static(id="scan-strip", markup=False)
        yield ScanBox(placeholder=self.kiosk_app.text("scan.input"), id="scan-input")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = self.kiosk_app.text("mode.scan")
        self.action_clear_card()
        self.update_camera_status()
        self.set_interval(2, self.update_camera_status)
        if self.kiosk_app.camera is not None:
            self.set_interval(0.5, self._preview)  # a low frame rate is enough to aim

    def refresh_texts(self) -> None:
        """Redraw in the current language."""
        self.sub_title = self.kiosk_app.text("mode.scan")
        self.query_one(StatusHeader).update_status()
        self.query_one("#scan-input", Input).placeholder = self.kiosk_app.text("scan.input")
        self.update_camera_status()
        if self.last is not None:
            self._show(self.last)
        elif self.unchecked:
            self.query_one(VerdictCard).unchecked(self.kiosk_app.lang)
        else:
            self.action_clear_card()

    def update_camera_status(self) -> None:
        """Camera state and figures for the side panel."""
        app = self.kiosk_app
        camera = app.camera
        if camera is None:
            text = app.text("camera.off")
        elif not camera.connected:
            text = app.text("camera.lost")
        else:
            s = camera.stats()
            text = app.text("camera.on", fps=s.fps, hit=s.hit_rate)
        if camera is not None and camera.notices:
            text += "\n" + "\n".join(camera.notices)
        self.query_one("#camera-status", Static).update(text)
        strip = text.split("\n", 1)[0]
        if app.demo:
            zh, en = GUIDE_KEY[self.has_class("-guide-open")]
            strip += "  ·  " + (en if app.lang == "en" else zh)
        self.query_one("#scan-strip", Static).update(strip)

    def action_toggle_guide(self) -> None:
        """Unfold the demo guide beside the card, or fold it away (F5, below 100 columns)."""
        if not self.kiosk_app.demo:
            return
        self.toggle_class("-guide-open")
        if self.has_class("-guide-open"):
            self.query_one("#demo-cases").focus()
        else:
            self.query_one("#scan-input").focus()
        self.update_camera_status()

    @on(PayloadScanned)
    @on(DemoGuide.IdCasePicked)
    def fold_guide(self) -> None:
        """A demo case picked in the unfolded guide: fold it, so the card has the width (the
        message goes on to the app, which runs the case)."""
        if self.has_class("-guide-open"):
            self.action_toggle_guide()

    @work(thread=True, exclusive=True, exit_on_error=False, group="preview")
    def _preview(self) -> None:
        frame = getattr(self.kiosk_app.camera, "latest", None)
        if frame is not None:
            picture = from_array(frame, 32)
            self.app.call_from_thread(
                self.query_one("#camera-preview", Static).update, picture or ""
            )

    @on(Input.Submitted, "#scan-input")
    def on_paste(self, event: Input.Submitted) -> None:
        text = event.value.strip()
        event.input.value = ""
        if query_kind(text) == "id":  # an ID card reader types here too: check it on Look up
            self.kiosk_app.check_id_number(text)
        elif text:
            self.scan(text)

    def on_scan_box_too_long(self, message: ScanBox.TooLong) -> None:
        """More was pasted than any licence's code holds: none of it is taken, and we say so."""
        self.notify(too_long(self.kiosk_app.lang), severity="warning", markup=False)

    def scan(self, payload: str, context: dict[str, str] | None = None) -> None:
        """Verify a payload in a worker; the card updates when it is done."""
        self._verify(payload, context or {}, self.epoch)

    @work(thread=True, exclusive=True, exit_on_error=False, group="verify")
    def _verify(self, payload: str, context: dict[str, str], epoch: int) -> None:
        from domain.timeutil import parse_cli_time

        service = self.kiosk_app.service
        at = parse_cli_time(context["at"]) if "at" in context else None
        result = service.verify(
            payload,
            institution=context.get("institution"),
            id_number=context.get("id_number"),
            at=at,
        )
        raw = service.photo_for(result)
        if not get_current_worker().is_cancelled:  # a newer scan has started: it shows instead
            self.post_message(self.Verified(CardData(result, halfblock(raw)), epoch))

    def on_scan_screen_verified(self, message: Verified) -> None:
        if message.epoch != self.epoch:
            return
        self._restart_clear_timer()
        if not self._show(message.data):
            return
        self.last, self.unchecked = message.data, False
        if message.data.result.verdict is Verdict.INVALID:
            self.app.bell()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """A verification that failed (decode, verify, audit, photo) clears the card.

        KioskScreen's handler runs next and hands the event to the app, which logs the
        traceback and says what went wrong in a toast.
        """
        worker = event.worker
        if worker.group == "verify" and event.state is WorkerState.ERROR:
            if not worker.is_cancelled:  # a newer scan has started: it shows instead
                self._show_unchecked()

    def _show(self, data: CardData) -> bool:
        """Draw a verification on the card; False (and "could not check") if that fails."""
        try:
            self.query_one(VerdictCard).show(data, self.kiosk_app.lang)
        except Exception:  # noqa: BLE001 - a card that cannot be drawn must not leave the last one up
            log.exception("the verdict card could not be drawn")
            self._show_unchecked()
            return False
        return True

    def _show_unchecked(self) -> None:
        self.last, self.unchecked = None, True
        self.query_one(VerdictCard).unchecked(self.kiosk_app.lang)
        self.app.bell()
        self._restart_clear_timer()

    def _restart_clear_timer(self) -> None:
        if self._clear_timer is not None:
            self._clear_timer.stop()
        timeout = self.kiosk_app.service.config.card_timeout_s
        if timeout > 0:
            self._clear_timer = self.set_timer(timeout, self.action_clear_card)

    def action_clear_card(self, lang: str = "") -> None:
        """Clear the card (also after the configured time, for privacy)."""
        self.last, self.unchecked = None, False
        self.query_one(VerdictCard).clear(self.kiosk_app.text("scan.prompt"))

    def clear_personal(self) -> None:
        """Empty every widget that may show a person (the verdict card, the box, the camera
        picture): the screen locks, or the operator signs out."""
        self.epoch += 1
        if not self.is_mounted:
            return  # never shown: nothing on it
        if self._clear_timer is not None:
            self._clear_timer.stop()
        self.action_clear_card()
        self.query_one("#scan-input", Input).value = ""
        self.query_one("#camera-preview", Static).update("")
