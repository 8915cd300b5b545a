"""The demo's cast (registry records staged for each case) and its credentials, one per case.

Every case is verified right after it is issued, with the kiosk's own verifier, and the demo
refuses to build if a verdict is not the one listed: the list is a promise to a new user.
"""

from __future__ import annotations

import datetime as dt
import json
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import cbor2

from domain.types import Licence
from kiosk.scope import scope_within
from seed.divisions import load as load_divisions
from seed.institutions import add_years
from seed.issue import (
    issue,
    licence_for_institution,
    licence_for_practitioner,
    qr_png,
    with_changes,
)
from wire import base45, codec
from wire.keys import ALG_SM2

# A private dental clinic in 卧龙区 (411303): its GB 11714 check character is 3.
DENTAL_NO = "PDY00042341130317D2152"


def _dental_licence(today: dt.date) -> dict[str, str]:
    """Where the demo's dental clinic sits and its five-year licence, as its 登记号 says."""
    start = dt.date(today.year - 2, 3, 1)
    return {
        "address": "河南省南阳市卧龙区建设中路88号",
        "region": "411303",
        "authority": "411303",
        "authority_name": load_divisions().authority_name("411303"),
        "valid_from": start.isoformat(),
        "valid_until": (start.replace(year=start.year + 5) - dt.timedelta(days=1)).isoformat(),
        "issued_on": start.isoformat(),
    }


@dataclass
class Cast:
    """Registry records chosen (and adjusted) to play each demo case."""

    doctors: list[dict[str, Any]]
    nurses: list[dict[str, Any]]
    clinics: list[dict[str, Any]]
    by_reg: dict[str, dict[str, Any]] = field(default_factory=dict)
    filings: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    @classmethod
    def pick(cls, tables: dict[str, list[dict[str, Any]]], today: dt.date) -> Cast:
        """Choose healthy records: active, valid, at a healthy institution, no filings."""
        soon = (today + dt.timedelta(days=90)).isoformat()
        insts = {r["reg_no"]: r for r in tables["institutions"]}
        healthy = {
            k for k, r in insts.items() if r["status"] == "active" and r["valid_until"] > soon
        }
        filed = {(f["kind"], f["cert_no"]) for f in tables["filings"]}

        def ok(r: dict[str, Any]) -> bool:
            return (
                r["status"] == "active"
                and r["institution"] in healthy
                and (r["kind"], r["cert_no"]) not in filed
                and (r["kind"] == "physician" or r["valid_until"] > soon)
            )

        doctors = [
            r
            for r in tables["practitioners"]
            if r["kind"] == "physician" and r.get("category") == "临床" and ok(r)
        ]
        nurses = [r for r in tables["practitioners"] if r["kind"] == "nurse" and ok(r)]
        # The 2nd and 3rd nurses get a term ending about now, so one that began five years ago:
        # they must have been registered before it (first registration year in the number).
        older = [r for r in nurses[1:] if int(r["cert_no"][:4]) < today.year - 5]
        nurses = nurses[:1] + older + [r for r in nurses[1:] if all(r is not o for o in older)]
        # The second doctor is one the Nanyang key may vouch for (approved within 4113..).
        nanyang = next((r for r in doctors if r["authority"].startswith("4113")), None)
        if nanyang is not None:
            doctors.remove(nanyang)
            doctors.insert(1, nanyang)
        # The first is one it may not (ISSUER_OUT_OF_JURISDICTION): approved outside 4113..
        other = next((r for r in doctors if not r["authority"].startswith("4113")), None)
        if other is not None and other is not doctors[0]:
            doctors.remove(other)
            doctors.insert(0, other)
        used = {r["institution"] for r in doctors[:12] + nurses[:3]}
        clinics = [insts[k] for k in sorted(healthy - used)]
        if len(doctors) < 12 or len(nurses) < 3 or len(clinics) < 4:
            raise ValueError("the generated registry is too small for the demo cases")
        return cls(doctors[:12], nurses[:3], clinics, insts)

    def stage(self, tables: dict[str, list[dict[str, Any]]], today: dt.date) -> None:
        """Adjust the chosen records so that each case holds in the registry."""
        d, n, c = self.doctors, self.nurses, self.clinics
        fit = next(
            (
                i
                for i in range(2, len(c))
                if scope_within(tuple(d[7]["scope"]), tuple(c[i]["subjects"]))
            ),
            None,
        )
        if fit is None:
            raise ValueError("no institution fits the multi-site demo case")
        c[2], c[fit] = c[fit], c[2]
        d[2]["version"] = 3  # SUPERSEDED: the credential carries v2
        d[3]["version"] = 1  # REPLICA_BEHIND: the credential carries v2
        d[8]["status"] = "cancelled"
        d[9]["status"] = "filed"
        d[10]["status"] = "suspended"
        n[1]["valid_until"] = (today - dt.timedelta(days=45)).isoformat()  # lapsed: EXPIRED
        n[2]["valid_until"] = (today + dt.timedelta(days=20)).isoformat()  # EXPIRES_SOON
        for nurse in n[1:3]:  # a nurse's term is five years: the staged end moves its start
            nurse["issued_on"] = add_years(nurse["valid_until"], -5)
        d[11].pop("photo", None)  # NO_PHOTO
        c[1]["status"] = "suspended"  # main institution of d[5]: INSTITUTION_INVALID
        d[5]["institution"] = c[1]["reg_no"]
        dental = dict(
            c[0],
            reg_no=DENTAL_NO,
            name="南阳卧龙微笑口腔诊所",
            category="诊所",
            subjects=["口腔科"],
            version=1,
            **_dental_licence(today),
        )
        tables["institutions"].append(dental)
        self.by_reg[DENTAL_NO] = dental
        tables["filings"].append(
            {
                "cert_no": d[6]["cert_no"],
                "kind": "physician",
                "institution": DENTAL_NO,
                "filed_on": "2025-03-01",
            }
        )
        tables["filings"].append(
            {
                "cert_no": d[7]["cert_no"],
                "kind": "physician",
                "institution": c[2]["reg_no"],
                "filed_on": "2025-05-10",
                "scope": d[7]["scope"],
            }
        )
        self.filings = {
            d[6]["cert_no"]: [tables["filings"][-2]],
            d[7]["cert_no"]: [tables["filings"][-1]],
        }


def _forged(licence: Licence, key: Any, *, iss: str, iat: int, alg: int | None = None) -> str:
    """A credential whose payload was altered after signing (known kid, bad signature)."""
    good = issue(licence, key, iss=iss, iat=iat, alg=alg, compress=False)
    raw = codec.unwrap(good)
    tag = cbor2.loads(raw)
    protected, unprotected, payload, signature = tag.value
    claims = cbor2.loads(payload)
    claims[-70000]["n"] = claims[-70000]["n"] + "某"
    body = cbor2.dumps(cbor2.CBORTag(18, [protected, unprotected, cbor2.dumps(claims), signature]))
    return codec.PREFIX + base45.encode(body)


def build_cases(
    cast: Cast,
    keys: dict[str, Any],
    tables: dict[str, list[dict[str, Any]]],
    demo: Path,
    *,
    now: dt.datetime,
    exported_at: dt.datetime,
) -> list[dict[str, Any]]:
    """Issue, check and write every demo credential; returns the case lines."""
    from kiosk.home import Home

    d, n, c, regs = cast.doctors, cast.nurses, cast.clinics, cast.by_reg
    ts = int(now.timestamp())
    henan, nanyang = keys["issuer-henan"], keys["issuer-nanyang"]
    sm2 = keys["issuer-henan-sm2"]  # SM2 with SM3 (GB/T 32918), alg -65537

    def lic(rec: dict[str, Any], **changes: Any) -> Licence:
        base = licence_for_practitioner(rec, regs, cast.filings.get(rec["cert_no"], []))
        return with_changes(base, **changes) if changes else base

    def photo_lic(rec: dict[str, Any]) -> Licence:
        from seed.photos import thumbnail

        return with_changes(lic(rec), photo=thumbnail(zlib.crc32(rec["cert_no"].encode())))

    newcomer = dict(d[4], cert_no="110411300999001", version=1)
    ghost = dict(d[4], cert_no="110411300999002", version=1)
    other_id = n[0]["id_number"]
    day = 86400
    cases: list[tuple[str, str, str, dict[str, Any]]] = [
        (
            "有效医师（河南省卫健委 Ed25519 签发）valid physician",
            "valid",
            issue(photo_lic(d[0]), henan, iss="410000", iat=ts - 3600),
            {},
        ),
        (
            "有效医师（南阳市卫健体委 ES256 签发）valid physician, ES256 issuer",
            "valid",
            issue(lic(d[1]), nanyang, iss="411300", iat=ts - 7200),
            {},
        ),
        (
            "有效护士 valid nurse",
            "valid",
            issue(photo_lic(n[0]), henan, iss="410000", iat=ts - 3600),
            {},
        ),
        (
            "有效医疗机构执业许可证 valid institution",
            "valid",
            issue(licence_for_institution(c[3]), henan, iss="410000", iat=ts - 3600),
            {},
        ),
        (
            "身份证号一致 ID number matches",
            "valid",
            issue(lic(d[0]), henan, iss="410000", iat=ts - 3600),
            {"id_number": d[0]["id_number"]},
        ),
        (
            "多机构执业备案处检查 inspected at a filed second site",
            "valid",
            issue(lic(d[7]), henan, iss="410000", iat=ts - 3600),
            {"institution": c[2]["reg_no"]},
        ),
        (
            "信息已变更 SUPERSEDED",
            "warning",
            issue(lic(d[2], version=2), henan, iss="410000", iat=ts - 90 * day),
            {},
        ),
        (
            "本机库较旧 REPLICA_BEHIND (newer version)",
            "warning",
            issue(lic(d[3], version=2), henan, iss="410000", iat=ts - 60),
            {},
        ),
        (
            "新注册，本机库未收录 REPLICA_BEHIND (new registration)",
            "warning",
            issue(lic(newcomer), henan, iss="410000", iat=ts - 60),
            {},
        ),
        (
            "新注册，无法离线核对身份证号 ID_UNCHECKED",
            "warning",
            issue(lic(newcomer), henan, iss="410000", iat=ts - 60),
            {"id_number": newcomer["id_number"]},
        ),
        (
            "外地签发机关 ISSUER_OUT_OF_JURISDICTION (a Nanyang key vouching for a physician of another city)",
            "invalid",
            issue(
                lic(d[0], name=d[0]["name"][0] + "假名", version=d[0]["version"] + 1),
                nanyang,
                iss="411300",
                iat=ts - 60,
            ),
            {},
        ),
        (
            "被检查机构停业 INSPECTED_INSTITUTION_INVALID",
            "invalid",
            issue(lic(d[5]), henan, iss="410000", iat=ts - 3600),
            {"institution": c[1]["reg_no"]},
        ),
        (
            "被检查机构不在注册库 INSTITUTION_UNKNOWN",
            "invalid",
            issue(lic(d[0]), henan, iss="410000", iat=ts - 3600),
            {"institution": "410ZZZZZZ999999999Z9999"},
        ),
        (
            "主要执业机构停业 INSTITUTION_INVALID",
            "warning",
            issue(lic(d[5]), henan, iss="410000", iat=ts - 3600),
            {},
        ),
        (
            "执业范围不在诊疗科目内 SCOPE_OUTSIDE_SUBJECTS",
            "warning",
            issue(lic(d[6]), henan, iss="410000", iat=ts - 3600),
            {"institution": DENTAL_NO},
        ),
        (
            "本机库过期 REPLICA_STALE",
            "warning",
            issue(lic(d[0]), henan, iss="410000", iat=ts - 3600),
            {"at": (exported_at + dt.timedelta(days=10)).isoformat()},
        ),
        (
            "无本地库 NO_REPLICA",
            "warning",
            issue(lic(d[0]), henan, iss="410000", iat=ts - 3600),
            {"home": "demo/no-replica-home"},
        ),
        (
            "本机库过期超限 REPLICA_EXPIRED",
            "invalid",
            issue(lic(d[0]), henan, iss="410000", iat=ts - 3600),
            {"at": (exported_at + dt.timedelta(days=40)).isoformat()},
        ),
        (
            "本机时钟偏早 CLOCK_SUSPECT",
            "warning",
            issue(lic(d[0]), henan, iss="410000", iat=ts - 3 * day),
            {"at": (exported_at - dt.timedelta(days=1)).isoformat()},
        ),
        ("不是验照二维码 BAD_FORMAT (not YZ1)", "invalid", "https://example.org/licence/12345", {}),
        (
            "损坏的编码 BAD_FORMAT (broken Base45)",
            "invalid",
            "YZ1:6BFOXN*TS0BI$ZD4N9:9S6RCVN5+O3",
            {},
        ),
        (
            "不支持的算法 UNSUPPORTED_ALG",
            "invalid",
            issue(lic(d[0]), henan, iss="410000", iat=ts - 3600, alg=-35),
            {},
        ),
        (
            "未知签发密钥 UNKNOWN_KEY",
            "invalid",
            issue(lic(d[0]), keys["issuer-unlisted"], iss="410000", iat=ts - 3600),
            {},
        ),
        (
            "签名被篡改 BAD_SIGNATURE",
            "invalid",
            _forged(lic(d[0]), henan, iss="410000", iat=ts - 3600),
            {},
        ),
        (
            "密钥已吊销 KEY_REVOKED",
            "invalid",
            issue(lic(d[0]), keys["issuer-revoked"], iss="410000", iat=ts - 3600),
            {},
        ),
        (
            "签发时密钥已过期 KEY_NOT_VALID_AT_ISSUE",
            "invalid",
            issue(lic(d[0]), keys["issuer-retired"], iss="410000", iat=ts - 3600),
            {},
        ),
        (
            "签发机关不符 ISSUER_MISMATCH",
            "invalid",
            issue(lic(d[0]), nanyang, iss="410000", iat=ts - 3600),
            {},
        ),
        (
            "签发时间在未来 NOT_YET_VALID",
            "invalid",
            issue(lic(d[0]), henan, iss="410000", iat=ts + 365 * day),
            {},
        ),
        (
            "护士注册已过期 EXPIRED (lapsed registration)",
            "invalid",
            issue(lic(n[1]), henan, iss="410000", iat=ts - 3600),
            {},
        ),
        (
            "证照已过期 EXPIRED (exp passed)",
            "invalid",
            issue(lic(d[0]), henan, iss="410000", iat=ts - 30 * day, exp=ts - day),
            {},
        ),
        (
            "查无此证 NOT_IN_REGISTRY",
            "invalid",
            issue(lic(ghost), henan, iss="410000", iat=ts - 30 * day),
            {},
        ),
        (
            "姓名与登记不符 DATA_MISMATCH",
            "invalid",
            issue(lic(d[0], name=d[0]["name"][0] + "晓明"), henan, iss="410000", iat=ts - 3600),
            {},
        ),
        (
            "已注销 CANCELLED",
            "invalid",
            issue(lic(d[8]), henan, iss="410000", iat=ts - 90 * day),
            {},
        ),
        (
            "已备案（调离/退休）FILED",
            "invalid",
            issue(lic(d[9]), henan, iss="410000", iat=ts - 90 * day),
            {},
        ),
        (
            "暂停执业 SUSPENDED",
            "invalid",
            issue(lic(d[10]), henan, iss="410000", iat=ts - 90 * day),
            {},
        ),
        (
            "机构停业 SUSPENDED (institution)",
            "invalid",
            issue(licence_for_institution(c[1]), henan, iss="410000", iat=ts - 90 * day),
            {},
        ),
        (
            "身份证号不符 ID_MISMATCH",
            "invalid",
            issue(lic(d[0]), henan, iss="410000", iat=ts - 3600),
            {"id_number": other_id},
        ),
        (
            "非本机构人员 NOT_REGISTERED_HERE",
            "invalid",
            issue(lic(d[0]), henan, iss="410000", iat=ts - 3600),
            {"institution": c[2]["reg_no"]},
        ),
        (
            "护士注册即将到期 EXPIRES_SOON (valid, renewal due)",
            "valid",
            issue(photo_lic(n[2]), henan, iss="410000", iat=ts - 3600),
            {},
        ),
        (
            "注册库无照片 NO_PHOTO (valid, compare with the ID card)",
            "valid",
            issue(lic(d[11]), henan, iss="410000", iat=ts - 3600),
            {},
        ),
        (
            "SM2 签名：有效医师（河南省卫健委 SM2 签发）SM2-signed valid physician",
            "valid",
            issue(photo_lic(d[0]), sm2, iss="410000", iat=ts - 3600),
            {},
        ),
        (
            "SM2 签名：有效护士 SM2-signed valid nurse",
            "valid",
            issue(photo_lic(n[0]), sm2, iss="410000", iat=ts - 3600),
            {},
        ),
        (
            "SM2 签名：有效医疗机构执业许可证 SM2-signed valid institution",
            "valid",
            issue(licence_for_institution(c[3]), sm2, iss="410000", iat=ts - 3600),
            {},
        ),
        (
            "SM2 签名被篡改 BAD_SIGNATURE (SM2)",
            "invalid",
            _forged(lic(d[0]), sm2, iss="410000", iat=ts - 3600),
            {},
        ),
        (
            "SM2 算法与密钥不符 BAD_SIGNATURE (an ES256 key's signature presented as SM2)",
            "invalid",
            issue(lic(d[1]), nanyang, iss="411300", iat=ts - 7200, alg=ALG_SM2),
            {},
        ),
    ]
    home = Home(demo.parent)
    out_dir = demo / "credentials"
    out_dir.mkdir(parents=True, exist_ok=True)
    lines = []
    for i, (label, expect, payload, context) in enumerate(cases, 1):
        result = _check(payload, context, home, demo, now)
        if result.verdict.value != expect:
            raise AssertionError(f"demo case {label}: got {result.verdict.value} {result.codes}")
        image = out_dir / f"{i:02d}-{expect}.png"
        qr_png(payload, image)
        lines.append(
            {
                "payload": payload,
                "image": str(image.relative_to(demo.parent)),
                "expect": expect,
                "codes": list(result.codes),
                "label": label,
                **({"context": context} if context else {}),
            }
        )
    with (demo / "credentials.ndjson").open("w", encoding="utf-8") as fh:
        for line in lines:
            fh.write(json.dumps(line, ensure_ascii=False) + "\n")
    _write_id_checks(cast, tables, home, demo, now)
    return lines


def _write_id_checks(
    cast: Cast, tables: dict[str, list[dict[str, Any]]], home: Any, demo: Path, now: dt.datetime
) -> None:
    """The demo's checks by ID number alone (cli.md `check`), written to demo/id-checks.ndjson
    for the guide; each is checked now, as the credentials are. The numbers are synthetic."""
    from domain.idnum import check_char
    from kiosk.verify import Context, check_people

    d, n, c = cast.doctors, cast.nurses, cast.clinics
    held = {r["id_number"] for r in tables["practitioners"]}
    body = next(
        b for b in (f"41010219800101{i:03d}" for i in range(1000)) if b + check_char(b) not in held
    )
    checks: list[tuple[str, str, str, dict[str, Any]]] = [
        ("按身份证号：有效医师 valid physician", "valid", d[0]["id_number"], {}),
        ("按身份证号：护士注册已过期 EXPIRED", "invalid", n[1]["id_number"], {}),
        ("按身份证号：护士注册即将到期 EXPIRES_SOON", "valid", n[2]["id_number"], {}),
        ("按身份证号：已注销 CANCELLED", "invalid", d[8]["id_number"], {}),
        (
            "按身份证号：多机构执业备案处 registered here by a filing",
            "valid",
            d[7]["id_number"],
            {"institution": c[2]["reg_no"]},
        ),
        (
            "按身份证号：非本机构人员 NOT_REGISTERED_HERE",
            "invalid",
            d[0]["id_number"],
            {"institution": c[2]["reg_no"]},
        ),
        ("按身份证号：查无此人 NOT_IN_REGISTRY", "invalid", body + check_char(body), {}),
    ]
    replica = home.replica()
    lines = []
    for label, expect, id18, context in checks:
        ctx = Context(at=now, institution=context.get("institution"))
        result = check_people(replica.by_id_number(id18), ctx, replica)
        if result.verdict.value != expect:
            raise AssertionError(f"demo check {label}: got {result.verdict.value}")
        codes = [r.code for r in result.reasons] + [c for v in result.results for c in v.codes]
        lines.append(
            {"label": label, "id_number": id18, "expect": expect, "codes": codes}
            | ({"context": context} if context else {})
        )
    replica.close()
    with (demo / "id-checks.ndjson").open("w", encoding="utf-8") as fh:
        for line in lines:
            fh.write(json.dumps(line, ensure_ascii=False) + "\n")


def _check(payload: str, context: dict[str, Any], home: Any, demo: Path, now: dt.datetime) -> Any:
    from domain.timeutil import parse_cli_time
    from kiosk.home import Home
    from kiosk.verify import Context, verify_payload

    target = Home(demo.parent / context["home"]) if "home" in context else home
    at = parse_cli_time(context["at"]) if "at" in context else now
    ctx = Context(at=at, institution=context.get("institution"), id_number=context.get("id_number"))
    return verify_payload(payload, ctx, target.trust_list(), target.replica())
