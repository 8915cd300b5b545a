"""The results table of a look-up by name or certificate number: columns fitted to the width
(the institution keeps a column at 120 columns, long names end in "…"), and typing on it handed
back to the search box."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.cells import cell_len
from rich.text import Text
from textual import events
from textual.message import Message
from textual.timer import Timer
from textual.widgets import DataTable

from domain.types import Practitioner
from kiosk.messages import t
from screens.base import kiosk_of

COLUMNS = ("name", "kind", "cert", "id", "status", "institution")
DROP_FIRST = ("kind", "id")  # the columns given up, in this order, when the width is short
MIN_INSTITUTION = 10  # cells: below this the kind and the ID number give way to it
MIN_CUT = 4  # cells: the least an institution column shows ("Ins…", "三…")
MAX_NAME_CELLS = 10
PADDING = 2  # a cell's padding, both sides
SCROLLBAR = 2
HOLD_S = 0.15  # typing on the table goes to the box once the keys pause this long


def short_mask(id_mask: str) -> str:
    """The table's form of a masked ID number ("410…0262"); the detail shows the full mask."""
    return f"{id_mask[:3]}…{id_mask[-4:]}" if len(id_mask) > 8 else id_mask


def cells(p: Practitioner, lang: str) -> dict[str, str]:
    """One person's row as plain text, by column."""
    return {
        "name": p.name,
        "kind": t(f"lookup.kind.{p.kind}", lang),
        "cert": p.cert_no,
        "id": short_mask(p.id_mask),
        "status": t(f"status.{p.status}", lang),
        "institution": p.institution_name or p.institution,
    }


def fit(width: int, natural: dict[str, int]) -> dict[str, int]:
    """The columns to show and their widths within `width` cells: every column at its natural
    width but the institution, which takes what is left; if that is under MIN_INSTITUTION,
    the kind and then the ID number are given up for it. The columns never overflow the
    width (the table would cut the last one, "Instituti", with no "…"): the institution
    takes what is left even under MIN_INSTITUTION, and goes when not even MIN_CUT is left."""
    shown = dict(natural)
    for drop in (None, *DROP_FIRST):
        if drop is not None:
            shown.pop(drop, None)
        used = sum(w + PADDING for key, w in shown.items() if key != "institution")
        left = width - SCROLLBAR - used - PADDING
        if left >= MIN_INSTITUTION:
            break
    if left < MIN_CUT:
        shown.pop("institution")  # the detail panel names it
    else:
        shown["institution"] = min(left, natural["institution"])
    return shown


class ResultsTable(DataTable[Text]):
    """The people a search found, one row each; typing here goes to the search box."""

    DEFAULT_CSS: ClassVar[str] = """
    ResultsTable { height: 1fr; }
    """

    class Typed(Message):
        """Characters typed while the table had focus, for the search box; `submit` when Enter
        followed them."""

        def __init__(self, text: str, submit: bool) -> None:
            super().__init__()
            self.text = text
            self.submit = submit

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id, cursor_type="row", zebra_stripes=True)
        self.people: list[Practitioner] = []
        self.lang = "zh"
        self._typed: list[str] = []
        self._hold: Timer | None = None
        self._fitted_to = -1
        self._taken_before = 0.0  # keys read before this (event time) were taken as a scan

    def on_mount(self) -> None:
        self.lang = kiosk_of(self).lang  # the headers of the empty table, in English too
        self._build()

    def show(self, people: Sequence[Practitioner], lang: str) -> None:
        """Show these people (an empty list empties the table), in this language."""
        self.people, self.lang = list(people), lang
        self._build()
        if self.people:
            self.move_cursor(row=0, scroll=True)

    def on_resize(self, event: events.Resize) -> None:
        if event.size.width != self._fitted_to:
            self._build()

    def _build(self) -> None:
        """Columns fitted to the width, then the rows (at most a page of them)."""
        self._fitted_to = self.size.width
        rows = [cells(p, self.lang) for p in self.people]
        labels = {key: t(f"lookup.col.{key}", self.lang) for key in COLUMNS}
        natural = {
            key: max([cell_len(labels[key])] + [cell_len(r[key]) for r in rows]) for key in COLUMNS
        }
        natural["name"] = min(natural["name"], MAX_NAME_CELLS)
        widths = fit(self.size.width or 120, natural)
        row = self.cursor_row
        self.clear(columns=True)
        for key, width in widths.items():
            self.add_column(Text(labels[key], no_wrap=True, overflow="ellipsis"), width=width)
        for i, r in enumerate(rows):  # Text, never markup: a "[" in a name stays a "["
            self.add_row(
                *(Text(r[key], no_wrap=True, overflow="ellipsis") for key in widths), key=str(i)
            )
        if 0 < row < len(rows):
            self.move_cursor(row=row)

    def on_key(self, event: events.Key) -> None:
        """A character typed here is held a moment, then handed to the box (an ID card
        reader's burst ends in Enter first, and the app takes it whole)."""
        if event.is_printable and event.character:
            event.stop()
            event.prevent_default()
            if event.time <= self._taken_before:
                return  # part of a burst the app has routed already
            self._typed.append(event.character)
            if self._hold is not None:
                self._hold.stop()
            self._hold = self.set_timer(HOLD_S, self.hand_back_typing)

    def action_select_cursor(self) -> None:
        """Enter: after typing, the search; otherwise the row."""
        if self._typed:
            self.hand_back_typing(submit=True)
        else:
            super().action_select_cursor()

    def hand_back_typing(self, submit: bool = False) -> None:
        """Post what was typed here for the box."""
        text = "".join(self._typed)
        self.discard_typing()
        if text:
            self.post_message(self.Typed(text, submit))

    def discard_typing(self) -> None:
        """Forget what was typed here until now, keys still on their way included (the app
        took them as a scan, or the screen is left)."""
        self._taken_before = Message().time  # the clock of every event's `time`
        self._typed.clear()
        if self._hold is not None:
            self._hold.stop()
            self._hold = None
