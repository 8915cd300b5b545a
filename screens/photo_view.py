"""Face photos beside a verdict, large enough to compare with the person at the counter.

A photo is replica data, so attacker input: `halfblock()` decodes it in the caller's worker
with bounds on bytes, pixels and formats, and never raises. `PhotoView` draws it in real
pixels where the terminal shows them (Kitty graphics or Sixel, through textual-image) and in
half blocks (▀, two pixels a cell, any colour terminal) elsewhere; where there is no photo it
says so ("无照片 NO_PHOTO"). Which of these the terminal gets is found once, before the app
starts, by `detect_graphics()`; until then, and in tests, it is half blocks.
"""

from __future__ import annotations

import io
import logging
import math
import os
import sys
import warnings
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal

from rich.style import Style
from rich.text import Text
from textual.geometry import Size
from textual.visual import VisualType
from textual.widget import Widget
from textual.widgets import Static

if TYPE_CHECKING:
    from PIL.Image import Image as PILImage

log = logging.getLogger("yanzhao.tui")

Graphics = Literal["tgp", "sixel", "halfblock"]
GRAPHICS_ENV = "YANZHAO_PHOTO"
"""Overrides detection: `halfblock` (always safe), `sixel`, `tgp` (Kitty graphics) or `auto`."""

MAX_PHOTO_BYTES = 512 * 1024
"""A registry photo is a few KB; anything this large is refused before it is decoded."""
MAX_PHOTO_PIXELS = 4_000_000
"""Width x height read from the header; a decompression bomb is refused before decoding."""
PHOTO_FORMATS = ("JPEG", "PNG", "WEBP")
KEEP_PIXELS = 480
"""The decoded photo is kept at most this size: enough for real pixels in 28 cells."""
ASPECT = 4 / 3
"""Height over width of a registry photo (96x128), used before a photo is known."""

NO_PHOTO = ("无照片", "No photo", "NO_PHOTO")
UNREADABLE = ("照片无法显示", "photo unreadable")

_graphics: Graphics = "halfblock"


class PhotoText(Text):
    """Half blocks of a photo (or the no-photo text) that also carry the decoded picture, so
    that a `PhotoView` can draw it at its own size or in real pixels; any other Rich consumer
    (a `Static`) simply sees the half blocks."""

    def __init__(self, image: PILImage | None, *, unreadable: bool = False, cols: int = 14) -> None:
        super().__init__()
        self.image = image
        self.unreadable = unreadable
        if image is not None:
            self.append_text(render_halfblocks(image, cols, _rows_for(image, cols)))
        else:
            self.append_text(no_photo_text("zh", unreadable, bilingual=True))


def no_photo() -> PhotoText:
    """The marker for a person without a photo: `PhotoView` says 无照片 NO_PHOTO."""
    return PhotoText(None)


def halfblock(image_bytes: bytes | None, cols: int = 14) -> Text | None:
    """Decode a photo (in the caller's worker) for a `PhotoView`; None if there is none.

    Bytes that are too large, not a JPEG/PNG/WebP, or that fail to decode give a
    `PhotoText` that says the photo cannot be shown; this never raises.
    """
    if not image_bytes:
        return None
    image = decode_photo(image_bytes)
    return PhotoText(image, unreadable=image is None, cols=cols)


def decode_photo(image_bytes: bytes) -> PILImage | None:
    """A bounded RGB picture at most `KEEP_PIXELS` on a side, or None if it is refused."""
    if len(image_bytes) > MAX_PHOTO_BYTES:
        log.warning("photo refused: %d bytes", len(image_bytes))
        return None
    from PIL import Image

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # nothing may write to the terminal under the TUI
            img = Image.open(io.BytesIO(image_bytes), formats=PHOTO_FORMATS)
            w, h = img.size  # from the header: nothing is decoded yet
            if w <= 0 or h <= 0 or w * h > MAX_PHOTO_PIXELS:
                log.warning("photo refused: %dx%d pixels", w, h)
                return None
            img.draft("RGB", (KEEP_PIXELS, KEEP_PIXELS))  # JPEG: decode at a smaller scale
            rgb = img.convert("RGB")
            rgb.thumbnail((KEEP_PIXELS, KEEP_PIXELS), Image.Resampling.LANCZOS)
            return rgb
    except Exception as err:  # noqa: BLE001 - replica data into C decoders: refuse, never raise
        log.warning("photo refused: %s", type(err).__name__)
        return None


def render_halfblocks(image: PILImage, cols: int, rows: int) -> Text:
    """The picture fitted into `cols` x `rows` cells (aspect kept, centred), in half blocks.

    Downscaled with a box (area) filter, then given a little contrast and sharpening so a
    face stays legible at a few dozen pixels (colours kept: skin tone is part of the face).
    """
    from PIL import Image, ImageEnhance, ImageFilter

    cols, rows = max(1, cols), max(1, rows)
    scale = min(cols / image.width, 2 * rows / image.height)
    w = max(1, min(cols, round(image.width * scale)))
    h = max(2, min(2 * rows, round(image.height * scale)))
    h += h % 2  # whole cells: 2 * rows is even, so this stays within the box
    small = image.resize((w, h), Image.Resampling.BOX)
    small = ImageEnhance.Contrast(small).enhance(1.1)  # on luminance: skin tones keep their hue
    small = small.filter(ImageFilter.UnsharpMask(radius=1, percent=50, threshold=2))
    px = small.load()
    assert px is not None
    pad = " " * ((cols - w) // 2)
    text = Text()
    for y in range(0, small.height, 2):
        text.append(pad)
        for x in range(w):
            top, bottom = px[x, y], px[x, y + 1]
            assert isinstance(top, tuple) and isinstance(bottom, tuple)
            text.append(
                "▀",
                Style(color=f"rgb({top[0]},{top[1]},{top[2]})", bgcolor=_rgb(bottom)),
            )
        if y + 2 < small.height:
            text.append("\n")
    return text


def _rgb(p: tuple[Any, ...]) -> str:
    return f"rgb({p[0]},{p[1]},{p[2]})"


def _rows_for(image: PILImage, cols: int) -> int:
    return max(1, math.ceil(image.height * cols / image.width / 2))


def no_photo_text(lang: str, unreadable: bool = False, *, bilingual: bool = False) -> Text:
    """无照片 NO_PHOTO in the interface language (both, where it cannot follow F9)."""
    zh, en, code = NO_PHOTO
    text = Text(justify="center")
    if bilingual:
        text.append(f"{zh} {en}\n{code}", style="bold")
    elif lang == "en":
        text.append(f"{en}\n({code})", style="bold")
    else:
        text.append(f"{zh}\n{code}", style="bold")
    if unreadable:
        uzh, uen = UNREADABLE
        note = f"{uzh} {uen}" if bilingual else (uen if lang == "en" else uzh)
        text.append(f"\n{note}", style="italic")
    return text


def from_array(img: Any, cols: int = 14) -> Text | None:
    """Render a BGR image array (a camera frame) as half-block text."""
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
            text.append("▀", Style(color=_rgb(tuple(top)), bgcolor=_rgb(tuple(bottom))))
        if y + 2 < rows:
            text.append("\n")
    return text


def detect_graphics(environ: dict[str, str] | None = None) -> Graphics:
    """Find once, before the app starts, how this terminal can show photos.

    textual-image asks the terminal (Sixel in the DA1 answer, a Kitty graphics query, the cell
    size) when it is imported with a terminal on stdout, each answer awaited at most 0.1 s per
    character; once Textual reads stdin those answers would be typed into the app, so this must
    run before `App.run()`. Without a terminal on both stdin and stdout it asks nothing and
    returns half blocks; any failure of the query also means half blocks.
    """
    global _graphics
    env = os.environ if environ is None else environ
    wanted = env.get(GRAPHICS_ENV, "auto").strip().lower()
    _graphics = "halfblock"
    if wanted == "halfblock" or not _on_terminal():
        return _graphics
    if wanted == "auto" and _never_pixels(env):
        return _graphics  # not asked: the question costs about 0.4 s of start-up there
    try:
        from textual_image.renderable import Image as Best
        from textual_image.renderable.sixel import Image as Sixel
        from textual_image.renderable.tgp import Image as Tgp
        from textual_image.widget import TGPImage  # noqa: F401 - fills the cell-size cache
    except Exception:  # noqa: BLE001 - termios, a closed stream: this terminal gets half blocks
        log.warning("textual-image could not query the terminal", exc_info=True)
        return _graphics
    found: Graphics = "sixel" if Best is Sixel else "tgp" if Best is Tgp else "halfblock"
    _graphics = "sixel" if wanted == "sixel" else "tgp" if wanted == "tgp" else found
    log.info("photos: %s (terminal offers %s)", _graphics, found)
    return _graphics


def _never_pixels(env: Mapping[str, str]) -> bool:
    """A terminal that shows no pixels whatever it answers: the Linux console, and tmux or
    screen, which do not pass Kitty graphics through (YANZHAO_PHOTO=sixel or tgp still asks)."""
    term = env.get("TERM", "")
    return bool(env.get("TMUX")) or term == "linux" or term.startswith(("screen", "tmux"))


def _on_terminal() -> bool:
    streams = (sys.__stdin__, sys.__stdout__)
    try:
        return all(s is not None and s.isatty() for s in streams)
    except (OSError, ValueError):
        return False


def graphics() -> Graphics:
    """How photos are drawn in this process (half blocks unless `detect_graphics` found more)."""
    return _graphics


class PhotoView(Static):
    """The photo area of a card: a face sized to the terminal, or 无照片 NO_PHOTO.

    A drop-in for the `Static` it replaces: `update(halfblock(raw))` shows a photo,
    `update(no_photo())` says there is none, `update("")` leaves the area blank.
    """

    DEFAULT_CSS = """
    PhotoView { width: auto; height: auto; content-align: center middle; }
    PhotoView.-no-photo { background: $boost; color: $text-warning; }
    PhotoView > .photo-pixels { width: 100%; height: 100%; }
    """

    MIN_COLS = 14
    MAX_COLS = 28

    def __init__(self, content: VisualType = "", **kwargs: Any) -> None:
        super().__init__("", **kwargs)
        self._photo: PhotoText | None = None
        self._drawn: tuple[int, int, str, int] | None = None
        self._text: Text = Text()
        self.update(content)

    def on_mount(self) -> None:
        # F9 retitles the app (KioskApp.refresh_texts): the one signal of a new language.
        self.watch(self.app, "title", self._relabel, init=False)
        if self._photo is not None:
            self._show_pixels(self._photo.image)

    def update(self, content: VisualType = "", *, layout: bool = True) -> None:
        """Show a photo (`PhotoText`), the no-photo text, or any other content as a Static."""
        self._photo = content if isinstance(content, PhotoText) else None
        self._drawn = None
        self.clear_cached_dimensions()
        self.set_class(self._photo is not None and self._photo.image is None, "-no-photo")
        if self.is_mounted:
            self._show_pixels(self._photo.image if self._photo is not None else None)
        super().update("" if self._photo is not None else content, layout=layout)

    @property
    def photo(self) -> PhotoText | None:
        """What the view was last given, if it was a photo or the no-photo marker."""
        return self._photo

    def _relabel(self) -> None:
        if self._photo is not None:
            self._drawn = None
            self.refresh()

    def _show_pixels(self, image: PILImage | None) -> None:
        """Real pixels through textual-image, where `detect_graphics` found a way."""
        self.remove_children()
        if image is None or _graphics == "halfblock":
            return
        widget: Widget
        if _graphics == "sixel":
            from textual_image.widget import SixelImage

            widget = SixelImage(image, classes="photo-pixels")
        else:
            from textual_image.widget import TGPImage

            widget = TGPImage(image, classes="photo-pixels")
        self.mount(widget)

    def render(self) -> VisualType:
        """The half blocks or the no-photo text at the view's current size."""
        photo = self._photo
        if photo is None:
            return super().render()
        if photo.image is not None and _graphics != "halfblock":
            return ""
        cols, rows = self.content_size
        lang = str(getattr(self.app, "lang", "zh"))
        key = (cols, rows, lang, id(photo))
        if self._drawn != key:
            self._drawn = key
            if photo.image is not None:
                self._text = render_halfblocks(photo.image, cols, rows)
            else:
                self._text = no_photo_text(lang, photo.unreadable)
        return self._text

    def get_content_width(self, container: Size, viewport: Size) -> int:
        """About a fifth of the terminal: 24 columns at 120, 16 at 80."""
        if self._photo is None:
            return super().get_content_width(container, viewport)
        cols = round(viewport.width / 5)
        return max(self.MIN_COLS, min(self.MAX_COLS, cols, container.width))

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        """Rows for the photo's shape at this width, at most about 40% of the terminal."""
        photo = self._photo
        if photo is None:
            return super().get_content_height(container, viewport, width)
        aspect = photo.image.height / photo.image.width if photo.image is not None else ASPECT
        rows = math.ceil(width * aspect / 2) if photo.image is not None else 5
        return max(4, min(rows, round(viewport.height * 0.4)))
