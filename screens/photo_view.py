"""Face photos drawn with half blocks (▀): two pixels a cell, works in any colour terminal."""

from __future__ import annotations

from typing import Any

from rich.style import Style
from rich.text import Text


def halfblock(image_bytes: bytes | None, cols: int = 14) -> Text | None:
    """Render a JPEG/WebP as half-block text `cols` cells wide; None if it cannot be decoded."""
    if not image_bytes:
        return None
    try:
        import cv2
        import numpy as np

        img = cv2.imdecode(np.frombuffer(image_bytes, np.uint8), cv2.IMREAD_COLOR)
    except Exception:  # noqa: BLE001 - a broken photo is simply not shown
        return None
    return from_array(img, cols)


def from_array(img: Any, cols: int = 14) -> Text | None:
    """Render a BGR image array (a photo or a camera frame) as half-block text."""
    import cv2

    if img is None or getattr(img, "size", 0) == 0:
        return None
    if img.ndim == 2:
        img = cv2.cvtColor(img, cv2.COLOR_GRAY2BGR)
    h, w = img.shape[:2]
    rows = max(2, round(h * cols / w / 2) * 2)
    small = cv2.resize(img, (cols, rows), interpolation=cv2.INTER_AREA)[:, :, ::-1]
    text = Text()
    for y in range(0, rows, 2):
        for x in range(cols):
            top, bottom = small[y, x], small[y + 1, x]
            text.append(
                "▀",
                Style(
                    color=f"rgb({top[0]},{top[1]},{top[2]})",
                    bgcolor=f"rgb({bottom[0]},{bottom[1]},{bottom[2]})",
                ),
            )
        if y + 2 < rows:
            text.append("\n")
    return text
