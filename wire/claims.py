"""The licence map of a YZ1 credential (claim -70000): strict typing both ways."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from domain.timeutil import is_date
from domain.types import Licence, Site

_MONTH = re.compile(r"[0-9]{4}-(0[1-9]|1[0-2])")
MAX_PHOTO = 600


class ClaimError(ValueError):
    """A required key missing or of the wrong type."""


def _text(m: dict[str, Any], key: str, *, required: bool = True) -> str | None:
    v = m.get(key)
    if v is None:
        if required:
            raise ClaimError(f"'{key}' is required")
        return None
    if not isinstance(v, str) or not v or len(v) > 200:
        raise ClaimError(f"'{key}' must be non-empty text")
    if not _printable(v):
        raise ClaimError(f"'{key}' holds control characters")
    return v


def _printable(text: str) -> bool:
    """No control, format or surrogate characters: text from a QR is printed on terminals and in
    reports, where an escape sequence or a bidi override would change what a person sees.
    Private-use and unassigned characters stay allowed: rare name characters travel as such."""
    return not any(unicodedata.category(c) in ("Cc", "Cf", "Cs") for c in text)


def _date(m: dict[str, Any], key: str, *, required: bool = True) -> str | None:
    v = _text(m, key, required=required)
    if v is not None and not is_date(v):
        raise ClaimError(f"'{key}' must be a real date YYYY-MM-DD")
    return v


def _texts(m: dict[str, Any], key: str, *, required: bool) -> tuple[str, ...]:
    v = m.get(key)
    if v is None:
        if required:
            raise ClaimError(f"'{key}' is required")
        return ()
    if not isinstance(v, list) or not v or len(v) > 64:
        raise ClaimError(f"'{key}' must be a non-empty array of text")
    if not all(isinstance(x, str) and x and len(x) <= 200 and _printable(x) for x in v):
        raise ClaimError(f"'{key}' must hold text only")
    return tuple(v)


def _site(v: Any, key: str) -> Site:
    if not isinstance(v, dict):
        raise ClaimError(f"'{key}' must be a map with 'no' and 'n'")
    return Site(
        no=_text(v, "no") or "", name=_text(v, "n") or "", until=_date(v, "to", required=False)
    )


def _person(m: dict[str, Any]) -> dict[str, Any]:
    sex = _text(m, "s")
    if sex not in ("M", "F"):
        raise ClaimError("'s' must be 'M' or 'F'")
    b = _text(m, "b")
    if not _MONTH.fullmatch(b or ""):
        raise ClaimError("'b' must be a month YYYY-MM")
    ms = m.get("ms")
    if ms is not None and (not isinstance(ms, list) or len(ms) > 32):
        raise ClaimError("'ms' must be an array of sites")
    # 'ih'/'is' (a salted hash of the ID number) are withdrawn and ignored: any hash of an
    # 18-digit number with a known birth month is reversed in seconds (credential-qr.md).
    ph = m.get("ph")
    if ph is not None and (not isinstance(ph, bytes) or len(ph) > MAX_PHOTO):
        raise ClaimError(f"'ph' must be at most {MAX_PHOTO} bytes")
    return {
        "sex": sex,
        "birth_month": b,
        "location": _text(m, "loc"),
        "org": _site(m.get("org"), "org"),
        "sites": tuple(_site(x, "ms") for x in ms or ()),
        "title": _text(m, "tt", required=False),
        "photo": ph,
    }


def licence_from_map(m: Any) -> Licence:
    """Type-check a decoded licence map; unknown keys are ignored.

    Raises:
        ClaimError: a required key is missing or mistyped.
    """
    if not isinstance(m, dict):
        raise ClaimError("the licence claim must be a map")
    t = m.get("t")
    if t not in ("P", "N", "I"):
        raise ClaimError("'t' must be 'P', 'N' or 'I'")
    v = m.get("v")
    if type(v) is not int or v < 0:
        raise ClaimError("'v' must be an unsigned integer")
    common: dict[str, Any] = {
        "type": t,
        "no": _text(m, "no"),
        "version": v,
        "name": _text(m, "n"),
        "issuer_name": _text(m, "ia"),
        "issued_on": _date(m, "id"),
    }
    if t == "I":
        return Licence(
            **common,
            address=_text(m, "ad"),
            principal=_text(m, "hd"),
            legal_rep=_text(m, "lr", required=False),
            subjects=_texts(m, "sj", required=True),
            valid_from=_date(m, "vf", required=False),
            valid_until=_date(m, "vu"),
        )
    person = _person(m)
    if t == "N":
        return Licence(**common, **person, valid_until=_date(m, "vu"))
    return Licence(
        **common,
        **person,
        level=_text(m, "lv"),
        category=_text(m, "cat"),
        scope=_texts(m, "sc", required=True),
    )


def licence_to_map(lic: Licence) -> dict[str, Any]:
    """The wire map of a licence (issuing side); omits what is empty."""
    m: dict[str, Any] = {
        "t": lic.type,
        "no": lic.no,
        "v": lic.version,
        "n": lic.name,
        "ia": lic.issuer_name,
        "id": lic.issued_on,
    }
    if lic.type == "I":
        m.update(ad=lic.address, hd=lic.principal, sj=list(lic.subjects), vu=lic.valid_until)
        if lic.legal_rep:
            m["lr"] = lic.legal_rep
        if lic.valid_from:
            m["vf"] = lic.valid_from
        return m
    assert lic.org is not None
    m.update(
        s=lic.sex, b=lic.birth_month, loc=lic.location, org={"no": lic.org.no, "n": lic.org.name}
    )
    if lic.sites:
        m["ms"] = [
            {"no": s.no, "n": s.name, **({"to": s.until} if s.until else {})} for s in lic.sites
        ]
    if lic.title:
        m["tt"] = lic.title
    if lic.photo is not None:
        m["ph"] = lic.photo
    if lic.type == "N":
        m["vu"] = lic.valid_until
    else:
        m.update(lv=lic.level, cat=lic.category, sc=list(lic.scope))
    return m
