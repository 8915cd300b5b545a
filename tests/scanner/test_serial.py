"""Serial scanners through pyserial: the loop:// URL and a real pseudo-terminal pair."""

from __future__ import annotations

import os
import threading
import time

import pytest

from domain.errors import KioskError
from scanner.payload import Read
from scanner.serial_scanner import SerialScanner
from tests.scanner.helpers import payload


def _wait(cond: object, timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cond():  # type: ignore[operator]
            return True
        time.sleep(0.01)
    return False


def test_loop_url_delivers_each_line_as_a_read() -> None:
    reads: list[Read] = []
    scanner = SerialScanner("loop://", reads.append).start()
    try:
        assert _wait(lambda: scanner.port is not None)
        text = payload(41, 1300)
        port = scanner.port
        port.write((text + "\r\n").encode())  # type: ignore[attr-defined]
        port.write(b"NOT-YZ1\r")  # type: ignore[attr-defined]
        assert _wait(lambda: len(reads) == 2)
    finally:
        scanner.stop()
    assert [(r.text, r.is_yz1, r.source) for r in reads] == [
        (text, True, "serial"),
        ("NOT-YZ1", False, "serial"),
    ]


@pytest.mark.skipif(not hasattr(os, "openpty"), reason="needs a pty")
def test_a_pty_pair_behaves_like_a_virtual_com_port() -> None:
    master, slave = os.openpty()
    reads: list[Read] = []
    scanner = SerialScanner(os.ttyname(slave), reads.append, baudrate=9600).start()
    try:
        assert _wait(lambda: scanner.port is not None)
        text = payload(42, 800)
        half = len(text) // 2
        os.write(master, text[:half].encode())  # arrives in pieces, as serial data does
        time.sleep(0.05)
        os.write(master, text[half:].encode() + b"\n")
        assert _wait(lambda: len(reads) == 1)
    finally:
        scanner.stop()
        os.close(master)
        os.close(slave)
    assert reads[0].text == text


def test_a_missing_port_is_reported_and_retried() -> None:
    problems: list[KioskError | None] = []
    got = threading.Event()

    def on_problem(err: KioskError | None) -> None:
        problems.append(err)
        if len(problems) >= 2:
            got.set()

    scanner = SerialScanner(
        "/dev/ttyNOSUCH97", lambda r: None, on_problem=on_problem, retry_s=0.05
    ).start()
    try:
        assert got.wait(5)
    finally:
        scanner.stop()
    assert all(isinstance(p, KioskError) and "cannot be opened" in p.message for p in problems)
