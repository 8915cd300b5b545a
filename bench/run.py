"""Every benchmark in one go: `python -m bench.run [--national]` (make bench, bench-national).

Runs bench.core at province scale (700,000 practitioners) or, with --national, at national
scale (10,400,000), bench.stats on the same world, then bench.audit, bench.scanner,
bench.tui, bench.tui_scan (with --national, its first screen on the national world) and
bench.bulk. Each runs in its own process so one's memory and imports do not weigh on the
other's figures.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

from bench import _world as w

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"


def _run(args: list[str]) -> int:
    print(f"$ python {' '.join(args)}", flush=True)
    return subprocess.run([sys.executable, *args], cwd=ROOT, check=False).returncode


def main(argv: list[str] | None = None) -> int:
    """Run the core benchmark (and the scanner one if present); non-zero if any failed."""
    p = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.splitlines()[0])
    p.add_argument("--national", action="store_true", help="10,400,000 practitioners")
    p.add_argument(
        "--photo-fraction",
        default="1.0",
        help="share of practitioners with a photo (national with photos needs ~300 GB)",
    )
    a = p.parse_args(argv)
    scale, name = (w.NATIONAL, "national") if a.national else (w.PROVINCE, "province")
    status = _run(
        [
            "-m",
            "bench.core",
            "--scale",
            str(scale),
            "--photo-fraction",
            a.photo_fraction,
            "--out",
            str(OUT / f"core-{name}.json"),
        ]
    )
    stats = ["-m", "bench.stats", "--scale", str(scale), "--photo-fraction", a.photo_fraction]
    status = _run([*stats, "--out", str(OUT / f"stats-{name}.json")]) or status
    status = _run(["-m", "bench.audit", "--out", str(OUT / "audit.json")]) or status
    status = _run(["-m", "bench.scanner"]) or status
    status = _run(["-m", "bench.tui", "--out", str(OUT / "tui.json")]) or status
    scan = ["-m", "bench.tui_scan", "--out", str(OUT / "tui_scan.json")]
    if a.national:  # the first screen on the national world bench.core has just cached
        scan += ["--scale", str(scale), "--photo-fraction", a.photo_fraction]
    status = _run(scan) or status
    status = _run(["-m", "bench.bulk"]) or status
    return status


if __name__ == "__main__":
    sys.exit(main())
