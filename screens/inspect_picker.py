"""The institution picker of an inspection: each institution found on two lines (name,
category and status; registration number and address), and institutions that share a name
marked, so that the officer picks the one at this address."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import ClassVar

from rich.text import Text
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from domain.types import Institution
from kiosk.messages import t

STATUS_STYLE = {"active": "green", "cancelled": "bold red", "suspended": "bold red"}


class InstitutionPicker(OptionList):
    """Institutions matching a search; the option ids are their registration numbers."""

    DEFAULT_CSS: ClassVar[str] = """
    InstitutionPicker { height: 1fr; }
    InstitutionPicker > .option-list--option { padding: 0 1; }
    """

    def show(self, found: Sequence[Institution], lang: str) -> None:
        """List `found`, the first highlighted."""
        names = Counter(inst.name for inst in found)
        self.clear_options()
        self.add_options(
            Option(self._prompt(inst, names[inst.name] > 1, lang), id=inst.reg_no) for inst in found
        )
        if found:
            self.highlighted = 0

    @staticmethod
    def _prompt(inst: Institution, same_name: bool, lang: str) -> Text:
        """Two lines (three with the same-name warning); every value is data, never markup."""
        text = Text(inst.name, style="bold")
        text.append(f"  {inst.category}  ", style="dim")
        text.append(t(f"status.{inst.status}", lang), style=STATUS_STYLE.get(inst.status, "yellow"))
        text.append("\n" + t("inspect.pick.line", lang, no=inst.reg_no, address=inst.address))
        if same_name:
            text.append("\n" + t("inspect.pick.same_name", lang), style="bold yellow")
        return text
