"""Choosing the home the kiosk starts on: the given one, or the built-in demo world."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from kiosk.home import ENV, Home

DEFAULT_DEMO_HOME = "demo-home"


def prepare(home_opt: str | None, *, demo: bool = False) -> tuple[Home, bool]:
    """The home to start on and whether it is the demo world.

    With --demo, or with no home given, or on a home that holds no replica and no pinned
    root yet, the demo world is (re)built when missing or old (cli.md).
    """
    from seed.world_state import MARKER, is_fresh

    value = home_opt or os.environ.get(ENV)
    path = Path(value) if value else Path(DEFAULT_DEMO_HOME)
    home = Home(path)
    is_demo = demo or not value or (path / "demo" / MARKER).exists() or not home.initialised
    if is_demo and not is_fresh(path):
        from cli.commands import progress_printer
        from seed.demo import build

        print(f"正在生成演示数据 building the demo world in {path} …", flush=True)
        build(path, progress=progress_printer(sys.stdout))
    return home, is_demo
