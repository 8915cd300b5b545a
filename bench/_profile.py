"""Where the time goes in publish and in a delta sync, on a cached bench.core world:
`python -m bench._profile --scale N [--out FILE]` (run bench.core at that scale first).

Publishes both exports under cProfile, then applies the delta with every UPDATE/DELETE batch
and the commit timed separately (by wrapping db.delta's helpers in this process only).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import shutil
import sys
import tempfile
import time
from pathlib import Path

from bench import _world as w
from bench._sync import timed_delta
from bench.core import OUT


def _stats(prof: cProfile.Profile, top: int) -> str:
    buf = io.StringIO()
    st = pstats.Stats(prof, stream=buf)
    st.sort_stats("cumulative").print_stats(top)
    st.sort_stats("tottime").print_stats(top)
    return buf.getvalue()


def _publish(world: w.World, export: Path, bundle: Path, top: int) -> str:
    from publisher.publish import publish

    prof = cProfile.Profile()
    t0 = time.perf_counter()
    prof.enable()
    publish(export, world.trust, world.keys / "publisher.pem", bundle, id_key_path=world.id_key)
    prof.disable()
    return f"publish {export.name}: {time.perf_counter() - t0:.1f} s (under cProfile)\n" + _stats(
        prof, top
    )


def main(argv: list[str] | None = None) -> int:
    """Profile publish (both exports) and time the delta apply by statement."""
    from kiosk.home import init
    from kiosk.sync import sync

    p = argparse.ArgumentParser(prog="python -m bench._profile")
    p.add_argument("--scale", type=int, default=w.PROVINCE)
    p.add_argument("--photo-fraction", type=float, default=1.0)
    p.add_argument("--out", type=Path, default=OUT / "profile.txt")
    p.add_argument("--top", type=int, default=30)
    a = p.parse_args(argv)
    world = w.obtain(OUT, a.scale, photo_fraction=a.photo_fraction, log=print)
    work = Path(tempfile.mkdtemp(prefix="bench-profile-", dir=OUT))
    try:
        bundle = work / "bundle"
        parts = [_publish(world, world.export1, bundle, a.top)]
        home = init(
            work / "home",
            [world.keys / "root.pub.pem"],
            w.jurisdiction(world.scale),
            world.id_key,
        )
        sync(home, str(bundle))
        parts.append(_publish(world, world.export2, bundle, a.top))
        parts.append("\n".join(timed_delta(work / "home", bundle)["steps"]))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    a.out.write_text("\n\n".join(parts), "utf-8")
    print(parts[-1])
    return 0


if __name__ == "__main__":
    sys.exit(main())
