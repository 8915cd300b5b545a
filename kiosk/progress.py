"""A sync's progress as a person reads it: bytes done of bytes in all, speed, and the words.

`SyncMeter` takes the core's progress calls (file name, bytes done, bytes in all; see
kiosk/fetch.py `Progress`) and says when one is worth showing, so that a screen redraws a few
times a second at most, never once per block.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from kiosk.messages import t

INSTALL = "install"
"""The progress name while the replica is written (kiosk/sync.py): (INSTALL, packed bytes
unpacked so far, packed bytes in all) for a snapshot, unpacked bytes for a delta chain.
Downloads report under the file's own name."""
MB = 1_000_000


@dataclass(frozen=True, slots=True)
class Transfer:
    """Where a sync stands: the file (or INSTALL) being worked on, its bytes, its speed."""

    name: str
    done: int
    total: int
    rate: float | None
    """Bytes a second since this file's first report; None until there is time to measure."""
    elapsed: float
    """Seconds since the sync's first report."""

    @property
    def installing(self) -> bool:
        """True while the replica is being written (after any download)."""
        return self.name == INSTALL


class SyncMeter:
    """Turns progress calls into `Transfer`s, at most one per `interval` or percent step."""

    def __init__(self, clock: Callable[[], float] = time.monotonic, interval: float = 0.1) -> None:
        self._clock, self._interval = clock, interval
        self._made = clock()
        self._began: float | None = None
        self._file: tuple[str, float, int] | None = None  # name, when first heard, bytes then
        self._shown: tuple[str, int, float] | None = None  # name, percent, when
        self.last: Transfer | None = None

    def update(self, name: str, done: int, total: int) -> Transfer | None:
        """Record one progress call; the Transfer to show, or None when the last one shown is
        still close enough (same file, same percent, shown less than `interval` ago)."""
        now = self._clock()
        if self._began is None:
            self._began = now
        if self._file is None or self._file[0] != name or done < self._file[2]:
            self._file = (name, now, done)
        _, since, base = self._file
        span = now - since
        rate = (done - base) / span if span > 0 and done > base else None
        self.last = Transfer(name, done, total, rate, now - self._began)
        pct = 100 * done // total if total > 0 else 100
        shown = self._shown
        if (
            shown is not None
            and shown[0] == name
            and done < total
            and (shown[1] == pct or now - shown[2] < self._interval)
        ):
            return None
        self._shown = (name, pct, now)
        return self.last

    def seconds(self) -> float:
        """Seconds since the meter was made (the sync started)."""
        return self._clock() - self._made


def megabytes(n: int) -> str:
    """Bytes as megabytes with one decimal (1 MB = 10^6 bytes, as disks are labelled)."""
    return f"{n / MB:.1f}"


def transfer_text(tr: Transfer, lang: str) -> str:
    """'snapshot-….db.zst  1.2 / 4.1 MB · 3.4 MB/s' (or installing …), in `lang`."""
    what = t("sync.installing", lang) if tr.installing else tr.name
    text = t("sync.bytes", lang, what=what, done=megabytes(tr.done), total=megabytes(tr.total))
    if tr.rate is not None:
        text += " · " + t("sync.rate", lang, rate=f"{tr.rate / MB:.1f}")
    return text


def done_text(downloaded: int, seconds: float, lang: str) -> str:
    """The line left after a sync: how much was read and how long it took."""
    if not downloaded:
        return t("sync.done_nothing", lang, s=f"{seconds:.1f}")
    return t("sync.done", lang, total=megabytes(downloaded), s=f"{seconds:.1f}")
