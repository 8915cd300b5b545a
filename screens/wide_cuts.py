"""Keep Chinese characters whole where a notification overlaps two widgets (issue 21).

Textual's compositor cuts every screen line at each widget edge, and cuts an overlay (a
toast, a tooltip) at the edges of the widgets beneath it too. A double-width character that
straddles such a cut is replaced by two spaces (`Segment.split_cells`), so a toast lost the
character at column 83, where the card meets the side panel beneath it. This is Textual's
open issue #6357; until it is fixed there, `apply()` replaces `Compositor._render_chops` with
the same method that does not cut a line where the cut would fall inside a wide character and
both sides of it belong to the same (topmost) widget. The piece then fills both buckets: the
first holds the whole piece, the next an empty strip, so no widget beneath claims it.

Only lines that hold a wide character are treated differently; every other line is cut
exactly as before. The patch is made for Textual 8 and checks the method it replaces: on any
other shape it leaves Textual alone (tests/screens/test_wide_cuts.py then fails, on purpose).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import cast

from rich.cells import cell_len
from textual._compositor import Compositor
from textual.geometry import Region
from textual.strip import Strip

log = logging.getLogger(__name__)

_ORIGINAL = Compositor._render_chops  # noqa: SLF001 - the method this module replaces
_EMPTY = Strip([], 0)


def _inside_wide(strip: Strip) -> set[int]:
    """Offsets (from the strip's start) that fall inside a double-width character."""
    inside: set[int] = set()
    x = 0
    for segment in strip:
        text = segment.text
        if text.isascii():
            x += len(text)
            continue
        for char in text:
            width = cell_len(char)
            if width == 2:
                inside.add(x + 1)
            x += width
    return inside


def _render_chops(
    self: Compositor, crop: Region, is_rendered_line: Callable[[int], bool]
) -> Sequence[Mapping[int, Strip]]:
    """Textual 8's `Compositor._render_chops`, without cutting through a wide character."""
    cuts = self.cuts
    chops: list[dict[int, Strip | None]] = [dict.fromkeys(cut_set[:-1]) for cut_set in cuts]
    for region, clip, strips in self._get_renders(crop):  # noqa: SLF001
        render_region = Region.intersection(region, clip)
        render_x = render_region.x
        first_cut, last_cut = render_region.column_span
        for y, strip in zip(render_region.line_range, strips, strict=False):
            if not is_rendered_line(y):
                continue
            line = chops[y]
            final_cuts = [cut for cut in cuts[y] if last_cut >= cut >= first_cut]
            wide = any(not segment.text.isascii() for segment in strip)
            inside = _inside_wide(strip) if wide else None
            if not inside:
                pieces: Iterable[Strip] = strip.divide([cut - render_x for cut in final_cuts[1:]])
                for cut, piece in zip(final_cuts, pieces, strict=False):
                    if line.get(cut) is None:
                        line[cut] = piece
                continue
            # Drop a cut inside a wide character when this render fills both sides of it.
            kept = [0]
            for i in range(1, len(final_cuts)):
                cut = final_cuts[i]
                joinable = (
                    i < len(final_cuts) - 1
                    and cut - render_x in inside
                    and line.get(cut, _EMPTY) is None
                    and line.get(final_cuts[kept[-1]], _EMPTY) is None
                )
                if not joinable:
                    kept.append(i)
            pieces = strip.divide([final_cuts[i] - render_x for i in kept[1:]])
            for start, end, piece in zip(kept, kept[1:], pieces, strict=False):
                if line.get(final_cuts[start]) is None:
                    line[final_cuts[start]] = piece
                    for joined in final_cuts[start + 1 : end]:
                        line[joined] = _EMPTY
    return cast("Sequence[Mapping[int, Strip]]", chops)


def apply() -> bool:
    """Install the fix once. False (and Textual unchanged) if Textual's method has changed."""
    current = Compositor._render_chops  # noqa: SLF001
    if current is _render_chops:
        return True
    code = getattr(_ORIGINAL, "__code__", None)
    if code is None or code.co_varnames[:3] != ("self", "crop", "is_rendered_line"):
        log.warning("Textual's compositor changed: wide characters in toasts are not guarded")
        return False
    Compositor._render_chops = _render_chops  # type: ignore[method-assign]  # noqa: SLF001
    return True
