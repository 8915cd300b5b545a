"""A notification in Chinese keeps every character where it overlaps widget edges (issue 21,
Textual issue #6357; screens/wide_cuts.py)."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.containers import Horizontal
from textual.widgets import Static

from screens import wide_cuts

MESSAGE = "注册库已经超过最长使用天数，请管理员尽快同步新的数据包以免核验结果过时"


class Striped(App[None]):
    """Many narrow widgets side by side: edges at every seventh column, under the toast."""

    CSS = "Static { width: 7; height: 1fr; }"

    def compose(self) -> ComposeResult:
        with Horizontal():
            for n in range(20):
                yield Static(str(n))


def _screen_text(app: App[None]) -> str:
    strips = app.screen._compositor.render_strips()  # noqa: SLF001 - what the terminal gets
    return "\n".join(strip.text for strip in strips)


async def test_a_chinese_toast_over_widget_edges_keeps_every_character() -> None:
    assert wide_cuts.apply()
    app = Striped()
    async with app.run_test(size=(120, 30), notifications=True) as pilot:
        app.notify(MESSAGE, timeout=30)
        await pilot.pause()
        await pilot.pause(0.3)
        shown = "".join(_screen_text(app).split())
        for char in MESSAGE:
            assert shown.count(char) >= MESSAGE.count(char), char


async def test_ascii_lines_are_cut_as_textual_cuts_them() -> None:
    assert wide_cuts.apply()
    app = Striped()
    async with app.run_test(size=(80, 10), notifications=True) as pilot:
        app.notify("plain text over the edges of many widgets", timeout=30)
        await pilot.pause(0.3)
        text = _screen_text(app)
        assert "plain text over the edges" in text
        assert text.splitlines()[0].startswith("0      1      2")
