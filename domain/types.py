"""Domain values that cross layers: frozen dataclasses, no behaviour beyond small helpers.

Imports nothing from the project, so `db/` and `scanner/` can use it without a cycle.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum

KIND_OF_TYPE = {"P": "physician", "N": "nurse"}
TYPE_OF_KIND = {"physician": "P", "nurse": "N"}


class Verdict(StrEnum):
    """The one answer a verification gives; order matters (worst last)."""

    VALID = "valid"
    WARNING = "warning"
    INVALID = "invalid"


class ReasonClass(StrEnum):
    """A reason's class (credential-qr.md): invalid and warning decide the verdict, info is
    shown beside it and leaves it as it is."""

    INVALID = "invalid"
    WARNING = "warning"
    INFO = "info"


@dataclass(frozen=True, slots=True)
class Site:
    """An institution named on a credential: main institution or multi-site filing."""

    no: str
    name: str
    until: str | None = None


@dataclass(frozen=True, slots=True)
class Licence:
    """The licence map of a YZ1 credential, typed. Fields not used by a type stay None."""

    type: str  # "P", "N" or "I"
    no: str
    version: int
    name: str
    issuer_name: str
    issued_on: str
    sex: str | None = None
    birth_month: str | None = None
    location: str | None = None
    org: Site | None = None
    sites: tuple[Site, ...] = ()
    title: str | None = None
    photo: bytes | None = None
    level: str | None = None
    category: str | None = None
    scope: tuple[str, ...] = ()
    valid_until: str | None = None
    valid_from: str | None = None
    address: str | None = None
    principal: str | None = None
    legal_rep: str | None = None
    subjects: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Credential:
    """A decoded YZ1 credential: claims plus the COSE parts needed to verify it."""

    alg: int
    kid: bytes | None
    iss: str
    iat: int
    exp: int | None
    licence: Licence
    signed_bytes: bytes = field(repr=False)
    signature: bytes = field(repr=False)


@dataclass(frozen=True, slots=True)
class TrustKey:
    """One key of the trust list."""

    kid: str  # unpadded base64url of the 8-byte kid
    role: str  # "issuer" | "publisher"
    alg: str  # "Ed25519" | "ES256"
    spki: bytes = field(repr=False)
    authority: str
    authority_name: str
    not_before: dt.datetime
    not_after: dt.datetime
    revoked_at: dt.datetime | None

    @property
    def revoked(self) -> bool:
        """A key with any revocation time is revoked for everything it signed (trust-list.md)."""
        return self.revoked_at is not None


@dataclass(frozen=True, slots=True)
class TrustList:
    """A trust list whose root signature has been verified."""

    sequence: int
    issued_at: str
    keys: tuple[TrustKey, ...]

    def key(self, kid: str) -> TrustKey | None:
        """The key with this kid, or None."""
        for k in self.keys:
            if k.kid == kid:
                return k
        return None


@dataclass(frozen=True, slots=True)
class Filing:
    """A multi-site practice filing (多机构执业备案) as the replica holds it."""

    institution: str
    institution_name: str | None
    scope: tuple[str, ...]
    filed_on: str
    valid_until: str | None


@dataclass(frozen=True, slots=True)
class Institution:
    """A medical institution record (医疗机构执业许可证) as the replica holds it."""

    reg_no: str
    name: str
    category: str
    address: str
    region: str
    legal_rep: str | None
    principal: str
    subjects: tuple[str, ...]
    valid_from: str | None
    valid_until: str
    status: str
    authority: str
    authority_name: str
    issued_on: str
    version: int


@dataclass(frozen=True, slots=True)
class Practitioner:
    """A physician or nurse record as the replica holds it (ID number only masked)."""

    kind: str  # "physician" | "nurse"
    cert_no: str
    id_mask: str
    name: str
    sex: str
    birth_month: str
    level: str | None
    category: str | None
    scope: tuple[str, ...]
    title: str | None
    location: str
    institution: str
    institution_name: str | None
    valid_until: str | None
    status: str
    authority: str
    authority_name: str
    issued_on: str
    version: int
    has_photo: bool
    filings: tuple[Filing, ...] = ()
    id_hash: bytes = field(default=b"", repr=False)


@dataclass(frozen=True, slots=True)
class ReplicaInfo:
    """What the installed replica says about itself."""

    sequence: int
    exported_at: dt.datetime
    jurisdiction: str
    built_at: str
    counts: dict[str, int]


@dataclass(frozen=True, slots=True)
class Reason:
    """One reason behind a verdict: a stable code and a sentence for a person, and the values
    the sentence was filled with, so that it can be worded again in another language."""

    code: str
    severity: ReasonClass
    message: str
    params: tuple[tuple[str, object], ...] = ()


@dataclass(frozen=True, slots=True)
class Verification:
    """The outcome of verifying one credential."""

    verdict: Verdict
    reasons: tuple[Reason, ...]
    credential: Credential | None
    key: TrustKey | None
    practitioner: Practitioner | None = None
    institution: Institution | None = None
    main_institution: Institution | None = None
    inspected: Institution | None = None

    @property
    def codes(self) -> tuple[str, ...]:
        """The reason codes, in order."""
        return tuple(r.code for r in self.reasons)


@dataclass(frozen=True, slots=True)
class IdCheck:
    """A practitioner verified by resident ID number alone (cli.md `check`): one result per
    licence the replica holds for the number, the verdict the worst of them; with no record,
    no results and the reasons of the answer itself (NOT_IN_REGISTRY and the replica's age)."""

    verdict: Verdict
    results: tuple[Verification, ...]
    reasons: tuple[Reason, ...] = ()
