"""The look-up's one box and the hint under it: what is being typed (an ID number, a certificate
number, a name, a licence's QR code) and what Enter will do with it."""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text
from textual import events
from textual.message import Message
from textual.widgets import Input

from domain import idnum
from kiosk.messages import t
from kiosk.query import MAX_NAME, MAX_QUERY, typed_kind
from screens.messages import PayloadScanned

# A text given as what it says in each language: the hint under the box is kept this way, so
# that F9 redraws it in the other language.
Worded = Callable[[str], str | Text]


def said(key: str, **params: object) -> Worded:
    """An interface text (kiosk.messages) in whichever language is asked for."""
    return lambda lang: t(key, lang, **params)


def fixed(text: str | Text) -> Worded:
    """A text that reads the same in both languages (it carries both already)."""
    return lambda _lang: text


def id_hint(text: str, lang: str) -> tuple[str, bool]:
    """What to tell a person typing an ID number: (message, is_error)."""
    s = idnum.fold(text)
    if len(s) < 18:
        return t("lookup.typing_id", lang, n=len(s)), False
    why = idnum.problem(s)
    return (why, True) if why else (t("lookup.id_ok", lang), False)


def typed_hint(text: str, lang: str) -> tuple[str, bool]:
    """The hint for what the box holds: (message, is_error)."""
    kind = typed_kind(text)
    if kind == "id":
        return id_hint(text, lang)
    if kind == "id_or_cert":
        return t("lookup.typing_any", lang, n=len(idnum.fold(text))), False
    if kind == "name" and len(text.strip()) > MAX_NAME:
        return t("lookup.name_too_long", lang, n=MAX_NAME), True
    keys = {
        "empty": "lookup.prompt",
        "code": "lookup.typing_code",
        "cert": "lookup.typing_cert",
        "legacy_or_cert": "lookup.typing_legacy",
        "name": "lookup.typing_name",
    }
    return t(keys[kind], lang), False


def count_hint(total: int, start: int, shown: int, capped: int, lang: str) -> Text:
    """ "找到 159 条，显示前 20 条": the matches of a search and the ones on this page.

    Args:
        total: the matches counted (COUNT_CAP or more: "more than").
        start: the first one shown (0-based).
        shown: how many are shown.
        capped: the most a name search pages to, or 0 for no limit.
        lang: the interface language.
    """
    from kiosk.query import COUNT_CAP

    if shown == 0:
        return Text(t("lookup.none", lang))
    amount = t("lookup.found_over", lang, total=COUNT_CAP) if total >= COUNT_CAP else total
    if total <= shown and start == 0:
        line = t("lookup.found", lang, total=amount)
    elif start == 0:
        line = t("lookup.found_first", lang, total=amount, n=shown)
    else:
        line = t("lookup.found_page", lang, total=amount, a=start + 1, b=start + shown)
    parts = [line]
    if start + shown < min(total, capped or total):
        parts.append(t("lookup.next_page", lang))
    elif capped and total > capped:
        parts.append(t("lookup.name_cap", lang, max=capped))
    return Text("  ·  ".join(parts))


class LookupBox(Input):
    """The look-up's one box: never more than MAX_QUERY characters, however many are typed or
    pasted (a 6,000-character paste is cut at once, not drawn); a licence's QR payload pasted
    here is verified on Scan instead."""

    class Truncated(Message):
        """More was typed or pasted than the box takes: the rest was dropped."""

    def __init__(self, *, placeholder: str = "", id: str | None = None) -> None:  # noqa: A002
        super().__init__(
            placeholder=placeholder, id=id, max_length=MAX_QUERY, select_on_focus=False
        )

    def replace(self, text: str, start: int, end: int) -> None:
        """Replace a span, cutting the new text to the room left (Input would refuse it all)."""
        start, end = sorted((max(0, start), min(len(self.value), end)))
        room = MAX_QUERY - (len(self.value) - (end - start))
        cut = len(text) > room
        if cut:
            text = text[: max(0, room)]
        if text or start != end:
            super().replace(text, start, end)
        if cut:  # after the Changed of what was kept: the hint says why the rest is gone
            self.post_message(self.Truncated())

    def on_paste(self, event: events.Paste) -> None:
        """A licence's QR payload goes to Scan whole; anything else is typed (and cut)."""
        head = event.text.lstrip()[: len("YZ1:")]
        if typed_kind(head) == "code":
            event.prevent_default()  # Input's own paste handler does not run
            event.stop()
            self.post_message(PayloadScanned(event.text.strip(), "paste"))
