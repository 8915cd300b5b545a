"""Settings form: maximum replica age, card timeout, camera, decoder order, language."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Button, Input, Static

from domain.errors import KioskError
from kiosk.config import SettingValueError, allowed, camera_summary, label, parse
from kiosk.messages import t
from screens.base import kiosk_of

FIELDS = ("max_replica_age_days", "card_timeout_s", "camera", "decoder_order", "language")


class SettingsForm(Vertical):
    """Edits the home's config.json; every label and error in the current language."""

    DEFAULT_CSS = """
    SettingsForm { height: auto; }
    SettingsForm .setting-label { margin-top: 1; color: $text-muted; }
    SettingsForm #camera-now { color: $text-muted; padding-left: 1; }
    SettingsForm #settings-save { margin-top: 1; }
    """

    def compose(self) -> ComposeResult:
        config = kiosk_of(self).service.config
        for name in FIELDS:
            value = getattr(config, name)
            yield Static(id=f"label-{name}", classes="setting-label")
            yield Input(
                ",".join(value) if isinstance(value, tuple) else str(value), id=f"set-{name}"
            )
            if name == "camera":
                yield Static(id="camera-now")
        yield Button("", id="settings-save", variant="primary")

    def on_mount(self) -> None:
        self.refresh_texts()

    def refresh_texts(self) -> None:
        """Labels, hints and the camera's state in the current language."""
        app = kiosk_of(self)
        lang = app.lang
        for name in FIELDS:
            colon = "：" if lang == "zh" else ": "
            self.query_one(f"#label-{name}", Static).update(
                f"{label(name, lang)}{colon}{allowed(name, lang)}"
            )
        self.query_one("#set-camera", Input).placeholder = t("settings.not_set", lang)
        self.query_one("#settings-save", Button).label = t("settings.save", lang)
        feed = app.camera
        key = camera_summary(
            app.service.config.camera,
            None if feed is None else str(getattr(feed, "device", "")),
            bool(getattr(feed, "connected", False)),
        )
        self.query_one("#camera-now", Static).update(
            t(key, lang, dev=app.service.config.camera.strip())
        )

    @on(Button.Pressed, "#settings-save")
    def save_settings(self) -> None:
        app = kiosk_of(self)
        values = {name: self.query_one(f"#set-{name}", Input).value for name in FIELDS}
        try:
            parse(values, app.service.config)  # named in the current language, before saving
        except SettingValueError as err:
            self.notify(
                err.text(app.lang),
                title=t("settings.invalid", app.lang),
                severity="error",
                markup=False,
            )
            self.query_one(f"#set-{err.name}", Input).focus()
            return
        try:
            app.service.update_settings(values)
        except KioskError as err:
            self.notify(err.message, title=err.title, severity="error", markup=False)
            return
        self.notify(t("settings.saved", app.lang), markup=False)
        app.refresh_texts()
        self.refresh_texts()
