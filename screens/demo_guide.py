"""The demo's one-screen guide: every demo credential; pick one to scan it."""

from __future__ import annotations

import json
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from screens.base import kiosk_of
from screens.messages import PayloadScanned

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
            "演示 DEMO：用扫码枪扫描 demo/credentials 中的图片，或在此选择一项回车（等同扫码）。"
            "⚙ 项附带检查情境。\n"
            "Scan the images in demo/credentials, or pick one here and press Enter "
            "(⚙: with an inspection context).",
            id="demo-help",
        )
        self.cases = load_cases(kiosk_of(self).service.home.path)
        options = []
        for i, case in enumerate(self.cases):
            ctx = " ⚙" if case.get("context") else ""
            options.append(Option(f"{MARK[case['expect']]} {case['label']}{ctx}", id=str(i)))
        yield OptionList(*options, id="demo-cases")

    @on(OptionList.OptionSelected, "#demo-cases")
    def pick(self, event: OptionList.OptionSelected) -> None:
        case = self.cases[int(event.option.id or 0)]
        context = dict(case.get("context") or {})
        if "home" in context:
            where = kiosk_of(self).service.home.path / context["home"]
            self.notify(
                f"此案例需要没有注册库的目录：python main.py --home {where}\n"
                "This case needs a home without a replica: start the kiosk on that folder.",
                title="⚙ NO_REPLICA",
                markup=False,
                timeout=12,
            )
            return
        if context:
            self.notify(_explain(context), title="⚙ 演示情境 demo context", markup=False)
        self.post_message(PayloadScanned(case["payload"], "demo", context))


def _explain(context: dict[str, str]) -> str:
    """What an officer would have entered for this demo case."""
    parts = []
    if "institution" in context:
        parts.append(
            f"在被检查机构 {context['institution']} 核验 (inspected at this institution; F3)"
        )
    if "id_number" in context:
        parts.append("附带持证人出示的身份证号 (with the ID number shown by the holder)")
    if "at" in context:
        parts.append(f"按时间 {context['at']} 核验 (verified as of that time)")
    return "\n".join(parts)
