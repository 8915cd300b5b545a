"""Decode QR codes from picture and video files with the kiosk's own pipeline.

`decode_path()` is what `verify --image` and `decode` call. Heavy libraries (OpenCV,
zxing-cpp) are imported on first use, not when this module is imported.
"""

from __future__ import annotations

import logging
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from domain.errors import DecodeError

if TYPE_CHECKING:
    from scanner.pipeline import Pipeline

log = logging.getLogger(__name__)

FILE_BUDGET_MS = 120.0
"""A still picture deserves more retries than a live frame."""
MAX_VIDEO_FRAMES = 3000
"""Stop reading a video after this many frames (about 100 s at 30 frames/s)."""


@lru_cache(maxsize=1)
def default_pipeline() -> Pipeline:
    """The pipeline for files (longer budget), over every decoder that loads, built once.

    Raises:
        DecodeError: no decoder at all could be loaded.
    """
    from scanner.pipeline import make_pipeline

    pipeline, notices = make_pipeline(FILE_BUDGET_MS)
    for notice in notices:
        log.warning(notice)
    return pipeline


def decode_path(path: str | Path, pipeline: Pipeline | None = None) -> list[str]:
    """Every distinct QR text in an image, a folder of images or a video, in order found.

    Args:
        path: the file (image by suffix, else tried as a video) or folder.
        pipeline: the pipeline to use; the default one when None.

    Returns:
        The texts, possibly empty when the pictures hold no readable code.

    Raises:
        DecodeError: the path is missing or is neither a picture nor a video.
    """
    from scanner.sources import frames, open_path

    pipe = pipeline or default_pipeline()
    source = open_path(path)
    texts: dict[str, None] = {}
    try:
        for n, frame in enumerate(frames(source)):
            if n >= MAX_VIDEO_FRAMES:
                break
            for read in pipe.decode(frame.image).reads:
                texts.setdefault(read.text)
    except DecodeError:
        raise
    except Exception as err:  # noqa: BLE001 - a strange file must end in a calm sentence
        log.exception("decoding %s failed", path)
        raise DecodeError(f"{Path(path).name} could not be read.") from err
    finally:
        source.close()
    return list(texts)
