"""main.run_tui (issue 21): the camera the settings name is the one opened, in the demo too,
and what C libraries write while the app runs goes to logs/native.log, not the terminal."""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

import main
from scanner.feed import CameraFeed


class _FakeApp:
    """Stands in for YanzhaoApp: records its camera and writes to fd 2 as OpenCV does."""

    made: list[_FakeApp] = []

    def __init__(self, *args: object, camera: object = None, **kwargs: object) -> None:
        self.camera = camera
        self.admin_exit = True
        _FakeApp.made.append(self)

    def run(self) -> None:
        os.write(2, b"[ WARN:0@0.1] global cap_v4l.cpp:915 can't open camera by index\n")

    @property
    def return_code(self) -> int | None:
        return 0


@pytest.fixture(autouse=True)
def _restore_logging(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """main._logging reconfigures the root logger, warnings and the thread hook: undo it."""
    monkeypatch.setattr(threading, "excepthook", threading.excepthook)
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    logging.captureWarnings(False)
    for h in root.handlers[:]:
        root.removeHandler(h)
        h.close()
    for h in handlers:
        root.addHandler(h)
    root.setLevel(level)


@pytest.fixture
def fake_app(monkeypatch: pytest.MonkeyPatch, demo_copy: Path) -> Path:
    from kiosk.home import Home

    _FakeApp.made.clear()
    monkeypatch.setattr("screens.app.YanzhaoApp", _FakeApp)
    monkeypatch.setattr("cli.launch.prepare", lambda home, demo: (Home(demo_copy), True))
    return demo_copy


def test_the_demo_opens_the_camera_its_settings_name(fake_app: Path) -> None:
    """Settings said camera "0" while the scan screen said none was set: the demo never made
    a camera feed. Now the setting is what runs (and a missing camera is retried quietly)."""
    assert main.run_tui(str(fake_app), demo=True, kiosk=False) == 0
    (app,) = _FakeApp.made
    assert isinstance(app.camera, CameraFeed) and app.camera.device == 0


def test_native_output_under_the_app_goes_to_the_log_folder(
    fake_app: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    assert main.run_tui(str(fake_app), demo=True, kiosk=False) == 0
    out = capfd.readouterr()
    assert "WARN" not in out.out + out.err
    assert main.STARTING in out.out  # something on the terminal while the imports run
    assert "can't open camera" in (fake_app / "logs" / main.NATIVE_LOG).read_text("utf-8")


def test_a_failing_thread_is_logged_not_printed(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    """Python prints an exception in a thread to stderr, which Textual swallows while it draws
    (a camera thread died unseen that way): it goes to the log, traceback and all."""
    main._logging(tmp_path)

    def fail() -> None:
        raise RuntimeError("the camera thread broke")

    worker = threading.Thread(target=fail, name="camera-start")
    worker.start()
    worker.join()
    text = (tmp_path / "logs" / "kiosk.log").read_text("utf-8")
    assert "thread camera-start failed" in text
    assert "RuntimeError: the camera thread broke" in text
    assert "camera thread broke" not in capfd.readouterr().err
