"""Shared fixtures: a demo world built once per session, fresh homes per test.

Nothing here reads the host's home or clock.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

import pytest


@pytest.fixture(autouse=True)
def _no_host_home(monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep YANZHAO_HOME from the host out of every test."""
    monkeypatch.delenv("YANZHAO_HOME", raising=False)
    os.environ.setdefault("TZ", "UTC")


@pytest.fixture(scope="session")
def demo_world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A demo world (keys, trust list, export, bundle, synced home, credentials), built once.

    Read-only for tests: copy what you change (see `demo_copy`).
    """
    from seed.demo import build

    home = tmp_path_factory.mktemp("demo") / "home"
    build(home, practitioners=2000)
    return home


@pytest.fixture
def demo_copy(demo_world: Path, tmp_path: Path) -> Path:
    """A private copy of the demo home that a test may change."""
    dest = tmp_path / "home"
    shutil.copytree(demo_world, dest)
    return dest


@pytest.fixture(scope="session")
def demo_cases(demo_world: Path) -> list[dict[str, Any]]:
    """The demo credentials, as listed in demo/credentials.ndjson."""
    lines = (demo_world / "demo" / "credentials.ndjson").read_text("utf-8").splitlines()
    return [json.loads(line) for line in lines]


@pytest.fixture
def fresh_home(demo_world: Path, tmp_path: Path) -> Path:
    """An initialised home (demo root pinned) with no trust list and no replica yet."""
    from kiosk.home import init

    home = tmp_path / "fresh"
    init(
        home,
        [demo_world / "demo" / "keys" / "root.pub.pem"],
        "410000",
        demo_world / "demo" / "keys" / "id-index.key",
    )
    return home
