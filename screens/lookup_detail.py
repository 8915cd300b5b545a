"""The detail panel of a look-up: the record of the person highlighted in the results, with the
registry's photo."""

from __future__ import annotations

from rich.console import Console, ConsoleOptions, RenderResult
from rich.measure import Measurement
from rich.padding import Padding
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from domain.types import Practitioner
from kiosk.messages import t
from screens.card_fields import practitioner_fields
from screens.photo_view import PhotoView, no_photo
from screens.verdict_card import LABEL_MAX, VALUE_MIN

GAP = 2  # cells between a label and its value (or a value's indent under its label)


class DetailFields:
    """The record's (label, value) rows, laid out for the width they get: two columns (labels
    at most LABEL_MAX cells, values at least VALUE_MIN, as on the verdict card) when both fit;
    else each label over its value, so that a certificate or ID number is never broken
    ("1104112000000 / 26") in a narrow panel (80 columns)."""

    def __init__(self, rows: list[tuple[str, Text]]) -> None:
        self.rows = rows

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        if options.max_width >= LABEL_MAX + GAP + VALUE_MIN:
            grid = Table.grid(padding=(0, GAP))
            # A long English label wraps at a word (nothing cut), so the values keep the width.
            grid.add_column(style="dim", max_width=LABEL_MAX, overflow="fold")
            grid.add_column(overflow="fold", min_width=VALUE_MIN)  # wraps, never cut to "…"
            for name, value in self.rows:
                grid.add_row(name, value)
            yield grid
            return
        for name, value in self.rows:
            yield Text(name, style="dim", overflow="fold")
            yield Padding(value, (0, 0, 0, GAP))

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        return Measurement(VALUE_MIN, options.max_width)


def detail_grid(p: Practitioner, lang: str) -> DetailFields:
    """The licence's fields and the record's status (data as Text, never markup)."""
    rows = [
        (name, Text(value, overflow="fold")) for name, value in practitioner_fields(p, None, lang)
    ]
    status = t(f"status.{p.status}", lang)
    style = "bold green" if p.status == "active" else "bold red"
    rows.append((t("lookup.detail.status", lang), Text(status, style=style)))
    return DetailFields(rows)


class DetailPanel(VerticalScroll):
    """One person's record and photo, or nothing: a new search empties it first."""

    def compose(self) -> ComposeResult:
        # The face first: at 80x24 the fields run past the panel's foot, and the face is what
        # the officer compares with the person at the counter.
        yield PhotoView(id="lookup-photo")  # sized to compare a face, pixels where possible
        yield Static(id="lookup-detail-text")

    def show(self, person: Practitioner | None, photo: Text | None, lang: str) -> None:
        """Show a person (None: nobody) and the photo (None: none, and the panel says so)."""
        if person is None:
            self.clear()
            return
        self.query_one("#lookup-detail-text", Static).update(detail_grid(person, lang))
        self.query_one("#lookup-photo", PhotoView).update(photo or no_photo())
        self.scroll_home(animate=False)

    def clear(self) -> None:
        """Show nobody."""
        self.query_one("#lookup-detail-text", Static).update("")
        self.query_one("#lookup-photo", PhotoView).update("")
