"""Sync bundles: the signed manifest that names every file with its SHA-256.

A bundle folder, served as plain files by any static server, CDN or object store:

    manifest.json            this publication (sequence, exported_at, jurisdiction, files with
                             their size, SHA-256 and, for compressed ones, unpacked size)
    manifest.json.sig        {"kid": publisher kid, "sig": base64 signature over manifest.json:
                             Ed25519's 64 bytes or SM2's r‖s, as the trust list says of the kid}
    trustlist.json(.sig)     the trust list, root-signed
    snapshot-<seq>.db.zst    the full replica, a finished SQLite file
    delta-<from>-<to>.ndjson.zst   one per consecutive pair of publications
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from domain.errors import BundleIntegrityError, BundleSignatureError
from domain.timeutil import parse_instant
from domain.types import TrustList
from wire.keys import PrivateKey, kid_bytes, kid_text, public_from_spki, sign, spki_der, verify
from wire.trust import usable_at

# 2: every compressed file states its unpacked size, which the kiosk enforces while unpacking.
FORMAT = "yanzhao-bundle/2"
MANIFEST = "manifest.json"
MANIFEST_SIG = "manifest.json.sig"
TRUST = "trustlist.json"
TRUST_SIG = "trustlist.json.sig"
MAX_MANIFEST = 1 << 20
MAX_TRUST = 4 << 20
MAX_FILE = 1 << 40  # no bundle file is larger than a terabyte, packed or not
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")
_SHA256 = re.compile(r"[0-9a-f]{64}")
_CODE = re.compile(r"[0-9]{6}")
MAX_SEQUENCE = (1 << 53) - 1  # what every JSON reader holds exactly


@dataclass(frozen=True, slots=True)
class FileRef:
    """A file of the bundle with its size and hash."""

    name: str
    size: int
    sha256: str
    unpacked: int | None = None  # the decompressed size of a .zst file


@dataclass(frozen=True, slots=True)
class DeltaRef:
    """A delta from one sequence to the next."""

    from_seq: int
    to_seq: int
    file: FileRef


@dataclass(frozen=True, slots=True)
class Manifest:
    """A verified manifest."""

    sequence: int
    exported_at: dt.datetime
    jurisdiction: str
    published_at: str
    trust_sequence: int
    trust: FileRef
    trust_sig: FileRef
    snapshot: FileRef
    deltas: tuple[DeltaRef, ...]
    raw: dict[str, Any]


def sha256_file(path: Path, chunk: int = 1 << 20) -> str:
    """Hex SHA-256 of a file."""
    h = hashlib.sha256()
    with path.open("rb") as fh:
        while block := fh.read(chunk):
            h.update(block)
    return h.hexdigest()


def file_ref(path: Path, unpacked: int | None = None) -> dict[str, Any]:
    """The manifest entry of a file in the bundle folder (with its unpacked size if packed)."""
    ref: dict[str, Any] = {
        "name": path.name,
        "size": path.stat().st_size,
        "sha256": sha256_file(path),
    }
    if unpacked is not None:
        ref["unpacked_size"] = unpacked
    return ref


def sign_manifest(doc: dict[str, Any], key: PrivateKey) -> tuple[bytes, bytes]:
    """Serialise and sign a manifest: (manifest.json bytes, manifest.json.sig bytes)."""
    data = (json.dumps(doc, ensure_ascii=False, indent=1) + "\n").encode("utf-8")
    sig = {
        "kid": kid_text(kid_bytes(spki_der(key.public_key()))),
        "sig": base64.b64encode(sign(key, data)).decode("ascii"),
    }
    return data, (json.dumps(sig) + "\n").encode("ascii")


def _count(raw: Any, what: str, limit: int = MAX_FILE) -> int:
    """A JSON integer in [0, limit]: not a bool, a float or a numeric string."""
    if type(raw) is not int or not 0 <= raw <= limit:
        raise ValueError(f"{what} must be an integer from 0 to {limit}")
    return raw


def _ref(raw: Any, *, packed: bool = False) -> FileRef:
    if not isinstance(raw, dict):
        raise ValueError("a file entry must be an object")
    name = raw["name"]
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise ValueError(f"bad file name {name[:40]!r}" if isinstance(name, str) else "bad name")
    digest = raw["sha256"]
    if not isinstance(digest, str) or not _SHA256.fullmatch(digest):
        raise ValueError("bad sha256")
    unpacked = _count(raw["unpacked_size"], "unpacked_size") if packed else None
    return FileRef(name, _count(raw["size"], "size"), digest, unpacked)


def looks_like_html(data: bytes) -> bool:
    """A captive portal or error page instead of a bundle file."""
    head = data[:512].lstrip().lower()
    return head.startswith((b"<!doctype", b"<html", b"<head", b"<?xml"))


def verify_manifest(data: bytes, sig_data: bytes, trust: TrustList, now: dt.datetime) -> Manifest:
    """Check the publisher signature against the trust list, then parse.

    Raises:
        BundleSignatureError: unknown, revoked or wrong-role key; bad signature.
        BundleIntegrityError: a manifest that is not one.
    """
    if looks_like_html(data) or looks_like_html(sig_data):
        raise BundleIntegrityError(
            "同步源返回的是网页而不是数据包（可能需要先登录网络）(the source returned a web page, not a bundle)"
        )
    try:
        sig_doc = json.loads(sig_data)
        kid, sig = sig_doc["kid"], base64.b64decode(sig_doc["sig"], validate=True)
    except (ValueError, KeyError, TypeError, binascii.Error):
        raise BundleSignatureError(
            "数据包签名文件损坏 (manifest signature file unreadable)"
        ) from None
    key = trust.key(kid) if isinstance(kid, str) else None
    if key is None or key.role != "publisher":
        raise BundleSignatureError(
            "数据包发布密钥不在信任列表中 (publisher key not in the trust list)"
        )
    if not usable_at(key, now):
        raise BundleSignatureError(
            "数据包发布密钥已吊销或不在有效期 (publisher key revoked or expired)"
        )
    if not verify(public_from_spki(key.spki), sig, data):
        raise BundleSignatureError("数据包签名无效 (bundle manifest signature does not verify)")
    try:
        doc = json.loads(data)
        if not isinstance(doc, dict):
            raise ValueError("not an object")
        if doc.get("format") != FORMAT:
            raise ValueError(f"format {str(doc.get('format'))[:40]!r}")
        jurisdiction = doc["jurisdiction"]
        if not (isinstance(jurisdiction, str) and _CODE.fullmatch(jurisdiction)):
            raise ValueError("jurisdiction must be a 6-digit division code")
        if key.authority not in ("000000", jurisdiction):
            raise BundleSignatureError(
                "发布密钥无权发布该辖区数据 (publisher key not authorised for this jurisdiction)"
            )
        published_at = doc.get("published_at", "")
        deltas = doc["deltas"]
        if not isinstance(published_at, str) or not isinstance(deltas, list):
            raise ValueError("published_at must be text and deltas a list")
        return Manifest(
            sequence=_count(doc["sequence"], "sequence", MAX_SEQUENCE),
            exported_at=parse_instant(doc["exported_at"]),
            jurisdiction=jurisdiction,
            published_at=published_at[:64],
            trust_sequence=_count(doc["trust_list"]["sequence"], "trust sequence", MAX_SEQUENCE),
            trust=_ref(doc["trust_list"]["file"]),
            trust_sig=_ref(doc["trust_list"]["sig"]),
            snapshot=_ref(doc["snapshot"], packed=True),
            deltas=tuple(
                DeltaRef(
                    _count(d["from"], "from", MAX_SEQUENCE),
                    _count(d["to"], "to", MAX_SEQUENCE),
                    _ref(d["file"], packed=True),
                )
                for d in deltas
            ),
            raw=doc,
        )
    except (KeyError, TypeError, ValueError) as err:
        raise BundleIntegrityError(f"数据包清单格式错误 (manifest malformed: {err})") from None


def read_limited(fh: IO[bytes], limit: int) -> bytes:
    """Read at most `limit` bytes, refusing anything larger."""
    data = fh.read(limit + 1)
    if len(data) > limit:
        raise BundleIntegrityError("文件过大 (file larger than expected)")
    return data
