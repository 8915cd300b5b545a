"""The inspection roster: one row per person checked on this screen, the latest result last,
times in China time, the licence type named, a person checked again marked ×2."""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

from rich.cells import cell_len
from rich.text import Text
from textual.geometry import Size
from textual.widgets import DataTable
from textual.widgets.data_table import ColumnKey

from domain.timeutil import china_time
from domain.types import Verdict
from kiosk.messages import VERDICT_LABELS, t
from kiosk.report import Check, type_label

STYLE = {"valid": "bold green", "warning": "bold yellow", "invalid": "bold red"}
COLUMNS = ("col.time", "col.name", "col.type", "col.no", "col.verdict", "col.reasons")
MIN_REASONS = 12  # cells: the reasons column never gets less (the table scrolls then)
SCROLLBAR = 2


class InspectRoster(DataTable[str | Text]):
    """People checked, each row keyed by its check's serial (kiosk/report.py)."""

    DEFAULT_CSS: ClassVar[str] = """
    InspectRoster { height: 1fr; min-height: 4; }
    """

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002 - Textual's name
        super().__init__(id=id, cursor_type="row", zebra_stripes=True)

    def add_check(self, check: Check, replaced: Check | None, lang: str) -> None:
        """Show a check as the last row; the row of the check it replaced goes."""
        if not self.columns:
            self._add_columns(lang)
        if replaced is not None and str(replaced.serial) in self.rows:
            self.remove_row(str(replaced.serial))
        self._put(check, lang)
        self.move_cursor(row=self.row_count - 1)

    def redraw(self, checks: Iterable[Check], lang: str) -> None:
        """Say the headings and the rows shown in `lang` (the language switched); no rows are
        added or taken away."""
        # Built again, its widths fitted at once (see `_put`): updated in place, DataTable
        # kept drawing the old column widths ("Inva", "Nurs").
        by_key = {str(check.serial): check for check in checks}
        shown = [by_key[key.value] for key in self.rows if key.value in by_key]
        row = self.cursor_row
        self.clear(columns=True)
        self._add_columns(lang)
        for check in shown:
            self._put(check, lang)
        if shown:
            self.move_cursor(row=min(row, len(shown) - 1))

    def _put(self, check: Check, lang: str) -> None:
        """Add a row and widen its columns now. DataTable measures new cells only when it
        next goes idle, and a frame drawn before then (seen after F9) cuts every cell to its
        heading's width until something else redraws the table."""
        cells = self._cells(check, lang)
        self.add_row(*cells, key=str(check.serial))
        for key, cell in zip(COLUMNS, cells, strict=True):
            column = self.columns[ColumnKey(key)]
            width = cell_len(cell.plain if isinstance(cell, Text) else cell)
            column.content_width = max(column.content_width, width)
        self._fit_reasons()
        self.refresh()

    def on_resize(self) -> None:
        self._fit_reasons()

    def _fit_reasons(self) -> None:
        """The reasons take what the other columns leave and end in "…" there (the last-scan
        card has them whole), not cut by the table's edge mid-word."""
        reasons = self.columns.get(ColumnKey("col.reasons"))
        if reasons is None or not self.size.width:
            return
        others = sum(c.get_render_width(self) for c in self.columns.values() if c is not reasons)
        room = self.size.width - others - 2 * self.cell_padding - SCROLLBAR
        reasons.auto_width = False  # content_width: the widest of heading and cells (`_put`)
        reasons.width = min(reasons.content_width, max(room, MIN_REASONS))
        # DataTable recomputes its scrollable width only when cells change, not on a resize.
        width = sum(c.get_render_width(self) for c in self.columns.values())
        self.virtual_size = Size(width, self.virtual_size.height)
        self.refresh()

    def _add_columns(self, lang: str) -> None:
        for key in COLUMNS:
            self.add_column(t(f"inspect.{key}", lang), key=key)

    @staticmethod
    def _cells(check: Check, lang: str) -> list[str | Text]:
        zh, en = VERDICT_LABELS[Verdict(check.verdict)]
        name = Text(check.name)  # data, never markup
        if check.times > 1:
            name.append(f"  {t('inspect.again', lang, n=check.times)}", style="bold yellow")
        return [
            china_time(check.at),
            name,
            type_label(check.type, lang) or "—",
            Text(check.no),
            Text(en if lang == "en" else zh, style=STYLE[check.verdict]),
            Text("；".join(check.reasons_in(lang)) or "—", no_wrap=True, overflow="ellipsis"),
        ]
