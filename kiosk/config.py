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
    """Camera index or device path; empty for no camera."""
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
        if isinstance(default, tuple) and isinstance(value, list):
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


def parse(values: dict[str, str], base: Config) -> Config:
    """Turn settings typed as text into a Config.

    Raises:
        ValueError: a value that does not fit its setting, or a setting the kiosk may not
            change, with a sentence that says why.
    """
    changes: dict[str, object] = {}
    for name, text in values.items():
        if name not in KIOSK_SETTINGS:
            raise ValueError(f"{name}: 此项不能在本机修改 (this setting cannot be changed here)")
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
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]  # checked above, per field
