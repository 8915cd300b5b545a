"""The verdict card: one glance tells the verdict; then the reasons (the deciding ones first,
information after them), the public fields, the photo, the masked ID, and for SUPERSEDED what
changed against the registry. A scan and a check by ID number show the same card."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from rich.console import Group
from rich.markup import escape
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Static

from domain.types import TYPE_OF_KIND, Reason, ReasonClass, Verdict, Verification
from kiosk.messages import VERDICT_LABELS, reworded, t
from screens.card_fields import fields
from screens.photo_view import PhotoView, no_photo

ICONS = {Verdict.VALID: "✔", Verdict.WARNING: "!", Verdict.INVALID: "✘"}
CLASSES = {Verdict.VALID: "is-valid", Verdict.WARNING: "is-warning", Verdict.INVALID: "is-invalid"}
# A scan that could not be checked (the verifier or the card failed): amber, not a verdict.
LABEL_MAX = 16  # cells: the Chinese labels and most English ones on one line
VALUE_MIN = 20  # cells: an 18-character certificate number or masked ID on one line
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

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002 - Textual's name
        super().__init__(id=id)
        # What is shown, to draw again in another language (F9): None when blank.
        self._redraw: Callable[[str], None] | None = None

    def relabel(self, lang: str) -> None:
        """Draw what is shown again in `lang` (labels, verdict band and reasons)."""
        if self._redraw is not None:
            self._redraw(lang)

    def compose(self) -> ComposeResult:
        yield Static(id="verdict-banner")
        with Horizontal(id="verdict-body"):
            with VerticalScroll(id="verdict-details"):
                yield Static(id="verdict-reasons")
                yield Static(id="verdict-fields")
            yield PhotoView(id="verdict-photo")

    def on_mount(self) -> None:
        # The details scroll with the mouse wheel but never take focus from the paste box.
        self.query_one("#verdict-details").can_focus = False

    def _blank(self) -> None:
        self._redraw = None
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
        self._redraw = self.unchecked
        self.add_class("is-warning", "is-unchecked")
        zh, en = UNCHECKED
        label = f"?  {zh}  {en.upper()}" if lang != "en" else f"?  {en.upper()}  {zh}"
        self.query_one("#verdict-banner", Static).update(
            Text(label, style="bold", justify="center")
        )
        self.query_one("#verdict-reasons", Static).update(Text("\n".join(UNCHECKED_ADVICE)))

    def show(self, data: CardData, lang: str) -> None:
        """Show a verification: of a scanned credential, or of a record found by ID number."""
        v = data.result
        self._redraw = partial(self.show, data)
        if v.credential is not None:
            kind = t(f"card.type.{v.credential.licence.type}", lang)
        elif v.practitioner is not None:
            kind = t(f"card.type.{TYPE_OF_KIND[v.practitioner.kind]}", lang)
            kind += "\n" + t("card.by_id", lang)
        else:
            kind = ""
        self._banner(v.verdict, kind, lang)
        self.query_one("#verdict-reasons", Static).update(reasons_text(v.reasons, lang))
        grid = Table.grid(padding=(0, 2))
        # A long English label wraps, so the values keep the width (a number is never cut).
        grid.add_column(style="dim", max_width=LABEL_MAX, overflow="fold")
        grid.add_column(overflow="fold", min_width=VALUE_MIN)  # wraps, never cut to "…"
        for name, value in fields(v, lang):
            grid.add_row(name, Text(value))  # data, never markup
        changes = _changes(v, lang)
        self.query_one("#verdict-fields", Static).update(Group(grid, changes) if changes else grid)
        # A person without a photo is told so (NO_PHOTO); an institution has none to show.
        person = v.practitioner is not None or (
            v.credential is not None and v.credential.licence.type != "I"
        )
        photo = data.photo or (no_photo() if person else "")
        self.query_one("#verdict-photo", PhotoView).update(photo)

    def not_found(self, reasons: tuple[Reason, ...], lang: str) -> None:
        """No licence for an ID number: 查无此人, with the replica's own reasons."""
        self._blank()
        self._redraw = partial(self.not_found, reasons)
        self._banner(Verdict.INVALID, t("card.not_found", lang), lang)
        text = Text(t("card.not_found_detail", lang) + "\n\n")
        text.append(reasons_text(reasons, lang))
        self.query_one("#verdict-reasons", Static).update(text)

    def _banner(self, verdict: Verdict, kind: str, lang: str) -> None:
        self.remove_class(*CLASSES.values(), "is-unchecked")
        self.add_class(CLASSES[verdict])
        zh, en = VERDICT_LABELS[verdict]
        label = (
            f"{ICONS[verdict]}  {zh}  {en.upper()}"
            if lang != "en"
            else f"{ICONS[verdict]}  {en.upper()}  {zh}"
        )
        banner = Text(label, style="bold", justify="center")
        if kind:
            banner.append(f"\n{kind}", style="")
        self.query_one("#verdict-banner", Static).update(banner)


def reasons_text(reasons: tuple[Reason, ...], lang: str) -> Text:
    """Invalid and warning reasons first, as bullets (invalid in bold); then the info ones,
    dim and marked ℹ, so that they read as notes beside the verdict, not as its cause. Each
    in `lang`, whatever language the verifier worded it in."""
    text = Text()
    deciding = [r for r in reasons if r.severity is not ReasonClass.INFO]
    notes = [r for r in reasons if r.severity is ReasonClass.INFO]
    for r in deciding:
        text.append(
            f"• {reworded(r, lang)}", style="bold" if r.severity is ReasonClass.INVALID else ""
        )
        text.append(f"  {r.code}\n", style="dim")
    for r in notes:
        text.append(f"ℹ {reworded(r, lang)}", style="dim italic")
        text.append(f"  {r.code}\n", style="dim")
    text.rstrip()  # no blank line under the last: the margin parts reasons from fields
    return text
