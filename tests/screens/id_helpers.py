"""Helpers for the checks by ID number in the TUI tests: real demo numbers, and everything a
screen shows, so that a test can say a full ID number appears nowhere."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path
from typing import Any

from textual.widgets import DataTable, Input, OptionList, Static

from tests.screens.conftest import plain


def id_of(world: Path, cert_no: str, kind: str | None = None) -> str:
    """The ID number the demo export holds for a certificate (the export is the registry's,
    so it holds numbers in clear; the kiosk's home never does)."""
    with (world / "demo" / "export" / "practitioners.ndjson").open(encoding="utf-8") as fh:
        for rec in map(json.loads, fh):
            if rec["cert_no"] == cert_no and kind in (None, rec["kind"]):
                return str(rec["id_number"])
    raise LookupError(cert_no)


def id_of_case(world: Path, case: dict[str, Any]) -> tuple[str, str]:
    """(ID number, certificate number) of the holder of a demo credential."""
    from wire.codec import decode

    lic = decode(case["payload"]).licence
    return id_of(world, lic.no, "physician" if lic.type == "P" else "nurse"), lic.no


def case_labelled(cases: list[dict[str, Any]], start: str) -> dict[str, Any]:
    """The demo credential whose label starts with `start`."""
    return next(c for c in cases if c["label"].startswith(start))


def on_screen(app: Any) -> str:
    """Everything the current screen shows: the rendered screen (all whitespace removed, so
    that a number broken over cells or lines is still found), every Static's content, every
    Input's value, every table cell and every option."""
    svg = app.export_screenshot()
    text = html.unescape(re.sub(r"<[^>]+>", "", svg))
    parts = ["".join(text.split())]
    screen = app.screen
    parts += [plain(w) for w in screen.query(Static)]
    parts += [w.value for w in screen.query(Input)]
    for table in screen.query(DataTable):
        for i in range(table.row_count):
            parts.append(" ".join(str(c) for c in table.get_row_at(i)))
    for options in screen.query(OptionList):
        parts += [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
    return "\n".join(parts)


def cards_text(app: Any, selector: str) -> str:
    """The text of every card (and message) in a card stack."""
    stack = app.screen.query_one(selector)
    return "\n".join(plain(w) for w in stack.query(Static))


def write_id_cases(world: Path, cases: list[dict[str, Any]]) -> Path:
    """Write demo/id-checks.ndjson as the demo build does (one JSON object a line)."""
    path = world / "demo" / "id-checks.ndjson"
    path.write_text(
        "".join(json.dumps(c, ensure_ascii=False) + "\n" for c in cases), encoding="utf-8"
    )
    return path


def edit_replica(home: Path, sql: str, *params: Any) -> None:
    """Change one row of the home's installed replica (to stage what the demo lacks)."""
    import contextlib
    import sqlite3

    from db import store

    path = store.current(home / "replica")
    assert path is not None
    with contextlib.closing(sqlite3.connect(path)) as conn, conn:
        assert conn.execute(sql, params).rowcount == 1
