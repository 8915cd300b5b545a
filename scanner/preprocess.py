"""Cheap image variants that give a failed QR read a second chance, and the crop around it.

Each variant maps a grayscale image to another grayscale image in a few milliseconds on
a code-sized crop. The pipeline picks which ones to try, in which order (see
docs/scanner.md for the measurements behind that order).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import cv2
import numpy as np

Variant = Callable[[Any], Any]
"""Gray image in, gray image out (or None: "does not apply to this image")."""


def to_gray(image: Any) -> Any:
    """A 2-D uint8 view of a BGR, BGRA or gray image."""
    if image.ndim == 2:
        return image
    code = cv2.COLOR_BGRA2GRAY if image.shape[2] == 4 else cv2.COLOR_BGR2GRAY
    return cv2.cvtColor(image, code)


def upscale(gray: Any, factor: float = 2.0) -> Any:
    """Enlarge small modules so the binariser sees them (bicubic)."""
    return cv2.resize(gray, None, fx=factor, fy=factor, interpolation=cv2.INTER_CUBIC)


def downscale(gray: Any) -> Any:
    """Halve the size: merges motion smear and moiré into clean modules."""
    return cv2.resize(gray, None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA)


def sharpen(gray: Any, sigma: float = 2.0, amount: float = 1.5) -> Any:
    """Unsharp mask: undoes some defocus and motion blur."""
    soft = cv2.GaussianBlur(gray, (0, 0), sigma)
    return cv2.addWeighted(gray, 1 + amount, soft, -amount, 0)


def equalise(gray: Any) -> Any:
    """Local contrast equalisation (CLAHE): dim light and shadows across the code."""
    return cv2.createCLAHE(clipLimit=3.0, tileGridSize=(8, 8)).apply(gray)


def invert(gray: Any) -> Any:
    """Light-on-dark to dark-on-light (dark-mode phone screens)."""
    return cv2.bitwise_not(gray)


def threshold_local(gray: Any) -> Any:
    """Adaptive mean threshold over a window a few modules wide: glare and shadow edges."""
    block = max(15, (min(gray.shape[:2]) // 24) | 1)
    return cv2.adaptiveThreshold(gray, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY, block, 2)


def threshold_otsu(gray: Any) -> Any:
    """One global Otsu threshold after a light blur: noise and heavy JPEG."""
    soft = cv2.GaussianBlur(gray, (3, 3), 0)
    return cv2.threshold(soft, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)[1]


def denoise(gray: Any) -> Any:
    """Median filter: salt-and-pepper sensor noise and JPEG ringing."""
    return cv2.medianBlur(gray, 3)


def uncurve(gray: Any, strength: float = 0.45, vertical: bool = False) -> Any:
    """Flatten paper bent round a cylinder (axis vertical, or horizontal with `vertical`).

    Modules near the crop's edges look narrower than those at its centre; this stretches
    them back, as if the crop's centre were the cylinder's. `strength` is the share of a
    half turn the paper's half-width spans.
    """
    img = gray.T if vertical else gray
    h, w = img.shape[:2]
    theta = strength * np.pi / 2
    u = np.linspace(-1, 1, w, dtype=np.float32)
    xs = ((np.sin(theta * u) / np.sin(theta) + 1) / 2 * (w - 1)).astype(np.float32)
    map_x = np.repeat(xs[None, :], h, axis=0)
    map_y = np.repeat(np.arange(h, dtype=np.float32)[:, None], w, axis=1)
    flat = cv2.remap(img, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    return np.ascontiguousarray(flat.T) if vertical else flat


def chain(*steps: Variant) -> Variant:
    """Compose variants left to right."""

    def run(gray: Any) -> Any:
        for step in steps:
            gray = step(gray)
        return gray

    run.__name__ = "+".join(s.__name__ for s in steps)
    return run


def crop_around(
    gray: Any, quads: Sequence[Sequence[tuple[float, float]]], margin: float = 0.12
) -> tuple[Any, tuple[int, int]]:
    """Crop the union of `quads` plus a margin (a share of its size); also return the offset."""
    pts = np.array([p for q in quads for p in q], np.float32).reshape(-1, 2)
    x0, y0 = pts.min(axis=0)
    x1, y1 = pts.max(axis=0)
    mx, my = (x1 - x0) * margin + 8, (y1 - y0) * margin + 8
    h, w = gray.shape[:2]
    left, top = max(0, int(x0 - mx)), max(0, int(y0 - my))
    right, bottom = min(w, int(x1 + mx) + 1), min(h, int(y1 + my) + 1)
    return gray[top:bottom, left:right], (left, top)


def busy_region(gray: Any, min_side: int = 48) -> tuple[int, int, int, int] | None:
    """Find the densest patch of fine texture, where an unread QR code probably is.

    Works on a quarter-size sample (about 0.5 ms): edge density, closed into blobs,
    then the largest square-ish, dense blob.
    Returns (x, y, w, h) in full-size pixels, or None when nothing looks like a code.
    """
    small = np.ascontiguousarray(gray[::4, ::4])  # point sampling: aliasing keeps texture
    edges = cv2.morphologyEx(small, cv2.MORPH_GRADIENT, np.ones((2, 2), np.uint8))
    _, mask = cv2.threshold(edges, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    density = cv2.blur(mask, (7, 7))
    dense = cv2.morphologyEx(
        (density > 110).astype(np.uint8), cv2.MORPH_CLOSE, np.ones((5, 5), np.uint8)
    )
    n, labels, stats, _ = cv2.connectedComponentsWithStats(dense, connectivity=8)
    best: tuple[int, int, int, int] | None = None
    best_area = 0
    for i, (x, y, w, h, area) in enumerate(stats[1:], 1):
        if min(w, h) * 4 < min_side or max(w, h) > 3 * min(w, h) or area < 0.55 * w * h:
            continue
        # Text and clutter make sparser blobs than a code's modules (measured on the corpus).
        if area > best_area and density[labels == i].mean() >= 160:
            best, best_area = (int(x) * 4, int(y) * 4, int(w) * 4, int(h) * 4), int(area)
    return best
