"""Sync progress (issue 21): bytes in fine steps while a snapshot is read and unpacked or
deltas are applied, never one jump per phase; and the meter that turns them into a speed."""

from __future__ import annotations

from pathlib import Path

from kiosk.progress import INSTALL, MB, SyncMeter, Transfer, done_text, transfer_text
from tests.sync.conftest import Chain

Calls = list[tuple[str, int, int]]


def _sync(home: Path, source: Path) -> tuple[object, Calls]:
    from kiosk.home import Home
    from kiosk.sync import sync

    calls: Calls = []
    result = sync(Home(home), str(source), progress=lambda *c: calls.append(c))
    return result, calls


def test_a_folder_snapshot_reports_bytes_in_fine_steps(chain: Chain, fresh_home: Path) -> None:
    size = (chain.bundles[1] / "snapshot-00000001.db.zst").stat().st_size
    result, calls = _sync(fresh_home, chain.bundles[1])
    assert getattr(result, "method", None) == "snapshot"
    steps = [done for name, done, total in calls if name == INSTALL and total == size]
    assert steps[0] == 0 and steps[-1] == size  # from nothing to the whole file, in bytes
    assert steps == sorted(steps)
    assert len(set(steps)) >= size // (1 << 18)  # a step at least every quarter MiB
    assert max(b - a for a, b in zip(steps, steps[1:], strict=False)) <= 1 << 18


def test_a_delta_chain_reports_its_download_and_its_application(chain: Chain, home1: Path) -> None:
    result, calls = _sync(home1, chain.bundles[3])
    assert getattr(result, "method", None) == "delta"
    names = {name for name, _, _ in calls}
    assert INSTALL in names and any(n.startswith("delta") for n in names)
    applied = [(done, total) for name, done, total in calls if name == INSTALL]
    assert applied[0][0] == 0 and applied[-1][0] == applied[-1][1] > 0


class _Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_the_meter_gives_bytes_and_speed_and_skips_redundant_updates() -> None:
    clock = _Clock()
    meter = SyncMeter(clock, interval=0.1)
    first = meter.update("snapshot.db.zst", 0, 4 * MB)
    assert first is not None and first.rate is None  # nothing to measure yet
    clock.now += 0.5
    half = meter.update("snapshot.db.zst", 2 * MB, 4 * MB)
    assert half is not None and half.rate == 4 * MB  # 2 MB in half a second
    assert meter.update("snapshot.db.zst", 2 * MB + 10, 4 * MB) is None  # same percent, soon
    clock.now += 0.5
    done = meter.update("snapshot.db.zst", 4 * MB, 4 * MB)
    assert done is not None and done.done == done.total
    installing = meter.update(INSTALL, 0, 4 * MB)  # a new phase is always shown
    assert installing is not None and installing.installing and installing.rate is None
    assert meter.seconds() == 1.0


def test_the_meter_texts_in_both_languages() -> None:
    tr = Transfer("snapshot-00000001.db.zst", 1_500_000, 4_100_000, 2_300_000.0, 1.0)
    assert transfer_text(tr, "zh") == "snapshot-00000001.db.zst  1.5 / 4.1 MB · 2.3 MB/s"
    assert transfer_text(tr, "en") == "snapshot-00000001.db.zst  1.5 / 4.1 MB · 2.3 MB/s"
    installing = Transfer(INSTALL, 0, 4_100_000, None, 1.0)
    assert transfer_text(installing, "zh").startswith("正在写入注册库  0.0 / 4.1 MB")
    assert transfer_text(installing, "en").startswith("Writing the replica")
    assert done_text(4_100_000, 2.04, "zh") == "已完成：读取 4.1 MB，用时 2.0 秒"
    assert done_text(4_100_000, 2.04, "en") == "Done: 4.1 MB read in 2.0 s"
    assert "无需下载" in done_text(0, 0.1, "zh")
