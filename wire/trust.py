"""The signed trust list: root signature, sequence, and the keys it vouches for.

`parse` accepts exactly the bytes as published and the detached signature; an entry whose
kid does not match its SPKI, or with an unknown role or algorithm, is ignored (trust-list.md).
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from domain.errors import KeyFileError, TrustListError
from domain.timeutil import parse_instant
from domain.types import TrustKey, TrustList
from wire.keys import (
    PublicKey,
    alg_name,
    kid_bytes,
    kid_text,
    public_from_spki,
    sign,
    spki_der,
    verify,
)

ROLES = ("issuer", "publisher")
ALGS = ("Ed25519", "ES256", "SM2")


def verify_signature(data: bytes, sig_text: str | bytes, roots: Iterable[PublicKey]) -> None:
    """Check the detached root signature over the exact bytes.

    Raises:
        TrustListError: no pinned root key verifies it.
    """
    if isinstance(sig_text, bytes):
        sig_text = sig_text.decode("ascii", "replace")
    try:
        sig = base64.b64decode(sig_text.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise TrustListError("信任列表签名格式错误 (trust list signature is not base64)") from None
    if not any(verify(root, sig, data) for root in roots):
        raise TrustListError(
            "信任列表签名无效：不是由已固定的根密钥签发 (trust list not signed by a pinned root key)"
        )


def _entry(raw: Any) -> TrustKey | None:
    """One key entry, or None when it must be ignored."""
    if not isinstance(raw, dict):
        return None
    try:
        spki = base64.b64decode(raw["spki"], validate=True)
        if kid_text(kid_bytes(spki)) != raw["kid"]:
            return None
        if raw["role"] not in ROLES or raw["alg"] not in ALGS:
            return None
        if alg_name(public_from_spki(spki)) != raw["alg"]:
            return None
        authority = raw["authority"]
        if not (isinstance(authority, str) and len(authority) == 6 and authority.isdigit()):
            return None
        revoked = raw.get("revoked_at")
        return TrustKey(
            kid=raw["kid"],
            role=raw["role"],
            alg=raw["alg"],
            spki=spki,
            authority=authority,
            authority_name=str(raw.get("authority_name") or ""),
            not_before=parse_instant(raw["not_before"]),
            not_after=parse_instant(raw["not_after"]),
            revoked_at=None if revoked is None else parse_instant(revoked),
        )
    except (KeyError, TypeError, ValueError, binascii.Error, KeyFileError):
        return None


def parse(data: bytes, sig_text: str | bytes, roots: Iterable[PublicKey]) -> TrustList:
    """Verify and parse trustlist.json.

    Raises:
        TrustListError: bad signature or a structure that is not a trust list.
    """
    verify_signature(data, sig_text, roots)
    try:
        doc = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise TrustListError("信任列表不是有效的 JSON (trust list is not valid JSON)") from None
    if not isinstance(doc, dict) or type(doc.get("sequence")) is not int:
        raise TrustListError("信任列表缺少 sequence (trust list has no sequence)")
    keys = doc.get("keys")
    if not isinstance(keys, list):
        raise TrustListError("信任列表缺少 keys (trust list has no keys)")
    entries = tuple(k for k in (_entry(x) for x in keys) if k is not None)
    return TrustList(
        sequence=doc["sequence"], issued_at=str(doc.get("issued_at", "")), keys=entries
    )


def is_revoked(key: TrustKey) -> bool:
    """A key with any revocation time is revoked for everything it signed (trust-list.md)."""
    return key.revoked


def usable_at(key: TrustKey, at: dt.datetime) -> bool:
    """True when the key is not revoked and `at` falls within its validity."""
    return not is_revoked(key) and key.not_before <= at <= key.not_after


# --- issuing side (seed/, tests) -------------------------------------------------------


def entry(
    public: PublicKey,
    *,
    role: str,
    authority: str,
    authority_name: str,
    not_before: str,
    not_after: str,
    revoked_at: str | None = None,
) -> dict[str, Any]:
    """A trust-list entry for a public key."""
    spki = spki_der(public)
    return {
        "kid": kid_text(kid_bytes(spki)),
        "role": role,
        "alg": alg_name(public),
        "spki": base64.b64encode(spki).decode("ascii"),
        "authority": authority,
        "authority_name": authority_name,
        "not_before": not_before,
        "not_after": not_after,
        "revoked_at": revoked_at,
    }


def save(folder: Path, data: bytes, sig: str) -> Path:
    """Write trustlist.json and its .sig into a folder (publisher and demo side)."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "trustlist.json").write_bytes(data)
    (folder / "trustlist.json.sig").write_text(sig, "ascii")
    return folder / "trustlist.json"


def build(
    sequence: int, issued_at: str, entries: list[dict[str, Any]], root: Any
) -> tuple[bytes, str]:
    """Serialise and root-sign a trust list: (trustlist.json bytes, .sig text)."""
    doc = {"sequence": sequence, "issued_at": issued_at, "keys": entries}
    data = (json.dumps(doc, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
    return data, base64.b64encode(sign(root, data)).decode("ascii") + "\n"
