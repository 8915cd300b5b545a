"""The ID-index key file: exactly 32 bytes, a regular file, written for its owner only."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from domain import idkey
from domain.errors import KeyFileError


def test_a_key_round_trips_and_its_check_value_names_it(tmp_path: Path) -> None:
    key = idkey.generate()
    idkey.write(tmp_path / "k", key)
    assert idkey.read(tmp_path / "k") == key
    assert (tmp_path / "k").stat().st_mode & 0o777 == 0o600
    assert idkey.check_value(key) == idkey.check_value(bytes(key))
    assert idkey.check_value(key) != idkey.check_value(idkey.generate())
    assert key.hex()[:16] not in idkey.check_value(key)


@pytest.mark.parametrize("size", [0, 16, 31, 33, 64])
def test_a_key_of_another_size_is_refused(tmp_path: Path, size: int) -> None:
    (tmp_path / "k").write_bytes(os.urandom(size))
    with pytest.raises(KeyFileError, match="32"):
        idkey.read(tmp_path / "k")


@pytest.mark.parametrize("kind", ["symlink", "fifo", "folder", "missing"])
def test_a_key_that_is_not_a_regular_file_is_refused_at_once(tmp_path: Path, kind: str) -> None:
    real = tmp_path / "real"
    idkey.write(real, idkey.generate())
    path = tmp_path / "k"
    if kind == "symlink":
        path.symlink_to(real)
    elif kind == "fifo":
        os.mkfifo(path)  # a blocking open would hang here
    elif kind == "folder":
        path.mkdir()
    with pytest.raises(KeyFileError):
        idkey.read(path)


def test_a_tampered_home_jurisdiction_refuses_to_sync(tmp_path: Path) -> None:
    from domain.errors import HomeError
    from kiosk.home import Home

    home = Home(tmp_path)
    for bad in ('{"jurisdiction": "４１００００"}', '{"jurisdiction": 410000}', "[]", "{"):
        home.pinned_path.write_text(bad, "utf-8")
        with pytest.raises(HomeError):
            home.jurisdiction()
    home.pinned_path.write_text('{"jurisdiction": "410000"}', "utf-8")
    assert home.jurisdiction() == "410000"
