"""BAD_FORMAT in Chinese says what is wrong in Chinese words only (issue 21): the decoder's
English detail ("zlib: truncated stream") stays in English mode and the log."""

from __future__ import annotations

import ast
import json
import re
import zlib
from pathlib import Path

import pytest

from kiosk.messages import format_detail_zh, reason_text
from wire import base45, codec

ROOT = Path(__file__).resolve().parents[1]
LATIN = re.compile(r"[A-Za-z]")


def _payloads(valid: str) -> dict[str, str]:
    """Broken payloads that reach each family of the decoder's errors."""
    raw = base45.decode(valid[len(codec.PREFIX) :])
    assert raw[0] == 0x78  # the demo's payloads are deflated
    yz = codec.PREFIX
    return {
        "truncated zlib": yz + base45.encode(raw[:-12]),
        "trailing after zlib": yz + base45.encode(raw + b"\x00\x01"),
        "too long": yz + "A" * (codec.MAX_TEXT + 1),
        "not Base45": yz + "abc",
        "dangling Base45": yz + "ABCD" + "A",
        "empty after Base45": yz,
        "not YZ1": "https://example.org/licence/12345",
        "not CBOR": yz + base45.encode(zlib.compress(b"\xff\xff\xff")),
        "trailing CBOR": yz + base45.encode(zlib.compress(b"\x80\x00")),
        "not COSE": yz + base45.encode(zlib.compress(b"\x80")),
    }


def test_every_broken_payload_is_explained_in_chinese_only(demo_copy: Path) -> None:
    from kiosk.home import Home
    from kiosk.operators import Operator
    from kiosk.service import KioskService

    first = (demo_copy / "demo" / "credentials.ndjson").read_text("utf-8").splitlines()[0]
    service = KioskService(Home(demo_copy), session=Operator("admin1", "admin"))
    service.purpose = "counter"
    assert service.config.language == "zh"
    seen = set()
    for what, payload in _payloads(json.loads(first)["payload"]).items():
        result = service.verify(payload)
        assert result.codes == ("BAD_FORMAT",), what
        message = result.reasons[0].message
        assert not LATIN.search(message), (what, message)
        seen.add(message)
        with pytest.raises(codec.FormatError) as err:
            codec.decode(payload)
        english = reason_text("BAD_FORMAT", "en", detail=str(err.value))
        assert str(err.value) in english  # English mode keeps the technical detail
    assert len(seen) >= 8  # the Chinese says which damage, not one sentence for all
    assert "压缩数据不完整" in "".join(seen)


def test_an_unknown_detail_is_left_out_in_chinese() -> None:
    text = reason_text("BAD_FORMAT", "zh", detail="something new: EOF at 0x1f")
    assert text == "无法识别的二维码：不是有效的电子证照"
    assert "EOF at 0x1f" in reason_text("BAD_FORMAT", "en", detail="something new: EOF at 0x1f")


def _raised_texts() -> list[str]:
    """Each message wire/ raises as a FormatError, Base45Error or ClaimError, with its
    placeholders filled, prefixed as the codec wraps them (so the check sees what a reason
    would carry)."""
    wrap = {"FormatError": "", "Base45Error": "Base45: ", "ClaimError": "licence: "}
    out = []
    for path in sorted((ROOT / "wire").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)):
                continue
            if node.func.id not in wrap or not node.args:
                continue
            arg = node.args[0]
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                text = arg.value
            elif isinstance(arg, ast.JoinedStr):
                text = "".join(
                    str(v.value) if isinstance(v, ast.Constant) else "1" for v in arg.values
                )
            else:
                continue
            out.append(wrap[node.func.id] + text)
    return out


def test_every_detail_wire_raises_has_chinese_words() -> None:
    texts = _raised_texts()
    assert len(texts) >= 30
    missing = [t for t in texts if format_detail_zh(t) is None]
    assert not missing, f"add Chinese words for these in kiosk/messages.py: {missing}"
