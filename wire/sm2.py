"""SM2 with SM3 (GB/T 32918, GM/T 0009 default user ID): keys, strict parsing, sign, verify.

The key structures are parsed here, strictly and in pure Python (`cryptography` refuses the
sm2p256v1 curve): a public key is exactly the 91-byte SubjectPublicKeyInfo that GmSSL and
OpenSSL write (id-ecPublicKey with the curve OID 1.2.156.10197.1.301, an uncompressed point
on the curve); a private key is PKCS#8 holding an RFC 5915 ECPrivateKey. Signatures are the
64-byte r‖s of COSE, r and s checked to lie in [1, n−1] before any arithmetic is done.

The arithmetic is tongsuopy's (Tongsuo, the OpenAtom fork of OpenSSL with SM2, statically
linked; it writes nothing to the terminal). It is imported on the first SM2 signature made
or verified, never when this module is imported, so a kiosk that meets no SM2 key never
loads it (docs/sm2.md says why this library).
"""

from __future__ import annotations

import base64
import binascii
import secrets
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

# The curve sm2p256v1 (GB/T 32918.5).
P = 0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFF
A = 0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFC
B = 0x28E9FA9E9D9F5E344D5A9E4BCF6509A7F39789F515AB8F92DDBCBD414D940E93
N = 0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFF7203DF6B21C6052B53BBF40939D54123
GX = 0x32C4AE2C1F1981195F9904466A39C9948FE30BBFF2660BE1715A4589334C74C7
GY = 0xBC3736A2F4F6779C59BDCEE36B692153D0A9877CC62A474002DF32E52139F0A0
DEFAULT_ID = b"1234567812345678"  # GM/T 0009: the signer's ID when none is agreed

OID_EC_PUBLIC_KEY = bytes.fromhex("06072a8648ce3d0201")  # 1.2.840.10045.2.1
OID_SM2P256V1 = bytes.fromhex("06082a811ccf5501822d")  # 1.2.156.10197.1.301
ALGORITHM_ID = b"\x30\x13" + OID_EC_PUBLIC_KEY + OID_SM2P256V1
# SEQUENCE { AlgorithmIdentifier, BIT STRING { 0 unused bits, 04 ‖ X ‖ Y } }
SPKI_PREFIX = b"\x30\x59" + ALGORITHM_ID + b"\x03\x42\x00\x04"
SPKI_LENGTH = len(SPKI_PREFIX) + 64


class Sm2KeyError(ValueError):
    """Bytes that are not an SM2 key of the shape this module accepts."""


# --- the curve, for key checks only (verification itself is the library's) -------------


def on_curve(x: int, y: int) -> bool:
    """True when (x, y) is a point of sm2p256v1 (cofactor 1: every such point has order n)."""
    return 0 <= x < P and 0 <= y < P and (y * y - (x * x * x + A * x + B)) % P == 0


def _add(p1: tuple[int, int] | None, p2: tuple[int, int] | None) -> tuple[int, int] | None:
    if p1 is None:
        return p2
    if p2 is None:
        return p1
    (x1, y1), (x2, y2) = p1, p2
    if x1 == x2 and (y1 + y2) % P == 0:
        return None
    if p1 == p2:
        slope = (3 * x1 * x1 + A) * pow(2 * y1, -1, P) % P
    else:
        slope = (y2 - y1) * pow(x2 - x1, -1, P) % P
    x3 = (slope * slope - x1 - x2) % P
    return x3, (slope * (x1 - x3) - y1) % P


def public_point(d: int) -> tuple[int, int]:
    """d·G, the public point of a private scalar (key loading and generation only)."""
    result: tuple[int, int] | None = None
    addend: tuple[int, int] | None = (GX, GY)
    while d:
        if d & 1:
            result = _add(result, addend)
        addend = _add(addend, addend)
        d >>= 1
    if result is None:
        raise Sm2KeyError("SM2 private scalar is a multiple of the group order")
    return result


# --- keys -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Sm2PublicKey:
    """An SM2 public key: a point of sm2p256v1, checked on construction."""

    x: int
    y: int

    def __post_init__(self) -> None:
        if not on_curve(self.x, self.y):
            raise Sm2KeyError("SM2 public key: the point is not on the curve sm2p256v1")

    def point(self) -> bytes:
        """The 64 bytes X ‖ Y."""
        return self.x.to_bytes(32, "big") + self.y.to_bytes(32, "big")

    def spki(self) -> bytes:
        """The SubjectPublicKeyInfo DER, as GmSSL and OpenSSL write it."""
        return SPKI_PREFIX + self.point()

    def pem(self) -> bytes:
        """SubjectPublicKeyInfo PEM."""
        return _pem("PUBLIC KEY", self.spki())


@dataclass(frozen=True, slots=True)
class Sm2PrivateKey:
    """An SM2 private key: the scalar d in [1, n−2] (GB/T 32918.1) and its public key."""

    d: int = field(repr=False)
    public: Sm2PublicKey

    def public_key(self) -> Sm2PublicKey:
        """The public half."""
        return self.public

    def pkcs8(self) -> bytes:
        """PKCS#8 PrivateKeyInfo DER, as `openssl genpkey -algorithm SM2` writes it."""
        point = b"\x03\x42\x00\x04" + self.public.point()
        ec_key = _tlv(
            0x30, b"\x02\x01\x01" + _tlv(0x04, self.d.to_bytes(32, "big")) + _tlv(0xA1, point)
        )
        return _tlv(0x30, b"\x02\x01\x00" + ALGORITHM_ID + _tlv(0x04, ec_key))

    def pem(self) -> bytes:
        """Unencrypted PKCS#8 PEM."""
        return _pem("PRIVATE KEY", self.pkcs8())


def private_from_scalar(d: int) -> Sm2PrivateKey:
    """The private key of a scalar, which must lie in [1, n−2]."""
    if not 1 <= d <= N - 2:
        raise Sm2KeyError("SM2 private scalar out of range [1, n-2]")
    return Sm2PrivateKey(d, Sm2PublicKey(*public_point(d)))


def generate() -> Sm2PrivateKey:
    """A new key: d drawn from `secrets` (the operating system's CSPRNG)."""
    return private_from_scalar(1 + secrets.randbelow(N - 2))


def is_sm2_spki(der: bytes) -> bool:
    """True when the SPKI names the SM2 curve (whether or not the rest is well formed)."""
    return ALGORITHM_ID in der[:32]


def public_from_spki(der: bytes) -> Sm2PublicKey:
    """Parse an SM2 SubjectPublicKeyInfo DER, strictly: the one canonical encoding only.

    Raises:
        Sm2KeyError: anything else (other curve, compressed point, trailing bytes, off-curve).
    """
    if len(der) != SPKI_LENGTH or not der.startswith(SPKI_PREFIX):
        raise Sm2KeyError("not an SM2 SubjectPublicKeyInfo (id-ecPublicKey, sm2p256v1)")
    point = der[len(SPKI_PREFIX) :]
    return Sm2PublicKey(int.from_bytes(point[:32], "big"), int.from_bytes(point[32:], "big"))


def _tlv(tag: int, body: bytes) -> bytes:
    """One DER item (definite length)."""
    n = len(body)
    if n < 0x80:
        return bytes([tag, n]) + body
    size = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([tag, 0x80 | len(size)]) + size + body


def _read(der: bytes, pos: int, tag: int) -> tuple[bytes, int]:
    """Read one DER item of the given tag at pos: (its body, the position after it)."""
    if pos + 2 > len(der) or der[pos] != tag:
        raise Sm2KeyError(f"DER: expected tag {tag:#04x}")
    n, pos = der[pos + 1], pos + 2
    if n & 0x80:
        size = n & 0x7F
        if not 1 <= size <= 2 or pos + size > len(der):
            raise Sm2KeyError("DER: bad length")
        n = int.from_bytes(der[pos : pos + size], "big")
        if n < 0x80 or (size == 2 and n < 0x100):  # DER: the shortest length form only
            raise Sm2KeyError("DER: length not minimal")
        pos += size
    if pos + n > len(der):
        raise Sm2KeyError("DER: truncated")
    return der[pos : pos + n], pos + n


def private_from_pkcs8(der: bytes) -> Sm2PrivateKey:
    """Parse an unencrypted PKCS#8 SM2 private key as OpenSSL or GmSSL write it, strictly.

    PrivateKeyInfo { 0, {id-ecPublicKey, sm2p256v1}, OCTET STRING ECPrivateKey { 1, d (32
    bytes), [0] sm2p256v1 (optional), [1] public point (optional, must be d·G) } }.

    Raises:
        Sm2KeyError: any other structure, a scalar out of range, a public point that is not d·G.
    """
    info, end = _read(der, 0, 0x30)
    if end != len(der):
        raise Sm2KeyError("PKCS#8: trailing bytes")
    version, pos = _read(info, 0, 0x02)
    alg, pos = _read(info, pos, 0x30)
    inner, pos = _read(info, pos, 0x04)
    if version != b"\x00" or alg != ALGORITHM_ID[2:] or pos != len(info):
        raise Sm2KeyError("PKCS#8: not an SM2 PrivateKeyInfo")
    body, end = _read(inner, 0, 0x30)
    if end != len(inner):
        raise Sm2KeyError("ECPrivateKey: trailing bytes")
    version, pos = _read(body, 0, 0x02)
    scalar, pos = _read(body, pos, 0x04)
    if version != b"\x01" or len(scalar) != 32:
        raise Sm2KeyError("ECPrivateKey: version 1 and a 32-byte scalar expected")
    key = private_from_scalar(int.from_bytes(scalar, "big"))
    if pos < len(body) and body[pos] == 0xA0:
        params, pos = _read(body, pos, 0xA0)
        if params != OID_SM2P256V1:
            raise Sm2KeyError("ECPrivateKey: parameters name another curve")
    if pos < len(body):
        point, pos = _read(body, pos, 0xA1)
        if point != b"\x03\x42\x00\x04" + key.public.point():
            raise Sm2KeyError("ECPrivateKey: the public key does not belong to the scalar")
    if pos != len(body):
        raise Sm2KeyError("ECPrivateKey: unexpected fields")
    return key


def _pem(label: str, der: bytes) -> bytes:
    text = base64.b64encode(der).decode("ascii")
    lines = [text[i : i + 64] for i in range(0, len(text), 64)]
    return "\n".join([f"-----BEGIN {label}-----", *lines, f"-----END {label}-----", ""]).encode()


def pem_body(data: bytes, label: str) -> bytes:
    """The DER inside one PEM block with this label (nothing but whitespace around it).

    Raises:
        Sm2KeyError: no such block, or its body is not base64.
    """
    try:
        text = data.decode("ascii").strip()
    except UnicodeDecodeError:
        raise Sm2KeyError("PEM: not ASCII") from None
    begin, end = f"-----BEGIN {label}-----", f"-----END {label}-----"
    if not (text.startswith(begin) and text.endswith(end)):
        raise Sm2KeyError(f"PEM: not a {label} block")
    body = "".join(text[len(begin) : -len(end)].split())
    try:
        return base64.b64decode(body, validate=True)
    except (binascii.Error, ValueError):
        raise Sm2KeyError("PEM: body is not base64") from None


def load_public_pem(data: bytes) -> Sm2PublicKey:
    """An SM2 public key from SubjectPublicKeyInfo PEM."""
    return public_from_spki(pem_body(data, "PUBLIC KEY"))


def load_private_pem(data: bytes) -> Sm2PrivateKey:
    """An SM2 private key from unencrypted PKCS#8 PEM."""
    return private_from_pkcs8(pem_body(data, "PRIVATE KEY"))


# --- signatures (the library, loaded on first use) -------------------------------------


def split_signature(signature: bytes) -> tuple[int, int] | None:
    """(r, s) of a 64-byte r‖s with both in [1, n−1]; None for anything else."""
    if len(signature) != 64:
        return None
    r, s = int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
    if not (1 <= r < N and 1 <= s < N):
        return None
    return r, s


@lru_cache(maxsize=1)
def _backend() -> Any:
    """tongsuopy's ec, hashes and exceptions modules (imported once, on first use)."""
    from tongsuopy.crypto import exceptions, hashes  # type: ignore[import-untyped,unused-ignore]
    from tongsuopy.crypto.asymciphers import ec  # type: ignore[import-untyped,unused-ignore]

    return ec, hashes, exceptions


@lru_cache(maxsize=64)
def _library_public(x: int, y: int) -> Any:
    ec, _, _ = _backend()
    return ec.EllipticCurvePublicNumbers(x, y, ec.SM2()).public_key()


@lru_cache(maxsize=16)
def _library_private(d: int) -> Any:
    ec, _, _ = _backend()
    return ec.derive_private_key(d, ec.SM2())


def verify(public: Sm2PublicKey, signature: bytes, data: bytes) -> bool:
    """True when r‖s is an SM2 signature of data under the key (SM3, the default ID).

    r and s are range-checked here first; the library only ever sees a well-formed DER
    signature of our own encoding and a point already checked to be on the curve.
    """
    from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

    rs = split_signature(signature)
    if rs is None:
        return False
    ec, hashes, exceptions = _backend()
    try:
        _library_public(public.x, public.y).verify(
            encode_dss_signature(*rs), data, ec.ECDSA(hashes.SM3())
        )
    except (exceptions.InvalidSignature, exceptions.InternalError, ValueError):
        return False
    return True


def sign(key: Sm2PrivateKey, data: bytes) -> bytes:
    """An SM2 signature (SM3, the default ID) as 64-byte r‖s; k from the library's DRBG."""
    from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

    ec, hashes, _ = _backend()
    r, s = decode_dss_signature(_library_private(key.d).sign(data, ec.ECDSA(hashes.SM3())))
    return r.to_bytes(32, "big") + s.to_bytes(32, "big")
