"""Key tooling for the demo and for administrators' rehearsals: make keys, write PEM files."""

from __future__ import annotations

from pathlib import Path

from cryptography.hazmat.primitives.asymmetric import ec, ed25519

from wire.keys import PrivateKey, private_pem, public_pem

ALGS = ("Ed25519", "ES256", "SM2")


def generate(alg: str = "Ed25519") -> PrivateKey:
    """A new private key: 'Ed25519', 'ES256' or 'SM2' (sm2p256v1, d drawn from `secrets`)."""
    if alg == "Ed25519":
        return ed25519.Ed25519PrivateKey.generate()
    if alg == "ES256":
        return ec.generate_private_key(ec.SECP256R1())
    if alg == "SM2":
        from wire import sm2

        return sm2.generate()
    raise ValueError(f"unsupported algorithm {alg}")


def write_pair(key: PrivateKey, folder: Path, name: str) -> tuple[Path, Path]:
    """Write NAME.pem (private, PKCS#8) and NAME.pub.pem (SPKI) into folder."""
    folder.mkdir(parents=True, exist_ok=True)
    private, public = folder / f"{name}.pem", folder / f"{name}.pub.pem"
    private.write_bytes(private_pem(key))
    private.chmod(0o600)
    public.write_bytes(public_pem(key.public_key()))
    return private, public
