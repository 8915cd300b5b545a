"""The verdict card: one glance tells the verdict; then the reasons, the public fields, the
photo, the masked ID, and for SUPERSEDED what changed against the registry."""

from __future__ import annotations

from dataclasses import dataclass

from rich.console import Group
from rich.markup import escape
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Static

from domain.types import Verdict, Verification
from kiosk.messages import VERDICT_LABELS, t
from kiosk.verify import trusted

ICONS = {Verdict.VALID: "✔", Verdict.WARNING: "!", Verdict.INVALID: "✘"}
CLASSES = {Verdict.VALID: "is-valid", Verdict.WARNING: "is-warning", Verdict.INVALID: "is-invalid"}
# A scan that could not be checked (the verifier or the card failed): amber, not a verdict.
UNCHECKED = ("无法核验此次扫码", "This scan could not be checked")
UNCHECKED_ADVICE = (
    "请重新扫码；如仍无法核验，请联系工作人员。",
    "Scan again; if it still cannot be checked, ask staff.",
)


@dataclass(frozen=True, slots=True)
class CardData:
    """What the card shows: the verification and a pre-rendered photo."""

    result: Verification
    photo: Text | None = None


def _fields(v: Verification, lang: str) -> list[tuple[str, str]]:
    """The public disclosure fields of DOMAIN.md §9 (never more), plus the masked ID."""
    if v.credential is None or not trusted(v):
        return []  # the content of an untrusted credential is not shown
    lic = v.credential.licence
    rows: list[tuple[str, str | None]]
    if lic.type == "I":
        rows = [
            ("card.inst_name", lic.name),
            ("card.reg", lic.no),
            ("card.address", lic.address),
            ("card.subjects", "、".join(lic.subjects)),
            ("card.legal_rep", lic.legal_rep),
            ("card.principal", lic.principal),
            ("card.valid_until", lic.valid_until),
            ("card.authority", lic.issuer_name),
        ]
    else:
        rows = [
            ("card.name", lic.name),
            ("card.sex", t(f"sex.{lic.sex}", lang)),
            ("card.level", lic.level),
            ("card.category", lic.category),
            ("card.scope", "、".join(lic.scope) or None),
            ("card.cert", lic.no),
            ("card.location", lic.location),
            ("card.org", lic.org.name if lic.org else None),
            ("card.sites", "、".join(s.name for s in lic.sites) or None),
            ("card.valid_until", lic.valid_until if lic.type == "N" else None),
            ("card.authority", lic.issuer_name),
            ("card.id", v.practitioner.id_mask if v.practitioner else None),
        ]
    return [(t(k, lang), val) for k, val in rows if val]


def _changes(v: Verification, lang: str) -> Table | None:
    """Credential against the registry's current record (SUPERSEDED)."""
    if "SUPERSEDED" not in v.codes or v.credential is None:
        return None
    lic, rec = v.credential.licence, (v.practitioner or v.institution)
    if rec is None:
        return None
    pairs = [("card.name", lic.name, rec.name)]
    if v.practitioner is not None:
        p = v.practitioner
        pairs += [
            ("card.org", lic.org.no if lic.org else "", p.institution),
            ("card.scope", "、".join(lic.scope), "、".join(p.scope)),
            ("card.level", lic.level or "", p.level or ""),
            ("card.location", lic.location or "", p.location),
            ("card.valid_until", lic.valid_until or "", p.valid_until or ""),
        ]
    table = Table(title=t("card.changed", lang), show_header=True, expand=False)
    table.add_column("")
    table.add_column("证照 licence")
    table.add_column("登记库 registry", style="bold")
    for key, old, new in pairs:
        if old != new:
            table.add_row(t(key, lang), escape(old or "—"), escape(new or "—"))
    table.add_row("版本 version", str(lic.version), str(rec.version))
    return table


class VerdictCard(Vertical):
    """Fills the scan screen with the latest verdict, or the prompt when empty."""

    def compose(self) -> ComposeResult:
        yield Static(id="verdict-banner")
        with Horizontal(id="verdict-body"):
            with VerticalScroll(id="verdict-details"):
                yield Static(id="verdict-reasons")
                yield Static(id="verdict-fields")
            yield Static(id="verdict-photo")

    def on_mount(self) -> None:
        # The details scroll with the mouse wheel but never take focus from the paste box.
        self.query_one("#verdict-details").can_focus = False

    def _blank(self) -> None:
        self.remove_class(*CLASSES.values(), "is-unchecked")
        for wid in ("#verdict-reasons", "#verdict-fields", "#verdict-photo"):
            self.query_one(wid, Static).update("")

    def clear(self, prompt: str) -> None:
        """Show the waiting prompt (privacy for the next person in line)."""
        self._blank()
        self.query_one("#verdict-banner", Static).update(Text(prompt, justify="center"))

    def unchecked(self, lang: str) -> None:
        """Say that this scan could not be checked; nothing of an earlier card stays."""
        self._blank()
        self.add_class("is-warning", "is-unchecked")
        zh, en = UNCHECKED
        label = f"?  {zh}  {en.upper()}" if lang != "en" else f"?  {en.upper()}  {zh}"
        self.query_one("#verdict-banner", Static).update(
            Text(label, style="bold", justify="center")
        )
        self.query_one("#verdict-reasons", Static).update(Text("\n".join(UNCHECKED_ADVICE)))

    def show(self, data: CardData, lang: str) -> None:
        """Show a verification."""
        v = data.result
        self.remove_class(*CLASSES.values(), "is-unchecked")
        self.add_class(CLASSES[v.verdict])
        zh, en = VERDICT_LABELS[v.verdict]
        label = (
            f"{ICONS[v.verdict]}  {zh}  {en.upper()}"
            if lang != "en"
            else f"{ICONS[v.verdict]}  {en.upper()}  {zh}"
        )
        kind = t(f"card.type.{v.credential.licence.type}", lang) if v.credential else ""
        banner = Text(label, style="bold", justify="center")
        if kind:
            banner.append(f"\n{kind}", style="")
        self.query_one("#verdict-banner", Static).update(banner)
        reasons = Text()
        for r in v.reasons:
            style = "bold" if r.verdict is Verdict.INVALID else ""
            reasons.append(f"• {r.message}", style=style)
            reasons.append(f"  {r.code}\n", style="dim")
        self.query_one("#verdict-reasons", Static).update(reasons)
        grid = Table.grid(padding=(0, 2))
        grid.add_column(style="dim", no_wrap=True)
        grid.add_column()
        for name, value in _fields(v, lang):
            grid.add_row(name, escape(value))  # data, never markup
        changes = _changes(v, lang)
        self.query_one("#verdict-fields", Static).update(Group(grid, changes) if changes else grid)
        self.query_one("#verdict-photo", Static).update(data.photo or "")
