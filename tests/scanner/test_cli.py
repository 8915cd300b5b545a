"""`decode` (cli.md) and `decode_path` on real pictures and videos, and calm failures."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from domain.errors import DecodeError
from scanner.cli import decode_command
from scanner.files import decode_path
from tests.scanner.helpers import code_frame, empty_frame, payload, write_png, write_video


def test_decode_json_contract(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = payload(51, 1000)
    good = write_png(tmp_path / "good.png", code_frame(text, seed=51))
    blank = write_png(tmp_path / "blank.png", empty_frame(5))
    out = io.StringIO()
    status = decode_command([str(good), str(blank), str(tmp_path / "gone.png")], True, out)
    assert status == 1
    doc = json.loads(out.getvalue())
    assert [r["file"] for r in doc["results"]] == [
        str(good),
        str(blank),
        str(tmp_path / "gone.png"),
    ]
    assert [r["texts"] for r in doc["results"]] == [[text], [], []]
    assert all(set(r) == {"file", "texts", "ms"} and r["ms"] >= 0 for r in doc["results"])
    err = capsys.readouterr().err
    assert "gone.png" in err and "Traceback" not in err


def test_decode_exit_0_when_every_file_gave_a_code(tmp_path: Path) -> None:
    text = payload(52)
    img = write_png(tmp_path / "a.jpg", code_frame(text, seed=52))
    vid = write_video(tmp_path / "b.avi", [empty_frame(6), code_frame(text, seed=53)])
    out = io.StringIO()
    assert decode_command([str(img), str(vid)], False, out) == 0
    assert out.getvalue().splitlines() == [f"{img}: {text}", f"{vid}: {text}"]


def test_decode_text_mode_says_when_nothing_was_found(tmp_path: Path) -> None:
    blank = write_png(tmp_path / "blank.png", empty_frame(7))
    out = io.StringIO()
    assert decode_command([str(blank)], False, out) == 1
    assert out.getvalue() == f"{blank}: no QR code found\n"


def test_decode_path_reads_videos_and_folders(tmp_path: Path) -> None:
    a, b = payload(54, 500), payload(55, 1300)
    vid = write_video(
        tmp_path / "v.avi",
        [code_frame(a, seed=54), empty_frame(8), code_frame(b, seed=55), code_frame(a, seed=56)],
    )
    assert decode_path(vid) == [a, b]
    folder = tmp_path / "pics"
    folder.mkdir()
    write_png(folder / "1.png", code_frame(b, seed=57))
    assert decode_path(folder) == [b]


def test_decode_path_raises_a_domain_error_for_a_bad_file(tmp_path: Path) -> None:
    bad = tmp_path / "x.png"
    bad.write_bytes(b"nope")
    with pytest.raises(DecodeError):
        decode_path(bad)
    with pytest.raises(DecodeError):
        decode_path(tmp_path / "missing.mp4")


def test_cli_modules_import_cheaply() -> None:
    code = (
        "import sys, scanner.cli, scanner.files, scanner.wedge, scanner.payload; "
        "print(sorted(m for m in ('cv2', 'numpy', 'zxingcpp', 'pyzbar') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
