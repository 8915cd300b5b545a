"""Messages that cross screens: posted by one widget or the app, handled by another."""

from __future__ import annotations

from textual.message import Message


class PayloadScanned(Message):
    """A complete payload from a keyboard-wedge scanner, the camera, or a paste.

    `context` (demo cases only) carries what an officer would add: an institution, an ID
    number, a verification time.
    """

    def __init__(self, payload: str, source: str, context: dict[str, str] | None = None) -> None:
        super().__init__()
        self.payload = payload
        self.source = source
        self.context = context or {}
