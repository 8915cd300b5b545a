"""The YZ1 codec: "YZ1:" + Base45(zlib(COSE_Sign1(CWT claims))), strict and bounded.

`decode` turns QR text into a `Credential` or raises `FormatError` (verdict BAD_FORMAT) or
`UnsupportedAlgError`; it never verifies the signature (that needs the trust list) and never
lets a low-level exception escape. `encode` is the issuing side, used by seed/ and tests.
"""

from __future__ import annotations

import io
import zlib
from collections.abc import Mapping
from typing import Any

import cbor2

from domain.types import Credential
from wire import base45
from wire.claims import ClaimError, licence_from_map, licence_to_map
from wire.keys import (
    ALG_EDDSA,
    ALG_ES256,
    ALG_SM2,
    COSE_ALG_NAME,
    PrivateKey,
    alg_name,
    kid_bytes,
    sign,
    spki_der,
)

PREFIX = "YZ1:"
MAX_TEXT = 8192  # a QR code holds at most 4,296 alphanumeric characters
MAX_INFLATED = 16 * 1024
MAX_DEPTH = 16
# Times are bounded to what a datetime can hold (up to the end of year 9999), so that no
# claim can make the verifier raise: anything outside is BAD_FORMAT.
MAX_TIME = 253402300799
COSE_SIGN1_TAG = 18
LICENCE_CLAIM = -70000


class FormatError(ValueError):
    """The payload is not a well-formed YZ1 credential (BAD_FORMAT)."""


class UnsupportedAlgError(ValueError):
    """The protected header names an algorithm other than EdDSA, ES256 or SM2."""

    def __init__(self, alg: object) -> None:
        super().__init__(f"alg {alg!r}")
        self.alg = alg


def _cbor(data: bytes, what: str) -> Any:
    """Decode exactly one CBOR item, bounded in depth, no duplicate keys, nothing trailing."""
    fp = io.BytesIO(data)
    try:
        item = cbor2.CBORDecoder(
            fp, max_depth=MAX_DEPTH, allow_duplicate_keys=False, allow_indefinite=True
        ).decode()
    except (cbor2.CBORDecodeError, RecursionError, ValueError, TypeError, OverflowError) as err:
        raise FormatError(f"{what}: not valid CBOR ({err})") from None
    except Exception as err:  # noqa: BLE001 - cbor2 semantic tags may raise anything
        raise FormatError(f"{what}: not valid CBOR ({type(err).__name__})") from None
    if fp.tell() != len(data):
        raise FormatError(f"{what}: trailing bytes after the CBOR item")
    return item


def _labelled(item: Any, what: str) -> dict[Any, Any]:
    """A CBOR map whose labels are integers or text only (RFC 9052 §3, RFC 8392 §3): a float or
    a boolean label would otherwise stand for an integer one (1.0 == True == 1 in Python)."""
    if not isinstance(item, dict):
        raise FormatError(f"{what} must be a map")
    if not all(type(k) is int or type(k) is str for k in item):
        raise FormatError(f"{what}: labels must be integers or text")
    return item


def _inflate(data: bytes) -> bytes:
    """Inflate a zlib stream, refusing more than MAX_INFLATED bytes of output."""
    d = zlib.decompressobj()
    try:
        out = d.decompress(data, MAX_INFLATED + 1)
    except zlib.error as err:
        raise FormatError(f"zlib: {err}") from None
    if len(out) > MAX_INFLATED or d.unconsumed_tail:
        raise FormatError(f"zlib: inflates to more than {MAX_INFLATED} bytes")
    if not d.eof:
        raise FormatError("zlib: truncated stream")
    if d.unused_data:
        raise FormatError("zlib: trailing bytes after the stream")
    return out


def unwrap(text: str) -> bytes:
    """Strip the prefix, Base45-decode and inflate: the COSE_Sign1 bytes."""
    if not isinstance(text, str) or not text:
        raise FormatError("empty payload")
    if len(text) > MAX_TEXT:
        raise FormatError(f"payload longer than {MAX_TEXT} characters")
    if not text.startswith(PREFIX):
        raise FormatError("not a YZ1 payload (prefix)")
    try:
        raw = base45.decode(text[len(PREFIX) :])
    except base45.Base45Error as err:
        raise FormatError(f"Base45: {err}") from None
    if not raw:
        raise FormatError("empty after Base45")
    return _inflate(raw) if raw[0] == 0x78 else raw


def decode(text: str) -> Credential:
    """Decode a YZ1 payload into a Credential, strictly.

    Raises:
        FormatError: anything malformed (BAD_FORMAT).
        UnsupportedAlgError: a well-formed credential with an algorithm we refuse.
    """
    cose = _cbor(unwrap(text), "COSE_Sign1")
    if isinstance(cose, cbor2.CBORTag):
        if cose.tag != COSE_SIGN1_TAG:
            raise FormatError(f"COSE: unexpected CBOR tag {cose.tag}")
        cose = cose.value
    if not isinstance(cose, (list, tuple)) or len(cose) != 4:
        raise FormatError("COSE_Sign1 must be an array of four items")
    protected_bstr, unprotected, payload, signature = cose
    if not isinstance(protected_bstr, bytes) or not protected_bstr:
        raise FormatError("COSE: protected header must be a non-empty byte string")
    if not isinstance(unprotected, Mapping):
        raise FormatError("COSE: unprotected header must be a map")
    if not isinstance(payload, bytes) or not isinstance(signature, bytes):
        raise FormatError("COSE: payload and signature must be byte strings")
    protected = _labelled(_cbor(protected_bstr, "protected header"), "protected header")
    if 1 not in protected:
        raise FormatError("COSE: alg missing from the protected header")
    alg = protected[1]
    if type(alg) is not int and type(alg) is not str:  # RFC 9052: int or tstr (-8.0 is not -8)
        raise FormatError("COSE: alg must be an integer or text")
    kid = protected.get(4)
    if kid is not None and not isinstance(kid, bytes):
        raise FormatError("COSE: kid must be a byte string")
    claims = _labelled(_cbor(payload, "payload"), "payload")
    iss, iat, exp = claims.get(1), claims.get(6), claims.get(4)
    if not isinstance(iss, str) or len(iss) != 6 or not (iss.isascii() and iss.isdigit()):
        raise FormatError("claim iss must be a 6-digit division code")
    if type(iat) is not int or not 0 <= iat <= MAX_TIME:
        raise FormatError("claim iat must be an integer time before the year 10000")
    if exp is not None and (type(exp) is not int or not 0 <= exp <= MAX_TIME):
        raise FormatError("claim exp must be an integer time before the year 10000")
    try:
        licence = licence_from_map(claims.get(LICENCE_CLAIM))
    except ClaimError as err:
        raise FormatError(f"licence: {err}") from None
    if alg not in (ALG_EDDSA, ALG_ES256, ALG_SM2):
        raise UnsupportedAlgError(alg)
    signed = cbor2.dumps(["Signature1", protected_bstr, b"", payload])
    return Credential(
        alg=alg,
        kid=kid,
        iss=iss,
        iat=iat,
        exp=exp,
        licence=licence,
        signed_bytes=signed,
        signature=signature,
    )


def encode_cose(
    claims: dict[Any, Any],
    key: PrivateKey,
    *,
    alg: int | None = None,
    kid: bytes | None = None,
    tagged: bool = True,
    compress: bool = True,
) -> str:
    """Sign CWT claims as COSE_Sign1 and wrap as YZ1 text (issuing side)."""
    if alg is None:
        name = alg_name(key.public_key())
        alg = next(a for a, n in COSE_ALG_NAME.items() if n == name)
    if kid is None:
        kid = kid_bytes(spki_der(key.public_key()))
    protected = cbor2.dumps({1: alg, 4: kid})
    payload = cbor2.dumps(claims)
    signature = sign(key, cbor2.dumps(["Signature1", protected, b"", payload]))
    body: Any = [protected, {}, payload, signature]
    raw = cbor2.dumps(cbor2.CBORTag(COSE_SIGN1_TAG, body) if tagged else body)
    if compress:
        raw = zlib.compress(raw, 9)
    return PREFIX + base45.encode(raw)


def encode(
    licence_map: dict[str, Any],
    key: PrivateKey,
    *,
    iss: str,
    iat: int,
    exp: int | None = None,
    **kwargs: Any,
) -> str:
    """Issue a YZ1 credential for a licence map."""
    claims: dict[Any, Any] = {1: iss, 6: iat, LICENCE_CLAIM: licence_map}
    if exp is not None:
        claims[4] = exp
    return encode_cose(claims, key, **kwargs)


__all__ = [
    "FormatError",
    "UnsupportedAlgError",
    "decode",
    "encode",
    "encode_cose",
    "licence_to_map",
    "unwrap",
]
