"""The base of every kiosk screen: worker failures go to the app's one catch-all handler."""

from __future__ import annotations

from textual.screen import Screen
from textual.worker import Worker


class KioskScreen(Screen[None]):
    """A screen whose failed workers end in a calm message (Worker.StateChanged does not bubble)."""

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        self.app.on_worker_state_changed(event)  # type: ignore[attr-defined]
