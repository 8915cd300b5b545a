"""Admin: status, sync (success, up to date, failure), trust list, statistics, settings;
plus the app-wide paths: banners, language, kiosk lock."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import cast

from textual.app import App
from textual.command import CommandPalette
from textual.widgets import Button, DataTable, Input, Static, TabbedContent

from screens.admin import AdminScreen
from screens.app import YanzhaoApp
from tests.screens.conftest import notified, plain, settle, until


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
        assert "sequence" in status and "physicians" in status
        trust = screen.query_one("#trust-table", DataTable)
        states = {str(trust.get_row_at(i)[-1]) for i in range(trust.row_count)}
        assert trust.row_count == 5 and any("revoked" in s for s in states)
        stats = plain(screen.query_one("#admin-stats", Static))
        assert "按审批机关统计" in stats and "卫生健康委员会" in stats and "█" in stats


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
        assert await until(pilot, lambda: notified(app, "正整数"))
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
