"""The photo beside a verdict: large real pixels, 无照片 NO_PHOTO, refused bad photos, and a
terminal query that never hangs the kiosk."""

from __future__ import annotations

import io
import os
import pty
import random
import struct
import subprocess
import sys
import time
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from rich.style import Style
from textual.app import App, ComposeResult
from textual.widgets import Input, Static

from screens import photo_view
from screens.app import YanzhaoApp
from screens.photo_view import PhotoText, PhotoView, halfblock, no_photo
from seed.photos import face_jpeg, thumbnail
from tests.screens.conftest import case_by, settle

ROOT = Path(__file__).resolve().parents[2]


class PhotoApp(App[None]):
    """One PhotoView, and F9 as in the kiosk: a new language, then a new title."""

    BINDINGS = [("f9", "toggle_language", "")]

    def __init__(self, content: Any) -> None:
        super().__init__()
        self.lang = "zh"
        self.content = content

    def compose(self) -> ComposeResult:
        yield PhotoView(self.content, id="photo")

    def action_toggle_language(self) -> None:
        self.lang = "en" if self.lang == "zh" else "zh"
        self.title = f"photo {self.lang}"


def _lines(view: PhotoView) -> list[list[Any]]:
    return [list(view.render_line(y)) for y in range(view.size.height)]


def _shown(view: PhotoView) -> str:
    return "\n".join("".join(seg.text for seg in line) for line in _lines(view))


def _png(width: int, height: int, pixels: bytes | None = None) -> bytes:
    """A PNG written by hand: a bomb is a few KB of zlib that inflates to width x height."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    raw = pixels if pixels is not None else (b"\0" + b"\0" * width * 3) * height
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(raw, 9))
        + chunk(b"IEND", b"")
    )


@pytest.mark.parametrize(
    ("size", "min_cols", "min_rows"), [((120, 40), 24, 14), ((80, 24), 16, 10)]
)
async def test_a_face_is_drawn_large_in_many_colours(
    size: tuple[int, int], min_cols: int, min_rows: int
) -> None:
    app = PhotoApp(halfblock(face_jpeg(7)))
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        view = app.query_one(PhotoView)
        assert view.size.width >= min_cols and view.size.height >= min_rows
        assert view.size.width <= 28 and view.size.height <= size[1] // 2
        lines = _lines(view)
        cells = [seg for line in lines for seg in line if seg.text.strip()]
        assert all(seg.text == "▀" * len(seg.text) for seg in cells)
        colours = {(s.style.color, s.style.bgcolor) for s in cells if isinstance(s.style, Style)}
        assert len(colours) > 60  # a face, not a flat block
        tops = {line[0].style.bgcolor for line in lines[:2] if isinstance(line[0].style, Style)}
        middle = lines[len(lines) // 2]
        assert {s.style.bgcolor for s in middle if isinstance(s.style, Style)} - tops


async def test_the_photo_follows_a_resize() -> None:
    app = PhotoApp(halfblock(face_jpeg(3)))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        view = app.query_one(PhotoView)
        wide = view.size
        await pilot.resize_terminal(80, 24)
        await pilot.pause()
        assert view.size.width < wide.width and view.size.height < wide.height
        assert "▀" in _shown(view)


async def test_no_photo_is_said_in_both_languages() -> None:
    app = PhotoApp(no_photo())
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        view = app.query_one(PhotoView)
        assert "无照片" in _shown(view) and "NO_PHOTO" in _shown(view)
        assert "No photo" not in _shown(view)
        await pilot.press("f9")
        await pilot.pause()
        assert "No photo" in _shown(view) and "(NO_PHOTO)" in _shown(view)
        assert "无照片" not in _shown(view)


async def test_a_blank_card_leaves_the_area_empty() -> None:
    app = PhotoApp(halfblock(face_jpeg(5)))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        view = app.query_one(PhotoView)
        view.update("")
        await pilot.pause()
        assert _shown(view).strip() == ""
        assert view.photo is None


async def test_a_corrupt_photo_says_it_cannot_be_shown() -> None:
    corrupt = face_jpeg(9)[:40] + b"\x00" * 400
    for raw in (b"<svg>not a photo</svg>", corrupt):
        photo = halfblock(raw)
        assert isinstance(photo, PhotoText) and photo.image is None and photo.unreadable
    app = PhotoApp(halfblock(corrupt))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        shown = _shown(app.query_one(PhotoView))
        assert "无照片" in shown and "照片无法显示" in shown
        await pilot.press("f9")
        await pilot.pause()
        assert "photo unreadable" in _shown(app.query_one(PhotoView))


def test_a_decompression_bomb_is_refused_before_it_is_decoded() -> None:
    bomb = _png(4000, 3000)  # 36 MB of pixels in a few KB
    assert len(bomb) < 100_000
    started = time.perf_counter()
    photo = halfblock(bomb)
    assert time.perf_counter() - started < 0.2
    assert isinstance(photo, PhotoText) and photo.image is None and photo.unreadable


def test_a_photo_too_many_bytes_is_refused() -> None:
    noise = Image.frombytes("RGB", (480, 480), os.urandom(480 * 480 * 3))
    out = io.BytesIO()
    noise.save(out, format="PNG")
    assert len(out.getvalue()) > photo_view.MAX_PHOTO_BYTES
    photo = halfblock(out.getvalue())
    assert isinstance(photo, PhotoText) and photo.image is None


def test_small_and_grey_photos_decode() -> None:
    for raw in (face_jpeg(1), thumbnail(2)):  # a registry photo and a licence's QR thumbnail
        photo = halfblock(raw)
        assert isinstance(photo, PhotoText) and photo.image is not None
        assert photo.image.mode == "RGB"
    assert halfblock(None) is None and halfblock(b"") is None


@pytest.mark.parametrize("mode", ["tgp", "sixel"])
async def test_real_pixels_where_the_terminal_has_them(
    mode: photo_view.Graphics, monkeypatch: pytest.MonkeyPatch
) -> None:
    from textual_image.widget import SixelImage, TGPImage

    monkeypatch.setattr(photo_view, "_graphics", mode)
    app = PhotoApp(halfblock(face_jpeg(4)))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        view = app.query_one(PhotoView)
        kind = TGPImage if mode == "tgp" else SixelImage
        assert len(view.query(kind)) == 1
        assert "▀" not in _shown(view)
        view.update(no_photo())
        await pilot.pause()
        assert len(view.query(kind)) == 0
        assert "无照片" in _shown(view)


def _detect(stdin: Any, stdout: Any, **extra: str) -> tuple[str, float]:
    code = (
        "import sys, time\n"
        "t = time.perf_counter()\n"
        "from screens.photo_view import detect_graphics\n"
        "g = detect_graphics()\n"
        "asked = 'textual_image' in sys.modules\n"
        'sys.stderr.write(f\'{g}{"+asked" if asked else ""} {time.perf_counter() - t:.3f}\')\n'
    )
    env = {k: v for k, v in os.environ.items() if k != "TMUX"}
    env.update({"YANZHAO_PHOTO": "auto", "TERM": "xterm-256color", **extra})
    proc = subprocess.run(
        [sys.executable, "-c", code],
        stdin=stdin,
        stdout=stdout,
        stderr=subprocess.PIPE,
        cwd=ROOT,
        env=env,
        timeout=30,
        check=True,
    )
    mode, seconds = proc.stderr.decode().split()[-2:]
    return mode, float(seconds)


def test_tmux_and_the_linux_console_are_not_asked() -> None:
    """They show no pixels whatever they answer, and asking costs start-up time."""
    master, slave = pty.openpty()
    try:
        for extra in ({"TMUX": "socket,1,0"}, {"TERM": "linux"}):
            mode, _ = _detect(slave, slave, **extra)
            assert mode == "halfblock", extra
    finally:
        os.close(slave)
        os.close(master)


def test_detection_asks_nothing_without_a_terminal() -> None:
    mode, _ = _detect(subprocess.DEVNULL, subprocess.PIPE)
    assert mode == "halfblock"


def test_detection_is_bounded_on_a_terminal_that_never_answers() -> None:
    master, slave = pty.openpty()
    try:
        mode, seconds = _detect(slave, slave)  # stdin and stdout a terminal, nobody answering
        assert mode == "halfblock+asked"
        assert seconds < 5
        # a terminal on stdout only (stdin piped): termios would fail inside textual-image
        mode, _ = _detect(subprocess.DEVNULL, slave)
        assert mode == "halfblock"
    finally:
        os.close(slave)
        os.close(master)


async def test_a_scanned_card_carries_its_photo(
    make_app: Callable[..., YanzhaoApp], cases: list[dict[str, Any]]
) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        box = app.screen.query_one("#scan-input", Input)
        box.value = case_by(cases, None)["payload"]
        await pilot.press("enter")
        await settle(app, pilot)
        photo = app.screen.query_one("#verdict-photo", Static)
        content = photo.content if not isinstance(photo, PhotoView) else photo.photo
        assert isinstance(content, PhotoText) and content.image is not None


def test_damaged_photos_never_raise() -> None:
    """Bytes changed at random in a JPEG, a PNG and a WebP: refused or shown, never a traceback."""
    face = Image.open(io.BytesIO(face_jpeg(3)))
    sources = [face_jpeg(3)]
    for fmt in ("PNG", "WEBP"):
        out = io.BytesIO()
        face.save(out, format=fmt)
        sources.append(out.getvalue())
    rng = random.Random(21)
    for source in sources:
        for _ in range(150):
            damaged = bytearray(source)
            for _ in range(rng.randint(1, 6)):
                damaged[rng.randrange(len(damaged))] = rng.randrange(256)
            photo = halfblock(bytes(damaged))
            assert isinstance(photo, PhotoText)
            assert (photo.image is None) == photo.unreadable
