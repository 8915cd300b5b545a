"""Each decoder alone on real pictures, the guards, and the optional-library factory."""

from __future__ import annotations

import importlib
from types import ModuleType

import cv2
import numpy as np
import pytest
import segno

from scanner.decoders import OpenCvDecoder, make_decoders
from scanner.preprocess import to_gray
from tests.scanner.helpers import code_frame, empty_frame, payload


def test_every_decoder_reads_a_clear_code() -> None:
    text = payload(1, 120)  # a small code: OpenCV's detector needs an easy one
    gray = to_gray(code_frame(text, seed=1, ppm=5.0))
    decoders, notices = make_decoders()
    assert notices == []
    assert [d.name for d in decoders] == ["zxing", "zbar", "opencv"]
    for d in decoders:
        assert text in [s.text for s in d.decode(gray)], d.name


def test_zxing_and_zbar_read_a_yz1_sized_code() -> None:
    text = payload(2, 1300)
    gray = to_gray(code_frame(text, seed=2))
    decoders, _ = make_decoders(["zxing", "zbar"])
    for d in decoders:
        assert [s.text for s in d.decode(gray) if s.text] == [text], d.name


def test_no_decoder_invents_a_code() -> None:
    decoders, _ = make_decoders()
    for seed in range(3):
        gray = to_gray(empty_frame(seed))
        for d in decoders:
            assert [s for s in d.decode(gray) if s.text] == [], d.name


def _qr_image(data: bytes | str, mode: str | None = None) -> np.ndarray:
    qr = segno.make_qr(data, mode=mode, error="m")
    mat = np.pad(np.array([list(r) for r in qr.matrix], np.uint8), 4)
    img = np.where(mat > 0, 0, 255).astype(np.uint8)
    return cv2.resize(img, None, fx=6, fy=6, interpolation=cv2.INTER_NEAREST)


def test_opencv_shrugs_off_binary_and_kanji_payloads() -> None:
    dec = OpenCvDecoder(cv2)
    binary = _qr_image(bytes(range(128, 256)), mode="byte")
    kanji = _qr_image("点茗", mode="kanji")
    for img in (binary, kanji, np.zeros((1, 1), np.uint8), np.zeros((40, 40), np.uint8)):
        dec.decode(img)  # must not raise


def test_zxing_reports_binary_payload_as_text() -> None:
    decoders, _ = make_decoders(["zxing"])
    found = decoders[0].decode(_qr_image(bytes(range(128, 256)), mode="byte"))
    assert found and found[0].text is not None and not found[0].text.startswith("YZ1:")


def test_missing_libzbar_turns_the_decoder_off_with_a_notice() -> None:
    def import_module(name: str) -> ModuleType:
        if name.startswith("pyzbar"):
            raise ImportError("Unable to find zbar shared library")
        return importlib.import_module(name)

    decoders, notices = make_decoders(import_module=import_module)
    assert [d.name for d in decoders] == ["zxing", "opencv"]
    assert len(notices) == 1
    assert "zbar is off" in notices[0] and "libzbar0" in notices[0]


@pytest.mark.parametrize("name", ["zxing", "zbar", "opencv"])
def test_decoders_survive_odd_arrays(name: str) -> None:
    decoders, _ = make_decoders([name])
    for img in (np.zeros((0, 0), np.uint8), np.full((3, 3), 255, np.uint8)):
        assert [s for s in decoders[0].decode(img) if s.text] == []
