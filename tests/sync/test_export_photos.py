"""publisher.export reads photo files a batch ahead (open + POSIX_FADV_WILLNEED): the rows are the
same as read one by one, no file stays open, and a bad photo is still named by its own line."""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path
from typing import Any

import pytest

from domain.errors import ExportError
from publisher import export as ex
from tests.sync.conftest import Chain

KEY = b"k" * 32
linux = pytest.mark.skipif(sys.platform != "linux", reason="counts /proc/self/fd")


def _rows(export: Path) -> list[tuple[Any, ...]]:
    return list(ex.practitioners(export, KEY))


def _open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def _copy(src: Path, dest: Path) -> Path:
    shutil.copytree(src, dest)
    return dest


def test_rows_are_the_same_as_read_one_by_one(
    chain: Chain, monkeypatch: pytest.MonkeyPatch
) -> None:
    export = chain.exports[2]
    ahead = _rows(export)
    assert sum(1 for _, _, photo in ahead if photo) >= 100  # the demo has photos to read
    monkeypatch.setattr(ex._Photos, "ahead", lambda self, names: None)  # noqa: SLF001
    assert _rows(export) == ahead
    monkeypatch.undo()
    monkeypatch.setattr(ex, "PHOTOS_AHEAD", 7)  # batches that end mid-file
    assert _rows(export) == ahead


@linux
def test_no_photo_file_stays_open(chain: Chain, tmp_path: Path) -> None:
    export = _copy(chain.exports[2], tmp_path / "export")
    before = _open_fds()
    _rows(export)
    assert _open_fds() == before
    lines = ex.practitioners(export, KEY)
    for _ in range(5):  # stopped inside a batch
        next(lines)
    lines.close()
    assert _open_fds() == before
    path = export / "practitioners.ndjson"
    data = path.read_bytes().splitlines()
    data[60] = b"{"
    path.write_bytes(b"\n".join(data) + b"\n")
    with pytest.raises(ExportError):
        _rows(export)
    assert _open_fds() == before


def _set_photo(export: Path, line: int, photo: str) -> None:
    path = export / "practitioners.ndjson"
    data = path.read_bytes().splitlines()
    row = json.loads(data[line - 1])
    row["photo"] = photo
    data[line - 1] = json.dumps(row, ensure_ascii=False).encode()
    path.write_bytes(b"\n".join(data) + b"\n")


def _first_with_photo(export: Path, after: int) -> tuple[int, str]:
    lines = (export / "practitioners.ndjson").read_bytes().splitlines()
    for n, raw in enumerate(lines, 1):
        photo = json.loads(raw).get("photo")
        if n > after and photo:
            return n, photo
    raise AssertionError("no photo in the demo export")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_a_fifo_named_as_a_photo_is_refused_by_its_line(chain: Chain, tmp_path: Path) -> None:
    export = _copy(chain.exports[2], tmp_path / "export")
    line, photo = _first_with_photo(export, after=3)
    (export / photo).unlink()
    os.mkfifo(export / photo)  # opening it to read would wait for a writer
    with pytest.raises(ExportError) as err:
        _rows(export)
    assert (err.value.file, err.value.line) == ("practitioners.ndjson", line)
    assert "not a file" in str(err.value)


def test_a_bad_photo_before_bad_json_in_one_batch_is_named_first(
    chain: Chain, tmp_path: Path
) -> None:
    export = _copy(chain.exports[2], tmp_path / "export")
    line, _ = _first_with_photo(export, after=3)
    _set_photo(export, line, "photos/no/such.jpg")
    path = export / "practitioners.ndjson"
    data = path.read_bytes().splitlines()
    data[line + 2] = b"{"  # bad JSON two lines later, in the same batch
    path.write_bytes(b"\n".join(data) + b"\n")
    with pytest.raises(ExportError) as err:
        _rows(export)
    assert err.value.line == line
    assert "no/such.jpg is missing" in str(err.value)
