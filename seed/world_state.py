"""Whether a demo world is present and fresh: light enough for the kiosk's start-up path."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

REBUILD_AFTER = dt.timedelta(days=3)
MARKER = "world.json"
# Raised whenever the demo world's layout changes, so that `make run` rebuilds an older one.
# 2: the ID-index key (id-index.key) and the pinned jurisdiction (home.json).
# 3: the realistic world of issue 19 (names, 登记号, dates, authority names changed).
# 4: the demo operators, one per role, listed in demo/operators.json (issue 20).
# 5: the province's SM2 issuer key and its SM2-signed credentials (issue 22).
FORMAT = 5


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
