"""Nothing native reaches the terminal under the TUI (issue 21): a missing camera is retried
quietly with a back-off, OpenCV logs no warnings, and C-level writes to descriptors 1 and 2
go to a file while Python's own terminal streams still reach the terminal."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import types
from itertools import islice
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from domain.errors import CameraUnavailableError
from scanner.camera import CameraConfig, CameraSource, backoff
from scanner.quiet import native_output_to, quiet_opencv

ROOT = Path(__file__).resolve().parents[2]


def _child(code: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("OPENCV_")}
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**clean, **(env or {})},
        capture_output=True,
        text=True,
        timeout=120,
    )


MISSING_CAMERAS = """
import logging, threading
from scanner.camera import CameraConfig, CameraSource
logging.basicConfig(filename="{log}", level=logging.DEBUG)  # as main.py: logs to a file
for device in (7, "/dev/video97"):
    cam = CameraSource(CameraConfig(device=device, retry_s=0.05, retry_max_s=0.1))
    for _ in range(200):
        if cam.open_attempts >= 3:
            break
        threading.Event().wait(0.02)
    cam.close()
    assert cam.open_attempts >= 3, cam.open_attempts
print("done")
"""


def test_a_missing_camera_writes_nothing_to_the_terminal(tmp_path: Path) -> None:
    """Opening a camera that is not there, again and again, prints not one OpenCV warning;
    the log says once per camera that it is missing, not once per attempt."""
    log = tmp_path / "kiosk.log"
    run = _child(MISSING_CAMERAS.replace("{log}", str(log)))
    assert run.returncode == 0, run.stderr
    assert run.stdout == "done\n"
    assert run.stderr == ""
    assert log.read_text("utf-8").count("could not be opened") == 2


def test_quiet_opencv_keeps_a_level_the_user_chose(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENCV_LOG_LEVEL", "INFO")
    quiet_opencv()
    assert os.environ["OPENCV_LOG_LEVEL"] == "INFO"


def test_quiet_opencv_survives_a_half_imported_cv2(monkeypatch: pytest.MonkeyPatch) -> None:
    """Another thread may be importing cv2 (the TUI's warm-up): its module has no `utils` yet.
    The camera thread must not die on that (it did, silently, under the TUI)."""
    monkeypatch.setitem(sys.modules, "cv2", types.ModuleType("cv2"))
    quiet_opencv()


def test_backoff_doubles_up_to_its_cap() -> None:
    assert list(islice(backoff(1.0, 30.0), 9)) == [1, 2, 4, 8, 16, 30, 30, 30, 30]
    assert list(islice(backoff(5.0, 2.0), 3)) == [2, 2, 2]


class _Clock:
    """A fake clock: `wait` returns at once and moves time on."""

    def __init__(self) -> None:
        self.now = 0.0
        self.closed = threading.Event()

    def wait(self, seconds: float) -> bool:
        self.now += seconds
        return self.closed.is_set()


class _Capture:
    """What an opened camera looks like to CameraSource: frames, then release."""

    def read(self) -> tuple[bool, Any]:
        return True, np.zeros((4, 4, 3), np.uint8)

    def release(self) -> None:
        pass


def test_a_missing_camera_is_retried_with_a_quiet_back_off() -> None:
    """Attempts at 0, 1, 3, 7, 15, 31 s, then every 30 s; the problem is reported once when
    the camera goes and once (None) when it is back, never per attempt."""
    clock = _Clock()
    attempts: list[float] = []

    def opener(config: CameraConfig) -> _Capture | None:
        attempts.append(clock.now)
        return _Capture() if clock.now >= 100 else None

    problems: list[CameraUnavailableError | None] = []
    cam = CameraSource(
        CameraConfig(device=5, retry_s=1.0, retry_max_s=30.0),
        problems.append,
        opener=opener,
        wait=clock.wait,
    )
    try:
        for _ in range(500):
            if cam.connected:
                break
            threading.Event().wait(0.01)
        assert cam.connected
        assert attempts == [0, 1, 3, 7, 15, 31, 61, 91, 121]
        assert len(problems) == 2
        assert isinstance(problems[0], CameraUnavailableError) and problems[1] is None
        frame = cam.read()
        assert frame is not None and frame.origin == "camera 5"
    finally:
        clock.closed.set()
        cam.close()


def test_native_writes_go_to_the_file_and_python_still_reaches_the_terminal(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    log = tmp_path / "logs" / "native.log"
    before = sys.__stderr__
    with native_output_to(log):
        os.write(2, b"native on fd 2\n")
        os.write(1, b"native on fd 1\n")
        assert sys.__stderr__ is not None
        sys.__stderr__.write("drawn by the TUI\n")  # Textual's driver writes here
        sys.__stderr__.flush()
    os.write(2, b"after the block\n")
    assert sys.__stderr__ is before
    text = log.read_text("utf-8")
    assert "native on fd 2" in text and "native on fd 1" in text
    assert "drawn by the TUI" not in text and "after the block" not in text
    out = capfd.readouterr()
    assert "drawn by the TUI" in out.err and "after the block" in out.err
    assert "native" not in out.out + out.err


REAL_OPENCV = """
import sys
from pathlib import Path
from scanner.quiet import native_output_to
with native_output_to(Path("{log}")):
    import cv2
    cap = cv2.VideoCapture(97, cv2.CAP_V4L2)
    assert not cap.isOpened()
    sys.__stderr__.write("screen\\n")
print("done")
"""


def test_opencv_warnings_forced_on_still_land_in_the_file(tmp_path: Path) -> None:
    """Even with OpenCV's warnings switched on by the user, they go to the file, not the
    terminal, while Python's terminal stream still prints."""
    log = tmp_path / "native.log"
    run = _child(REAL_OPENCV.replace("{log}", str(log)), {"OPENCV_LOG_LEVEL": "WARNING"})
    assert run.returncode == 0, run.stderr
    assert run.stdout == "done\n"
    assert run.stderr == "screen\n"
    assert "can't open camera" in log.read_text("utf-8")
