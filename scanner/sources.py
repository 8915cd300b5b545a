"""Frame sources behind one interface: image files, folders of images and video files.

A source yields `Frame`s until it is exhausted (`read()` returns None). The camera,
which can also vanish and come back, lives in `scanner.camera`. OpenCV is imported
lazily so that importing this module stays cheap for the CLI.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from domain.errors import DecodeError

IMAGE_SUFFIXES = frozenset(
    {".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp", ".pgm", ".ppm", ".pbm"}
)


@dataclass(frozen=True, slots=True)
class Frame:
    """One picture from a source, with its capture time (monotonic seconds) and origin."""

    image: Any = field(repr=False)
    at: float
    origin: str


class FrameSource(Protocol):
    """Anything that hands out frames: camera, video, image, folder."""

    name: str

    def read(self) -> Frame | None:
        """The next frame, or None when there is none (end of file, camera gone)."""
        ...

    def close(self) -> None:
        """Release the device or file."""
        ...


def frames(source: FrameSource) -> Iterator[Frame]:
    """Iterate a source until it is exhausted."""
    while (frame := source.read()) is not None:
        yield frame


def load_image(path: str | Path) -> Any:
    """Read an image file as a BGR array.

    Raises:
        DecodeError: the file is missing or is not a picture OpenCV can read.
    """
    import cv2
    import numpy as np

    p = Path(path)
    try:
        data = np.fromfile(p, dtype=np.uint8)
    except OSError as err:
        raise DecodeError(f"Cannot open {p.name}: {err.strerror or err}.") from err
    image = cv2.imdecode(data, cv2.IMREAD_COLOR) if data.size else None
    if image is None:
        raise DecodeError(f"{p.name} is not a picture that can be read.")
    return image


class ImageSource:
    """A single image file, given once."""

    def __init__(self, path: str | Path) -> None:
        self.name = str(path)
        self._path = Path(path)
        self._done = False

    def read(self) -> Frame | None:
        """The picture the first time, then None."""
        if self._done:
            return None
        self._done = True
        return Frame(load_image(self._path), time.monotonic(), self._path.name)

    def close(self) -> None:
        """Nothing to release."""
        self._done = True


class FolderSource:
    """Every image in a folder, in name order; unreadable files are skipped."""

    def __init__(self, folder: str | Path) -> None:
        self.name = str(folder)
        paths = sorted(p for p in Path(folder).iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
        self._paths = iter(paths)
        self.skipped: list[str] = []

    def read(self) -> Frame | None:
        """The next readable image, or None after the last."""
        for path in self._paths:
            try:
                return Frame(load_image(path), time.monotonic(), path.name)
            except DecodeError:
                self.skipped.append(path.name)
        return None

    def close(self) -> None:
        """Stop iterating."""
        self._paths = iter(())


class VideoSource:
    """A video file, frame by frame.

    Raises:
        DecodeError: the file cannot be opened as a video.
    """

    def __init__(self, path: str | Path) -> None:
        import cv2

        self.name = str(path)
        self._path = Path(path)
        if not self._path.is_file():
            raise DecodeError(f"Cannot open {self._path.name}: no such file.")
        self._cap: Any = cv2.VideoCapture(str(self._path))
        if not self._cap.isOpened():
            raise DecodeError(f"{self._path.name} is not a video that can be read.")
        self._index = 0

    def read(self) -> Frame | None:
        """The next frame, or None at the end of the video."""
        if self._cap is None:
            return None
        ok, image = self._cap.read()
        if not ok or image is None:
            self.close()
            return None
        self._index += 1
        return Frame(image, time.monotonic(), f"{self._path.name}#{self._index}")

    def close(self) -> None:
        """Release the file."""
        if self._cap is not None:
            self._cap.release()
            self._cap = None


def open_path(path: str | Path) -> FrameSource:
    """A source for a path: a folder, an image (by suffix) or else a video.

    Raises:
        DecodeError: the path does not exist or cannot be read.
    """
    p = Path(path)
    if p.is_dir():
        return FolderSource(p)
    if not p.exists():
        raise DecodeError(f"Cannot open {p.name}: no such file.")
    if p.suffix.lower() in IMAGE_SUFFIXES:
        return ImageSource(p)
    return VideoSource(p)
