"""The demo's one-screen guide: every demo credential; pick one to scan it."""

from __future__ import annotations

import json
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

MARK = {"valid": "✔", "warning": "!", "invalid": "✘"}


def load_cases(home_path: Any) -> list[dict[str, Any]]:
    """The demo credentials listed in the home, or [] when there are none."""
    path = home_path / "demo" / "credentials.ndjson"
    try:
        return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]
    except (OSError, ValueError):
        return []


class DemoGuide(Vertical):
    """Lists the demo credentials; Enter on one scans it, as a scanner would."""

    def compose(self) -> ComposeResult:
        yield Static(
            "演示 DEMO：用扫码枪扫描 demo/credentials 中的图片，或在此选择一项回车（等同扫码）。\n"
            "Scan the images in demo/credentials, or pick one here and press Enter.",
            id="demo-help",
        )
        self.cases = load_cases(self.app.service.home.path)  # type: ignore[attr-defined]
        options = []
        for i, case in enumerate(self.cases):
            ctx = " ⚙" if case.get("context") else ""
            options.append(Option(f"{MARK[case['expect']]} {case['label']}{ctx}", id=str(i)))
        yield OptionList(*options, id="demo-cases")

    @on(OptionList.OptionSelected, "#demo-cases")
    def pick(self, event: OptionList.OptionSelected) -> None:
        from screens.app import PayloadScanned

        case = self.cases[int(event.option.id or 0)]
        self.post_message(PayloadScanned(case["payload"], "demo"))
