"""The base of every kiosk screen and widget: a typed way to reach the app, and worker failures
handed to the app's one catch-all handler."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from textual.dom import DOMNode
from textual.screen import Screen
from textual.worker import Worker

if TYPE_CHECKING:
    from screens.app import YanzhaoApp


def kiosk_of(node: DOMNode) -> YanzhaoApp:
    """The running YanzhaoApp, typed (Textual types `node.app` as a plain App)."""
    return cast("YanzhaoApp", node.app)


class KioskScreen(Screen[None]):
    """A screen whose failed workers end in a calm message (Worker.StateChanged does not bubble)."""

    @property
    def kiosk_app(self) -> YanzhaoApp:
        """The app, with its service, language and texts, typed."""
        return kiosk_of(self)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        self.kiosk_app.on_worker_state_changed(event)
