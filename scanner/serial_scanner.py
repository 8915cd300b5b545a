"""Serial (virtual COM port) barcode scanners as a payload source, via pyserial.

Many counter scanners can be switched from keyboard wedge to a USB serial port; each
scan then arrives as one line (ended by CR, LF or both). `SerialScanner` reads lines in a
long-lived thread with a read timeout, so it notices `stop()`, and reports each payload
through a callback as a `Read`. A port that cannot be opened or goes away is reported
as a `CameraUnavailableError` (titled for the scanner) and retried, never raised into the UI.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from domain.errors import CameraUnavailableError, KioskError
from scanner.payload import Read, classify

log = logging.getLogger(__name__)


TITLE = "扫码枪不可用 Scanner unavailable"


def _unavailable(message: str) -> CameraUnavailableError:
    return CameraUnavailableError(message, title=TITLE)


class SerialScanner:
    """Read newline-terminated payloads from a serial port or pyserial URL (e.g. loop://).

    Args:
        url: a port name (/dev/ttyACM0, COM3) or a pyserial URL.
        on_read: called from the reader thread with each payload.
        on_problem: called with the error when the port fails, and with None once it works.
        baudrate: the scanner's configured speed.
        retry_s: pause before reopening a failed port.
    """

    def __init__(
        self,
        url: str,
        on_read: Callable[[Read], None],
        on_problem: Callable[[KioskError | None], None] | None = None,
        baudrate: int = 115200,
        retry_s: float = 2.0,
        max_line: int = 8192,
    ) -> None:
        self.url = url
        self._on_read = on_read
        self._on_problem = on_problem or (lambda _e: None)
        self.baudrate = baudrate
        self.retry_s = retry_s
        self.max_line = max_line
        self._exit = threading.Event()
        self._port: object | None = None
        self._thread = threading.Thread(target=self._run, name="serial-scanner", daemon=True)
        self.problem: KioskError | None = None

    def start(self) -> SerialScanner:
        """Start the reader thread; returns self."""
        self._thread.start()
        return self

    def stop(self, timeout: float = 2.0) -> None:
        """Ask the reader to finish, wait for it and close the port."""
        self._exit.set()
        self._thread.join(timeout)

    @property
    def port(self) -> object | None:
        """The open pyserial port, if any (tests write to a loop:// port through it)."""
        return self._port

    def _open(self) -> object | None:
        import serial

        try:
            port = serial.serial_for_url(self.url, baudrate=self.baudrate, timeout=0.1)
        except (serial.SerialException, OSError, ValueError) as err:
            self._report(
                _unavailable(f"The scanner on {self.url} cannot be opened ({err}). Retrying.")
            )
            return None
        if self.problem is not None:
            self.problem = None
            self._on_problem(None)
        return port  # type: ignore[no-any-return]

    def _report(self, err: KioskError) -> None:
        self.problem = err
        log.warning("%s", err)
        self._on_problem(err)

    def _run(self) -> None:
        import serial

        buffer = bytearray()
        while not self._exit.is_set():
            port = self._port = self._open()
            if port is None:
                self._exit.wait(self.retry_s)
                continue
            try:
                while not self._exit.is_set():
                    chunk = port.read(port.in_waiting or 1)  # type: ignore[attr-defined]
                    if chunk:
                        buffer.extend(chunk)
                        self._drain(buffer)
            except (serial.SerialException, OSError) as err:
                self._report(
                    _unavailable(f"The scanner on {self.url} went away ({err}). Retrying.")
                )
                self._exit.wait(self.retry_s)
            finally:
                self._port = None
                port.close()  # type: ignore[attr-defined]

    def _drain(self, buffer: bytearray) -> None:
        while True:
            ends = [i for i in (buffer.find(b"\r"), buffer.find(b"\n")) if i >= 0]
            if not ends:
                if len(buffer) > self.max_line:
                    buffer.clear()
                return
            line, rest = bytes(buffer[: min(ends)]), buffer[min(ends) + 1 :]
            buffer[:] = rest
            text = line.decode("utf-8", errors="replace").strip()
            if text:
                self._on_read(classify(text, "serial"))
