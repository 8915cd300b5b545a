"""The snapshot install's writer thread (db.store._Writeback): every byte in order, errors
reach the caller once, and the thread always ends, however the caller leaves."""

from __future__ import annotations

import errno
import io
import signal
import threading
import time
from types import FrameType
from typing import IO, Any, cast

import pytest

from db.store import _Writeback


class Disk(io.RawIOBase):
    """A file that keeps what is written to it, optionally slowly, and fills up at `room`."""

    def __init__(self, room: int = 1 << 40, delay: float = 0.0) -> None:
        self.room, self.delay, self.data = room, delay, bytearray()

    def writable(self) -> bool:
        return True

    def write(self, b: Any) -> int:
        block = bytes(b)
        time.sleep(self.delay)
        if len(self.data) + len(block) > self.room:
            raise OSError(errno.ENOSPC, "No space left on device")
        self.data += block
        return len(block)


def writers() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "replica-writer"]


def test_every_byte_in_order_even_from_a_reused_buffer() -> None:
    disk, buf = Disk(), bytearray(7)
    with _Writeback(cast(IO[bytes], disk)) as sink:
        for i in range(2000):
            buf[:] = bytes([i % 251]) * 7
            sink.write(bytes(buf))
    assert bytes(disk.data) == b"".join(bytes([i % 251]) * 7 for i in range(2000))
    assert not writers()


def test_a_full_disk_is_raised_in_the_callers_thread_once() -> None:
    disk, raised = Disk(room=3 << 20), []
    with pytest.raises(OSError) as err:
        with _Writeback(cast(IO[bytes], disk)) as sink:
            for _ in range(64):
                try:
                    sink.write(b"x" * (1 << 20))
                except OSError as e:
                    raised.append(e)
                    raise
    assert err.value.errno == errno.ENOSPC
    assert len(raised) == 1 and len(disk.data) == 3 << 20
    assert not writers()


def test_a_full_disk_behind_another_failure_is_not_lost() -> None:
    disk = Disk(room=1 << 20)
    with pytest.raises(ValueError, match="hash mismatch") as err:
        with _Writeback(cast(IO[bytes], disk)) as sink:
            sink.write(b"x" * (2 << 20))
            time.sleep(0.2)  # the thread meets the full disk
            raise ValueError("hash mismatch")
    assert any("No space left" in note for note in err.value.__notes__)
    assert not writers()


def test_leaving_on_a_failure_discards_what_is_queued() -> None:
    disk = Disk(delay=0.2)
    with pytest.raises(RuntimeError):
        with _Writeback(cast(IO[bytes], disk)) as sink:
            for _ in range(_Writeback.QUEUED + 1):
                sink.write(b"y" * 10)
            raise RuntimeError("the snapshot does not decompress")
    assert len(disk.data) < 10 * (_Writeback.QUEUED + 1)
    assert not writers()


def test_an_interrupt_while_closing_still_ends_the_thread() -> None:
    """Ctrl-C while the caller waits to hand over the end marker (the queue full, the disk
    slow): the thread must still end, not wait for a marker that never comes."""
    disk = Disk(delay=0.3)

    def interrupt(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    old = signal.signal(signal.SIGALRM, interrupt)
    try:
        with pytest.raises(KeyboardInterrupt):
            with _Writeback(cast(IO[bytes], disk)) as sink:
                for _ in range(_Writeback.QUEUED + 1):
                    sink.write(b"z" * 10)
                signal.setitimer(signal.ITIMER_REAL, 0.05)
                raise RuntimeError("failed")  # leaving blocks on the full queue: interrupted
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)
    deadline = time.monotonic() + 5
    while writers() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not writers()
