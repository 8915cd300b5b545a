"""Key tooling for the demo and for administrators' rehearsals: make keys, write PEM files."""

from __future__ import annotations

import hashlib
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric import ec, ed25519

from wire.keys import PrivateKey, private_pem, public_pem

ALGS = ("Ed25519", "ES256", "SM2")
P256_ORDER = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551


def generate(alg: str = "Ed25519", seed: bytes | None = None) -> PrivateKey:
    """A new private key: 'Ed25519', 'ES256' or 'SM2' (sm2p256v1, d drawn from `secrets`).

    With `seed`, the key is derived from it (SHA-512), the same on every run: for test worlds
    whose snapshots show kids, never for keys that sign anything trusted.
    """
    scalar = None if seed is None else int.from_bytes(hashlib.sha512(seed).digest(), "big")
    if alg == "Ed25519":
        if scalar is None:
            return ed25519.Ed25519PrivateKey.generate()
        return ed25519.Ed25519PrivateKey.from_private_bytes(scalar.to_bytes(64, "big")[:32])
    if alg == "ES256":
        if scalar is None:
            return ec.generate_private_key(ec.SECP256R1())
        return ec.derive_private_key(1 + scalar % (P256_ORDER - 1), ec.SECP256R1())
    if alg == "SM2":
        from wire import sm2

        if scalar is None:
            return sm2.generate()
        return sm2.private_from_scalar(1 + scalar % (sm2.N - 2))
    raise ValueError(f"unsupported algorithm {alg}")


def write_pair(key: PrivateKey, folder: Path, name: str) -> tuple[Path, Path]:
    """Write NAME.pem (private, PKCS#8) and NAME.pub.pem (SPKI) into folder."""
    folder.mkdir(parents=True, exist_ok=True)
    private, public = folder / f"{name}.pem", folder / f"{name}.pub.pem"
    private.write_bytes(private_pem(key))
    private.chmod(0o600)
    public.write_bytes(public_pem(key.public_key()))
    return private, public
