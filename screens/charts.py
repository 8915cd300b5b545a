"""Bar and column charts as rich renderables, sized to the width they are given.

Drawn here rather than with plotext (textual-plotext): plotext counts a Chinese character as
one cell where the terminal draws two, so its axis labels (authority and category names) push
the chart out of line (docs/stats.md). These charts measure text with rich's `cell_len`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rich.cells import cell_len, set_cell_size
from rich.console import Console, ConsoleOptions, RenderResult
from rich.style import Style
from rich.text import Text

EIGHTHS = " ▁▂▃▄▅▆▇█"


@dataclass(frozen=True, slots=True)
class Series:
    """One stacked part of every bar, with its legend name and colour."""

    name: str
    style: str


def legend(series: Sequence[Series], totals: Sequence[int] | None = None) -> Text:
    """A line naming each colour (with its total, if given)."""
    out = Text()
    for i, s in enumerate(series):
        out.append("■ ", style=s.style)
        out.append(s.name + (f" {totals[i]:,}" if totals is not None else "") + "   ")
    return out


def fit(text: str, width: int) -> str:
    """Text fitted to exactly `width` cells: cut with an ellipsis, or padded."""
    if cell_len(text) > width:
        return set_cell_size(text, max(0, width - 1)) + "…"
    return set_cell_size(text, width)


class HBars:
    """Horizontal stacked bars, one row per label, all on one scale."""

    def __init__(
        self,
        rows: Sequence[tuple[str, Sequence[int]]],
        series: Sequence[Series],
        *,
        label_width: int = 18,
        note: Sequence[str] = (),
    ) -> None:
        self.rows, self.series, self.label_width = rows, series, label_width
        self.note = note  # text after each row's number (e.g. "12 lapsed")

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        biggest = max((sum(v) for _, v in self.rows), default=0)
        digits = max(len(f"{biggest:,}"), 1)
        label_w = min(self.label_width, max(6, options.max_width // 3))
        width = max(4, options.max_width - label_w - digits - 3)
        for i, (label, values) in enumerate(self.rows):
            line = Text(fit(label, label_w) + " ")
            line.append_text(bar(values, biggest, width, self.series))
            line.append(f" {sum(values):>{digits},}")
            if i < len(self.note) and self.note[i]:
                line.append(f" {self.note[i]}", style="dim")
            line.truncate(options.max_width)
            yield line


def bar(values: Sequence[int], biggest: int, width: int, series: Sequence[Series]) -> Text:
    """One stacked bar of `width` cells at most, on the scale where `biggest` fills it.

    Segment edges are rounded from the running total, so the bar's length is the rounded
    total; a non-zero bar shows at least one cell.
    """
    out = Text()
    if biggest <= 0:
        return Text(" " * width)
    edges, running = [0], 0
    for v in values:
        running += v
        edges.append(round(width * running / biggest))
    if running and edges[-1] == 0:  # too small to round to a cell: one, in its largest part
        widest = max(range(len(values)), key=lambda i: values[i])
        edges = [0] * (widest + 1) + [1] * (len(values) - widest)
    for i, s in enumerate(series):
        out.append("█" * (edges[i + 1] - edges[i]), style=s.style)
    out.append(" " * (width - edges[-1]))
    return out


class Columns:
    """Vertical stacked columns (one per point), eighth-block precise, newest on the right.

    Only the latest points that fit the width are drawn. `marks` labels the x axis: a point
    whose mark is not empty gets it written under its column, where there is room.
    """

    def __init__(
        self,
        points: Sequence[tuple[str, Sequence[int]]],
        series: Sequence[Series],
        *,
        height: int = 8,
        step: int = 2,
        marks: Sequence[str] = (),
    ) -> None:
        self.points, self.series, self.height, self.step = points, series, height, step
        self.marks = marks

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        first = max(0, len(self.points) - (options.max_width - 8) // self.step)
        points = self.points[first:]
        marks = list(self.marks[first:]) if self.marks else []
        biggest = max((sum(v) for _, v in points), default=0)
        gutter = max(len(f"{biggest:,}"), 1) + 1
        stacks = [_stack(v, biggest, self.height) for _, v in points]
        for row in range(self.height - 1, -1, -1):
            axis = f"{biggest:,}" if row == self.height - 1 else ("0" if row == 0 else "")
            line = Text(f"{axis:>{gutter - 1}}│", style="dim")
            for edges in stacks:
                char, style = self._cell(edges, row)
                line.append(char, style=style)
                line.append(" " * (self.step - 1))
            yield line
        yield Text(" " * (gutter - 1) + "└" + "─" * (len(points) * self.step), style="dim")
        yield Text(" " * gutter + _axis_labels(marks, self.step))

    def _cell(self, edges: list[int], row: int) -> tuple[str, Style | str]:
        """The character and style of one cell of a column whose segments end at `edges`
        (in eighths of a cell, cumulative)."""
        low, high = row * 8, row * 8 + 8
        below = [i for i in range(len(self.series)) if edges[i] < high and edges[i + 1] > low]
        if not below:
            return " ", ""
        seg = below[0]
        fill = min(edges[seg + 1], high) - low
        if fill >= 8:
            return "█", self.series[seg].style
        above = below[1] if len(below) > 1 else None
        style = Style.parse(self.series[seg].style)
        if above is not None:
            style += Style(bgcolor=Style.parse(self.series[above].style).color)
        return EIGHTHS[max(1, fill)], style


def _stack(values: Sequence[int], biggest: int, height: int) -> list[int]:
    """Cumulative segment ends, in eighths of a cell; a non-zero column shows at least one."""
    edges, running = [0], 0
    for v in values:
        running += v
        edges.append(round(height * 8 * running / biggest) if biggest else 0)
    if running and edges[-1] == 0:  # too small for an eighth: one, in its largest part
        widest = max(range(len(values)), key=lambda i: values[i])
        edges = [0] * (widest + 1) + [1] * (len(values) - widest)
    return edges


def _axis_labels(marks: Sequence[str], step: int) -> str:
    """Marks written under their columns, left to right, skipping any that would overlap."""
    out = ""
    for i, mark in enumerate(marks):
        at = i * step
        if mark and at >= len(out) + (1 if out else 0):
            out = out.ljust(at) + mark
    return out
