"""The demo's one-screen guide: the demo operators and their PINs (to sign in as each role),
every demo credential (pick one to scan it) and every demo check by ID number (pick one to
check it on Look up; the guide shows its label, never the number)."""

from __future__ import annotations

import json
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from kiosk.messages import t
from kiosk.operators import ROLE_NAMES
from screens.base import kiosk_of
from screens.messages import PayloadScanned

MARK = {"valid": "✔", "warning": "!", "invalid": "✘"}
ID_MARK = "🪪"  # a check by ID number, not a scan


def load_cases(home_path: Any, name: str = "credentials.ndjson") -> list[dict[str, Any]]:
    """The demo cases listed in the home's demo/`name`, or [] when there are none."""
    path = home_path / "demo" / name
    try:
        return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]
    except (OSError, ValueError):
        return []


def load_operators(home_path: Any) -> list[dict[str, str]]:
    """The demo operators (name, role, PIN) listed in the home's demo/operators.json, or []."""
    try:
        listed = json.loads((home_path / "demo" / "operators.json").read_text("utf-8"))
        return [{k: str(op[k]) for k in ("name", "role", "pin")} for op in listed]
    except (OSError, ValueError, TypeError, KeyError):
        return []


def operators_text(operators: list[dict[str, str]], lang: str) -> str:
    """One line per demo operator: name, PIN and role (short enough for the side panel)."""
    lines = [t("signin.demo", lang)]
    for op in operators:
        zh, en = ROLE_NAMES.get(op["role"], (op["role"], op["role"]))
        lines.append(f"  {op['name']}  {op['pin']}  {zh if lang == 'zh' else en}")
    return "\n".join(lines)


class DemoGuide(Vertical):
    """Lists the demo cases; Enter on a credential scans it, as a scanner would, and on a
    check by ID number runs it on Look up, as if the number had been typed."""

    class IdCasePicked(Message):
        """A demo check by ID number was picked (the app runs it on Look up)."""

        def __init__(self, id_number: str, context: dict[str, str]) -> None:
            super().__init__()
            self.id_number = id_number
            self.context = context

    def compose(self) -> ComposeResult:
        app = kiosk_of(self)
        operators = load_operators(app.service.home.path)
        if operators:
            yield Static(operators_text(operators, app.lang), id="demo-operators", markup=False)
        yield Static(
            "演示 DEMO：用扫码枪扫描 demo/credentials 中的图片，或在此选择一项回车（等同扫码）。"
            f"⚙ 项附带检查情境；{ID_MARK} 项按身份证号核验（在“查询”页）。\n"
            "Scan the images in demo/credentials, or pick one here and press Enter "
            f"(⚙: with an inspection context; {ID_MARK}: checked by ID number on Look up).",
            id="demo-help",
        )
        home = app.service.home.path
        self.cases = load_cases(home)
        self.id_cases = load_cases(home, "id-checks.ndjson")
        options = []
        for i, case in enumerate(self.cases):
            ctx = " ⚙" if case.get("context") else ""
            options.append(Option(f"{MARK[case['expect']]} {case['label']}{ctx}", id=str(i)))
        for i, case in enumerate(self.id_cases):  # the label only: the number is never shown
            ctx = " ⚙" if case.get("context") else ""
            mark = MARK.get(case.get("expect", ""), "?")
            options.append(Option(f"{ID_MARK}{mark} {case['label']}{ctx}", id=f"id-{i}"))
        yield OptionList(*options, id="demo-cases")

    @on(OptionList.OptionSelected, "#demo-cases")
    def pick(self, event: OptionList.OptionSelected) -> None:
        option = event.option.id or "0"
        if option.startswith("id-"):
            self._pick_id_case(self.id_cases[int(option[3:])])
            return
        case = self.cases[int(option)]
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

    def _pick_id_case(self, case: dict[str, Any]) -> None:
        context = {k: str(v) for k, v in dict(case.get("context") or {}).items()}
        if context:
            self.notify(_explain(context), title="⚙ 演示情境 demo context", markup=False)
        self.post_message(self.IdCasePicked(str(case["id_number"]), context))


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
