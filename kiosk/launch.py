"""Starting the kiosk: the home (or the demo world), then the TUI.

Until the terminal UI lands (issue 4), this prints the home's status and how to try the
demo credentials with the headless commands.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from kiosk.home import ENV, Home

DEFAULT_DEMO_HOME = "demo-home"


def launch(home_opt: str | None, *, demo: bool = False, kiosk: bool = False) -> int:
    """Start the kiosk on a home; with no home or --demo, on the demo world."""
    value = home_opt or os.environ.get(ENV)
    path = Path(value) if value and not demo else Path(value or DEFAULT_DEMO_HOME)
    home = Home(path)
    if demo or home.replica_dir.parent.joinpath("demo").exists() or not home.initialised:
        from seed.demo import build, is_fresh

        if not is_fresh(path):
            print(f"正在生成演示数据 building the demo world in {path} …", flush=True)
            build(path)
    _guide(home)
    return 0


def _guide(home: Home) -> None:
    from kiosk.cli import Io, status

    status(str(home.path), False, Io())
    cases = home.path / "demo" / "credentials.ndjson"
    if not cases.exists():
        return
    print("\n演示 DEMO: try the demo credentials (the terminal UI comes with the next release):")
    for line in cases.read_text("utf-8").splitlines()[:40]:
        case = json.loads(line)
        print(f"  {case['expect']:8} {case['image']:38} {case['label']}")
    print(f"\n  python main.py verify --home {home.path} --image {home.path}/demo/credentials/01-valid.png")
    print(f"  python main.py lookup --home {home.path} --name 张")
