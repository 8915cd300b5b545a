"""Verification of one YZ1 credential: codec, trust list, signature, then the replica.

Cryptographic checks stop at the first failure; registry and context checks all run, so
every reason that applies is shown (credential-qr.md). Pure: the clock, trust list and
replica are arguments.
"""

from __future__ import annotations

import datetime as dt
import hmac
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from domain.timeutil import china_date
from domain.types import (
    Credential,
    Filing,
    IdCheck,
    Institution,
    Practitioner,
    Reason,
    ReasonClass,
    ReplicaInfo,
    TrustKey,
    TrustList,
    Verdict,
    Verification,
)
from kiosk.messages import reason_class, reason_text
from kiosk.scope import scope_within
from wire import codec
from wire.keys import COSE_ALG_NAME, kid_text, public_from_spki, verify
from wire.trust import is_revoked

SKEW = dt.timedelta(minutes=5)
DEFAULT_MAX_AGE = dt.timedelta(days=7)
DEFAULT_HARD_LIMIT = dt.timedelta(days=30)


class RegistryView(Protocol):
    """What the verifier needs from a replica (db.replica.Replica provides it)."""

    @property
    def id_checkable(self) -> bool: ...

    def id_index(self, id18: str) -> bytes | None: ...
    def info(self) -> ReplicaInfo: ...
    def practitioner(self, kind: str, cert_no: str) -> Practitioner | None: ...
    def institution(self, reg_no: str) -> Institution | None: ...


@dataclass(frozen=True, slots=True)
class Context:
    """What the officer adds to a scan."""

    at: dt.datetime
    institution: str | None = None  # reg_no of the inspected institution
    id_number: str | None = None  # already normalised
    max_age: dt.timedelta = DEFAULT_MAX_AGE
    hard_limit: dt.timedelta = DEFAULT_HARD_LIMIT  # REPLICA_EXPIRED past this: fail closed
    latest_recorded: dt.datetime | None = None  # the audit trail's latest time (CLOCK_SUSPECT)
    lang: str = "zh"


_CLASS_ORDER = {ReasonClass.INVALID: 0, ReasonClass.WARNING: 1, ReasonClass.INFO: 2}


class _Reasons:
    def __init__(self, lang: str) -> None:
        self.lang = lang
        self.items: list[Reason] = []

    def add(self, code: str, **params: object) -> None:
        if all(r.code != code for r in self.items):
            self.items.append(
                Reason(
                    code,
                    reason_class(code),
                    reason_text(code, self.lang, **params),
                    tuple(params.items()),
                )
            )

    def codes(self) -> set[str]:
        return {r.code for r in self.items}

    def ordered(self) -> tuple[Reason, ...]:
        """The reasons in the order credential-qr.md gives: invalid, warning, then info, so
        that the deciding reason comes first (the check order within a class is kept)."""
        return tuple(sorted(self.items, key=lambda r: _CLASS_ORDER[r.severity]))

    def verdict(self) -> Verdict:
        """invalid wins over warning, warning over valid; info leaves the verdict as it is."""
        return worst(r.severity for r in self.items)


def worst(classes: Iterable[ReasonClass | Verdict]) -> Verdict:
    """The verdict that reasons of these classes (or these verdicts) give together."""
    kinds = set(classes)
    if ReasonClass.INVALID in kinds or Verdict.INVALID in kinds:
        return Verdict.INVALID
    if ReasonClass.WARNING in kinds or Verdict.WARNING in kinds:
        return Verdict.WARNING
    return Verdict.VALID


def _check_crypto(cred: Credential, trust: TrustList | None, out: _Reasons) -> TrustKey | None:
    """Key lookup, signature, revocation, key validity, issuer. Stops at the first failure."""
    key = trust.key(kid_text(cred.kid)) if (trust and cred.kid is not None) else None
    if key is None or key.role != "issuer":
        out.add("UNKNOWN_KEY")
        return None
    if COSE_ALG_NAME[cred.alg] != key.alg or not verify(
        public_from_spki(key.spki), cred.signature, cred.signed_bytes
    ):
        out.add("BAD_SIGNATURE")
        return key
    iat = dt.datetime.fromtimestamp(cred.iat, dt.UTC)
    if is_revoked(key):
        out.add("KEY_REVOKED")
    elif not key.not_before <= iat <= key.not_after:
        out.add("KEY_NOT_VALID_AT_ISSUE")
    elif cred.iss != key.authority:
        out.add("ISSUER_MISMATCH")
    return key


def verify_payload(
    text: str, ctx: Context, trust: TrustList | None, replica: RegistryView | None
) -> Verification:
    """Verify one QR payload; never raises for anything the payload contains."""
    out = _Reasons(ctx.lang)
    try:
        cred = codec.decode(text)
    except codec.UnsupportedAlgError:
        out.add("UNSUPPORTED_ALG")
        return Verification(Verdict.INVALID, tuple(out.items), None, None)
    except codec.FormatError as err:
        out.add("BAD_FORMAT", detail=str(err))
        return Verification(Verdict.INVALID, tuple(out.items), None, None)
    key = _check_crypto(cred, trust, out)
    if out.items:
        return Verification(Verdict.INVALID, tuple(out.items), cred, key)
    return _check_registry(cred, key, ctx, replica, out)


def _check_registry(
    cred: Credential,
    key: TrustKey | None,
    ctx: Context,
    replica: RegistryView | None,
    out: _Reasons,
) -> Verification:
    lic = cred.licence
    today = china_date(ctx.at)
    if dt.datetime.fromtimestamp(cred.iat, dt.UTC) > ctx.at + SKEW:
        out.add("NOT_YET_VALID")
    if cred.exp is not None and cred.exp <= ctx.at.timestamp():
        out.add("EXPIRED", until=china_date(dt.datetime.fromtimestamp(cred.exp, dt.UTC)))
    info = _check_replica(ctx, replica, out)
    person: Practitioner | None = None
    inst: Institution | None = None
    record: Practitioner | Institution | None = None
    if replica is not None and info is not None:
        if lic.type == "I":
            record = inst = replica.institution(lic.no)
        else:
            kind = "physician" if lic.type == "P" else "nurse"
            record = person = replica.practitioner(kind, lic.no)
        if record is None:
            issued = dt.datetime.fromtimestamp(cred.iat, dt.UTC)
            out.add("NOT_IN_REGISTRY" if issued < info.exported_at else "REPLICA_BEHIND")
        else:
            if key is not None and not covers(key.authority, record.authority):
                out.add("ISSUER_OUT_OF_JURISDICTION")  # a city's key vouching for another's
            _compare(lic.version, lic.name, record.version, record.name, out)
            _status(record.status, out)
    main, inspected = (None, None)
    if replica is not None and info is not None and lic.type != "I":
        main, inspected = _check_institutions(person, ctx, replica, today, out)
    if record is not None:
        until = record.valid_until
    else:
        until = lic.valid_until if lic.type in ("N", "I") else None
    _check_until(until, lic.type, today, out)
    if ctx.id_number and lic.type != "I":
        _check_id(ctx.id_number, person, replica, out)
    if ctx.institution and lic.type != "I":
        if person is not None:
            here = _here(person.institution, person.filings, ctx.institution, today)
            scopes = person.scope
        else:
            sites = tuple(Filing(s.no, s.name, (), "", s.until) for s in lic.sites)
            here = _here(lic.org.no if lic.org else None, sites, ctx.institution, today)
            scopes = lic.scope
        _check_here(here, lic.type == "P", scopes, inspected, today, out)
    if person is not None and not person.has_photo:
        out.add("NO_PHOTO")
    return Verification(out.verdict(), out.ordered(), cred, key, person, inst, main, inspected)


def check_record(person: Practitioner, ctx: Context, replica: RegistryView) -> Verification:
    """The registry and context checks of a scan, for a record found without a QR (by ID
    number: cli.md `check`). The record's own status, end date, institutions and photo
    decide; there is no credential, key or version to compare."""
    out = _Reasons(ctx.lang)
    today = china_date(ctx.at)
    _check_replica(ctx, replica, out)
    _status(person.status, out)
    main, inspected = _check_institutions(person, ctx, replica, today, out)
    _check_until(person.valid_until, "P" if person.kind == "physician" else "N", today, out)
    if ctx.institution:
        here = _here(person.institution, person.filings, ctx.institution, today)
        _check_here(here, person.kind == "physician", person.scope, inspected, today, out)
    if not person.has_photo:
        out.add("NO_PHOTO")
    return Verification(out.verdict(), out.ordered(), None, None, person, None, main, inspected)


def check_people(people: list[Practitioner], ctx: Context, replica: RegistryView) -> IdCheck:
    """Every licence found for one ID number, each checked as `check_record` does. With none,
    NOT_IN_REGISTRY and the replica's own reasons (cli.md `check --json`)."""
    if people:
        results = tuple(check_record(p, ctx, replica) for p in people)
        return IdCheck(worst(r.verdict for r in results), results)
    out = _Reasons(ctx.lang)
    out.add("NOT_IN_REGISTRY")
    _check_replica(ctx, replica, out)
    return IdCheck(Verdict.INVALID, (), out.ordered())


def _check_replica(ctx: Context, replica: RegistryView | None, out: _Reasons) -> ReplicaInfo | None:
    """The kiosk's clock and the replica's age; None when there is no replica."""
    if ctx.latest_recorded is not None and ctx.at < ctx.latest_recorded - SKEW:
        out.add("CLOCK_SUSPECT")  # earlier than something this kiosk has already recorded
    info = replica.info() if replica is not None else None
    if info is None:
        out.add("NO_REPLICA")
        return None
    age = ctx.at - info.exported_at
    if age > ctx.hard_limit:
        out.add("REPLICA_EXPIRED", days=age.days)  # replaces REPLICA_STALE
    elif age > ctx.max_age:
        out.add("REPLICA_STALE", days=age.days)
    if ctx.at < info.exported_at - SKEW:
        out.add("CLOCK_SUSPECT")
    return info


def _check_institutions(
    person: Practitioner | None,
    ctx: Context,
    replica: RegistryView,
    today: str,
    out: _Reasons,
) -> tuple[Institution | None, Institution | None]:
    """The practitioner's main institution and the inspected one, each in force or not."""
    main = inspected = None
    if person is not None:
        main = replica.institution(person.institution)
        if main is None:
            out.add("INSTITUTION_UNKNOWN")
        elif not in_force(main, today):
            out.add("INSTITUTION_INVALID")
    if ctx.institution:
        inspected = replica.institution(ctx.institution)
        if inspected is None:
            out.add("INSTITUTION_UNKNOWN")
        elif not in_force(inspected, today):
            out.add("INSPECTED_INSTITUTION_INVALID")  # nobody may practise there
    return main, inspected


SOON = dt.timedelta(days=90)
_WHAT = {
    "N": ("护士执业注册", "The nurse's registration"),
    "I": ("医疗机构执业许可证", "The institution's licence"),
    "filing": ("在本机构的多机构执业备案", "The multi-site filing for this institution"),
}


def _check_until(until: str | None, kind: str, today: str, out: _Reasons) -> None:
    """EXPIRED past the end date; EXPIRES_SOON within 90 days of it (a nurse must apply for
    renewal before it ends). Physicians' licences have no end date."""
    if until is None:
        return
    if until < today:
        out.add("EXPIRED", until=until)
    else:
        _soon(until, kind, today, out)


def _soon(until: str, kind: str, today: str, out: _Reasons) -> None:
    if not out.codes().isdisjoint(_STATUS_CODES.values()):
        return  # a cancelled, filed or suspended licence is not in force: nothing to renew
    days = (dt.date.fromisoformat(until) - dt.date.fromisoformat(today)).days
    if days <= SOON.days and kind in _WHAT:
        what, what_en = _WHAT[kind]
        out.add("EXPIRES_SOON", what=what, what_en=what_en, until=until, days=days)


def covers(authority: str, division: str) -> bool:
    """Whether a key of `authority` may vouch for a record approved by `division`: the codes
    that begin with the authority's code less its trailing "00" pairs (credential-qr.md:
    410000 covers 41…., 411300 covers 4113.., 411302 only itself, 000000 everything)."""
    prefix = authority
    while prefix.endswith("00"):
        prefix = prefix[:-2]
    return division.startswith(prefix)


def in_force(inst: Institution, today: str) -> bool:
    """An institution's licence is in force: neither suspended nor cancelled, nor past its end."""
    return inst.status not in ("suspended", "cancelled") and inst.valid_until >= today


def _compare(v: int, name: str, rv: int, rname: str, out: _Reasons) -> None:
    if v < rv:
        out.add("SUPERSEDED", old=v, new=rv)
    elif v > rv:
        out.add("REPLICA_BEHIND")
    elif name != rname:
        out.add("DATA_MISMATCH")


_STATUS_CODES = {"cancelled": "CANCELLED", "filed": "FILED", "suspended": "SUSPENDED"}


def _status(status: str, out: _Reasons) -> None:
    code = _STATUS_CODES.get(status)
    if code:
        out.add(code)


def _check_id(
    id18: str, person: Practitioner | None, replica: RegistryView | None, out: _Reasons
) -> None:
    """The typed ID number against the replica's record: the only place it can be checked
    (credentials carry no ID hash: credential-qr.md)."""
    index = replica.id_index(id18) if replica is not None and person is not None else None
    if index is None:
        out.add("ID_UNCHECKED")
    elif not hmac.compare_digest(index, person.id_hash if person is not None else b""):
        out.add("ID_MISMATCH")


def _current(f: Filing, today: str) -> bool:
    return f.valid_until is None or f.valid_until >= today


@dataclass(frozen=True, slots=True)
class _Here:
    """How a practitioner is registered at the inspected institution, if at all."""

    registered: bool
    until: str | None = None  # the end of the filing that registers them there, if one does


def _here(main: str | None, filings: tuple[Filing, ...], here: str, today: str) -> _Here:
    """Registered as the main institution (no end), or by the current multi-site filing
    for it that ends last (an open-ended one never ends)."""
    if main == here:
        return _Here(True)
    current = [f for f in filings if f.institution == here and _current(f, today)]
    if not current:
        return _Here(False)
    if any(f.valid_until is None for f in current):
        return _Here(True)
    return _Here(True, max(f.valid_until for f in current if f.valid_until is not None))


def _check_here(
    here: _Here,
    physician: bool,
    scopes: tuple[str, ...],
    inspected: Institution | None,
    today: str,
    out: _Reasons,
) -> None:
    if not here.registered:
        out.add("NOT_REGISTERED_HERE")
    elif here.until is not None:
        _soon(here.until, "filing", today, out)
    if physician and inspected is not None and not scope_within(scopes, inspected.subjects):
        out.add("SCOPE_OUTSIDE_SUBJECTS")


CRYPTO_CODES = frozenset(
    {
        "BAD_FORMAT",
        "UNSUPPORTED_ALG",
        "UNKNOWN_KEY",
        "BAD_SIGNATURE",
        "KEY_REVOKED",
        "KEY_NOT_VALID_AT_ISSUE",
        "ISSUER_MISMATCH",
    }
)


def trusted(v: Verification) -> bool:
    """True when the credential's signature and key checks passed, so its content may be shown."""
    return v.credential is not None and not CRYPTO_CODES.intersection(v.codes)
