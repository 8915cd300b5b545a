"""Plain dict views of domain values for JSON output (CLI, reports). Never a clear ID number."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from domain.types import (
    Credential,
    IdCheck,
    Institution,
    Practitioner,
    Reason,
    TrustKey,
    Verification,
)
from wire.keys import kid_text


def _clean(d: dict[str, Any]) -> dict[str, Any]:
    return {
        k: (list(v) if isinstance(v, tuple) else v) for k, v in d.items() if v not in (None, (), [])
    }


def credential(c: Credential | None) -> dict[str, Any] | None:
    """The credential's claims, without the photo bytes."""
    if c is None:
        return None
    lic = c.licence
    d = dataclasses.asdict(lic)
    d.pop("photo", None)
    d["has_photo"] = lic.photo is not None
    d["iss"] = c.iss
    d["iat"] = dt.datetime.fromtimestamp(c.iat, dt.UTC).isoformat()
    if c.exp is not None:
        d["exp"] = dt.datetime.fromtimestamp(c.exp, dt.UTC).isoformat()
    d["kid"] = None if c.kid is None else kid_text(c.kid)
    if lic.org is not None:
        d["org"] = {"no": lic.org.no, "name": lic.org.name}
    d["sites"] = [_clean({"no": s.no, "name": s.name, "until": s.until}) for s in lic.sites]
    return _clean(d)


def practitioner(p: Practitioner) -> dict[str, Any]:
    """A practitioner record as the replica holds it, ID number masked."""
    d = dataclasses.asdict(p)
    d.pop("id_hash", None)
    d["id_number"] = d.pop("id_mask")
    d["filings"] = [_clean(dataclasses.asdict(f)) for f in p.filings]
    return _clean(d) | {"filings": d["filings"]}


def institution(i: Institution) -> dict[str, Any]:
    """An institution record."""
    return _clean(dataclasses.asdict(i))


def key(k: TrustKey | None) -> dict[str, Any] | None:
    """The signing key as the trust list describes it."""
    if k is None:
        return None
    return {
        "kid": k.kid,
        "authority": k.authority,
        "authority_name": k.authority_name,
        "alg": k.alg,
        "role": k.role,
    }


def reasons(rs: tuple[Reason, ...]) -> list[dict[str, str]]:
    """Each reason as cli.md gives it: code, class and message."""
    return [{"code": r.code, "class": r.severity.value, "message": r.message} for r in rs]


def id_check(c: IdCheck) -> dict[str, Any]:
    """check --json (cli.md): a result per licence, each with its verdict, reasons and record;
    the top-level reasons are those of an answer with no record (else empty)."""
    results = []
    for v in c.results:
        registry = _registry(v)
        if registry is not None and v.inspected is not None:
            registry["inspected_institution"] = institution(v.inspected)
        results.append(
            {"verdict": v.verdict.value, "reasons": reasons(v.reasons), "registry": registry}
        )
    return {"verdict": c.verdict.value, "reasons": reasons(c.reasons), "results": results}


def _registry(v: Verification) -> dict[str, Any] | None:
    registry: dict[str, Any] | None = None
    if v.practitioner is not None:
        registry = practitioner(v.practitioner)
    elif v.institution is not None:
        registry = institution(v.institution)
    if registry is not None and v.main_institution is not None:
        registry["main_institution"] = institution(v.main_institution)
    return registry


def verification(v: Verification) -> dict[str, Any]:
    """verify --json, exactly as cli.md describes it."""
    registry = _registry(v)
    return {
        "verdict": v.verdict.value,
        "reasons": reasons(v.reasons),
        "credential": credential(v.credential),
        "registry": registry,
        "key": key(v.key),
    }
