"""Admin: status, sync (success, up to date, failure), trust list, statistics, settings;
plus the app-wide paths: banners, language, kiosk lock."""

from __future__ import annotations

import io
import json
import shutil
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any, cast

import pytest
from textual.app import App
from textual.command import CommandPalette
from textual.widgets import Button, DataTable, Input, Static, TabbedContent, Tree

from screens.admin import AdminScreen
from screens.app import YanzhaoApp
from tests.screens.conftest import case_by, notified, plain, settle, until


async def _admin(app: YanzhaoApp, pilot: object, tab: str) -> AdminScreen:
    await pilot.press("f4")  # type: ignore[attr-defined]
    await settle(app, pilot)
    screen = app.screen
    assert isinstance(screen, AdminScreen)
    screen.query_one(TabbedContent).active = tab
    await pilot.pause()  # type: ignore[attr-defined]
    return screen


async def test_status_trust_and_statistics(make_app: Callable[..., YanzhaoApp]) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await _admin(app, pilot, "tab-status")
        status = plain(screen.query_one("#admin-status", Static))
        assert "sequence" in status and "医师 physicians" in status
        # Record statuses in the interface's language, as everywhere else (not "active 795").
        assert "正常" in status and "active" not in status, status
        await pilot.press("f9")
        await pilot.pause()
        status = plain(screen.query_one("#admin-status", Static))
        assert "active" in status and "正常" not in status, status
        await pilot.press("f9")
        await pilot.pause()
        trust = screen.query_one("#trust-table", DataTable)
        states = {str(trust.get_row_at(i)[-1]) for i in range(trust.row_count)}
        assert app.service.trust is not None and trust.row_count == len(app.service.trust.keys)
        assert any("已吊销" in s for s in states)


async def test_sync_from_a_folder_and_failures(
    make_app: Callable[..., YanzhaoApp], world: Path, tmp_path: Path
) -> None:
    # A fresh home pinned to the demo root, with nothing installed yet.
    from kiosk.home import init

    fresh = tmp_path / "fresh"
    init(
        fresh,
        [world / "demo" / "keys" / "root.pub.pem"],
        "410000",
        world / "demo" / "keys" / "id-index.key",
    )
    app = make_app(fresh, demo=False)
    async with app.run_test(size=(120, 40)) as pilot:
        banner = app.screen.query_one("#banner", Static)
        assert banner.has_class("is-shown") and "同步" in plain(banner)
        screen = await _admin(app, pilot, "tab-sync")
        source = screen.query_one("#sync-source", Input)
        source.value = str(tmp_path / "no-such-bundle")
        screen.query_one("#sync-go", Button).press()
        await settle(app, pilot)
        result = plain(screen.query_one("#sync-result", Static))
        assert "✘" in result and "找不到" in result
        assert app.service.replica is None
        source.value = str(world / "demo" / "bundle")
        screen.query_one("#sync-go", Button).press()
        await settle(app, pilot)
        assert "✔" in plain(screen.query_one("#sync-result", Static))
        assert app.service.replica is not None and app.service.health().replica.sequence == 1
        assert not screen.query_one("#banner", Static).has_class("is-shown")
        screen.query_one("#sync-go", Button).press()
        await settle(app, pilot)
        assert "已是最新" in plain(screen.query_one("#sync-result", Static))
    assert json.loads((fresh / "config.json").read_text())["sync_source"].endswith("bundle")


async def test_settings_are_validated_and_saved(
    make_app: Callable[..., YanzhaoApp], world: Path
) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await _admin(app, pilot, "tab-settings")
        timeout = screen.query_one("#set-card_timeout_s", Input)
        timeout.value = "soon"
        screen.query_one("#settings-save", Button).press()
        await pilot.pause()
        assert await until(
            pilot, lambda: notified(app, "核验结果自动清除秒数：请输入 1 至 3600 之间的整数")
        )
        timeout.value = "45"
        screen.query_one("#set-language", Input).value = "en"
        screen.query_one("#settings-save", Button).press()
        await pilot.pause()
        assert app.service.config.card_timeout_s == 45 and app.lang == "en"
        assert app.title.startswith("Yanzhao")
    saved = json.loads((world / "config.json").read_text())
    assert saved["card_timeout_s"] == 45 and saved["language"] == "en"


async def test_language_toggle(make_app: Callable[..., YanzhaoApp]) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("f9")
        await pilot.pause()
        assert app.lang == "en"
        assert "Show the licence QR code" in plain(app.screen.query_one("#verdict-banner", Static))
        await pilot.press("f9")
        await pilot.pause()
        assert app.lang == "zh"


async def test_kiosk_mode_cannot_quit(make_app: Callable[..., YanzhaoApp]) -> None:
    app = make_app(kiosk=True, demo=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert app.is_running
        await pilot.press("ctrl+p")
        await pilot.pause()
        assert not app.use_command_palette
        assert not CommandPalette.is_open(cast("App[object]", app))


async def test_demo_mode_quits(make_app: Callable[..., YanzhaoApp]) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("ctrl+q")
        await pilot.pause()
    assert app.return_code == 0


async def test_corrupt_replica_is_calm(make_app: Callable[..., YanzhaoApp], world: Path) -> None:
    """A damaged replica file: the kiosk starts, says so, and offers sync; nothing crashes."""
    from db import store

    path = store.current(world / "replica")
    assert path is not None
    path.write_bytes(b"this is not a database" * 100)
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        banner = app.screen.query_one("#banner", Static)
        assert banner.has_class("is-shown") and "本地库" in plain(banner)
        await pilot.press("f2")
        await pilot.pause()
        await pilot.press("f4")
        await settle(app, pilot)
        assert isinstance(app.screen, AdminScreen)


async def test_missing_home_folder_is_calm(
    make_app: Callable[..., YanzhaoApp], world: Path
) -> None:
    shutil.rmtree(world / "trust")
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert app.service.trust is None
        assert app.is_running


def _sql(world: Path, query: str) -> list[tuple[Any, ...]]:
    """Plain SQL on the world's installed replica: the figures the charts must show."""
    from db import store

    path = store.current(world / "replica")
    assert path is not None
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return conn.execute(query).fetchall()
    finally:
        conn.close()


LICENCES = (
    "SELECT kind, authority FROM practitioner UNION ALL SELECT 'I', authority FROM institution"
)


async def test_statistics_are_charts_of_the_replicas_numbers(
    make_app: Callable[..., YanzhaoApp], world: Path, cases: list[dict[str, Any]]
) -> None:
    app = make_app(demo=False)
    app.service.verify(case_by(cases, None)["payload"])  # today, by the frozen clock
    app.service.verify(case_by(cases, "BAD_SIGNATURE")["payload"])
    kinds = dict(_sql(world, f"SELECT kind, count(*) FROM ({LICENCES}) GROUP BY kind"))
    cities = _sql(
        world,
        f"SELECT substr(authority, 1, 4), count(*) FROM ({LICENCES}) "
        "WHERE authority != '410000' GROUP BY 1 ORDER BY 2 DESC, 1",
    )
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await _admin(app, pilot, "tab-stats")
        await settle(app, pilot)
        summary = plain(screen.query_one("#stats-summary", Static))
        assert f"合计 total {sum(kinds.values()):,}" in summary
        assert f"医师 physicians {kinds['P']:,}" in summary
        assert f"护士 nurses {kinds['N']:,}" in summary
        assert f"机构 institutions {kinds['I']:,}" in summary
        types = plain(screen.query_one("#chart-types", Static))
        assert "正常 active" in types and "█" in types
        for n in kinds.values():
            assert f"{n:,}" in types
        months = plain(screen.query_one("#chart-months", Static)).splitlines()
        monthly = [
            n
            for (n,) in _sql(
                world,
                "SELECT count(*) FROM (SELECT issued_on FROM "
                "practitioner UNION ALL SELECT issued_on FROM institution) "
                "GROUP BY substr(issued_on, 1, 7) ORDER BY substr(issued_on, 1, 7)",
            )
        ]
        assert months[1].split("│")[0].strip() == f"{max(monthly[-96:]):,}"  # top of the axis
        assert "2026" in months[-1]
        categories = plain(screen.query_one("#chart-categories", Static))
        (villages,) = _sql(world, "SELECT count(*) FROM institution WHERE category = '村卫生室'")
        assert "村卫生室 D600" in categories and f" {villages[0]}" in categories
        verdicts = plain(screen.query_one("#chart-verifications", Static))
        assert "有效 valid 1" in verdicts and "无效 invalid 1" in verdicts
        assert "注意 warning 0" in verdicts

        # The authority tree: the province open on its cities, largest first; Enter opens one.
        tree = screen.query_one("#chart-authorities", Tree)
        (province,) = tree.root.children
        assert province.is_expanded and province.data is not None
        assert province.data.total.total == sum(kinds.values())
        assert [c.data.code[:4] for c in province.children if c.data] == [c for c, _ in cities]
        first = province.children[0]
        assert first.data is not None and str(first.label).endswith(f" {cities[0][1]:,}")
        assert not first.is_expanded
        tree.focus()
        tree.move_cursor(first)
        await pilot.press("enter")
        await pilot.pause()
        assert first.is_expanded
        counties = _sql(
            world,
            f"SELECT DISTINCT authority FROM ({LICENCES}) WHERE substr(authority, 1, 4) = "
            f"'{first.data.code[:4]}' AND substr(authority, 5) != '00'",
        )
        assert {c.data.code for c in first.children if c.data} == {c for (c,) in counties}
        detail = plain(screen.query_one("#authority-detail", Static))
        assert first.data.code in detail and (first.data.name or "") in detail


async def test_statistics_fit_a_small_terminal_without_or_with_a_damaged_replica(
    make_app: Callable[..., YanzhaoApp], world: Path
) -> None:
    """At 80x24: the demo's charts; a home without a replica, and one whose replica is
    damaged, say so and still chart the kiosk's own verifications. Nothing crashes."""
    from db import store

    cases = (
        (None, "合计 total"),
        (world / "demo" / "no-replica-home", "no replica"),
        ("damaged", "本地库"),
    )
    for home, expected in cases:
        if home == "damaged":
            path = store.current(world / "replica")
            assert path is not None
            path.write_bytes(b"not a database" * 1000)
        app = make_app(None if home == "damaged" else home, demo=False)
        async with app.run_test(size=(80, 24)) as pilot:
            screen = await _admin(app, pilot, "tab-stats")
            await settle(app, pilot)
            screen.query_one("#admin-stats").scroll_end(animate=False)
            await pilot.pause()
            assert app.is_running and isinstance(app.screen, AdminScreen)
            assert expected in plain(screen.query_one("#stats-summary", Static))
            assert "有效 valid 0" in plain(screen.query_one("#chart-verifications", Static))
            authorities = screen.query_one("#chart-authorities", Tree).root.children
            assert bool(authorities) == (home is None)


@pytest.mark.parametrize("width", [30, 80, 120])
def test_charts_stay_within_their_width_with_chinese_labels(width: int) -> None:
    """Labels are measured in cells (a Chinese character takes two), so no line overflows."""
    from rich.cells import cell_len
    from rich.console import Console

    from screens.charts import Columns, HBars, Series

    series = [Series("a", "green"), Series("b", "red")]
    rows = [("平顶山市新华区卫生健康委员会", [120, 3]), ("诊所", [1, 0]), ("x", [0, 0])]
    points = [(f"2026-{m:02d}", [m, 12 - m]) for m in range(1, 13)] * 10
    console = Console(width=width, record=True, file=io.StringIO(), color_system=None)
    console.print(HBars(rows, series))
    console.print(Columns(points, series, marks=[p[0][:4] for p in points]))
    lines = console.export_text().splitlines()
    assert lines and all(cell_len(line) <= width for line in lines)
    assert lines[1].count("█") >= 1  # a count too small for a cell still shows one
    assert "█" not in lines[2]  # nothing shows nothing
