"""Every verdict code, on the demo world's real registry, keys and trust list."""

from __future__ import annotations

import contextlib
import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.timeutil import parse_cli_time
from domain.types import Verdict
from kiosk.home import Home
from kiosk.messages import REASONS
from kiosk.verify import Context, verify_payload
from wire import codec
from wire.claims import licence_to_map
from wire.keys import read_private


def _verify(home: Path, payload: str, context: dict[str, Any] | None = None) -> Any:
    context = context or {}
    target = Home(home / context["home"]) if "home" in context else Home(home)
    at = parse_cli_time(context["at"]) if "at" in context else dt.datetime.now(dt.UTC)
    ctx = Context(at=at, institution=context.get("institution"), id_number=context.get("id_number"))
    return verify_payload(payload, ctx, target.trust_list(), target.replica())


# Each demo case's codes, written down from credential-qr.md, not recorded from the verifier:
# demo/credentials.ndjson lists what the verifier said when the demo was built, so a test
# against it alone could not catch a case that drifts to another code of the same class.
EXPECTED_CODES: dict[str, list[str]] = {
    "有效医师（河南省卫健委 Ed25519 签发）valid physician": [],
    "有效医师（南阳市卫健体委 ES256 签发）valid physician, ES256 issuer": [],
    "有效护士 valid nurse": [],
    "有效医疗机构执业许可证 valid institution": [],
    "身份证号一致 ID number matches": [],
    "多机构执业备案处检查 inspected at a filed second site": [],
    "信息已变更 SUPERSEDED": ["SUPERSEDED"],
    "本机库较旧 REPLICA_BEHIND (newer version)": ["REPLICA_BEHIND"],
    "新注册，本机库未收录 REPLICA_BEHIND (new registration)": ["REPLICA_BEHIND"],
    "新注册，无法离线核对身份证号 ID_UNCHECKED": ["REPLICA_BEHIND", "ID_UNCHECKED"],
    "本机库过期超限 REPLICA_EXPIRED": ["REPLICA_EXPIRED"],
    "外地签发机关 ISSUER_OUT_OF_JURISDICTION (a Nanyang key vouching for a physician of another city)": [
        "ISSUER_OUT_OF_JURISDICTION",
        "REPLICA_BEHIND",
    ],
    "被检查机构停业 INSPECTED_INSTITUTION_INVALID": [
        "INSPECTED_INSTITUTION_INVALID",
        "INSTITUTION_INVALID",
        "SCOPE_OUTSIDE_SUBJECTS",
    ],
    "被检查机构不在注册库 INSTITUTION_UNKNOWN": ["NOT_REGISTERED_HERE", "INSTITUTION_UNKNOWN"],
    "主要执业机构停业 INSTITUTION_INVALID": ["INSTITUTION_INVALID"],
    "执业范围不在诊疗科目内 SCOPE_OUTSIDE_SUBJECTS": ["SCOPE_OUTSIDE_SUBJECTS"],
    "本机库过期 REPLICA_STALE": ["REPLICA_STALE"],
    "无本地库 NO_REPLICA": ["NO_REPLICA"],
    "本机时钟偏早 CLOCK_SUSPECT": ["CLOCK_SUSPECT"],
    "不是验照二维码 BAD_FORMAT (not YZ1)": ["BAD_FORMAT"],
    "损坏的编码 BAD_FORMAT (broken Base45)": ["BAD_FORMAT"],
    "不支持的算法 UNSUPPORTED_ALG": ["UNSUPPORTED_ALG"],
    "未知签发密钥 UNKNOWN_KEY": ["UNKNOWN_KEY"],
    "签名被篡改 BAD_SIGNATURE": ["BAD_SIGNATURE"],
    "密钥已吊销 KEY_REVOKED": ["KEY_REVOKED"],
    "签发时密钥已过期 KEY_NOT_VALID_AT_ISSUE": ["KEY_NOT_VALID_AT_ISSUE"],
    "签发机关不符 ISSUER_MISMATCH": ["ISSUER_MISMATCH"],
    "签发时间在未来 NOT_YET_VALID": ["NOT_YET_VALID"],
    "护士注册已过期 EXPIRED (lapsed registration)": ["EXPIRED"],
    "证照已过期 EXPIRED (exp passed)": ["EXPIRED"],
    "查无此证 NOT_IN_REGISTRY": ["NOT_IN_REGISTRY"],
    "姓名与登记不符 DATA_MISMATCH": ["DATA_MISMATCH"],
    "已注销 CANCELLED": ["CANCELLED"],
    "已备案（调离/退休）FILED": ["FILED"],
    "暂停执业 SUSPENDED": ["SUSPENDED"],
    "机构停业 SUSPENDED (institution)": ["SUSPENDED"],
    "身份证号不符 ID_MISMATCH": ["ID_MISMATCH"],
    "非本机构人员 NOT_REGISTERED_HERE": ["NOT_REGISTERED_HERE"],
    "护士注册即将到期 EXPIRES_SOON (valid, renewal due)": ["EXPIRES_SOON"],
    "注册库无照片 NO_PHOTO (valid, compare with the ID card)": ["NO_PHOTO"],
    "SM2 签名：有效医师（河南省卫健委 SM2 签发）SM2-signed valid physician": [],
    "SM2 签名：有效护士 SM2-signed valid nurse": [],
    "SM2 签名：有效医疗机构执业许可证 SM2-signed valid institution": [],
    "SM2 签名被篡改 BAD_SIGNATURE (SM2)": ["BAD_SIGNATURE"],
    "SM2 算法与密钥不符 BAD_SIGNATURE (an ES256 key's signature presented as SM2)": [
        "BAD_SIGNATURE"
    ],
}


def test_every_demo_case_gives_the_codes_its_label_names(
    demo_world: Path, demo_cases: list[dict[str, Any]]
) -> None:
    assert {case["label"] for case in demo_cases} == set(EXPECTED_CODES)
    for case in demo_cases:
        result = _verify(demo_world, case["payload"], case.get("context"))
        assert list(result.codes) == EXPECTED_CODES[case["label"]], case["label"]


def test_demo_covers_every_reason_code(demo_cases: list[dict[str, Any]]) -> None:
    seen = {code for case in demo_cases for code in case["codes"]}
    assert seen == set(REASONS)
    assert {c["expect"] for c in demo_cases} == {"valid", "warning", "invalid"}


def test_every_demo_case_gives_its_listed_verdict(
    demo_world: Path, demo_cases: list[dict[str, Any]]
) -> None:
    for case in demo_cases:
        result = _verify(demo_world, case["payload"], case.get("context"))
        assert result.verdict.value == case["expect"], case["label"]
        assert list(result.codes) == case["codes"], case["label"]
        assert all(r.message for r in result.reasons)


def test_valid_physician_has_registry_record(
    demo_world: Path, demo_cases: list[dict[str, Any]]
) -> None:
    result = _verify(demo_world, demo_cases[0]["payload"])
    assert result.verdict is Verdict.VALID
    assert result.practitioner is not None
    assert result.practitioner.cert_no == result.credential.licence.no
    assert result.main_institution is not None and result.main_institution.status == "active"
    assert "*" in result.practitioner.id_mask


def test_superseded_shows_the_current_record(
    demo_world: Path, demo_cases: list[dict[str, Any]]
) -> None:
    case = next(c for c in demo_cases if c["codes"] == ["SUPERSEDED"])
    result = _verify(demo_world, case["payload"])
    assert result.credential.licence.version < result.practitioner.version
    assert "以当前登记信息为准" in result.reasons[0].message


def test_crypto_reasons_stop_at_the_first(
    demo_world: Path, demo_cases: list[dict[str, Any]]
) -> None:
    case = next(c for c in demo_cases if c["codes"] == ["KEY_REVOKED"])
    # Even where the registry would object too (a future verification time), only the
    # cryptographic reason is given and nothing is looked up.
    result = _verify(demo_world, case["payload"], {"institution": "NOWHERE"})
    assert result.codes == ("KEY_REVOKED",)
    assert result.practitioner is None


def test_registry_reasons_all_apply(demo_world: Path, demo_cases: list[dict[str, Any]]) -> None:
    case = next(c for c in demo_cases if c["codes"] == ["CANCELLED"])
    other = next(c for c in demo_cases if c["codes"] == ["ID_MISMATCH"])["context"]["id_number"]
    result = _verify(demo_world, case["payload"], {"institution": "NOWHERE", "id_number": other})
    assert {"CANCELLED", "NOT_REGISTERED_HERE", "ID_MISMATCH"} <= set(result.codes)
    assert result.verdict is Verdict.INVALID


def test_alg_mismatch_with_the_trust_list_is_bad_signature(
    demo_world: Path, demo_cases: list[dict[str, Any]]
) -> None:
    """A credential claiming ES256 under an Ed25519 issuer's kid."""
    valid = codec.decode(demo_cases[0]["payload"])
    key = read_private(demo_world / "demo" / "keys" / "issuer-henan.pem")
    text = codec.encode_cose(
        {1: valid.iss, 6: valid.iat, -70000: licence_to_map(valid.licence)},
        key,
        alg=-7,
        kid=valid.kid,
    )
    assert _verify(demo_world, text).codes == ("BAD_SIGNATURE",)


def test_no_trust_list_means_unknown_key(
    demo_cases: list[dict[str, Any]], fresh_home: Path
) -> None:
    result = _verify(fresh_home, demo_cases[0]["payload"])
    assert result.codes == ("UNKNOWN_KEY",)


def test_english_messages(demo_world: Path, demo_cases: list[dict[str, Any]]) -> None:
    case = next(c for c in demo_cases if c["codes"] == ["FILED"])
    home = Home(demo_world)
    ctx = Context(at=dt.datetime.now(dt.UTC), lang="en")
    result = verify_payload(case["payload"], ctx, home.trust_list(), home.replica())
    assert "filed out" in result.reasons[0].message


@pytest.fixture(scope="module")
def real_env(demo_world: Path) -> tuple[Any, Any]:
    home = Home(demo_world)
    return home.trust_list(), home.replica()


@settings(max_examples=200, deadline=None)
@given(data=st.data())
def test_fuzz_mutated_valid_payloads_are_never_valid(
    data: st.DataObject, demo_cases: list[dict[str, Any]], real_env: tuple[Any, Any]
) -> None:
    """Flip characters of a valid credential: the result is never `valid` and never raises."""
    payload = demo_cases[1]["payload"]
    i = data.draw(st.integers(4, len(payload) - 1))
    c = data.draw(st.sampled_from("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"))
    mutated = payload[:i] + c + payload[i + 1 :]
    if mutated == payload:
        return
    ctx = Context(at=dt.datetime.now(dt.UTC))
    result = verify_payload(mutated, ctx, *real_env)
    assert result.verdict is Verdict.INVALID


@settings(max_examples=200, deadline=None)
@given(text=st.text(alphabet="0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:", max_size=600))
def test_fuzz_random_payloads_are_invalid(text: str, real_env: tuple[Any, Any]) -> None:
    ctx = Context(at=dt.datetime.now(dt.UTC))
    assert verify_payload("YZ1:" + text, ctx, *real_env).verdict is Verdict.INVALID


# ---- the rules behind the codes, at their edges (credential-qr.md) ----------------------------


def _reissue(
    demo_world: Path, payload: str, key_name: str, iat: dt.datetime, **changes: Any
) -> str:
    """The licence of a demo credential (with `changes`) signed again by one of the demo's keys
    at `iat`."""
    from dataclasses import replace

    from seed.issue import issue

    cred = codec.decode(payload)
    key = read_private(demo_world / "demo" / "keys" / f"{key_name}.pem")
    return issue(replace(cred.licence, **changes), key, iss=cred.iss, iat=int(iat.timestamp()))


def _exported_at(demo_world: Path) -> dt.datetime:
    replica = Home(demo_world).replica()
    assert replica is not None
    try:
        return replica.info().exported_at
    finally:
        replica.close()


def test_revocation_reaches_credentials_signed_before_it(
    demo_world: Path, demo_cases: list[dict[str, Any]]
) -> None:
    """A revoked key is revoked for everything it ever signed: a credential whose iat is a
    month before the revocation is refused all the same."""
    home = Home(demo_world)
    trust = home.trust_list()
    assert trust is not None
    revoked = [k.revoked_at for k in trust.keys if k.revoked_at is not None]
    assert len(revoked) == 1
    iat = revoked[0] - dt.timedelta(days=30)
    text = _reissue(demo_world, demo_cases[0]["payload"], "issuer-revoked", iat)
    result = _verify(demo_world, text)
    assert (result.verdict, result.codes) == (Verdict.INVALID, ("KEY_REVOKED",))


def test_a_publisher_key_cannot_sign_a_credential(
    demo_world: Path, demo_cases: list[dict[str, Any]]
) -> None:
    """The publisher's key is in the trust list, but only to sign bundles."""
    now = dt.datetime.now(dt.UTC)
    text = _reissue(demo_world, demo_cases[0]["payload"], "publisher", now)
    result = _verify(demo_world, text)
    assert result.verdict is Verdict.INVALID
    assert result.codes == ("UNKNOWN_KEY",)


@pytest.mark.parametrize(("ahead", "codes"), [(4, ()), (6, ("NOT_YET_VALID",))])
def test_not_yet_valid_allows_five_minutes_of_clock_drift(
    ahead: int, codes: tuple[str, ...], demo_world: Path, demo_cases: list[dict[str, Any]]
) -> None:
    at = dt.datetime.now(dt.UTC)
    text = _reissue(
        demo_world, demo_cases[0]["payload"], "issuer-henan", at + dt.timedelta(minutes=ahead)
    )
    assert _verify(demo_world, text, {"at": at.isoformat()}).codes == codes


@pytest.mark.parametrize(("behind", "codes"), [(4, ()), (6, ("CLOCK_SUSPECT",))])
def test_clock_suspect_after_five_minutes_before_the_export(
    behind: int, codes: tuple[str, ...], demo_world: Path, demo_cases: list[dict[str, Any]]
) -> None:
    exported = _exported_at(demo_world)
    text = _reissue(
        demo_world, demo_cases[0]["payload"], "issuer-henan", exported - dt.timedelta(days=1)
    )
    at = exported - dt.timedelta(minutes=behind)
    assert _verify(demo_world, text, {"at": at.isoformat()}).codes == codes


@pytest.mark.parametrize(
    ("age", "codes"), [(7 * 24 * 60 - 1, ()), (7 * 24 * 60 + 1, ("REPLICA_STALE",))]
)
def test_replica_stale_after_seven_days_by_default(
    age: int, codes: tuple[str, ...], demo_world: Path, demo_cases: list[dict[str, Any]]
) -> None:
    exported = _exported_at(demo_world)
    at = exported + dt.timedelta(minutes=age)
    assert _verify(demo_world, demo_cases[0]["payload"], {"at": at.isoformat()}).codes == codes


def test_an_invalid_reason_outranks_a_warning(
    demo_world: Path, demo_cases: list[dict[str, Any]]
) -> None:
    """A cancelled licence checked on a stale replica: both reasons given, the verdict invalid."""
    case = next(c for c in demo_cases if c["codes"] == ["CANCELLED"])
    at = _exported_at(demo_world) + dt.timedelta(days=10)
    result = _verify(demo_world, case["payload"], {"at": at.isoformat()})
    assert {"CANCELLED", "REPLICA_STALE"} <= set(result.codes)
    assert result.verdict is Verdict.INVALID


def _label(demo_cases: list[dict[str, Any]], start: str) -> dict[str, Any]:
    return next(c for c in demo_cases if c["label"].startswith(start))


def test_expired_the_replica_decides_where_it_holds_the_record(
    demo_world: Path, demo_cases: list[dict[str, Any]]
) -> None:
    now = dt.datetime.now(dt.UTC)
    past, future = (now - dt.timedelta(days=2)).date(), (now + dt.timedelta(days=365)).date()
    nurse, lapsed = _label(demo_cases, "有效护士")["payload"], _label(demo_cases, "护士注册已过期")
    # the credential says the registration has ended, the replica says it runs on: not expired
    renewed = _reissue(
        demo_world, nurse, "issuer-henan", now - dt.timedelta(hours=1), valid_until=str(past)
    )
    assert _verify(demo_world, renewed).verdict is Verdict.VALID
    # the credential says it runs on, the replica says it has lapsed: expired
    stale = _reissue(
        demo_world,
        lapsed["payload"],
        "issuer-henan",
        now - dt.timedelta(hours=1),
        valid_until=str(future),
    )
    assert "EXPIRED" in _verify(demo_world, stale).codes
    # without a replica, the credential's own date decides
    alone = _verify(demo_world, renewed, {"home": "demo/no-replica-home"})
    assert alone.verdict is Verdict.INVALID and "EXPIRED" in alone.codes


def test_without_a_replica_the_credentials_own_sites_decide_where_it_may_practise(
    demo_world: Path, demo_cases: list[dict[str, Any]]
) -> None:
    valid = demo_cases[0]["payload"]
    lic = codec.decode(valid).licence
    assert lic.org is not None
    ctx = {"home": "demo/no-replica-home"}
    assert _verify(demo_world, valid, {**ctx, "institution": lic.org.no}).codes == ("NO_REPLICA",)
    elsewhere = _verify(demo_world, valid, {**ctx, "institution": "PDY00042X41130217D2152"})
    assert "NOT_REGISTERED_HERE" in elsewhere.codes
    second = _label(demo_cases, "多机构执业备案处检查")
    at_filing = _verify(demo_world, second["payload"], {**ctx, **second["context"]})
    assert at_filing.codes == ("NO_REPLICA",)


def test_id_number_is_checked_against_the_replica_only(
    demo_world: Path, demo_cases: list[dict[str, Any]]
) -> None:
    right = _label(demo_cases, "身份证号一致")["context"]["id_number"]
    wrong = _label(demo_cases, "身份证号不符")["context"]["id_number"]
    payload = _label(demo_cases, "身份证号一致")["payload"]
    assert _verify(demo_world, payload, {"id_number": right}).codes == ()
    assert _verify(demo_world, payload, {"id_number": wrong}).codes == ("ID_MISMATCH",)


def test_without_the_id_index_key_a_typed_id_number_is_unchecked(
    demo_world: Path, demo_cases: list[dict[str, Any]], tmp_path: Path
) -> None:
    """A home that holds no ID-index key, or another publication's, cannot check an ID number:
    ID_UNCHECKED, never a silent pass and never a false ID_MISMATCH."""
    from db import store
    from db.replica import Replica
    from domain import idkey

    case = _label(demo_cases, "身份证号不符")
    home = Home(demo_world)
    path = store.current(home.replica_dir)
    assert path is not None
    ctx = Context(at=dt.datetime.now(dt.UTC), id_number=case["context"]["id_number"])
    for key in (None, idkey.generate()):
        replica = Replica(path, key)
        try:
            assert not replica.id_checkable
            result = verify_payload(case["payload"], ctx, home.trust_list(), replica)
        finally:
            replica.close()
        assert result.codes == ("ID_UNCHECKED",)
        assert result.verdict is Verdict.WARNING


def _edit_replica(home: Path, sql: str, *params: Any) -> None:
    import sqlite3

    from db import store

    path = store.current(home / "replica")
    assert path is not None
    with contextlib.closing(sqlite3.connect(path)) as conn, conn:
        assert conn.execute(sql, params).rowcount == 1


@pytest.mark.parametrize(
    ("column", "value"),
    [("status", "cancelled"), ("status", "suspended"), ("valid_until", "2020-01-01")],
)
def test_institution_invalid_for_every_way_a_main_institution_can_fail(
    column: str, value: str, demo_copy: Path, demo_cases: list[dict[str, Any]]
) -> None:
    valid = demo_cases[0]["payload"]
    org = codec.decode(valid).licence.org
    assert org is not None
    _edit_replica(demo_copy, f"UPDATE institution SET {column} = ? WHERE reg_no = ?", value, org.no)
    result = _verify(demo_copy, valid)
    assert (result.verdict, result.codes) == (Verdict.WARNING, ("INSTITUTION_INVALID",))


def test_an_institution_licence_past_its_replica_date_is_expired(
    demo_copy: Path, demo_cases: list[dict[str, Any]]
) -> None:
    case = _label(demo_cases, "有效医疗机构执业许可证")
    no = codec.decode(case["payload"]).licence.no
    assert _verify(demo_copy, case["payload"]).verdict is Verdict.VALID
    _edit_replica(
        demo_copy, "UPDATE institution SET valid_until = ? WHERE reg_no = ?", "2020-01-01", no
    )
    result = _verify(demo_copy, case["payload"])
    assert result.verdict is Verdict.INVALID and "EXPIRED" in result.codes


def test_an_ended_multi_site_filing_no_longer_lets_one_practise_there(
    demo_copy: Path, demo_cases: list[dict[str, Any]]
) -> None:
    case = _label(demo_cases, "多机构执业备案处检查")
    no = codec.decode(case["payload"]).licence.no
    assert _verify(demo_copy, case["payload"], case["context"]).codes == ()
    _edit_replica(
        demo_copy,
        "UPDATE filing SET valid_until = ? WHERE cert_no = ? AND institution = ?",
        "2020-01-01",
        no,
        case["context"]["institution"],
    )
    assert "NOT_REGISTERED_HERE" in _verify(demo_copy, case["payload"], case["context"]).codes


def test_reasons_come_invalid_first_whatever_the_check_order(
    demo_world: Path, demo_cases: list[dict[str, Any]]
) -> None:
    """credential-qr.md: reasons are listed invalid, then warning, so the deciding one leads.
    A stale replica is noticed before the registration check, yet NOT_REGISTERED_HERE leads."""
    valid = demo_cases[0]
    elsewhere = next(
        c["context"]["institution"]
        for c in demo_cases
        if c["codes"] == ["NOT_REGISTERED_HERE"] and "institution" in c.get("context", {})
    )
    at = (dt.datetime.now(dt.UTC) + dt.timedelta(days=10)).isoformat()
    result = _verify(demo_world, valid["payload"], {"at": at, "institution": elsewhere})
    assert result.codes == ("NOT_REGISTERED_HERE", "REPLICA_STALE")
    assert [r.severity for r in result.reasons] == ["invalid", "warning"]


@pytest.mark.parametrize(
    ("authority", "division", "covered"),
    [
        ("410000", "410825", True),
        ("410000", "420100", False),
        ("411300", "411302", True),
        ("411300", "410825", False),
        ("411302", "411302", True),
        ("411302", "411303", False),
        ("000000", "650100", True),
        ("410800", "410825", True),
    ],
)
def test_a_keys_authority_covers_the_divisions_below_it(
    authority: str, division: str, covered: bool
) -> None:
    from kiosk.verify import covers

    assert covers(authority, division) is covered


def _case_of(demo_cases: list[dict[str, Any]], label: str) -> dict[str, Any]:
    return next(c for c in demo_cases if c["label"].startswith(label))


def _in_days(days: int) -> str:
    from domain.timeutil import china_date

    return (
        dt.date.fromisoformat(china_date(dt.datetime.now(dt.UTC))) + dt.timedelta(days=days)
    ).isoformat()


@pytest.mark.parametrize(
    ("days", "codes"),
    [(91, []), (90, ["EXPIRES_SOON"]), (2, ["EXPIRES_SOON"]), (0, ["EXPIRES_SOON"])],
)
def test_a_nurse_whose_registration_ends_within_90_days_is_told_to_renew(
    demo_copy: Path, demo_cases: list[dict[str, Any]], days: int, codes: list[str]
) -> None:
    """The issue's last story: a registration ending in two days scanned a plain 有效. It is
    still valid (info leaves the verdict), with EXPIRES_SOON naming the date."""
    case = _case_of(demo_cases, "有效护士")
    no = codec.decode(case["payload"]).licence.no
    _edit_replica(
        demo_copy, "UPDATE practitioner SET valid_until = ? WHERE cert_no = ?", _in_days(days), no
    )
    result = _verify(demo_copy, case["payload"])
    assert list(result.codes) == codes and result.verdict is Verdict.VALID
    if codes:
        assert _in_days(days) in result.reasons[0].message
        assert result.reasons[0].severity == "info"


def test_an_ended_registration_is_expired_not_expiring(
    demo_copy: Path, demo_cases: list[dict[str, Any]]
) -> None:
    case = _case_of(demo_cases, "有效护士")
    no = codec.decode(case["payload"]).licence.no
    _edit_replica(
        demo_copy, "UPDATE practitioner SET valid_until = ? WHERE cert_no = ?", _in_days(-1), no
    )
    assert _verify(demo_copy, case["payload"]).codes == ("EXPIRED",)


def test_a_cancelled_licence_near_its_end_has_nothing_to_renew(
    demo_copy: Path, demo_cases: list[dict[str, Any]]
) -> None:
    case = _case_of(demo_cases, "有效护士")
    no = codec.decode(case["payload"]).licence.no
    _edit_replica(
        demo_copy,
        "UPDATE practitioner SET valid_until = ?, status = 'cancelled' WHERE cert_no = ?",
        _in_days(10),
        no,
    )
    assert _verify(demo_copy, case["payload"]).codes == ("CANCELLED",)


def test_an_institution_licence_near_its_end_expires_soon(
    demo_copy: Path, demo_cases: list[dict[str, Any]]
) -> None:
    case = _case_of(demo_cases, "有效医疗机构执业许可证")
    no = codec.decode(case["payload"]).licence.no
    _edit_replica(
        demo_copy, "UPDATE institution SET valid_until = ? WHERE reg_no = ?", _in_days(30), no
    )
    result = _verify(demo_copy, case["payload"])
    assert result.codes == ("EXPIRES_SOON",) and result.verdict is Verdict.VALID


def test_a_multi_site_filing_near_its_end_expires_soon_where_it_registers_them(
    demo_copy: Path, demo_cases: list[dict[str, Any]]
) -> None:
    """With the inspected institution given, the filing that registers the practitioner there
    is what must be renewed; without it, the filing is not what the answer rests on."""
    case = _case_of(demo_cases, "多机构执业备案处检查")
    no = codec.decode(case["payload"]).licence.no
    here = case["context"]["institution"]
    _edit_replica(
        demo_copy,
        "UPDATE filing SET valid_until = ? WHERE cert_no = ? AND institution = ?",
        _in_days(20),
        no,
        here,
    )
    result = _verify(demo_copy, case["payload"], case["context"])
    assert result.codes == ("EXPIRES_SOON",) and result.verdict is Verdict.VALID
    assert "备案" in result.reasons[0].message
    assert _verify(demo_copy, case["payload"]).codes == ()


def test_a_practitioner_without_a_photo_is_compared_with_the_id_card(
    demo_copy: Path, demo_cases: list[dict[str, Any]]
) -> None:
    """NO_PHOTO is info, listed after every warning, and leaves the verdict as it is."""
    case = _case_of(demo_cases, "信息已变更 SUPERSEDED")
    no = codec.decode(case["payload"]).licence.no
    _edit_replica(demo_copy, "UPDATE practitioner SET photo = NULL WHERE cert_no = ?", no)
    result = _verify(demo_copy, case["payload"])
    assert result.codes == ("SUPERSEDED", "NO_PHOTO") and result.verdict is Verdict.WARNING
    assert [r.severity for r in result.reasons] == ["warning", "info"]


def test_check_by_record_runs_the_registry_and_context_checks_of_a_scan(
    demo_copy: Path, demo_cases: list[dict[str, Any]]
) -> None:
    """A record found by ID number (no QR) meets the same checks as a scan of its licence:
    the status, the end date, the institutions and the photo."""
    from kiosk.verify import check_people, check_record

    home = Home(demo_copy)
    replica = home.replica()
    assert replica is not None
    ctx = Context(at=dt.datetime.now(dt.UTC))
    for label in ("护士注册已过期", "已注销", "主要执业机构停业", "有效医师（河南省卫健委"):
        case = _case_of(demo_cases, label)
        lic = codec.decode(case["payload"]).licence
        person = replica.practitioner("nurse" if lic.type == "N" else "physician", lic.no)
        assert person is not None
        result = check_record(person, ctx, replica)
        assert list(result.codes) == case["codes"], label
        assert result.verdict.value == case["expect"] and result.credential is None
    nothing = check_people([], ctx, replica)
    assert nothing.verdict is Verdict.INVALID and nothing.results == ()
    assert [r.code for r in nothing.reasons] == ["NOT_IN_REGISTRY"]
