"""Subprocess entry points for the core benchmark, so that memory and time are measured in a
process that does only the measured work: `python -m bench._child publish|memory|sync|delta
ARGS…`.

Each prints one JSON line: its own timing and its RSS figures in MiB (psutil for the current
RSS, VmHWM for the peak, which includes zstd's worker threads).
"""

from __future__ import annotations

import json
import logging
import resource
import sys
import time
from pathlib import Path
from typing import Any

MIB = 1024 * 1024


def _rss() -> float:
    import psutil

    return float(psutil.Process().memory_info().rss) / MIB


def _peak() -> float:
    """This process's peak RSS (VmHWM). getrusage's ru_maxrss is not used: on Linux it keeps
    the forking parent's size across exec, so a child of a big parent would report the parent."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB, not Linux


class _TreeSampler:
    """The peak of this process's children's RSS summed (publish's export reader), sampled
    every 0.2 s. getrusage(RUSAGE_CHILDREN) cannot tell it: a child's maxrss starts at the
    parent's size when it was forked."""

    def __init__(self) -> None:
        import threading

        self.peak = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        import psutil

        me = psutil.Process()
        while not self._stop.wait(0.2):
            total = 0
            for child in me.children(recursive=True):
                try:
                    total += child.memory_info().rss
                except psutil.Error:
                    pass
            self.peak = max(self.peak, total / MIB)

    def __enter__(self) -> _TreeSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def publish(export: str, trust: str, key: str, out: str, id_key: str) -> dict[str, Any]:
    """Publish one export; the time of the publish call and the peak RSS of the process plus
    the peak of its export-reading worker (a sum: an upper bound of what they held at once)."""
    from publisher.publish import publish as do_publish

    before = _rss()
    phases: list[str] = []

    class _Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            phases.append(record.getMessage())

    for name in ("publisher.build", "publisher.publish"):
        logging.getLogger(name).addHandler(_Keep())
        logging.getLogger(name).setLevel(logging.INFO)
    t0 = time.perf_counter()
    with _TreeSampler() as children:
        pub = do_publish(Path(export), Path(trust), Path(key), Path(out), id_key_path=Path(id_key))
    seconds = time.perf_counter() - t0
    worker = children.peak
    return {
        "seconds": seconds,
        "rss_before_mib": before,
        "peak_rss_mib": _peak() + worker,
        "worker_peak_rss_mib": worker,
        "phases": phases,
        "sequence": pub.sequence,
        "delta": pub.delta,
    }


def memory(replica: str, keys_file: str) -> dict[str, Any]:
    """Open the replica and run the given lookups; RSS before, after opening, after lookups."""
    from db.replica import Replica

    keys = json.loads(Path(keys_file).read_text("utf-8"))
    before = _rss()
    rep = Replica(Path(replica))
    opened = _rss()
    n = 0
    for h in keys["id_hashes"]:
        n += len(rep.by_id_index(bytes.fromhex(h)))
    for kind, cert in keys["certs"]:
        n += rep.practitioner(kind, cert) is not None
    for name in keys["names"]:
        n += len(rep.by_name(name))
    lookups = len(keys["id_hashes"]) + len(keys["certs"]) + len(keys["names"])
    after = _rss()
    rep.close()
    return {
        "rss_before_mib": before,
        "rss_open_mib": opened,
        "rss_after_mib": after,
        "peak_rss_mib": _peak(),
        "lookups": lookups,
        "found": n,
    }


def sync(home: str, bundle: str, root_pub: str = "") -> dict[str, Any]:
    """One timed sync of `home` (initialised first when a root key is given), as a kiosk runs it:
    in a process of its own (`yanzhao sync`), not in one that has run the benchmark so far."""
    from bench import _sync

    return _sync.timed_sync(Path(home), Path(bundle), Path(root_pub) if root_pub else None)


def delta(home: str, bundle: str) -> dict[str, Any]:
    """One delta sync with its steps timed (bench._sync.timed_delta), in a process of its own."""
    from bench import _sync

    return _sync.timed_delta(Path(home), Path(bundle))


def main(argv: list[str]) -> int:
    """Dispatch a command (publish, memory, sync, delta) and print its result as one JSON line."""
    commands = {"publish": publish, "memory": memory, "sync": sync, "delta": delta}
    result = commands[argv[0]](*argv[1:])
    sys.stdout.write(json.dumps(result) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
