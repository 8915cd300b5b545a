"""Whether a demo world is present and fresh: light enough for the kiosk's start-up path."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

REBUILD_AFTER = dt.timedelta(days=3)
MARKER = "world.json"
# Raised whenever the demo world's layout changes, so that `make run` rebuilds an older one.
# 2: the ID-index key (id-index.key) and the pinned jurisdiction (home.json).
FORMAT = 2


def is_fresh(home: Path) -> bool:
    """True when a demo world exists here and is recent enough."""
    try:
        world = json.loads((home / "demo" / MARKER).read_text("utf-8"))
        built = dt.datetime.fromisoformat(world["built_at"])
        if world.get("format") != FORMAT:
            return False
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return False
    return dt.datetime.now(dt.UTC) - built < REBUILD_AFTER
