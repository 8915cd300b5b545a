"""The YZ1 codec: round trips, every malformed layer refused as BAD_FORMAT, never an exception."""

from __future__ import annotations

import datetime as dt
import re
import zlib
from pathlib import Path
from typing import Any

import cbor2
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from domain.types import Licence, Site, Verdict
from kiosk.home import Home
from kiosk.verify import Context, verify_payload
from seed import keys as keytool
from wire import base45, codec
from wire.claims import licence_to_map

LIC = Licence(
    type="P",
    no="110410200000001",
    version=2,
    name="王伟",
    issuer_name="河南省卫生健康委员会",
    issued_on="2024-05-01",
    sex="M",
    birth_month="1985-03",
    location="河南省",
    org=Site("410BHX3A741020211A1001", "开封市第三人民医院"),
    level="执业医师",
    category="临床",
    scope=("内科专业",),
)


@pytest.fixture(scope="module")
def key() -> object:
    return keytool.generate("Ed25519")


def _wrap(raw: bytes) -> str:
    return codec.PREFIX + base45.encode(raw)


def test_base45_round_trip_and_rfc_vectors() -> None:
    assert base45.encode(b"AB") == "BB8"
    assert base45.encode(b"Hello!!") == "%69 VD92EX0"
    assert base45.decode("QED8WEX0") == b"ietf!"
    for data in (b"", b"\x00", b"\xff\xff", bytes(range(256))):
        assert base45.decode(base45.encode(data)) == data


@pytest.mark.parametrize("text", ["GGW", "ZZZ", "A", "abc", "AB~"])
def test_base45_refuses_bad_text(text: str) -> None:
    with pytest.raises(base45.Base45Error):
        base45.decode(text)


@pytest.mark.parametrize("alg_key", ["Ed25519", "ES256"])
@pytest.mark.parametrize("tagged", [True, False])
@pytest.mark.parametrize("compress", [True, False])
def test_round_trip(alg_key: str, tagged: bool, compress: bool) -> None:
    key = keytool.generate(alg_key)
    text = codec.encode(
        licence_to_map(LIC),
        key,
        iss="410000",
        iat=1_700_000_000,
        exp=1_900_000_000,
        tagged=tagged,
        compress=compress,
    )
    cred = codec.decode(text)
    assert cred.licence == LIC
    assert (cred.iss, cred.iat, cred.exp) == ("410000", 1_700_000_000, 1_900_000_000)
    assert cred.alg == (-8 if alg_key == "Ed25519" else -7)
    assert len(cred.kid or b"") == 8


def _cose(
    key: object,
    *,
    protected: dict[Any, Any] | None = None,
    claims: object = None,
    unprotected: object = None,
    sig: bytes | None = None,
) -> bytes:
    prot = cbor2.dumps(protected if protected is not None else {1: -8, 4: b"12345678"})
    payload = cbor2.dumps(
        claims if claims is not None else {1: "410000", 6: 1, -70000: licence_to_map(LIC)}
    )
    return cbor2.dumps(
        [
            prot,
            unprotected if unprotected is not None else {},
            payload,
            sig if sig is not None else b"\x00" * 64,
        ]
    )


# name: (payload, what the refusal must say: each is refused for its own reason)
BAD = {
    "empty": ("", "empty payload"),
    "no prefix": (base45.encode(b"abc"), "not a YZ1 payload"),
    "lower prefix": ("yz1:" + base45.encode(b"abc"), "not a YZ1 payload"),
    "bad base45": ("YZ1:~~~", "is not Base45"),
    "dangling base45": ("YZ1:ABCD", "dangling character"),
    "enormous": ("YZ1:" + "0" * 20_000, "longer than 8192 characters"),
    "not cbor": (_wrap(b"\xff\xff\xff"), "not valid CBOR"),
    "truncated zlib": (_wrap(zlib.compress(b"x" * 100)[:-5]), "truncated stream"),
    "zip bomb": (_wrap(zlib.compress(b"\x00" * 1_000_000, 9)), "inflates to more than 16384"),
    "deep cbor": (_wrap(b"\x81" * 5000 + b"\x00"), "nesting depth"),
    "cose not array": (_wrap(cbor2.dumps({"a": 1})), "array of four items"),
    "cose 3 items": (_wrap(cbor2.dumps([b"a", {}, b"b"])), "array of four items"),
    "wrong tag": (
        _wrap(cbor2.dumps(cbor2.CBORTag(98, [b"\xa0", {}, b"", b""]))),
        "unexpected CBOR tag 98",
    ),
    "trailing bytes": (_wrap(_cose(None) + b"\x00"), "trailing bytes"),
}


@pytest.mark.parametrize("name", sorted(BAD))
def test_malformed_payloads_are_format_errors(name: str) -> None:
    payload, why = BAD[name]
    with pytest.raises(codec.FormatError, match=re.escape(why)):
        codec.decode(payload)


@pytest.mark.parametrize("name", sorted(BAD))
def test_malformed_payloads_are_invalid_bad_format_when_verified(
    name: str, demo_world: Path
) -> None:
    """The same payloads through the whole verifier, against the demo's real trust list and
    replica: `invalid` with BAD_FORMAT alone, and nothing of a credential to show."""
    home = Home(demo_world)
    result = verify_payload(
        BAD[name][0], Context(at=dt.datetime.now(dt.UTC)), home.trust_list(), home.replica()
    )
    assert result.verdict is Verdict.INVALID
    assert list(result.codes) == ["BAD_FORMAT"]
    assert result.credential is None and result.practitioner is None


def test_the_inflate_limit_is_exactly_16384_bytes() -> None:
    """A stream that inflates to the limit gets past zlib (and fails later, as these bytes are
    no CBOR); one byte more is refused by the limit itself."""
    with pytest.raises(codec.FormatError) as at_limit:
        codec.decode(_wrap(zlib.compress(b"\xff" * codec.MAX_INFLATED, 9)))
    assert "inflates to more than" not in str(at_limit.value)
    assert "not valid CBOR" in str(at_limit.value)
    with pytest.raises(codec.FormatError, match="inflates to more than 16384 bytes"):
        codec.decode(_wrap(zlib.compress(b"\xff" * (codec.MAX_INFLATED + 1), 9)))


@pytest.mark.parametrize(
    ("claims", "why"),
    [
        ({6: 1, -70000: licence_to_map(LIC)}, "iss"),
        ({1: 410000, 6: 1, -70000: licence_to_map(LIC)}, "iss"),
        ({1: "410000", 6: "1", -70000: licence_to_map(LIC)}, "iat"),
        ({1: "410000", 6: 1.5, -70000: licence_to_map(LIC)}, "iat"),
        ({1: "410000", 6: 1}, "licence"),
        ({1: "410000", 6: 1, -70000: {**licence_to_map(LIC), "t": "X"}}, "'t'"),
        ({1: "410000", 6: 1, -70000: {**licence_to_map(LIC), "v": -1}}, "'v'"),
        ({1: "410000", 6: 1, -70000: {**licence_to_map(LIC), "sc": []}}, "'sc'"),
        ({1: "410000", 6: 1, -70000: {**licence_to_map(LIC), "s": "X"}}, "'s'"),
        ({1: "410000", 6: 1, -70000: {**licence_to_map(LIC), "ph": b"x" * 601}}, "'ph'"),
        ({1: "410000", 6: 253402300800, -70000: licence_to_map(LIC)}, "iat"),
        ({1: "410000", 6: 2**70, -70000: licence_to_map(LIC)}, "iat"),
        ({1: "410000", 6: 1, 4: 2**64 + 5, -70000: licence_to_map(LIC)}, "exp"),
        ({1: "410000", 6: True, -70000: licence_to_map(LIC)}, "iat"),
        ({1: "４１００００", 6: 1, -70000: licence_to_map(LIC)}, "iss"),
        ({1.0: "410000", 6: 1, -70000: licence_to_map(LIC)}, "labels"),
        ({1: "410000", 6: 1, -70000: {**licence_to_map(LIC), "id": "2026-02-31"}}, "'id'"),
        ({1: "410000", 6: 1, -70000: {**licence_to_map(LIC), "n": "王\x1b[2J伟"}}, "'n'"),
        ({1: "410000", 6: 1, -70000: {**licence_to_map(LIC), "n": "王\u202e伟"}}, "'n'"),
        ({1: "410000", 6: 1, -70000: {**licence_to_map(LIC), "sc": ["内科\x00"]}}, "'sc'"),
        (
            {
                1: "410000",
                6: 1,
                -70000: {k: v for k, v in licence_to_map(LIC).items() if k != "org"},
            },
            "'org'",
        ),
    ],
)
def test_missing_or_mistyped_claims(claims: dict[Any, Any], why: str) -> None:
    with pytest.raises(codec.FormatError, match=why):
        codec.decode(_wrap(_cose(None, claims=claims)))


@pytest.mark.parametrize(
    ("protected", "why"),
    [
        ({1: -8.0, 4: b"12345678"}, "alg"),
        ({1.0: -8, 4: b"12345678"}, "labels"),
        ({True: -8, 4: b"12345678"}, "labels"),
        ({1: True, 4: b"12345678"}, "alg"),
    ],
)
def test_header_labels_and_alg_are_strictly_typed(protected: dict[Any, Any], why: str) -> None:
    """1.0 and True equal 1 in Python: without a type check they stand for the alg label, and
    -8.0 for EdDSA."""
    with pytest.raises(codec.FormatError, match=why):
        codec.decode(_wrap(_cose(None, protected=protected)))


def test_a_bignum_time_is_bad_format() -> None:
    big = cbor2.CBORTag(2, (2**80).to_bytes(11, "big"))
    claims = {1: "410000", 6: big, -70000: licence_to_map(LIC)}
    with pytest.raises(codec.FormatError, match="iat"):
        codec.decode(_wrap(_cose(None, claims=claims)))


def test_withdrawn_id_hash_claims_are_ignored() -> None:
    """A QR may still carry `ih`/`is` (withdrawn): they are ignored, never checked or shown."""
    m = {**licence_to_map(LIC), "ih": b"x" * 16, "is": b"y" * 8}
    cred = codec.decode(_wrap(_cose(None, claims={1: "410000", 6: 1, -70000: m})))
    assert cred.licence == LIC
    assert not hasattr(cred.licence, "id_hash")


def test_unknown_keys_are_ignored() -> None:
    m = {**licence_to_map(LIC), "zz": [1, 2, 3]}
    cred = codec.decode(_wrap(_cose(None, claims={1: "410000", 6: 1, -70000: m, 99: "x"})))
    assert cred.licence == LIC


def test_unsupported_alg_is_its_own_error() -> None:
    with pytest.raises(codec.UnsupportedAlgError):
        codec.decode(_wrap(_cose(None, protected={1: -35, 4: b"12345678"})))


def test_kid_only_in_unprotected_header_is_ignored() -> None:
    cred = codec.decode(_wrap(_cose(None, protected={1: -8}, unprotected={4: b"12345678"})))
    assert cred.kid is None


def test_alg_missing_is_bad_format() -> None:
    with pytest.raises(codec.FormatError, match="alg"):
        codec.decode(_wrap(_cose(None, protected={4: b"12345678"})))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=300))
def test_fuzz_text_never_raises_unexpected(text: str) -> None:
    try:
        codec.decode(text)
    except (codec.FormatError, codec.UnsupportedAlgError):
        pass


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=400), st.booleans())
def test_fuzz_bytes_never_raise_unexpected(raw: bytes, compress: bool) -> None:
    data = zlib.compress(raw) if compress else raw
    try:
        codec.decode(_wrap(data))
    except (codec.FormatError, codec.UnsupportedAlgError):
        pass


cbor_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**64), 2**64)
    | st.text(max_size=20)
    | st.binary(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.integers(-70001, 10) | st.text(max_size=4), inner, max_size=4)
    ),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(cbor_values, cbor_values)
def test_fuzz_structured_cose_never_raises_unexpected(protected: object, claims: object) -> None:
    try:
        body = cbor2.dumps([cbor2.dumps(protected), {}, cbor2.dumps(claims), b"\x00" * 64])
    except Exception:  # noqa: BLE001 - hypothesis made something cbor2 cannot encode
        return
    try:
        codec.decode(_wrap(body))
    except (codec.FormatError, codec.UnsupportedAlgError):
        pass


_CLAIMS = cbor2.dumps({1: "410000", 6: 1, -70000: licence_to_map(LIC)})
_PROT = cbor2.dumps({1: -8, 4: b"12345678"})
_SIG = b"\x00" * 64
# name: (the four COSE_Sign1 items, what the refusal must say)
WRONG_COSE_TYPES = {
    "protected header empty": ([b"", {}, _CLAIMS, _SIG], "non-empty byte string"),
    "protected header not bytes": ([{1: -8}, {}, _CLAIMS, _SIG], "non-empty byte string"),
    "protected header not a map": ([cbor2.dumps([1, 2]), {}, _CLAIMS, _SIG], "must be a map"),
    "unprotected header not a map": ([_PROT, [], _CLAIMS, _SIG], "unprotected header"),
    "payload text": ([_PROT, {}, "hello", _SIG], "must be byte strings"),
    "payload nil (detached)": ([_PROT, {}, None, _SIG], "must be byte strings"),
    "signature an integer": ([_PROT, {}, _CLAIMS, 5], "must be byte strings"),
    "kid text": ([cbor2.dumps({1: -8, 4: "12345678"}), {}, _CLAIMS, _SIG], "kid"),
}


@pytest.mark.parametrize("name", sorted(WRONG_COSE_TYPES))
def test_wrong_cose_types_are_format_errors(name: str) -> None:
    items, why = WRONG_COSE_TYPES[name]
    with pytest.raises(codec.FormatError, match=re.escape(why)):
        codec.decode(_wrap(cbor2.dumps(items)))


def test_an_alg_given_as_text_is_unsupported_not_malformed() -> None:
    """COSE allows text algorithm names (RFC 9052); none is one of ours."""
    with pytest.raises(codec.UnsupportedAlgError):
        codec.decode(_wrap(cbor2.dumps([cbor2.dumps({1: "EdDSA", 4: b"1"}), {}, _CLAIMS, _SIG])))
