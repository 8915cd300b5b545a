"""Render YZ1-sized QR codes into synthetic 720p camera frames (no binary fixtures).

Geometry and optics only: payload choice and the distortion catalogue live in
`bench.scanner_corpus`. Everything is deterministic given a `numpy.random.Generator`.
"""

from __future__ import annotations

import cv2
import numpy as np
import segno

BASE45 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"
FRAME_W, FRAME_H = 1280, 720
QUIET = 4


def random_payload(rng: np.random.Generator, low: int = 500, high: int = 1300) -> str:
    """A YZ1-shaped text: the prefix and `low`..`high` random Base45 characters."""
    n = int(rng.integers(low, high + 1))
    return "YZ1:" + "".join(BASE45[i] for i in rng.integers(0, 45, n))


def modules(text: str, error: str) -> np.ndarray:
    """The QR matrix of `text` (1 = dark) with a 4-module quiet zone."""
    qr = segno.make_qr(text, error=error, boost_error=False)
    mat = np.array([list(row) for row in qr.matrix], dtype=np.uint8)
    return np.pad(mat, QUIET)


def background(rng: np.random.Generator, w: int = FRAME_W, h: int = FRAME_H) -> np.ndarray:
    """A cluttered counter: gradient, blotches, boxes, lines and fake text, BGR."""
    base = rng.uniform(90, 200)
    gx = np.linspace(-1, 1, w)[None, :] * rng.uniform(-40, 40)
    gy = np.linspace(-1, 1, h)[:, None] * rng.uniform(-40, 40)
    img = np.clip(base + gx + gy, 0, 255).astype(np.uint8)
    img = cv2.cvtColor(img, cv2.COLOR_GRAY2BGR)
    tint = rng.uniform(0.85, 1.15, 3)
    img = np.clip(img * tint, 0, 255).astype(np.uint8)
    for _ in range(int(rng.integers(4, 10))):
        color = tuple(int(c) for c in rng.integers(0, 255, 3))
        x, y = int(rng.integers(0, w)), int(rng.integers(0, h))
        if rng.random() < 0.5:
            cv2.rectangle(
                img,
                (x, y),
                (x + int(rng.integers(30, 300)), y + int(rng.integers(20, 200))),
                color,
                -1 if rng.random() < 0.5 else 3,
            )
        else:
            cv2.line(
                img,
                (x, y),
                (int(rng.integers(0, w)), int(rng.integers(0, h))),
                color,
                int(rng.integers(1, 6)),
            )
    for _ in range(int(rng.integers(3, 9))):
        word = "".join(BASE45[i] for i in rng.integers(0, 36, int(rng.integers(4, 14))))
        org = (int(rng.integers(0, w - 200)), int(rng.integers(20, h)))
        shade = int(rng.integers(0, 80))
        cv2.putText(
            img,
            word,
            org,
            cv2.FONT_HERSHEY_SIMPLEX,
            float(rng.uniform(0.4, 1.2)),
            (shade, shade, shade),
            int(rng.integers(1, 3)),
        )
    return cv2.GaussianBlur(img, (3, 3), 0.6)


def code_canvas(mat: np.ndarray, scale: int, invert: bool = False) -> np.ndarray:
    """The matrix as a gray image, `scale` px per module (paper white, ink near black)."""
    dark, light = (235, 25) if invert else (20, 240)
    img = np.where(mat > 0, dark, light).astype(np.uint8)
    return cv2.resize(img, None, fx=scale, fy=scale, interpolation=cv2.INTER_NEAREST)


def placement(
    rng: np.random.Generator,
    n_mod: int,
    ppm: float,
    tilt_deg: float,
    skew: float,
    w: int = FRAME_W,
    h: int = FRAME_H,
) -> np.ndarray:
    """Destination quad (4x2, TL TR BR BL) of a code of `n_mod` modules at `ppm` px/module.

    `tilt_deg` rotates in plane; `skew` (0..0.6) foreshortens one side to mimic a code
    held at an angle to the camera.
    """
    side = n_mod * ppm
    half = side / 2
    sq = np.array([[-half, -half], [half, -half], [half, half], [-half, half]], np.float64)
    if skew > 0:
        edge = int(rng.integers(0, 4))
        shrink = 1 - skew
        a, b = edge, (edge + 1) % 4
        mid = (sq[a] + sq[b]) / 2
        sq[a] = mid + (sq[a] - mid) * shrink
        sq[b] = mid + (sq[b] - mid) * shrink
        # The far edge also comes closer to the near edge (foreshortening).
        opp = (sq[(edge + 2) % 4] + sq[(edge + 3) % 4]) / 2
        sq[a] = sq[a] + (opp - mid) * skew * 0.35
        sq[b] = sq[b] + (opp - mid) * skew * 0.35
    t = np.deg2rad(tilt_deg)
    rot = np.array([[np.cos(t), -np.sin(t)], [np.sin(t), np.cos(t)]])
    sq = sq @ rot.T
    sq -= (sq.min(axis=0) + sq.max(axis=0)) / 2
    span = np.ptp(sq, axis=0)
    cx = rng.uniform(span[0] / 2 + 10, w - span[0] / 2 - 10) if span[0] + 20 < w else w / 2
    cy = rng.uniform(span[1] / 2 + 10, h - span[1] / 2 - 10) if span[1] + 20 < h else h / 2
    return (sq + [cx, cy]).astype(np.float32)


def paste(
    frame: np.ndarray, canvas: np.ndarray, quad: np.ndarray, antialias: float = 1.0
) -> np.ndarray:
    """Warp a gray `canvas` onto the BGR `frame` at `quad`, with optical low-pass first."""
    ch, cw = canvas.shape[:2]
    src = np.array([[0, 0], [cw, 0], [cw, ch], [0, ch]], np.float32)
    side = float(np.linalg.norm(quad[1] - quad[0]) + np.linalg.norm(quad[2] - quad[1])) / 2
    factor = cw / max(side, 1.0)
    img = canvas
    if antialias > 0 and factor > 1:
        sigma = 0.45 * factor * antialias
        img = cv2.GaussianBlur(canvas, (0, 0), sigma)
    m = cv2.getPerspectiveTransform(src, quad)
    h, w = frame.shape[:2]
    warped = cv2.warpPerspective(img, m, (w, h), flags=cv2.INTER_LINEAR)
    mask = cv2.warpPerspective(np.full((ch, cw), 255, np.uint8), m, (w, h), flags=cv2.INTER_LINEAR)
    if warped.ndim == 2:
        warped = cv2.cvtColor(warped, cv2.COLOR_GRAY2BGR)
    alpha = (mask.astype(np.float32) / 255.0)[..., None]
    return (frame * (1 - alpha) + warped * alpha).astype(np.uint8)


def curve(canvas: np.ndarray, strength: float) -> np.ndarray:
    """Bend a flat canvas like paper round a cylinder (horizontal squeeze plus a bow)."""
    h, w = canvas.shape[:2]
    xs = np.linspace(-1, 1, w, dtype=np.float32)
    theta = strength * np.pi / 2
    src_x = (np.arcsin(np.clip(xs * np.sin(theta), -1, 1)) / theta + 1) / 2 * (w - 1)
    map_x = np.repeat(src_x[None, :], h, axis=0)
    bow = (1 - xs**2) * strength * 0.08 * h
    map_y = np.arange(h, dtype=np.float32)[:, None] - bow[None, :]
    out = cv2.remap(
        canvas,
        map_x.astype(np.float32),
        map_y.astype(np.float32),
        cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_REPLICATE,
    )
    shade = (0.75 + 0.25 * np.cos(xs * theta))[None, :]
    return np.clip(out * shade, 0, 255).astype(np.uint8)


def phone_screen(canvas: np.ndarray, px_per_module: int) -> np.ndarray:
    """Show a canvas (1 px per module) on an RGB-stripe screen, 3x3 camera px per screen px."""
    screen = cv2.resize(
        canvas, None, fx=px_per_module, fy=px_per_module, interpolation=cv2.INTER_NEAREST
    ).astype(np.float32)
    h, w = screen.shape
    big = np.repeat(np.repeat(screen, 3, axis=0), 3, axis=1)
    stripe = np.tile(np.array([1.0, 0.85, 0.7], np.float32), w)[None, :]
    rows = np.tile(np.array([1.0, 1.0, 0.7], np.float32), h)[:, None]
    return np.clip(big * stripe * rows, 0, 255).astype(np.uint8)


def jpeg(img: np.ndarray, quality: int) -> np.ndarray:
    """Round-trip through JPEG at `quality`."""
    ok, buf = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, int(quality)])
    assert ok
    return cv2.imdecode(buf, cv2.IMREAD_COLOR)


def noise(img: np.ndarray, rng: np.random.Generator, sigma: float) -> np.ndarray:
    """Add Gaussian sensor noise."""
    return np.clip(img + rng.normal(0, sigma, img.shape), 0, 255).astype(np.uint8)


def motion_blur(img: np.ndarray, length: int, angle_deg: float) -> np.ndarray:
    """Blur along a line of `length` px at `angle_deg`."""
    k = np.zeros((length, length), np.float32)
    k[length // 2, :] = 1
    rot = cv2.getRotationMatrix2D((length / 2 - 0.5, length / 2 - 0.5), angle_deg, 1)
    k = cv2.warpAffine(k, rot, (length, length))
    return cv2.filter2D(img, -1, k / k.sum())


def defocus(img: np.ndarray, radius: float) -> np.ndarray:
    """Blur with a disc (out-of-focus lens)."""
    r = int(np.ceil(radius))
    yy, xx = np.mgrid[-r : r + 1, -r : r + 1]
    k = ((xx**2 + yy**2) <= radius**2).astype(np.float32)
    return cv2.filter2D(img, -1, k / k.sum())
