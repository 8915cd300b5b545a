"""QR decoders behind one interface: zxing-cpp, ZBar (pyzbar) and OpenCV, each optional.

Every decoder takes a grayscale `numpy` image and returns `Symbol`s; none of them raises
on a bad picture (binary payloads, odd QR modes, OpenCV assertion errors are shrugged
off). `make_decoders()` builds those whose library loads and says which did not.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from types import ModuleType
from typing import Any, Protocol

log = logging.getLogger(__name__)

Quad = tuple[tuple[float, float], ...]
ImportModule = Callable[[str], ModuleType]


@dataclass(frozen=True, slots=True)
class Symbol:
    """A QR code found in a picture: its text (None if located but unreadable) and corners."""

    text: str | None
    quad: Quad = ()


class Decoder(Protocol):
    """Anything that finds QR codes in a grayscale image."""

    name: str

    def decode(self, gray: Any) -> list[Symbol]:
        """Return the codes found in `gray` (a 2-D uint8 array); never raise."""
        ...


def _text_of(data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")


class ZxingDecoder:
    """zxing-cpp: the fastest and most tolerant of the three.

    Args:
        zxing: the imported `zxingcpp` module.
        invert: also look for light-on-dark codes (dark-mode phone screens).
        located: also report codes that were found but failed error correction, so
            the pipeline can aim its retries at them.
        binarizer: a `zxingcpp.Binarizer` name.
        downscale: also scan shrunk copies (off: it costs 0.6 ms a frame and read no
            extra code of the corpus; the pipeline's own retries cover it).
    """

    def __init__(
        self,
        zxing: ModuleType,
        *,
        invert: bool = False,
        located: bool = True,
        binarizer: str = "LocalAverage",
        downscale: bool = False,
        name: str = "zxing",
    ) -> None:
        self.name = name
        self._downscale = downscale
        self._zx = zxing
        self._invert = invert
        self._located = located
        self._binarizer = getattr(zxing.Binarizer, binarizer)

    def sibling(self, binarizer: str, name: str) -> ZxingDecoder:
        """The same decoder with another binariser (a cheap second opinion)."""
        return ZxingDecoder(
            self._zx,
            invert=self._invert,
            located=self._located,
            binarizer=binarizer,
            downscale=self._downscale,
            name=name,
        )

    def decode(self, gray: Any) -> list[Symbol]:
        """Read QR codes; with `located`, unreadable ones come back with text None."""
        zx = self._zx
        try:
            found = zx.read_barcodes(
                gray,
                formats=zx.BarcodeFormat.QRCode,
                try_rotate=False,
                try_invert=self._invert,
                try_downscale=self._downscale,
                binarizer=self._binarizer,
                return_errors=self._located,
            )
        except Exception as err:  # noqa: BLE001 - a decoder must never take the kiosk down
            log.debug("zxing failed: %s", err)
            return []
        out: list[Symbol] = []
        for b in found:
            p = b.position
            quad = tuple(
                (float(q.x), float(q.y))
                for q in (p.top_left, p.top_right, p.bottom_right, p.bottom_left)
            )
            text = _text_of(bytes(b.bytes)) if b.valid else None
            out.append(Symbol(text, quad))
        return out


class ZbarDecoder:
    """ZBar through pyzbar: different binarisation, sometimes reads what zxing cannot."""

    def __init__(self, pyzbar: ModuleType, name: str = "zbar") -> None:
        self.name = name
        self._zbar = pyzbar
        self._qr = [pyzbar.ZBarSymbol.QRCODE]

    def decode(self, gray: Any) -> list[Symbol]:
        """Read QR codes with ZBar."""
        try:
            found = self._zbar.decode(gray, symbols=self._qr)
        except Exception as err:  # noqa: BLE001
            log.debug("zbar failed: %s", err)
            return []
        return [
            Symbol(_text_of(s.data), tuple((float(p.x), float(p.y)) for p in s.polygon))
            for s in found
        ]


class OpenCvDecoder:
    """OpenCV's QRCodeDetector, guarded: it raises on binary payloads and some modes."""

    def __init__(self, cv2: ModuleType, name: str = "opencv") -> None:
        self.name = name
        self._cv2 = cv2
        self._detector = cv2.QRCodeDetector()

    def decode(self, gray: Any) -> list[Symbol]:
        """Read one QR code; UnicodeDecodeError and cv2.error mean no code."""
        try:
            text, points, _ = self._detector.detectAndDecode(gray)
        except (UnicodeDecodeError, self._cv2.error, ValueError) as err:
            log.debug("opencv failed: %s", err)
            return []
        if not text:
            return []
        quad: Quad = ()
        if points is not None:
            quad = tuple((float(x), float(y)) for x, y in points.reshape(-1, 2))
        return [Symbol(text, quad)]


DECODER_NAMES = ("zxing", "zbar", "opencv")
_FACTORIES: dict[str, tuple[str, Callable[[ModuleType], Decoder]]] = {
    "zxing": ("zxingcpp", ZxingDecoder),
    "zbar": ("pyzbar.pyzbar", ZbarDecoder),
    "opencv": ("cv2", OpenCvDecoder),
}


def make_decoders(
    names: Sequence[str] = DECODER_NAMES,
    import_module: ImportModule = importlib.import_module,
) -> tuple[list[Decoder], list[str]]:
    """Build the named decoders whose library can be loaded.

    Args:
        names: which decoders, in order of preference.
        import_module: how to import a library (tests pass one that fails).

    Returns:
        The decoders that loaded, and one notice per decoder that did not, e.g.
        "QR decoder zbar is off: libzbar is not installed (…)".
    """
    decoders: list[Decoder] = []
    notices: list[str] = []
    for name in names:
        module_name, factory = _FACTORIES[name]
        try:
            decoders.append(factory(import_module(module_name)))
        except (ImportError, OSError, AttributeError) as err:
            hint = " (install the system package libzbar0)" if name == "zbar" else ""
            notice = f"QR decoder {name} is off: {err}{hint}"
            log.warning(notice)
            notices.append(notice)
    return decoders, notices
