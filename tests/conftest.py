"""Shared fixtures: nothing here reads the host's home or clock."""

from __future__ import annotations

import os

import pytest


@pytest.fixture(autouse=True)
def _no_host_home(monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep YANZHAO_HOME from the host out of every test."""
    monkeypatch.delenv("YANZHAO_HOME", raising=False)
    os.environ.setdefault("TZ", "UTC")
