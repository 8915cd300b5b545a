"""Synthetic face photos: simple, deterministic drawings encoded as small JPEGs.

Nothing here resembles a real person: a face is a few ellipses with a random skin tone,
hair style and colour, clothing and background. `face_jpeg` makes registry photos
(about 1-3 KB at 96x128) and QR thumbnails (at most 600 bytes at 32x40 grayscale).
"""

from __future__ import annotations

import random

import cv2
import numpy as np

_SKIN = ((196, 224, 255), (170, 205, 241), (150, 190, 230), (125, 165, 210), (105, 145, 190))
_HAIR = ((20, 20, 25), (30, 30, 40), (35, 45, 60), (60, 70, 90), (150, 150, 155))
_BACKGROUNDS = ((245, 245, 245), (230, 200, 150), (220, 160, 90), (200, 200, 255), (240, 230, 220))
_CLOTHES = ((250, 250, 250), (120, 60, 30), (40, 40, 40), (90, 110, 60), (160, 120, 200))


def _rng(rng_or_seed: random.Random | int) -> random.Random:
    return rng_or_seed if isinstance(rng_or_seed, random.Random) else random.Random(rng_or_seed)


def draw_face(rng_or_seed: random.Random | int, width: int = 96, height: int = 128) -> np.ndarray:
    """Draw a face-like BGR image of the given size."""
    rng = _rng(rng_or_seed)
    w, h = width, height
    img = np.empty((h, w, 3), np.uint8)
    img[:] = rng.choice(_BACKGROUNDS)
    skin = rng.choice(_SKIN)
    hair = rng.choice(_HAIR)
    cx = w // 2 + rng.randint(-w // 24, w // 24)
    cy = int(h * rng.uniform(0.40, 0.46))
    fw, fh = int(w * rng.uniform(0.24, 0.30)), int(h * rng.uniform(0.25, 0.30))
    # Shoulders and neck.
    cv2.ellipse(
        img, (cx, h + h // 12), (int(w * 0.48), h // 3), 0, 180, 360, rng.choice(_CLOTHES), -1
    )
    cv2.rectangle(img, (cx - fw // 3, cy + fh // 2), (cx + fw // 3, cy + fh + h // 12), skin, -1)
    # Hair behind the head: long or short.
    long_hair = rng.random() < 0.5
    hair_h = int(fh * (1.6 if long_hair else 1.05))
    cv2.ellipse(
        img, (cx, cy - fh // 6 + (hair_h - fh) // 2), (fw + w // 24, hair_h), 0, 0, 360, hair, -1
    )
    cv2.ellipse(img, (cx, cy), (fw, fh), 0, 0, 360, skin, -1)
    # Fringe.
    cv2.ellipse(img, (cx, cy - fh // 2), (fw, fh // 2), 0, 180, 360, hair, -1)
    eye_y = cy + fh // 8
    dx = fw // 2
    for sx in (-1, 1):
        ex = cx + sx * dx
        cv2.ellipse(
            img, (ex, eye_y), (max(2, fw // 7), max(1, fh // 14)), 0, 0, 360, (255, 255, 255), -1
        )
        cv2.circle(img, (ex, eye_y), max(1, fw // 12), (30, 25, 20), -1)
        cv2.line(
            img,
            (ex - fw // 6, eye_y - fh // 6),
            (ex + fw // 6, eye_y - fh // 5),
            hair,
            max(1, w // 64),
        )
    shade = tuple(int(c * 0.8) for c in skin)
    cv2.line(img, (cx, eye_y + fh // 10), (cx - fw // 12, eye_y + fh // 3), shade, max(1, w // 96))
    mouth_y = cy + int(fh * 0.62)
    smile = rng.randint(0, fh // 10 + 1)
    cv2.ellipse(
        img, (cx, mouth_y), (fw // 3, max(1, smile)), 0, 0, 180, (90, 90, 180), max(1, w // 64)
    )
    if rng.random() < 0.2:  # glasses
        for sx in (-1, 1):
            cv2.circle(img, (cx + sx * dx, eye_y), fw // 4, (40, 40, 40), 1)
    return img


def face_jpeg(
    rng_or_seed: random.Random | int,
    width: int = 96,
    height: int = 128,
    max_bytes: int = 3000,
    *,
    gray: bool | None = None,
) -> bytes:
    """A synthetic face as JPEG bytes no larger than `max_bytes`.

    Args:
        rng_or_seed: a `random.Random` to draw from, or an int seed.
        width: image width in pixels.
        height: image height in pixels.
        max_bytes: size limit; quality steps down until the image fits.
        gray: encode grayscale; by default grayscale when max_bytes is under 1,000.

    Raises:
        ValueError: no quality setting fits the limit.
    """
    img = draw_face(rng_or_seed, width, height)
    if gray if gray is not None else max_bytes < 1000:
        img = cv2.cvtColor(img, cv2.COLOR_BGR2GRAY)
    for quality in (80, 70, 60, 50, 40, 30, 20, 12, 8):
        ok, buf = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, quality])
        if ok and buf.size <= max_bytes:
            return buf.tobytes()
    raise ValueError(f"cannot fit a {width}x{height} face into {max_bytes} bytes")


def thumbnail(rng_or_seed: random.Random | int) -> bytes:
    """A QR-sized face thumbnail (32x40 grayscale, at most 600 bytes)."""
    return face_jpeg(rng_or_seed, 32, 40, 600, gray=True)
