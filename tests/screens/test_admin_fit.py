"""Admin at 80×24 and in both languages (issue 21): every tab visible, the trust list's
validity and revocation in view, a sync meter that is still when idle and counts bytes while
syncing, settings errors and the camera named for people."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from textual.message import Message
from textual.widgets import Button, DataTable, Input, ProgressBar, Static, Tab, TabbedContent

from screens.admin import AdminScreen
from screens.app import YanzhaoApp
from tests.screens.conftest import notified, plain, settle, until


async def _admin(app: YanzhaoApp, pilot: object, tab: str, lang: str = "zh") -> AdminScreen:
    if lang != app.lang:
        await pilot.press("f9")  # type: ignore[attr-defined]
    await pilot.press("f4")  # type: ignore[attr-defined]
    await settle(app, pilot)
    screen = app.screen
    assert isinstance(screen, AdminScreen)
    screen.query_one(TabbedContent).active = tab
    await pilot.pause()  # type: ignore[attr-defined]
    return screen


@pytest.mark.parametrize("lang", ["zh", "en"])
async def test_every_tab_is_in_view_at_80_columns(
    make_app: Callable[..., YanzhaoApp], lang: str
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _admin(app, pilot, "tab-status", lang)
        tabs = list(screen.query(Tab))
        assert len(tabs) == 8
        for tab in tabs:
            assert tab.region.width > 0 and tab.region.right <= 80, tab.label_text
        labels = " ".join(t.label_text for t in tabs)
        if lang == "zh":
            assert "警报" in labels and "操作员" in labels and "Operators" not in labels
        else:
            assert "Alerts" in labels and "Operators" in labels and "操作员" not in labels


@pytest.mark.parametrize("lang", ["zh", "en"])
async def test_the_trust_list_shows_validity_and_revocation_at_80_columns(
    make_app: Callable[..., YanzhaoApp], lang: str
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _admin(app, pilot, "tab-trust", lang)
        table = screen.query_one("#trust-table", DataTable)
        widths = sum(c.get_render_width(table) for c in table.columns.values())
        assert widths <= table.scrollable_content_region.width
        cells = [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]
        revoked = [row for row in cells if ("已吊销" if lang == "zh" else "revoked") in row[-1]]
        assert revoked and any(ch.isdigit() for ch in revoked[0][-1])  # with its date
        assert all(row[2].count("-") == 4 for row in cells)  # from and to, both dates


async def test_the_sync_meter_is_still_when_idle_and_counts_bytes_while_syncing(
    make_app: Callable[..., YanzhaoApp], world: Path, tmp_path: Path
) -> None:
    from kiosk.home import init

    fresh = tmp_path / "fresh"
    keys = world / "demo" / "keys"
    init(fresh, [keys / "root.pub.pem"], "410000", keys / "id-index.key")
    bundle = world / "demo" / "bundle"
    size = next(bundle.glob("snapshot-*.zst")).stat().st_size
    heard: list[AdminScreen.Progressed] = []

    def hook(message: Message) -> None:
        if isinstance(message, AdminScreen.Progressed):
            heard.append(message)

    app = make_app(fresh, demo=False)
    async with app.run_test(size=(80, 24), message_hook=hook) as pilot:
        screen = await _admin(app, pilot, "tab-sync")
        bar = screen.query_one("#sync-progress", ProgressBar)
        meter = screen.query_one("#sync-meter", Static)
        assert not bar.display and plain(meter).strip() == "未在同步"
        screen.query_one("#sync-source", Input).value = str(bundle)
        screen.query_one("#sync-go", Button).press()
        await settle(app, pilot)
        assert heard and heard[-1].transfer.done == heard[-1].transfer.total == size
        assert bar.progress == bar.total == size  # it was fed bytes, not phases
        assert not bar.display
        done = plain(meter)
        assert done.startswith("已完成：读取 ") and "MB" in done
        await pilot.press("f9")
        await pilot.pause()
        assert plain(meter).startswith("Done: ")
        assert "Synced: sequence 1" in plain(screen.query_one("#sync-result", Static))


@pytest.mark.parametrize(
    ("lang", "named", "allowed"),
    [
        ("zh", "注册库最长使用天数", "1 至 36500 之间的整数"),
        ("en", "Maximum replica age (days)", "a whole number from 1 to 36500"),
    ],
)
async def test_a_bad_setting_is_named_by_its_label(
    make_app: Callable[..., YanzhaoApp], lang: str, named: str, allowed: str
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _admin(app, pilot, "tab-settings", lang)
        box = screen.query_one("#set-max_replica_age_days", Input)
        box.value = "forever"
        screen.query_one("#settings-save", Button).press()
        assert await until(pilot, lambda: notified(app, named) and notified(app, allowed))
        assert not notified(app, "max_replica_age_days")
        assert box.has_focus
        assert app.service.config.max_replica_age_days == 7


def test_the_service_names_a_bad_setting_by_its_label(demo_copy: Path) -> None:
    from domain.errors import SettingsError
    from kiosk.home import Home
    from kiosk.operators import Operator
    from kiosk.service import KioskService

    service = KioskService(Home(demo_copy), session=Operator("admin1", "admin"))
    for values in ({"card_timeout_s": "0"}, {"decoder_order": "zxing,magic"}, {"language": "fr"}):
        with pytest.raises(SettingsError) as err:
            service.update_settings(values)
        assert next(iter(values)) not in err.value.message


async def test_the_camera_setting_says_what_the_kiosk_does_with_it(
    make_app: Callable[..., YanzhaoApp], world: Path
) -> None:
    app = make_app()  # config.json has no camera key, so "0"; this app was started without one
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _admin(app, pilot, "tab-settings")
        assert screen.query_one("#set-camera", Input).value == app.service.config.camera == "0"
        assert "已设置 0，重新启动后生效" in plain(screen.query_one("#camera-now", Static))
        await pilot.press("f9")
        await pilot.pause()
        assert "set to 0; it takes effect after a restart" in plain(
            screen.query_one("#camera-now", Static)
        )
    (world / "config.json").write_text(json.dumps({"camera": None}), "utf-8")
    app = make_app(demo=False)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _admin(app, pilot, "tab-settings")
        box = screen.query_one("#set-camera", Input)
        assert box.value == "" and box.placeholder == "未设置"
        assert "未设置，不使用摄像头" in plain(screen.query_one("#camera-now", Static))
