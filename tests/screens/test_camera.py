"""The camera path end to end: a video file read through the same OpenCV capture as a camera,
scanned by the scan loop, verified, shown; and an unplugged camera stays calm."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from scanner.feed import CameraFeed
from screens.app import YanzhaoApp
from screens.verdict_card import VerdictCard
from tests.screens.conftest import case_by, plain


def _video(path: Path, qr_png: Path, frames: int = 40) -> Path:
    code = cv2.imread(str(qr_png), cv2.IMREAD_GRAYSCALE)
    assert code is not None
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*"MJPG"), 10, (1280, 720))
    for i in range(frames):
        frame = np.full((720, 1280), 235, np.uint8)
        if i >= 5:  # the holder brings the code into view after half a second
            h, w = code.shape
            frame[100 : 100 + h, 300 : 300 + w] = code
        writer.write(cv2.cvtColor(frame, cv2.COLOR_GRAY2BGR))
    writer.release()
    return path


async def test_camera_reads_a_code(
    make_app: Callable[..., YanzhaoApp], cases: list[dict[str, Any]], world: Path, tmp_path: Path
) -> None:
    case = case_by(cases, None)
    video = _video(tmp_path / "counter.avi", world / case["image"])
    app = make_app(camera=CameraFeed(str(video)))
    async with app.run_test(size=(120, 40)) as pilot:
        for _ in range(100):
            await pilot.pause(0.1)
            if app.screen.query_one(VerdictCard).has_class("is-valid"):
                break
        assert app.screen.query_one(VerdictCard).has_class("is-valid")
        assert app.camera.latest is not None


async def test_missing_camera_is_calm(make_app: Callable[..., YanzhaoApp], tmp_path: Path) -> None:
    app = make_app(camera=CameraFeed(str(tmp_path / "no-such-camera.avi")))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause(0.5)
        assert app.is_running
        status = plain(app.screen.query_one("#camera-status"))
        assert "摄像头不可用" in status
