"""The scanner corpus: YZ1-sized codes in 720p frames under counter-camera distortions.

`make_case(distortion, seed)` is deterministic. Distortions are grouped as `MILD`
(must read 100 %), `HARD` (where the pipeline must beat any single decoder) and
`EMPTY` (no code at all: nothing may be read).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import cv2
import numpy as np

from bench import scanner_render as r


@dataclass(frozen=True, slots=True)
class Case:
    """One corpus frame and the text it holds (None for a code-less frame)."""

    distortion: str
    seed: int
    image: np.ndarray
    text: str | None


def _code(
    rng: np.random.Generator,
    ppm: tuple[float, float] = (2.6, 3.6),
    tilt: float = 6.0,
    skew: float = 0.0,
    invert: bool = False,
    bg: np.ndarray | None = None,
    curve: float = 0.0,
) -> tuple[np.ndarray, str]:
    text = r.random_payload(rng)
    mat = r.modules(text, "m" if rng.random() < 0.5 else "q")
    canvas = r.code_canvas(mat, 4, invert=invert)
    if curve:
        canvas = r.curve(canvas, curve)
        if rng.random() < 0.5:  # bent about the other axis
            canvas = np.ascontiguousarray(np.rot90(canvas))
    quad = r.placement(
        rng, mat.shape[0], float(rng.uniform(*ppm)), float(rng.uniform(-tilt, tilt)), skew
    )
    frame = r.background(rng) if bg is None else bg
    return r.paste(frame, canvas, quad), text


def clean(rng: np.random.Generator) -> tuple[np.ndarray, str | None]:
    return _code(rng, ppm=(3.0, 4.5), tilt=12)


def mild_blur(rng: np.random.Generator) -> tuple[np.ndarray, str | None]:
    img, text = _code(rng)
    return cv2.GaussianBlur(img, (0, 0), 0.8), text


def mild_noise(rng: np.random.Generator) -> tuple[np.ndarray, str | None]:
    img, text = _code(rng)
    return r.noise(img, rng, 6), text


def mild_jpeg(rng: np.random.Generator) -> tuple[np.ndarray, str | None]:
    img, text = _code(rng)
    return r.jpeg(img, 55), text


def mild_angle(rng: np.random.Generator) -> tuple[np.ndarray, str | None]:
    return _code(rng, ppm=(3.2, 4.2), tilt=35, skew=0.15)


def mild_dim(rng: np.random.Generator) -> tuple[np.ndarray, str | None]:
    img, text = _code(rng)
    return r.noise((img * 0.55).astype(np.uint8), rng, 3), text


def small_modules(rng: np.random.Generator) -> tuple[np.ndarray, str | None]:
    img, text = _code(rng, ppm=(1.3, 1.8))
    return r.jpeg(r.noise(img, rng, 4), 70), text


def defocus(rng: np.random.Generator) -> tuple[np.ndarray, str | None]:
    img, text = _code(rng, ppm=(3.0, 4.0))
    return r.noise(r.defocus(img, float(rng.uniform(2.4, 3.2))), rng, 2), text


def motion(rng: np.random.Generator) -> tuple[np.ndarray, str | None]:
    img, text = _code(rng, ppm=(3.0, 4.0))
    blurred = r.motion_blur(img, int(rng.integers(6, 9)), float(rng.uniform(0, 180)))
    return r.noise(blurred, rng, 2), text


def heavy_jpeg(rng: np.random.Generator) -> tuple[np.ndarray, str | None]:
    img, text = _code(rng, ppm=(2.0, 2.6))
    return r.jpeg(img, int(rng.integers(5, 9))), text


def sensor_noise(rng: np.random.Generator) -> tuple[np.ndarray, str | None]:
    img, text = _code(rng)
    return r.noise(img, rng, float(rng.uniform(45, 60))), text


def dim_shadow(rng: np.random.Generator) -> tuple[np.ndarray, str | None]:
    img, text = _code(rng)
    h, w = img.shape[:2]
    angle = rng.uniform(0, np.pi)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    d = (xx - w / 2) * np.cos(angle) + (yy - h / 2) * np.sin(angle) - rng.uniform(-150, 150)
    shade = 0.1 + 0.3 / (1 + np.exp(-d / 4.0))
    out = (img.astype(np.float32) * shade[..., None]) ** 1.0
    return r.noise(out.astype(np.uint8), rng, 6), text


def glare(rng: np.random.Generator) -> tuple[np.ndarray, str | None]:
    img, text = _code(rng)
    gray = cv2.cvtColor(img, cv2.COLOR_BGR2GRAY)
    ys, xs = np.nonzero(gray < 60)
    cy, cx = (int(ys.mean()), int(xs.mean())) if len(ys) else (360, 640)
    h, w = img.shape[:2]
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    cx += rng.uniform(-120, 120)
    cy += rng.uniform(-120, 120)
    sx, sy = rng.uniform(90, 160), rng.uniform(70, 130)
    blob = np.exp(-(((xx - cx) / sx) ** 2 + ((yy - cy) / sy) ** 2))
    out = img.astype(np.float32) + blob[..., None] * rng.uniform(230, 300)
    return np.clip(out, 0, 255).astype(np.uint8), text


def steep(rng: np.random.Generator) -> tuple[np.ndarray, str | None]:
    return _code(rng, ppm=(3.6, 4.6), tilt=30, skew=float(rng.uniform(0.4, 0.55)))


def curved(rng: np.random.Generator) -> tuple[np.ndarray, str | None]:
    return _code(rng, ppm=(3.2, 4.2), curve=float(rng.uniform(0.35, 0.55)))


def finger(rng: np.random.Generator) -> tuple[np.ndarray, str | None]:
    img, text = _code(rng, ppm=(3.0, 4.0), tilt=0)
    gray = cv2.cvtColor(img, cv2.COLOR_BGR2GRAY)
    ys, xs = np.nonzero(gray < 60)
    x0, x1, y0, y1 = xs.min(), xs.max(), ys.min(), ys.max()
    width = int((x1 - x0) * rng.uniform(0.18, 0.26))
    cx = int(rng.uniform(x0 + (x1 - x0) * 0.35, x0 + (x1 - x0) * 0.65))
    tip = int(y1 - (y1 - y0) * rng.uniform(0.22, 0.32))
    skin = (int(rng.integers(110, 150)), int(rng.integers(140, 170)), int(rng.integers(190, 225)))
    cv2.rectangle(img, (cx - width // 2, tip + width // 2), (cx + width // 2, 720), skin, -1)
    cv2.ellipse(img, (cx, tip + width // 2), (width // 2, width // 2), 0, 180, 360, skin, -1)
    return cv2.GaussianBlur(img, (0, 0), 0.7), text


def webcam(rng: np.random.Generator) -> tuple[np.ndarray, str | None]:
    img, text = _code(rng, ppm=(2.6, 3.2))
    small = cv2.resize(img, (640, 360), interpolation=cv2.INTER_AREA)
    small = r.jpeg(r.noise(small, rng, 6), 35)
    return cv2.resize(small, (1280, 720), interpolation=cv2.INTER_LINEAR), text


def _screen(rng: np.random.Generator, invert: bool) -> tuple[np.ndarray, str | None]:
    text = r.random_payload(rng)
    mat = r.modules(text, "m" if rng.random() < 0.5 else "q")
    shown = r.code_canvas(mat, 1, invert=invert)
    screen = r.phone_screen(shown, 2)
    pad = screen.shape[0] // 12
    screen = cv2.copyMakeBorder(
        screen, pad, pad, pad, pad, cv2.BORDER_CONSTANT, value=25 if invert else 235
    )
    screen = cv2.copyMakeBorder(
        screen, pad // 2, pad // 2, pad // 2, pad // 2, cv2.BORDER_CONSTANT, value=8
    )
    n_mod = screen.shape[0] / 6
    quad = r.placement(
        rng, int(n_mod), float(rng.uniform(2.6, 3.4)), 10.0, float(rng.uniform(0, 0.2))
    )
    img = r.paste(r.background(rng), screen, quad, antialias=0.4)
    return r.noise(img, rng, 4), text


def screen_moire(rng: np.random.Generator) -> tuple[np.ndarray, str | None]:
    return _screen(rng, invert=False)


def dark_mode(rng: np.random.Generator) -> tuple[np.ndarray, str | None]:
    return _screen(rng, invert=True)


def empty(rng: np.random.Generator) -> tuple[np.ndarray, str | None]:
    img = r.background(rng)
    if rng.random() < 0.5:
        img = r.noise(img, rng, float(rng.uniform(2, 20)))
    if rng.random() < 0.3:
        # A checkerboard or a grid: code-like texture that holds no code.
        y, x = int(rng.integers(0, 400)), int(rng.integers(0, 900))
        cell = int(rng.integers(3, 12))
        board = (np.indices((300 // cell, 300 // cell)).sum(axis=0) % 2 * 220).astype(np.uint8)
        board = cv2.resize(board, None, fx=cell, fy=cell, interpolation=cv2.INTER_NEAREST)
        img[y : y + board.shape[0], x : x + board.shape[1]] = board[..., None]
    return img, None


MILD: dict[str, Callable[[np.random.Generator], tuple[np.ndarray, str | None]]] = {
    "clean": clean,
    "mild_blur": mild_blur,
    "mild_noise": mild_noise,
    "mild_jpeg": mild_jpeg,
    "mild_angle": mild_angle,
    "mild_dim": mild_dim,
}
HARD: dict[str, Callable[[np.random.Generator], tuple[np.ndarray, str | None]]] = {
    "small_modules": small_modules,
    "defocus": defocus,
    "motion_blur": motion,
    "heavy_jpeg": heavy_jpeg,
    "sensor_noise": sensor_noise,
    "dim_shadow": dim_shadow,
    "glare": glare,
    "steep_perspective": steep,
    "curved_paper": curved,
    "finger": finger,
    "webcam": webcam,
    "screen_moire": screen_moire,
    "dark_mode": dark_mode,
}
EMPTY = {"no_code": empty}
ALL = {**MILD, **HARD, **EMPTY}


def make_case(distortion: str, seed: int) -> Case:
    """Build one frame of `distortion` from `seed` (same inputs, same pixels)."""
    rng = np.random.default_rng([seed, sorted(ALL).index(distortion)])
    image, text = ALL[distortion](rng)
    return Case(distortion, seed, image, text)
