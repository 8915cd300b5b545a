"""Settings form: maximum replica age, card timeout, camera, decoder order, language."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Button, Input, Label

from domain.errors import KioskError
from screens.base import kiosk_of

FIELDS = [
    ("max_replica_age_days", "注册库最长使用天数 max replica age (days)"),
    ("card_timeout_s", "核验结果自动清除秒数 card timeout (s)"),
    ("camera", "摄像头（编号或设备路径，留空不用）camera (index or path, empty for none)"),
    ("decoder_order", "解码器顺序 decoder order (zxing,zbar,opencv)"),
    ("language", "语言 language (zh / en)"),
]


class SettingsForm(Vertical):
    """Edits the home's config.json."""

    def compose(self) -> ComposeResult:
        config = kiosk_of(self).service.config
        for name, label in FIELDS:
            value = getattr(config, name)
            yield Label(label)
            yield Input(
                ",".join(value) if isinstance(value, tuple) else str(value), id=f"set-{name}"
            )
        yield Button("保存 Save", id="settings-save", variant="primary")

    @on(Button.Pressed, "#settings-save")
    def save_settings(self) -> None:
        service = kiosk_of(self).service
        values = {name: self.query_one(f"#set-{name}", Input).value for name, _ in FIELDS}
        try:
            service.update_settings(values)
        except KioskError as err:
            self.notify(err.message, title=err.title, severity="error", markup=False)
            return
        self.notify("设置已保存 settings saved", markup=False)
        kiosk_of(self).refresh_texts()
