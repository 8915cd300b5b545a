"""SM2 with SM3 (issue 22): the standard's vector, strict keys and signatures, credentials,
trust lists under an SM2 root, nothing printed to the terminal, and the library loaded only
when an SM2 signature is met."""

from __future__ import annotations

import base64
import datetime as dt
import json
import secrets
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes

from domain.errors import KeyFileError, TrustListError
from domain.types import TrustList
from kiosk.verify import Context, verify_payload
from seed import keys as keytool
from wire import base45, codec, sm2, trust
from wire.keys import (
    ALG_ES256,
    ALG_SM2,
    alg_name,
    kid_bytes,
    kid_text,
    load_private_pem,
    load_public_pem,
    private_pem,
    public_from_spki,
    public_pem,
    sign,
    spki_der,
    verify,
)

ROOT = Path(__file__).resolve().parent.parent

# GB/T 32918.5-2017 annex A, with the GM/T 0009 default user ID.
VECTOR_D = 0x3945208F7B2144B13F36E38AC6D39F95889393692860B51A42FB81EF4DF7C5B8
VECTOR_X = 0x09F9DF311E5421A150DD7D161E4BC5C672179FAD1833FC076BB08FF356F35020
VECTOR_Y = 0xCCEA490CE26775A52DC6EA718CC1AA600AED05FBF35E084A6632F6072DA9AD13
VECTOR_MSG = b"message digest"
VECTOR_R = 0xF5A03B0648D2C4630EEAC513E1BB81A15944DA3827D5B74143AC7EACEEE720B3
VECTOR_S = 0xB1B6AA29DF212FD8763182BC0D421CA1BB9038FD1F7F42D4840B69C485BBC1AA


def rs(r: int, s: int) -> bytes:
    return r.to_bytes(32, "big") + s.to_bytes(32, "big")


VECTOR_SIG = rs(VECTOR_R, VECTOR_S)


def _sm3(data: bytes) -> bytes:
    h = hashes.Hash(hashes.SM3())
    h.update(data)
    return h.finalize()


def reference_sign(d: int, message: bytes, user_id: bytes) -> bytes:
    """GB/T 32918.2 §6.1 written out (test only): any user ID, k from `secrets`. An independent
    check of the library's Z value, and the way to make a signature under another ID."""
    pub = sm2.private_from_scalar(d).public
    curve = b"".join(v.to_bytes(32, "big") for v in (sm2.A, sm2.B, sm2.GX, sm2.GY))
    z = _sm3((len(user_id) * 8).to_bytes(2, "big") + user_id + curve + pub.point())
    e = int.from_bytes(_sm3(z + message), "big")
    while True:
        k = 1 + secrets.randbelow(sm2.N - 1)
        r = (e + sm2.public_point(k)[0]) % sm2.N
        s = pow(1 + d, -1, sm2.N) * (k - r * d) % sm2.N
        if r and r + k != sm2.N and s:
            return rs(r, s)


@pytest.fixture(scope="module")
def vector_key() -> sm2.Sm2PrivateKey:
    return sm2.private_from_scalar(VECTOR_D)


# ---- the standard's vector and the signatures that must fail -------------------------------


def test_the_standard_vector_verifies(vector_key: sm2.Sm2PrivateKey) -> None:
    assert (vector_key.public.x, vector_key.public.y) == (VECTOR_X, VECTOR_Y)
    assert verify(vector_key.public, VECTOR_SIG, VECTOR_MSG)
    assert not verify(vector_key.public, VECTOR_SIG, VECTOR_MSG + b"!")


def test_our_signatures_and_the_reference_agree(vector_key: sm2.Sm2PrivateKey) -> None:
    """The library's signatures verify, and so does one computed from the standard's formulas
    with the default ID: both sides compute the same Z."""
    assert verify(vector_key.public, sign(vector_key, b"abc"), b"abc")
    assert sign(vector_key, b"abc") != sign(vector_key, b"abc")  # k is random each time
    assert verify(vector_key.public, reference_sign(VECTOR_D, b"abc", sm2.DEFAULT_ID), b"abc")


N = sm2.N
BAD = {
    "forged s": rs(VECTOR_R, VECTOR_S ^ 1),
    "forged r": rs(VECTOR_R ^ (1 << 200), VECTOR_S),
    "truncated": VECTOR_SIG[:63],
    "one byte more": VECTOR_SIG + b"\x00",
    "empty": b"",
    "DER instead of r‖s": bytes.fromhex("3044022100")
    + VECTOR_SIG[:32]
    + b"\x02\x20"
    + VECTOR_SIG[32:],
    "r = 0": rs(0, VECTOR_S),
    "s = 0": rs(VECTOR_R, 0),
    "r = n": rs(N, VECTOR_S),
    "s = n": rs(VECTOR_R, N),
    "r = n + r mod 2^256": rs((VECTOR_R + N) % (1 << 256), VECTOR_S),
    "r = 2^256 - 1": rs((1 << 256) - 1, VECTOR_S),
}


@pytest.mark.parametrize("name", list(BAD))
def test_bad_signatures_fail(name: str, vector_key: sm2.Sm2PrivateKey) -> None:
    assert not verify(vector_key.public, BAD[name], VECTOR_MSG)


@pytest.mark.parametrize(
    ("signature", "ok"),
    [
        (VECTOR_SIG, True),
        (rs(1, N - 1), True),
        (rs(0, 1), False),
        (rs(1, 0), False),
        (rs(N, 1), False),
        (rs(1, N), False),
        (VECTOR_SIG[:63], False),
        (VECTOR_SIG + b"\x00", False),
    ],
    ids=["vector", "1 and n-1", "r=0", "s=0", "r=n", "s=n", "63 bytes", "65 bytes"],
)
def test_r_and_s_are_checked_before_the_library(signature: bytes, ok: bool) -> None:
    assert (sm2.split_signature(signature) is not None) is ok


def test_a_signature_under_another_user_id_fails(vector_key: sm2.Sm2PrivateKey) -> None:
    other = reference_sign(VECTOR_D, VECTOR_MSG, b"ALICE123@YAHOO.COM")
    assert not verify(vector_key.public, other, VECTOR_MSG)
    assert verify(
        vector_key.public, reference_sign(VECTOR_D, VECTOR_MSG, sm2.DEFAULT_ID), VECTOR_MSG
    )


def test_an_es256_signature_does_not_verify_as_sm2(vector_key: sm2.Sm2PrivateKey) -> None:
    es = keytool.generate("ES256")
    sig = sign(es, VECTOR_MSG)
    assert len(sig) == 64 and verify(es.public_key(), sig, VECTOR_MSG)
    assert not verify(vector_key.public, sig, VECTOR_MSG)


def test_nothing_reaches_the_terminal(
    vector_key: sm2.Sm2PrivateKey, capfd: pytest.CaptureFixture[str]
) -> None:
    """At the file-descriptor level: under the TUI, fd 2 is the screen (Textual draws there)."""
    capfd.readouterr()
    for bad in BAD.values():
        verify(vector_key.public, bad, VECTOR_MSG)
    assert verify(vector_key.public, VECTOR_SIG, VECTOR_MSG)
    verify(vector_key.public, sign(keytool.generate("ES256"), b"x"), b"x")
    verify(vector_key.public, reference_sign(VECTOR_D, b"x", b"someone else"), b"x")
    assert capfd.readouterr() == ("", "")


# ---- keys: PEM as GmSSL and OpenSSL write them, parsed strictly ---------------------------------


def test_key_files_round_trip_and_kid(tmp_path: Path) -> None:
    key = sm2.generate()
    private, public = keytool.write_pair(key, tmp_path, "sm2")
    assert private.read_bytes().startswith(b"-----BEGIN PRIVATE KEY-----")
    assert public.read_bytes().startswith(b"-----BEGIN PUBLIC KEY-----")
    loaded = load_private_pem(private.read_bytes())
    assert loaded == key and "d=" not in repr(loaded)
    pub = load_public_pem(public.read_bytes())
    assert pub == key.public_key() and alg_name(pub) == "SM2"
    spki = spki_der(pub)
    assert len(spki) == 91 and sm2.OID_SM2P256V1 in spki and sm2.OID_EC_PUBLIC_KEY in spki
    assert public_from_spki(spki) == pub
    assert kid_text(kid_bytes(spki)) == kid_text(kid_bytes(sm2.SPKI_PREFIX + key.public.point()))


def _openssl_sm2() -> bool:
    try:
        return (
            subprocess.run(
                ["openssl", "genpkey", "-algorithm", "SM2"], capture_output=True, timeout=20
            ).returncode
            == 0
        )
    except (OSError, subprocess.SubprocessError):
        return False


@pytest.mark.skipif(not _openssl_sm2(), reason="no openssl with SM2 here")
def test_openssl_keys_and_signatures_interoperate(tmp_path: Path) -> None:
    priv, pub, msg, sig = (tmp_path / n for n in ("k.pem", "k.pub", "m", "sig"))
    subprocess.run(["openssl", "genpkey", "-algorithm", "SM2", "-out", str(priv)], check=True)
    subprocess.run(["openssl", "pkey", "-in", str(priv), "-pubout", "-out", str(pub)], check=True)
    key = load_private_pem(priv.read_bytes())
    assert private_pem(key) == priv.read_bytes()  # byte for byte what OpenSSL writes
    assert public_pem(key.public_key()) == pub.read_bytes()
    msg.write_bytes(b"trustlist bytes")
    subprocess.run(
        ["openssl", "dgst", "-sm3", "-sign", str(priv), "-sigopt", "distid:1234567812345678"]
        + ["-out", str(sig), str(msg)],
        check=True,
    )
    from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

    assert verify(key.public_key(), rs(*decode_dss_signature(sig.read_bytes())), msg.read_bytes())


def _spki_variant(pub: sm2.Sm2PublicKey, name: str) -> bytes:
    good = pub.spki()
    return {
        "other curve OID": good.replace(sm2.OID_SM2P256V1, bytes.fromhex("06082a811ccf5501822e")),
        "compressed point": bytes.fromhex("3039")
        + sm2.ALGORITHM_ID
        + b"\x03\x22\x00"
        + bytes([2 + (pub.y & 1)])
        + pub.x.to_bytes(32, "big"),
        "off the curve": good[:-1] + bytes([good[-1] ^ 1]),
        "trailing byte": good + b"\x00",
        "truncated": good[:-1],
    }[name]


@pytest.mark.parametrize(
    "name", ["other curve OID", "compressed point", "off the curve", "trailing byte", "truncated"]
)
def test_malformed_public_keys_are_refused(name: str) -> None:
    der = _spki_variant(sm2.generate().public, name)
    with pytest.raises(ValueError):
        public_from_spki(der)
    pem = b"-----BEGIN PUBLIC KEY-----\n" + base64.encodebytes(der) + b"-----END PUBLIC KEY-----\n"
    with pytest.raises(KeyFileError):
        load_public_pem(pem)


def _pkcs8(d: bytes, *, version: bytes = b"\x02\x01\x01", tail: bytes = b"") -> bytes:
    t = sm2._tlv
    ec_key = t(0x30, version + t(0x04, d) + tail)
    return t(0x30, b"\x02\x01\x00" + sm2.ALGORITHM_ID + t(0x04, ec_key))


def test_a_gmssl_style_private_key_with_curve_parameters_loads() -> None:
    key = sm2.private_from_scalar(VECTOR_D)
    point = sm2._tlv(0xA1, b"\x03\x42\x00\x04" + key.public.point())
    params = sm2._tlv(0xA0, sm2.OID_SM2P256V1)
    assert sm2.private_from_pkcs8(_pkcs8(VECTOR_D.to_bytes(32, "big"), tail=params + point)) == key
    assert sm2.private_from_pkcs8(_pkcs8(VECTOR_D.to_bytes(32, "big"))) == key


@pytest.mark.parametrize(
    ("d", "kw"),
    [
        (b"\x00" * 32, {}),  # d = 0
        ((N - 1).to_bytes(32, "big"), {}),  # d must be at most n − 2
        (VECTOR_D.to_bytes(32, "big")[1:], {}),  # 31 bytes
        (VECTOR_D.to_bytes(32, "big"), {"version": b"\x02\x01\x02"}),
        (
            VECTOR_D.to_bytes(32, "big"),
            {"tail": sm2._tlv(0xA0, bytes.fromhex("06082a8648ce3d030107"))},
        ),
        (
            VECTOR_D.to_bytes(32, "big"),
            {"tail": sm2._tlv(0xA1, b"\x03\x42\x00\x04" + b"\x01" * 64)},
        ),
        (VECTOR_D.to_bytes(32, "big"), {"tail": b"\x05\x00"}),
    ],
    ids=["d=0", "d=n-1", "31 bytes", "version 2", "P-256 params", "wrong point", "extra field"],
)
def test_malformed_private_keys_are_refused(d: bytes, kw: dict[str, bytes]) -> None:
    with pytest.raises(sm2.Sm2KeyError):
        sm2.private_from_pkcs8(_pkcs8(d, **kw))


# ---- credentials: alg -65537, and the header's alg must be the trust list's ------------------


NOW = dt.datetime(2026, 11, 20, 8, 0, tzinfo=dt.UTC)


def _licence() -> dict[str, Any]:
    return {
        "t": "I",
        "no": "PDY00042341130317D2152",
        "v": 1,
        "n": "南阳卧龙微笑口腔诊所",
        "ia": "河南省卫生健康委员会",
        "id": "2024-03-01",
        "ad": "河南省南阳市卧龙区建设中路88号",
        "hd": "张三",
        "sj": ["口腔科"],
        "vu": "2029-02-28",
    }


def _trust(*issuers: Any) -> TrustList:
    root = keytool.generate("SM2")
    entries = [
        trust.entry(
            k.public_key(),
            role="issuer",
            authority="410000",
            authority_name="河南省卫生健康委员会",
            not_before="2024-01-01T00:00:00Z",
            not_after="2030-01-01T00:00:00Z",
        )
        for k in issuers
    ]
    data, sig = trust.build(1, "2026-11-20T08:00:00Z", entries, root)
    return trust.parse(data, sig, [root.public_key()])


def _codes(text: str, tl: TrustList) -> list[str]:
    return [r.code for r in verify_payload(text, Context(at=NOW), tl, None).reasons]


def _credential(key: Any, **kw: Any) -> str:
    iat = int((NOW - dt.timedelta(hours=1)).timestamp())
    return codec.encode(_licence(), key, iss="410000", iat=iat, **kw)


def _resigned(text: str, signature: bytes) -> str:
    import cbor2

    protected, unprotected, payload, _ = cbor2.loads(codec.unwrap(text)).value
    body = cbor2.CBORTag(18, [protected, unprotected, payload, signature])
    return codec.PREFIX + base45.encode(cbor2.dumps(body))


def test_an_sm2_credential_verifies() -> None:
    key = keytool.generate("SM2")
    text = _credential(key)
    assert codec.decode(text).alg == ALG_SM2 == -65537
    assert _codes(text, _trust(key)) == ["NO_REPLICA"]


def test_sm2_credential_failures_are_bad_signature() -> None:
    key, es = sm2.generate(), keytool.generate("ES256")
    tl = _trust(key, es)
    good = _credential(key)
    sig = codec.decode(good).signature
    r, s = int.from_bytes(sig[:32], "big"), int.from_bytes(sig[32:], "big")
    for bad in (
        sig[:63],
        rs(r + N if r + N < 1 << 256 else N, s),
        rs(0, s),
        rs(r, 0),
        rs(r, s ^ 1),
    ):
        assert _codes(_resigned(good, bad), tl) == ["BAD_SIGNATURE"], bad.hex()
    # An ES256 key's signature presented as SM2: the header's alg differs from the key's.
    assert _codes(_credential(es, alg=ALG_SM2), tl) == ["BAD_SIGNATURE"]
    # And an SM2 signature under a header that claims ES256.
    assert _codes(_credential(key, alg=ALG_ES256), tl) == ["BAD_SIGNATURE"]
    # A signature made under another user ID.
    other = reference_sign(key.d, codec.decode(good).signed_bytes, b"ALICE123@YAHOO.COM")
    assert _codes(_resigned(good, other), tl) == ["BAD_SIGNATURE"]
    same = reference_sign(key.d, codec.decode(good).signed_bytes, sm2.DEFAULT_ID)
    assert _codes(_resigned(good, same), tl) == ["NO_REPLICA"]


# ---- trust lists under an SM2 root --------------------------------------------------------------


def test_an_sm2_root_signs_the_trust_list() -> None:
    root, other, issuer = keytool.generate("SM2"), keytool.generate("SM2"), keytool.generate("SM2")
    entry = trust.entry(
        issuer.public_key(),
        role="issuer",
        authority="410000",
        authority_name="河南省卫生健康委员会",
        not_before="2024-01-01T00:00:00Z",
        not_after="2030-01-01T00:00:00Z",
    )
    off_curve = dict(entry)
    spki = bytearray(base64.b64decode(entry["spki"]))
    spki[-1] ^= 1
    off_curve["spki"] = base64.b64encode(bytes(spki)).decode()
    off_curve["kid"] = kid_text(kid_bytes(bytes(spki)))
    data, sig = trust.build(
        4, "2026-11-20T08:00:00Z", [entry, entry | {"alg": "Ed25519"}, off_curve], root
    )
    assert len(base64.b64decode(sig)) == 64
    tl = trust.parse(data, sig, [keytool.generate("Ed25519").public_key(), root.public_key()])
    assert [(k.kid, k.alg) for k in tl.keys] == [(entry["kid"], "SM2")]
    with pytest.raises(TrustListError):
        trust.parse(data, sig, [other.public_key()])
    with pytest.raises(TrustListError):
        trust.parse(data + b" ", sig, [root.public_key()])


def test_init_pins_an_sm2_root_and_still_refuses_es256(tmp_path: Path) -> None:
    from kiosk.home import init

    for name, alg in (("sm2", "SM2"), ("es", "ES256")):
        keytool.write_pair(keytool.generate(alg), tmp_path, name)
    home = init(tmp_path / "h", [tmp_path / "sm2.pub.pem"], "410000")
    assert alg_name(home.roots()[0]) == "SM2"
    with pytest.raises(KeyFileError, match="Ed25519 or SM2"):
        init(tmp_path / "h2", [tmp_path / "es.pub.pem"], "410000")


# ---- the demo world and the CLI ---------------------------------------------------------------


def test_the_demo_has_sm2_credentials_of_each_type(demo_cases: list[dict[str, Any]]) -> None:
    sm2_cases = [c for c in demo_cases if c["label"].startswith("SM2")]
    signed = {
        codec.decode(c["payload"]).licence.type
        for c in sm2_cases
        if c["expect"] == "valid" and codec.decode(c["payload"]).alg == ALG_SM2
    }
    assert signed == {"P", "N", "I"}
    assert any(c["codes"] == ["BAD_SIGNATURE"] for c in sm2_cases)


def test_sm2_credentials_through_the_verify_cli(
    demo_world: Path, demo_cases: list[dict[str, Any]]
) -> None:
    for case in (c for c in demo_cases if c["label"].startswith("SM2")):
        proc = subprocess.run(
            [sys.executable, "main.py", "verify", "--home", str(demo_world)]
            + ["--payload", case["payload"], "--json"],
            capture_output=True,
            text=True,
            cwd=ROOT,
            timeout=120,
        )
        doc = json.loads(proc.stdout)
        assert doc["verdict"] == case["expect"], (case["label"], doc)
        assert [r["code"] for r in doc["reasons"]] == case["codes"]
        assert proc.stderr == ""


_PROBE = """
import json, sys
from pathlib import Path
from kiosk.home import Home
from kiosk.verify import Context, verify_payload
from domain.timeutil import parse_cli_time
home = Home(Path(sys.argv[1]))
before = [m for m in ("wire.sm2", "tongsuopy") if m in sys.modules]
result = verify_payload(sys.argv[2], Context(at=parse_cli_time(sys.argv[3])), home.trust_list(), None)
print(json.dumps({"before": before, "after": [m for m in ("wire.sm2", "tongsuopy") if m in sys.modules],
                  "codes": [r.code for r in result.reasons]}))
"""


def _probe(home: Path, payload: str) -> dict[str, Any]:
    proc = subprocess.run(
        [sys.executable, "-c", _PROBE, str(home), payload, dt.datetime.now(dt.UTC).isoformat()],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    doc: dict[str, Any] = json.loads(proc.stdout)
    return doc


def test_the_sm2_library_is_loaded_only_for_an_sm2_signature(
    demo_world: Path, demo_cases: list[dict[str, Any]], tmp_path: Path
) -> None:
    home = tmp_path / "home"
    shutil.copytree(demo_world, home, ignore=shutil.ignore_patterns("replica", "demo", "bundle"))
    ed = next(c for c in demo_cases if c["expect"] == "valid" and c["label"].startswith("有效医师"))
    sm = next(c for c in demo_cases if c["label"].startswith("SM2 签名：有效医师"))
    # The demo trust list lists an SM2 issuer: reading it parses its key (pure Python), but
    # the library stays unloaded until an SM2 signature is checked.
    doc = _probe(home, ed["payload"])
    assert doc["before"] == [] and "tongsuopy" not in doc["after"]
    doc = _probe(home, sm["payload"])
    assert "tongsuopy" in doc["after"] and doc["codes"][0] != "BAD_SIGNATURE"
    # r out of range is refused before the library is needed.
    text = codec.decode(sm["payload"]).signature
    doc = _probe(home, _resigned(sm["payload"], rs(N, int.from_bytes(text[32:], "big"))))
    assert doc["codes"] == ["BAD_SIGNATURE"] and "tongsuopy" not in doc["after"]
