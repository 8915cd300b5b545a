"""Kiosk configuration: a dataclass loaded once from the home's config.json and passed down."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True, slots=True)
class Config:
    """Settings an admin may change; unknown keys in the file are ignored."""

    max_replica_age_days: int = 7
    """REPLICA_STALE when the registry export is older than this."""
    replica_hard_limit_days: int = 30
    """REPLICA_EXPIRED (invalid: fail closed) when the export is older than this. Not on the
    settings form: only an admin may change it (credential-qr.md)."""
    card_timeout_s: int = 20
    """Seconds before the verdict card clears itself (privacy for the next person)."""
    camera: str = "0"
    """Camera index or device path; empty for no camera. A home without the key uses the first
    camera ("0"); the demo never opens one, whatever this says (main.py)."""
    decoder_order: tuple[str, ...] = ("zxing", "zbar", "opencv")
    """QR decoders, in the order tried."""
    language: str = "zh"
    """'zh' (Simplified Chinese) or 'en'."""
    sync_source: str = ""
    """The folder or URL synced last."""
    idle_lock_s: int = 300
    """Seconds without a key before the screen locks and clears (issue 20)."""
    audit_retention_days: int = 1095
    """Audit records older than this are purged, with a purge record (admins only)."""
    work_hours: str = "08:00-18:00"
    """China time; ID look-ups and name searches outside it raise an alert."""
    lookup_burst_per_minute: int = 20
    """More look-ups than this by one operator within a minute raise an alert (scraping)."""
    invalid_run: int = 5
    """This many invalid verdicts in a row raise an alert (a wave of forgeries)."""
    failed_logins_alert: int = 3
    """This many failed sign-ins within ten minutes raise an alert."""


def load(path: Path) -> Config:
    """Read config.json; a missing or damaged file gives the defaults."""
    try:
        raw = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return Config()
    if not isinstance(raw, dict):
        return Config()
    known = {f.name: f for f in dataclasses.fields(Config)}
    values: dict[str, Any] = {}
    for name, value in raw.items():
        field = known.get(name)
        if field is None:
            continue
        default = getattr(Config(), name)
        if name == "camera" and (value is None or type(value) is int):
            values[name] = "" if value is None else str(value)  # null: none; 1: index 1
        elif isinstance(default, tuple) and isinstance(value, list):
            values[name] = tuple(str(v) for v in value)
        elif isinstance(value, type(default)) and not isinstance(value, bool):
            values[name] = value
    return Config(**values)


def save(path: Path, config: Config) -> None:
    """Write config.json atomically."""
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(dataclasses.asdict(config), ensure_ascii=False, indent=2), "utf-8")
    tmp.replace(path)


# What the kiosk itself may change (the settings form, the language key, the last sync
# source). The rest, the hard replica age limit among them, is an admin's, in config.json.
KIOSK_SETTINGS = frozenset(
    {"max_replica_age_days", "card_timeout_s", "camera", "decoder_order", "language", "sync_source"}
)

DECODERS = ("zxing", "zbar", "opencv")

# Each setting's name for people: key → (Chinese, English).
LABELS: dict[str, tuple[str, str]] = {
    "max_replica_age_days": ("注册库最长使用天数", "Maximum replica age (days)"),
    "replica_hard_limit_days": ("注册库使用上限天数", "Hard replica age limit (days)"),
    "card_timeout_s": ("核验结果自动清除秒数", "Verdict card timeout (seconds)"),
    "camera": ("摄像头", "Camera"),
    "decoder_order": ("解码器顺序", "Decoder order"),
    "language": ("语言", "Language"),
    "sync_source": ("同步源", "Sync source"),
    "idle_lock_s": ("无操作锁屏秒数", "Idle lock (seconds)"),
    "audit_retention_days": ("审计记录保留天数", "Audit retention (days)"),
    "work_hours": ("工作时间", "Working hours"),
    "lookup_burst_per_minute": ("每分钟查询上限", "Look-ups a minute before an alert"),
    "invalid_run": ("连续无效次数上限", "Invalid verdicts in a row before an alert"),
    "failed_logins_alert": ("登录失败次数上限", "Failed sign-ins before an alert"),
}

# Whole-number settings of the form: (smallest, largest).
RANGES: dict[str, tuple[int, int]] = {
    "max_replica_age_days": (1, 36500),
    "card_timeout_s": (1, 3600),
}

# What each setting allows, for a person: key → (Chinese, English).
ALLOWED: dict[str, tuple[str, str]] = {
    **{
        name: (f"{lo} 至 {hi} 之间的整数", f"a whole number from {lo} to {hi}")
        for name, (lo, hi) in RANGES.items()
    },
    "camera": (
        "编号（如 0）或设备路径（如 /dev/video0），留空表示不用摄像头",
        "an index (e.g. 0) or a device path (e.g. /dev/video0); empty for no camera",
    ),
    "decoder_order": (
        "zxing、zbar、opencv 中的一个或多个，用逗号分隔",
        "one or more of zxing, zbar, opencv, separated by commas",
    ),
    "language": ("zh（中文）或 en（英文）", "zh (Chinese) or en (English)"),
    "sync_source": ("数据包目录或网址", "a bundle folder or URL"),
}


def label(name: str, lang: str = "zh") -> str:
    """A setting's name for people, in `lang` ('zh' or 'en')."""
    zh, en = LABELS.get(name, (name, name))
    return en if lang == "en" else zh


def allowed(name: str, lang: str = "zh") -> str:
    """What a setting allows, in `lang`; empty when there is nothing to say."""
    zh, en = ALLOWED.get(name, ("", ""))
    return en if lang == "en" else zh


class SettingValueError(ValueError):
    """A setting typed with a value it does not allow, or one the kiosk may not change; it
    names the setting by its label, never by its key."""

    def __init__(self, name: str, *, fixed: bool = False) -> None:
        self.name, self.fixed = name, fixed
        super().__init__(f"{self.text('zh')} ({self.text('en')})")

    def text(self, lang: str) -> str:
        """The sentence in one language: the setting's label and what it allows."""
        if self.fixed:
            return (
                f"{label(self.name, 'en')}: this setting cannot be changed here"
                if lang == "en"
                else f"{label(self.name)}：此项不能在本机修改"
            )
        if lang == "en":
            return f"{label(self.name, 'en')}: enter {allowed(self.name, 'en')}"
        return f"{label(self.name)}：请输入 {allowed(self.name)}"


def camera_summary(configured: str, feed_device: str | None, connected: bool) -> str:
    """The message key (kiosk/messages.py) for what the camera setting does now.

    Args:
        configured: the camera setting as saved.
        feed_device: the device the running camera feed opened, or None when none runs.
        connected: whether that feed has a picture.

    The demo opens the camera it names too (main.py), so there is no demo case.
    """
    dev = configured.strip()
    if feed_device is not None and feed_device.strip() == dev:
        return "settings.camera.on" if connected else "settings.camera.lost"
    if not dev:
        return "settings.camera.unset" if feed_device is None else "settings.camera.restart"
    return "settings.camera.restart"


def parse(values: dict[str, str], base: Config) -> Config:
    """Turn settings typed as text into a Config.

    Raises:
        SettingValueError: a value that does not fit its setting, or a setting the kiosk may
            not change; it names the setting by its label and says what is allowed.
    """
    changes: dict[str, object] = {}
    for name, text in values.items():
        if name not in KIOSK_SETTINGS:
            raise SettingValueError(name, fixed=True)
        changes[name] = _value(name, text.strip(), getattr(base, name))
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]  # checked per field


def _value(name: str, text: str, default: object) -> object:
    if isinstance(default, int):
        lo, hi = RANGES.get(name, (1, 10**9))
        if not (text.isascii() and text.isdigit()) or not lo <= int(text) <= hi:
            raise SettingValueError(name)
        return int(text)
    if isinstance(default, tuple):
        order = tuple(x.strip() for x in text.split(",") if x.strip())
        if not order or not set(order) <= set(DECODERS):
            raise SettingValueError(name)
        return order
    if name == "language" and text not in ("zh", "en"):
        raise SettingValueError(name)
    return text
