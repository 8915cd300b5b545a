"""Base45 (RFC 9285), strict: every invalid character or group value is refused."""

from __future__ import annotations

ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"
_VALUE = {c: i for i, c in enumerate(ALPHABET)}


class Base45Error(ValueError):
    """Text that is not valid Base45."""


def encode(data: bytes) -> str:
    """Encode bytes as Base45 text."""
    out: list[str] = []
    a = ALPHABET
    for i in range(0, len(data) - 1, 2):
        n = data[i] * 256 + data[i + 1]
        e, rest = divmod(n, 2025)
        d, c = divmod(rest, 45)
        out.append(a[c] + a[d] + a[e])
    if len(data) % 2:
        d, c = divmod(data[-1], 45)
        out.append(a[c] + a[d])
    return "".join(out)


def decode(text: str) -> bytes:
    """Decode Base45 text.

    Raises:
        Base45Error: a character outside the alphabet, a dangling character, or a
            group whose value does not fit its bytes.
    """
    if len(text) % 3 == 1:
        raise Base45Error("dangling character")
    try:
        values = [_VALUE[c] for c in text]
    except KeyError as err:
        raise Base45Error(f"character {err.args[0]!r} is not Base45") from None
    out = bytearray()
    full = len(values) - len(values) % 3
    for i in range(0, full, 3):
        n = values[i] + values[i + 1] * 45 + values[i + 2] * 2025
        if n > 0xFFFF:
            raise Base45Error("group value over 65535")
        out += n.to_bytes(2, "big")
    if full != len(values):
        n = values[full] + values[full + 1] * 45
        if n > 0xFF:
            raise Base45Error("group value over 255")
        out.append(n)
    return bytes(out)
