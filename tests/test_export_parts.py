"""publisher.export's byte-range parts, as the export-reading workers use them: together they give
every line exactly once, in order, and their line counts number the lines as the file does."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from publisher import export as ex

LINE = st.one_of(st.just(b""), st.just(b"   "), st.binary(min_size=1, max_size=30))


@settings(max_examples=200, deadline=None)
@given(
    lines=st.lists(LINE.map(lambda b: b.replace(b"\n", b"")), max_size=40),
    trailing=st.booleans(),
    size=st.integers(1, 64),
)
def test_parts_give_every_line_once_with_its_number(
    lines: list[bytes], trailing: bool, size: int
) -> None:
    data = b"\n".join(lines) + (b"\n" if trailing and lines else b"")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "f.ndjson"
        path.write_bytes(data)
        with path.open("rb") as fh:
            expected = list(enumerate(fh, 1))
        got, base = [], 0
        for part in ex.line_parts(path, size):
            with path.open("rb") as fh:
                got += [(base + n, raw) for n, raw in enumerate(ex._part(fh, part), 1)]
            base += ex.count_lines(path, part)
        assert got == expected
