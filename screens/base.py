"""The base of every kiosk screen and widget: a typed way to reach the app, and worker failures
handed to the app's one catch-all handler."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from textual.binding import Binding
from textual.dom import DOMNode
from textual.screen import Screen
from textual.worker import Worker

if TYPE_CHECKING:
    from screens.app import YanzhaoApp


LANGS = ("zh", "en")
NARROW_BELOW = 100  # columns: below this the demo guide folds and the header is shorter
SHORT_BELOW = 30  # rows: below this the scan screen is laid out compactly


def both(
    key: str, action: str, zh: str, en: str, *, priority: bool = False, show: bool = True
) -> tuple[Binding, Binding]:
    """One key bound twice, once worded in each language, so that a footer shows one short
    wording (every key fits at 80 columns): the action gets the language as its last
    parameter, and `worded_for` lets only the current language's binding through."""
    if action.endswith(")"):
        worded = [f"{action[:-1]}, '{lang}')" for lang in LANGS]
    else:
        worded = [f"{action}('{lang}')" for lang in LANGS]
    return (
        Binding(key, worded[0], zh, priority=priority, show=show),
        Binding(key, worded[1], en, priority=priority, show=show),
    )


def worded_for(lang: str, parameters: tuple[object, ...]) -> bool:
    """False for a binding made by `both` for the other language than `lang`."""
    return not (parameters and parameters[-1] in LANGS and parameters[-1] != lang)


def kiosk_of(node: DOMNode) -> YanzhaoApp:
    """The running YanzhaoApp, typed (Textual types `node.app` as a plain App)."""
    return cast("YanzhaoApp", node.app)


class KioskScreen(Screen[None]):
    """A screen whose failed workers end in a calm message (Worker.StateChanged does not bubble)."""

    @property
    def kiosk_app(self) -> YanzhaoApp:
        """The app, with its service, language and texts, typed."""
        return kiosk_of(self)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Only the current language's wording of a key (see `both`)."""
        return worded_for(self.kiosk_app.lang, parameters)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        self.kiosk_app.on_worker_state_changed(event)
