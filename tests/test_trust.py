"""Trust lists: root signature over the exact bytes, kid/spki check, roles, revocation."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest

from domain.errors import TrustListError
from seed import keys as keytool
from wire import trust
from wire.keys import read_private, read_public


@pytest.fixture(scope="module")
def root() -> object:
    return keytool.generate("Ed25519")


def _entry(key: Any, **kw: Any) -> dict[str, Any]:
    base = dict(
        role="issuer",
        authority="410000",
        authority_name="河南省卫生健康委员会",
        not_before="2024-01-01T00:00:00Z",
        not_after="2030-01-01T00:00:00Z",
    )
    return trust.entry(key.public_key(), **(base | kw))


def test_signed_list_parses_and_keeps_valid_entries(root: object) -> None:
    ed, es = keytool.generate("Ed25519"), keytool.generate("ES256")
    forged = _entry(ed) | {"kid": "AAAAAAAAAAA"}
    wrong_role = _entry(es) | {"role": "root"}
    wrong_alg = _entry(es) | {"alg": "Ed25519"}
    data, sig = trust.build(
        3, "2026-11-20T08:00:00Z", [_entry(ed), _entry(es), forged, wrong_role, wrong_alg], root
    )
    tl = trust.parse(data, sig, [root.public_key()])  # type: ignore[attr-defined]
    assert tl.sequence == 3
    assert [k.alg for k in tl.keys] == ["Ed25519", "ES256"]


def test_exact_bytes_matter(root: object) -> None:
    data, sig = trust.build(1, "2026-11-20T08:00:00Z", [], root)
    reserialised = json.dumps(json.loads(data)).encode()
    with pytest.raises(TrustListError):
        trust.parse(reserialised, sig, [root.public_key()])  # type: ignore[attr-defined]


def test_wrong_root_and_garbage_signature(root: object) -> None:
    data, sig = trust.build(1, "2026-11-20T08:00:00Z", [], root)
    other = keytool.generate("Ed25519")
    with pytest.raises(TrustListError, match="root"):
        trust.parse(data, sig, [other.public_key()])
    with pytest.raises(TrustListError):
        trust.parse(data, "not base64!!", [root.public_key()])  # type: ignore[attr-defined]
    # Any one of several pinned roots will do (root rollover).
    assert trust.parse(data, sig, [other.public_key(), root.public_key()]).sequence == 1  # type: ignore[attr-defined]


def test_revocation_is_retroactive(root: object) -> None:
    key = keytool.generate("Ed25519")
    data, sig = trust.build(
        1, "2026-11-20T08:00:00Z", [_entry(key, revoked_at="2026-01-01T00:00:00Z")], root
    )
    tl = trust.parse(data, sig, [root.public_key()])  # type: ignore[attr-defined]
    assert trust.is_revoked(tl.keys[0])


def test_demo_keys_round_trip(demo_world: Path) -> None:
    keys = demo_world / "demo" / "keys"
    priv = read_private(keys / "issuer-nanyang.pem")
    pub = read_public(keys / "issuer-nanyang.pub.pem")
    from wire.keys import sign, verify

    sig = sign(priv, b"hello")
    assert len(sig) == 64 and verify(pub, sig, b"hello") and not verify(pub, sig, b"hellp")
    assert base64.b64decode((demo_world / "demo" / "trustlist.json.sig").read_text())
