"""Building the demo world shows its progress (issue 21: the terminal stayed blank for
2.5-8 s): one line per phase, with counts, each written as it starts."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import pytest

from cli.commands import Io, demo


class _Terminal(io.StringIO):
    """Records what had been flushed when each line was written."""

    def __init__(self) -> None:
        super().__init__()
        self.flushed = ""

    def flush(self) -> None:
        self.flushed = self.getvalue()


def test_demo_command_prints_each_phase(tmp_path: Path) -> None:
    """`main.py demo` (what `make run` starts with) says what it builds while it builds."""
    terminal = _Terminal()
    out = Io(out=terminal)
    assert demo(str(tmp_path / "home"), False, 300, out) == 0
    lines = terminal.getvalue().splitlines()
    assert lines[0].startswith("正在生成演示数据 building the demo world")
    steps = [line.strip() for line in lines if re.match(r"\s+\[\d/6\]", line)]
    assert [s[:5] for s in steps] == [f"[{i}/6]" for i in range(1, 7)]
    assert "300 名执业人员 practitioners" in steps[1]  # counts, in both languages
    assert re.search(r"\d+ 家机构 institutions", steps[2])
    assert lines[-1].startswith("演示数据已生成 demo world built")
    assert terminal.flushed.rstrip().endswith(steps[-1])  # flushed, not held in a buffer


def test_the_tui_launcher_shows_progress_too(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`main.py --demo` on a missing world builds it first: the same lines are printed."""
    from cli.launch import prepare

    def build(path: Path, **kwargs: Any) -> None:
        kwargs["progress"]("[1/6] 密钥与信任列表 keys and trust list")

    monkeypatch.setattr("seed.demo.build", build)
    prepare(str(tmp_path / "demo-home"), demo=True)
    out = capsys.readouterr().out
    assert "building the demo world" in out and "  [1/6] 密钥与信任列表" in out
