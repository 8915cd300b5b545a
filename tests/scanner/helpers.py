"""Shared test helpers: real QR pictures and videos, made on the fly (no binary fixtures)."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from bench import scanner_render as r
from bench.scanner_corpus import make_case


def payload(seed: int, length: int = 600) -> str:
    """A YZ1-shaped text of about `length` characters."""
    return r.random_payload(np.random.default_rng(seed), length, length)


def code_frame(text: str, seed: int = 0, ppm: float = 3.5) -> np.ndarray:
    """A 720p frame with `text` as a QR code on a cluttered background."""
    rng = np.random.default_rng(seed)
    mat = r.modules(text, "m")
    quad = r.placement(rng, mat.shape[0], ppm, 5.0, 0.0)
    return r.paste(r.background(rng), r.code_canvas(mat, 4), quad)


def empty_frame(seed: int = 0) -> np.ndarray:
    """A 720p frame without a code."""
    return make_case("no_code", seed).image


def write_png(path: Path, image: np.ndarray) -> Path:
    """Save an image and return its path."""
    assert cv2.imwrite(str(path), image)
    return path


def write_video(path: Path, frames: list[np.ndarray], fps: float = 10.0) -> Path:
    """Write frames as an MJPG AVI (always available in OpenCV builds)."""
    h, w = frames[0].shape[:2]
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*"MJPG"), fps, (w, h))
    assert writer.isOpened()
    for f in frames:
        writer.write(f)
    writer.release()
    return path
