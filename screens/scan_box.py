"""The scan screen's paste box: bounded, so a huge paste is refused at once, not drawn."""

from __future__ import annotations

from textual.message import Message
from textual.widgets import Input

from wire.codec import MAX_TEXT

# A licence's QR payload is never longer than the codec takes (a QR code holds at most 4,296
# characters): the box takes that much and not a character more.
MAX_PASTE = MAX_TEXT

TOO_LONG = (
    "粘贴的内容超过 {n} 个字符，不是执照二维码，未接受",
    "The pasted text is longer than {n} characters: not a licence's QR code; not taken",
)


def too_long(lang: str) -> str:
    """What the officer is told when more than the box takes was pasted or typed."""
    zh, en = TOO_LONG
    return (en if lang == "en" else zh).format(n=f"{MAX_PASTE:,}")


class ScanBox(Input):
    """An Input that never holds more than MAX_PASTE characters.

    Textual's Input redraws and re-validates its whole text on every change; unbounded, a
    6,000-character paste typed key by key froze the screen for seconds. Text that would make
    it longer is refused whole (a cut payload could never verify) and `TooLong` says so.
    """

    class TooLong(Message):
        """Text that would have made the box longer than MAX_PASTE was refused."""

    def __init__(self, *, placeholder: str = "", id: str | None = None) -> None:  # noqa: A002
        super().__init__(placeholder=placeholder, id=id, max_length=MAX_PASTE)

    def restricted(self) -> None:
        """Instead of Input's bell (once a key, thousands of times for a long paste): the box
        is emptied (what it held was the start of the same text) and `TooLong` is posted."""
        self.value = ""
        self.post_message(self.TooLong())
