"""Keeping native libraries off the terminal the TUI draws on.

OpenCV, ZBar and the video drivers write warnings straight to file descriptor 2 from C (a
missing camera gives `[ WARN:…] cap_v4l.cpp … can't open camera by index` on every attempt),
which scrolls a full-screen TUI away. `quiet_opencv()` turns OpenCV's own logging down to
errors, and `native_output_to()` sends whatever is still written to descriptors 1 and 2 to a
file for as long as the TUI runs, while Python's `sys.__stdout__`/`sys.__stderr__` (which
Textual's driver draws the screen through) keep writing to the terminal.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

OPENCV_LOG_ENV = "OPENCV_LOG_LEVEL"
"""OpenCV reads this when it is first imported; a value set by the user is kept."""
OPENCV_DEFAULT_LEVEL = "ERROR"
_OPENCV_LEVELS = {
    "SILENT": 0,
    "DISABLED": 0,
    "FATAL": 1,
    "ERROR": 2,
    "WARNING": 3,
    "WARN": 3,
    "INFO": 4,
    "DEBUG": 5,
    "VERBOSE": 6,
}
NATIVE_LOG_MAX_BYTES = 1_000_000
"""At each start a native-output file larger than this is moved to `<name>.1`."""


def quiet_opencv() -> None:
    """Let OpenCV log errors only (no warning per failed camera open), before or after its import.

    Cheap and idempotent: it imports nothing. Call it before the first `import cv2`; when cv2
    is already loaded its level is set directly.
    """
    level = os.environ.setdefault(OPENCV_LOG_ENV, OPENCV_DEFAULT_LEVEL)
    # cv2 can be in sys.modules half-initialised while another thread imports it: then it
    # has no `utils` yet, and reads the variable above when it is done.
    cv_logging = getattr(getattr(sys.modules.get("cv2"), "utils", None), "logging", None)
    if cv_logging is not None:
        value = _OPENCV_LEVELS.get(level.strip().upper(), _OPENCV_LEVELS[OPENCV_DEFAULT_LEVEL])
        cv_logging.setLogLevel(value)


def _rotate(path: Path) -> None:
    with contextlib.suppress(OSError):
        if path.stat().st_size > NATIVE_LOG_MAX_BYTES:
            path.replace(path.with_name(path.name + ".1"))


def _flush(*streams: TextIO | None) -> None:
    for stream in streams:
        if stream is not None:
            with contextlib.suppress(OSError, ValueError):
                stream.flush()


@contextlib.contextmanager
def native_output_to(path: Path) -> Iterator[None]:
    """Within the block, writes to descriptors 1 and 2 (C libraries) go to the file `path`.

    `sys.__stdout__`, `sys.__stderr__` (and `sys.stdout`/`sys.stderr` where they were those)
    are swapped for streams on copies of the original descriptors, so Python code that means
    the terminal, Textual's driver among it, still reaches it. Everything is put back on exit.
    A file that cannot be opened leaves the descriptors as they are.
    """
    _flush(sys.stdout, sys.stderr, sys.__stdout__, sys.__stderr__)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        _rotate(path)
        target = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    except OSError:
        target = -1
    if target < 0:
        yield
        return
    saved: list[tuple[int, int]] = []  # (descriptor, its copy on the terminal)
    swapped: list[tuple[str, TextIO, TextIO]] = []  # (sys attribute, original, replacement)
    try:
        for fd, dunder, plain in ((1, "__stdout__", "stdout"), (2, "__stderr__", "stderr")):
            try:
                copy = os.dup(fd)
            except OSError:  # the descriptor is closed: nothing to protect
                continue
            saved.append((fd, copy))
            original: TextIO | None = getattr(sys, dunder)
            if original is not None:
                terminal = open(  # closed in the finally below
                    copy,
                    "w",
                    encoding=getattr(original, "encoding", None) or "utf-8",
                    errors=getattr(original, "errors", None) or "backslashreplace",
                    buffering=1,
                    closefd=False,
                )
                swapped.append((dunder, original, terminal))
                setattr(sys, dunder, terminal)
                if getattr(sys, plain) is original:
                    swapped.append((plain, original, terminal))
                    setattr(sys, plain, terminal)
            os.dup2(target, fd)
        yield
    finally:
        _flush(sys.stdout, sys.stderr, *(s for _, s, _ in swapped))
        for name, was, stream in reversed(swapped):
            _flush(stream)
            setattr(sys, name, was)
        for _, _, stream in swapped:
            with contextlib.suppress(OSError, ValueError):
                stream.close()
        for fd, copy in saved:
            os.dup2(copy, fd)
            os.close(copy)
        os.close(target)
