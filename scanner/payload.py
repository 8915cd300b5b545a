"""What the scanner hands on: a text read from a code or a scanner, and whether it is YZ1.

The scanner does not verify anything. It only says whether the text carries the YZ1
prefix (credential-qr.md), so the kiosk can report any other code as "not a YZ1
credential" instead of sending it to verification.
"""

from __future__ import annotations

from dataclasses import dataclass

YZ1_PREFIX = "YZ1:"


@dataclass(frozen=True, slots=True)
class Read:
    """One payload text, where it came from, and whether it is a YZ1 payload."""

    text: str
    source: str
    is_yz1: bool


def is_yz1(text: str) -> bool:
    """True when `text` starts with the exact, upper-case `YZ1:` prefix."""
    return text.startswith(YZ1_PREFIX)


def classify(text: str, source: str) -> Read:
    """Wrap a decoded text as a `Read`, marking whether it is YZ1."""
    return Read(text=text, source=source, is_yz1=is_yz1(text))
