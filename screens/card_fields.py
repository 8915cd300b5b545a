"""The public fields a verdict card (and the look-up detail panel) shows, per seed 001's
licence styles: what a trusted licence says, filled in from the registry's record where the
licence is silent; for a check by ID number (no licence), the registry's record alone.

Only public fields, and the ID number only masked (DOMAIN.md §9).
"""

from __future__ import annotations

from domain.types import Filing, Institution, Licence, Practitioner, Verification
from kiosk.messages import t
from kiosk.verify import trusted

Rows = list[tuple[str, str]]  # (label, value), both plain text


def fields(v: Verification, lang: str) -> Rows:
    """The card's fields for a verification; none for a credential that is not trusted."""
    if v.credential is not None:
        if not trusted(v):
            return []  # the content of an untrusted credential is not shown
        lic = v.credential.licence
        if lic.type == "I":
            rows = institution_fields(v.institution, lang, lic)
        else:
            rows = practitioner_fields(v.practitioner, v.main_institution, lang, lic)
    elif v.practitioner is not None:
        rows = practitioner_fields(v.practitioner, v.main_institution, lang)
    elif v.institution is not None:
        rows = institution_fields(v.institution, lang)
    else:
        return []
    if v.inspected is not None:
        rows.append((t("card.inspected", lang), f"{v.inspected.name}（{v.inspected.reg_no}）"))
    return rows


def _pick(lic: object | None, rec: object | None, attr: str, rec_attr: str = "") -> str | None:
    """What the licence says for `attr` if it says it, else the registry record's value."""
    for obj, name in ((lic, attr), (rec, rec_attr or attr)):
        value = getattr(obj, name, None) if obj is not None else None
        if value:
            return str(value)
    return None


def practitioner_fields(
    p: Practitioner | None,
    main: Institution | None,
    lang: str,
    lic: Licence | None = None,
) -> Rows:
    """A physician's or nurse's licence: the licence's own values first, then the record's."""
    kind = lic.type if lic is not None else ("N" if p is not None and p.kind == "nurse" else "P")
    scope = lic.scope if lic else (p.scope if p else ())  # a physician's licence always has one
    org = (lic.org.name if lic and lic.org else None) or (main.name if main else None)
    if org is None and p is not None:
        org = p.institution_name or p.institution
    sex = _pick(lic, p, "sex")
    # Who it is first, to compare with the ID card, and the licence's number: on a short
    # terminal these stay in sight when reasons take the top of the card.
    head: list[tuple[str, str | None]] = [
        ("card.name", _pick(lic, p, "name")),
        ("card.cert.N" if kind == "N" else "card.cert", _pick(lic, p, "no", "cert_no")),
        ("card.sex", t(f"sex.{sex}", lang) if sex else None),
        ("card.birth_month", _pick(lic, p, "birth_month")),
        ("card.id", p.id_mask if p else None),
        ("card.level", _pick(lic, p, "level")),
        ("card.category", _pick(lic, p, "category")),
        ("card.scope", "、".join(scope) or None),
        (f"card.title.{kind}", _pick(lic, p, "title")),
        ("card.location", _pick(lic, p, "location")),
        ("card.org", org),
        ("card.nurse_until", _pick(lic, p, "valid_until") if kind == "N" else None),
    ]
    tail: list[tuple[str, str | None]] = [
        ("card.authority", _pick(lic, p, "issuer_name", "authority_name")),
        ("card.issued_on", _pick(lic, p, "issued_on")),
    ]
    return _rows(head, lang) + _filings(p, lic, lang) + _rows(tail, lang)


def _rows(rows: list[tuple[str, str | None]], lang: str) -> Rows:
    """The rows that have a value, with their labels in the interface language."""
    return [(t(key, lang), value) for key, value in rows if value]


def _filings(p: Practitioner | None, lic: Licence | None, lang: str) -> Rows:
    """Each multi-site filing: institution, scope, and its period (the registry's record has
    the scope and start; a licence names only the institution and the end)."""
    filings: tuple[Filing, ...] = p.filings if p is not None else ()
    if not filings and lic is not None:
        filings = tuple(Filing(s.no, s.name, (), "", s.until) for s in lic.sites)
    rows = []
    for i, f in enumerate(filings):
        text = f.institution_name or f.institution
        if f.scope:
            text += f"（{'、'.join(f.scope)}）"
        end = f.valid_until or t("card.open_ended", lang)
        text += "  " + (t("card.period", lang, start=f.filed_on, end=end) if f.filed_on else end)
        rows.append((t("card.sites", lang) if i == 0 else "", text))
    return rows


def institution_fields(inst: Institution | None, lang: str, lic: Licence | None = None) -> Rows:
    """An institution's licence: the licence's own values first, then the record's."""
    start, end = _pick(lic, inst, "valid_from"), _pick(lic, inst, "valid_until")
    period = t("card.period", lang, start=start, end=end) if start and end else end
    subjects = (lic.subjects if lic else ()) or (inst.subjects if inst else ())
    return _rows(
        [
            ("card.inst_name", _pick(lic, inst, "name")),
            ("card.reg", _pick(lic, inst, "no", "reg_no")),
            ("card.address", _pick(lic, inst, "address")),
            ("card.inst_category", inst.category if inst else None),
            ("card.legal_rep", _pick(lic, inst, "legal_rep")),
            ("card.principal", _pick(lic, inst, "principal")),
            ("card.subjects", "、".join(subjects) or None),
            ("card.valid_period", period),
            ("card.authority", _pick(lic, inst, "issuer_name", "authority_name")),
            ("card.issued_on", _pick(lic, inst, "issued_on")),
        ],
        lang,
    )
