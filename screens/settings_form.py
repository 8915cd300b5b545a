"""Settings form: maximum replica age, card timeout, camera, decoder order, language."""

from __future__ import annotations

import dataclasses

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Button, Input, Label

from kiosk.config import Config, save

FIELDS = [
    ("max_replica_age_days", "注册库最长使用天数 max replica age (days)"),
    ("card_timeout_s", "核验结果自动清除秒数 card timeout (s)"),
    ("camera", "摄像头（编号或设备路径，留空不用）camera (index or path, empty for none)"),
    ("decoder_order", "解码器顺序 decoder order (zxing,zbar,opencv)"),
    ("language", "语言 language (zh / en)"),
]


def parse(values: dict[str, str], base: Config) -> Config:
    """Turn form text into a Config, or raise ValueError with a sentence."""
    changes: dict[str, object] = {}
    for name, text in values.items():
        default = getattr(base, name)
        text = text.strip()
        if isinstance(default, int):
            if not text.isdigit() or int(text) <= 0:
                raise ValueError(f"{name}: 请输入正整数 (a positive whole number)")
            changes[name] = int(text)
        elif isinstance(default, tuple):
            order = tuple(x.strip() for x in text.split(",") if x.strip())
            if not order or not set(order) <= {"zxing", "zbar", "opencv"}:
                raise ValueError("decoder_order: zxing, zbar, opencv")
            changes[name] = order
        elif name == "language" and text not in ("zh", "en"):
            raise ValueError("language: zh 或 en")
        else:
            changes[name] = text
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


class SettingsForm(Vertical):
    """Edits the home's config.json."""

    def compose(self) -> ComposeResult:
        config = self.app.service.config  # type: ignore[attr-defined]
        for name, label in FIELDS:
            value = getattr(config, name)
            yield Label(label)
            yield Input(
                ",".join(value) if isinstance(value, tuple) else str(value), id=f"set-{name}"
            )
        yield Button("保存 Save", id="settings-save", variant="primary")

    @on(Button.Pressed, "#settings-save")
    def save_settings(self) -> None:
        service = self.app.service  # type: ignore[attr-defined]
        values = {name: self.query_one(f"#set-{name}", Input).value for name, _ in FIELDS}
        try:
            config = parse(values, service.config)
            save(service.home.config_path, config)
        except ValueError as err:
            self.notify(str(err), title="设置有误 Invalid setting", severity="error", markup=False)
            return
        except OSError as err:
            self.notify(f"无法保存 (cannot save: {err.strerror})", severity="error", markup=False)
            return
        service.config = config
        self.notify("设置已保存 settings saved", markup=False)
        self.app.refresh_texts()  # type: ignore[attr-defined]
