"""Frame sources on real files: image, folder, video, and a camera that is missing."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pytest

from domain.errors import CameraUnavailableError, DecodeError
from scanner.camera import CameraConfig, CameraSource
from scanner.sources import FolderSource, ImageSource, VideoSource, frames, open_path
from tests.scanner.helpers import code_frame, empty_frame, payload, write_png, write_video


def test_image_source_gives_one_frame(tmp_path: Path) -> None:
    path = write_png(tmp_path / "a.png", empty_frame(0))
    got = list(frames(ImageSource(path)))
    assert len(got) == 1 and got[0].image.shape == (720, 1280, 3) and got[0].origin == "a.png"


def test_folder_source_reads_images_in_order_and_skips_junk(tmp_path: Path) -> None:
    write_png(tmp_path / "b.png", empty_frame(1))
    write_png(tmp_path / "a.jpg", empty_frame(2))
    (tmp_path / "c.png").write_bytes(b"not a picture")
    (tmp_path / "notes.txt").write_text("ignored")
    source = FolderSource(tmp_path)
    assert [f.origin for f in frames(source)] == ["a.jpg", "b.png"]
    assert source.skipped == ["c.png"]


def test_video_source_gives_every_frame(tmp_path: Path) -> None:
    path = write_video(tmp_path / "v.avi", [empty_frame(i) for i in range(4)])
    got = list(frames(VideoSource(path)))
    assert [f.origin for f in got] == [f"v.avi#{i}" for i in range(1, 5)]


@pytest.mark.parametrize(
    "name,content",
    [
        ("missing.png", None),
        ("bad.png", b"\x89PNG junk"),
        ("empty.jpg", b""),
        ("bad.mp4", b"garbage"),
    ],
)
def test_unreadable_files_are_domain_errors(
    tmp_path: Path, name: str, content: bytes | None
) -> None:
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(DecodeError):
        list(frames(open_path(path)))


def test_open_path_picks_the_source_kind(tmp_path: Path) -> None:
    img = write_png(tmp_path / "x.png", empty_frame(3))
    vid = write_video(tmp_path / "x.avi", [empty_frame(3)])
    assert isinstance(open_path(img), ImageSource)
    assert isinstance(open_path(vid), VideoSource)
    assert isinstance(open_path(tmp_path), FolderSource)


def test_a_missing_camera_is_reported_and_retried_without_crashing() -> None:
    problems: list[CameraUnavailableError | None] = []
    cam = CameraSource(
        CameraConfig(device="/dev/video97", retry_s=0.05), on_problem=problems.append
    )
    try:
        assert not cam.connected
        assert cam.read() is None  # waits a little, never raises
        threading.Event().wait(0.3)
        assert cam.open_attempts >= 3  # the background thread keeps trying
        assert problems and isinstance(problems[0], CameraUnavailableError)
        assert "Retrying" in problems[0].message
    finally:
        cam.close()


def test_an_unplugged_camera_comes_back(tmp_path: Path) -> None:
    # OpenCV opens a video file like a device: its end looks exactly like an unplug.
    text = payload(11)
    path = write_video(tmp_path / "cam.avi", [code_frame(text, seed=11)] * 3)
    problems: list[CameraUnavailableError | None] = []
    cam = CameraSource(
        CameraConfig(device=str(path), retry_s=0.05, fail_after=2), on_problem=problems.append
    )
    try:
        got = [cam.read() for _ in range(3)]
        assert all(f is not None and f.image.shape == (720, 1280, 3) for f in got)
        assert cam.read() is None and cam.read() is None  # the "camera" stops sending
        assert isinstance(problems[0], CameraUnavailableError) and not cam.connected
        for _ in range(100):
            if cam.connected:
                break
            threading.Event().wait(0.02)
        assert cam.connected and problems[-1] is None  # reopened in the background
        frame = cam.read()
        assert frame is not None and isinstance(frame.image, np.ndarray)
    finally:
        cam.close()
