"""Issuing YZ1 credentials from registry records (the issuing authority's side, for the demo
and the tests), and rendering them as QR images."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from domain.types import Licence, Site
from wire import codec
from wire.claims import licence_to_map
from wire.keys import PrivateKey


def licence_for_institution(rec: dict[str, Any]) -> Licence:
    """The licence of an institutions.ndjson record."""
    return Licence(
        type="I",
        no=rec["reg_no"],
        version=rec["version"],
        name=rec["name"],
        issuer_name=rec["authority_name"],
        issued_on=rec["issued_on"],
        address=rec["address"],
        principal=rec["principal"],
        legal_rep=rec.get("legal_rep"),
        subjects=tuple(rec["subjects"]),
        valid_from=rec.get("valid_from"),
        valid_until=rec["valid_until"],
    )


def licence_for_practitioner(
    rec: dict[str, Any],
    institutions: dict[str, dict[str, Any]],
    filings: list[dict[str, Any]] = (),  # type: ignore[assignment]
    *,
    photo: bytes | None = None,
) -> Licence:
    """The licence of a practitioners.ndjson record (with its filings)."""

    def site(no: str, until: str | None = None) -> Site:
        inst = institutions.get(no)
        return Site(no=no, name=inst["name"] if inst else no, until=until)

    physician = rec["kind"] == "physician"
    return Licence(
        type="P" if physician else "N",
        no=rec["cert_no"],
        version=rec["version"],
        name=rec["name"],
        issuer_name=rec["authority_name"],
        issued_on=rec["issued_on"],
        sex=rec["sex"],
        birth_month=rec["birth_month"],
        location=rec["location"],
        org=site(rec["institution"]),
        sites=tuple(site(f["institution"], f.get("valid_until")) for f in filings),
        title=rec.get("title"),
        photo=photo,
        level=rec.get("level") if physician else None,
        category=rec.get("category") if physician else None,
        scope=tuple(rec.get("scope") or ()) if physician else (),
        valid_until=None if physician else rec["valid_until"],
    )


def issue(
    licence: Licence, key: PrivateKey, *, iss: str, iat: int, exp: int | None = None, **kwargs: Any
) -> str:
    """Sign a licence as YZ1 text."""
    return codec.encode(licence_to_map(licence), key, iss=iss, iat=iat, exp=exp, **kwargs)


def with_changes(licence: Licence, **changes: Any) -> Licence:
    """A copy of a licence with some fields changed (for demo cases)."""
    return replace(licence, **changes)


def qr_png(text: str, path: Path, *, scale: int = 4, error: str = "m") -> Path:
    """Render QR text as a PNG (alphanumeric mode keeps YZ1 codes small)."""
    import segno

    segno.make_qr(text, error=error, boost_error=False).save(str(path), scale=scale, border=4)
    return path
