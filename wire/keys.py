"""Key handling for the three roles: PEM files, kids, signing and verifying.

Ed25519 or SM2 for every role; ES256 (P-256) also for issuers. ES256 and SM2 signatures
travel as the 64-byte r‖s of COSE, not DER. SM2 lives in wire/sm2.py, imported only when an
SM2 key is met (its library only when an SM2 signature is made or checked).
"""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path
from typing import TYPE_CHECKING, TypeAlias

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)

from domain.errors import KeyFileError

if TYPE_CHECKING:
    from wire.sm2 import Sm2PrivateKey, Sm2PublicKey

# Annotations only (strings, so that wire.sm2 is not imported with this module).
PrivateKey: TypeAlias = "ed25519.Ed25519PrivateKey | ec.EllipticCurvePrivateKey | Sm2PrivateKey"
PublicKey: TypeAlias = "ed25519.Ed25519PublicKey | ec.EllipticCurvePublicKey | Sm2PublicKey"

ALG_EDDSA = -8
ALG_ES256 = -7
ALG_SM2 = -65537  # COSE private use: no SM2 value is registered (credential-qr.md)
COSE_ALG_NAME = {ALG_EDDSA: "Ed25519", ALG_ES256: "ES256", ALG_SM2: "SM2"}
SUPPORTED = "只支持 Ed25519、P-256 与 SM2 (only Ed25519, P-256 and SM2 are supported)"


def _is_sm2(key: object) -> bool:
    """True for an SM2 key object, without importing wire.sm2 when none was ever loaded."""
    return type(key).__module__ == "wire.sm2"


def spki_der(public: PublicKey) -> bytes:
    """The SubjectPublicKeyInfo DER of a public key."""
    if not isinstance(public, (ed25519.Ed25519PublicKey, ec.EllipticCurvePublicKey)):
        return public.spki()
    return public.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def kid_bytes(spki: bytes) -> bytes:
    """The 8-byte key identifier: first 8 bytes of SHA-256 over the SPKI DER."""
    return hashlib.sha256(spki).digest()[:8]


def kid_text(kid: bytes) -> str:
    """A kid as unpadded base64url text."""
    return base64.urlsafe_b64encode(kid).rstrip(b"=").decode("ascii")


def alg_name(public: PublicKey) -> str:
    """The trust-list algorithm name of a public key."""
    if isinstance(public, ed25519.Ed25519PublicKey):
        return "Ed25519"
    if isinstance(public, ec.EllipticCurvePublicKey) and public.curve.name == "secp256r1":
        return "ES256"
    if _is_sm2(public):
        return "SM2"
    raise KeyFileError(f"密钥类型不受支持：{SUPPORTED}")


def load_public_pem(data: bytes, *, what: str = "public key") -> PublicKey:
    """Load a SubjectPublicKeyInfo PEM public key of a supported algorithm."""
    try:
        key = serialization.load_pem_public_key(data)
    except UnsupportedAlgorithm as err:  # cryptography knows no SM2 curve
        from wire import sm2

        try:
            return sm2.load_public_pem(data)
        except sm2.Sm2KeyError:
            raise KeyFileError(f"{what}: {SUPPORTED}") from err
    except (ValueError, TypeError) as err:
        raise KeyFileError(f"无法读取{what} PEM (not a PEM public key: {what})") from err
    if not isinstance(key, (ed25519.Ed25519PublicKey, ec.EllipticCurvePublicKey)):
        raise KeyFileError(f"{what}: {SUPPORTED}")
    alg_name(key)
    return key


def load_private_pem(data: bytes, password: bytes | None = None) -> PrivateKey:
    """Load a PKCS#8 PEM private key of a supported algorithm (SM2 keys unencrypted only)."""
    try:
        key = serialization.load_pem_private_key(data, password=password)
    except UnsupportedAlgorithm as err:
        from wire import sm2

        try:
            return sm2.load_private_pem(data)
        except sm2.Sm2KeyError:
            raise KeyFileError(f"私钥：{SUPPORTED}") from err
    except (ValueError, TypeError) as err:
        raise KeyFileError("无法读取私钥 PEM (not a PKCS#8 PEM private key)") from err
    if not isinstance(key, (ed25519.Ed25519PrivateKey, ec.EllipticCurvePrivateKey)):
        raise KeyFileError(f"私钥：{SUPPORTED}")
    alg_name(key.public_key())
    return key


def read_private(path: Path) -> PrivateKey:
    """Read a private key file, turning I/O errors into a clear message."""
    try:
        return load_private_pem(path.read_bytes())
    except OSError as err:
        raise KeyFileError(f"无法读取密钥文件 {path.name} (cannot read key file)") from err


def read_public(path: Path) -> PublicKey:
    """Read a public key file, turning I/O errors into a clear message."""
    try:
        return load_public_pem(path.read_bytes(), what=path.name)
    except OSError as err:
        raise KeyFileError(f"无法读取密钥文件 {path.name} (cannot read key file)") from err


def private_pem(key: PrivateKey) -> bytes:
    """Serialise a private key as unencrypted PKCS#8 PEM."""
    if not isinstance(key, (ed25519.Ed25519PrivateKey, ec.EllipticCurvePrivateKey)):
        return key.pem()
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def public_pem(key: PublicKey) -> bytes:
    """Serialise a public key as SubjectPublicKeyInfo PEM."""
    if not isinstance(key, (ed25519.Ed25519PublicKey, ec.EllipticCurvePublicKey)):
        return key.pem()
    return key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def sign(key: PrivateKey, data: bytes) -> bytes:
    """Sign bytes: Ed25519 as is, ES256 and SM2 as 64-byte r‖s."""
    if isinstance(key, ed25519.Ed25519PrivateKey):
        return key.sign(data)
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        from wire import sm2

        return sm2.sign(key, data)
    r, s = decode_dss_signature(key.sign(data, ec.ECDSA(hashes.SHA256())))
    return r.to_bytes(32, "big") + s.to_bytes(32, "big")


def verify(public: PublicKey, signature: bytes, data: bytes) -> bool:
    """True when the signature verifies; never raises on a bad signature."""
    if not isinstance(public, (ed25519.Ed25519PublicKey, ec.EllipticCurvePublicKey)):
        from wire import sm2

        return sm2.verify(public, signature, data)
    try:
        if isinstance(public, ed25519.Ed25519PublicKey):
            public.verify(signature, data)
            return True
        if len(signature) != 64:
            return False
        der = encode_dss_signature(
            int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
        )
        public.verify(der, data, ec.ECDSA(hashes.SHA256()))
        return True
    except (InvalidSignature, ValueError):
        return False


def public_from_spki(spki: bytes) -> PublicKey:
    """Load a public key from SPKI DER (trust-list entries).

    Raises:
        ValueError: not the SPKI of a supported key (an SM2 one is parsed strictly).
    """
    try:
        key = serialization.load_der_public_key(spki)
    except UnsupportedAlgorithm:
        from wire import sm2

        if not sm2.is_sm2_spki(spki):
            raise ValueError("unsupported key type") from None
        return sm2.public_from_spki(spki)
    if not isinstance(key, (ed25519.Ed25519PublicKey, ec.EllipticCurvePublicKey)):
        raise ValueError("unsupported key type")
    return key
