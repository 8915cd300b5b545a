"""Whether a demo world is present and fresh: light enough for the kiosk's start-up path."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

REBUILD_AFTER = dt.timedelta(days=3)
MARKER = "world.json"


def is_fresh(home: Path) -> bool:
    """True when a demo world exists here and is recent enough."""
    try:
        world = json.loads((home / "demo" / MARKER).read_text("utf-8"))
        built = dt.datetime.fromisoformat(world["built_at"])
    except (OSError, ValueError, KeyError):
        return False
    return dt.datetime.now(dt.UTC) - built < REBUILD_AFTER
