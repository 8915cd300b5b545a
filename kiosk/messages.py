"""Reason codes of credential-qr.md with sentences for people: Simplified Chinese and English.

One catalog for the TUI, the CLI and the reports, so the wording is the same everywhere.
"""

from __future__ import annotations

from kiosk.domain import Verdict

I, W = Verdict.INVALID, Verdict.WARNING

# code: (class, Chinese, English); {placeholders} are filled by the verifier.
REASONS: dict[str, tuple[Verdict, str, str]] = {
    "BAD_FORMAT": (I, "无法识别的二维码：不是有效的电子证照（{detail}）",
                   "Not a readable e-licence code ({detail})."),
    "UNSUPPORTED_ALG": (I, "证照使用了不受支持的签名算法", "The licence uses an unsupported signature algorithm."),
    "UNKNOWN_KEY": (I, "签发密钥不在信任列表中，无法确认来源", "The signing key is not in the trust list."),
    "BAD_SIGNATURE": (I, "签名验证失败：证照可能被篡改或伪造", "The signature does not verify: the licence may be altered or forged."),
    "KEY_REVOKED": (I, "签发密钥已被吊销，其签发的证照一律无效", "The signing key has been revoked; nothing it signed can be trusted."),
    "KEY_NOT_VALID_AT_ISSUE": (I, "签发时间不在签发密钥的有效期内", "The licence was signed outside its key's validity period."),
    "ISSUER_MISMATCH": (I, "签发机关与签名密钥所属机关不一致", "The issuing authority does not match the signing key's authority."),
    "NOT_YET_VALID": (I, "签发时间晚于当前时间，证照尚未生效", "The licence is dated in the future."),
    "EXPIRED": (I, "证照已过有效期（{until}）", "The licence has expired ({until})."),
    "NOT_IN_REGISTRY": (I, "注册库中查无此证照", "The registry holds no record of this licence."),
    "DATA_MISMATCH": (I, "证照信息与注册库不一致（姓名/名称不同）", "The licence does not match the registry (different name)."),
    "CANCELLED": (I, "该证照已注销", "The registration has been cancelled."),
    "FILED": (I, "该执业人员已备案（调离、退休等），不得执业", "The practitioner is filed out (transferred, retired …) and may not practise."),
    "SUSPENDED": (I, "已暂停执业或停业", "The licence or institution is suspended."),
    "ID_MISMATCH": (I, "身份证号与证照持有人不符", "The ID number does not match the licence holder."),
    "NOT_REGISTERED_HERE": (I, "未在本机构注册，也无本机构的多机构执业备案", "Not registered at this institution and no current filing for it."),
    "SUPERSEDED": (W, "证照信息已变更（证照版本 {old}，登记库版本 {new}），以当前登记信息为准",
                   "Details have changed since issue (version {old}, registry {new}); the current record is shown."),
    "REPLICA_BEHIND": (W, "本机注册库版本较旧，请同步后再核验", "The kiosk's replica is behind this licence: sync it."),
    "INSTITUTION_INVALID": (W, "主要执业机构已过期、停业或注销", "The main practice institution is expired, suspended or cancelled."),
    "SCOPE_OUTSIDE_SUBJECTS": (W, "执业范围不在本机构诊疗科目之内", "No practice scope falls within this institution's subjects."),
    "REPLICA_STALE": (W, "本机注册库已有 {days} 天未更新，请尽快同步", "The replica is {days} days old: sync it soon."),
    "NO_REPLICA": (W, "本机未安装注册库：仅核验了签名", "No replica installed: only the signature was checked."),
    "CLOCK_SUSPECT": (W, "本机时钟可能不准确（早于注册库导出时间）", "The kiosk's clock looks wrong (earlier than the replica's export)."),
}

VERDICT_LABELS = {
    Verdict.VALID: ("有效", "Valid"),
    Verdict.WARNING: ("注意", "Warning"),
    Verdict.INVALID: ("无效", "Invalid"),
}


def reason_text(code: str, lang: str = "zh", **params: object) -> str:
    """The sentence for a reason code, with its placeholders filled."""
    _, zh, en = REASONS[code]
    template = en if lang == "en" else zh
    try:
        return template.format(**params)
    except (KeyError, IndexError):
        return template


def reason_class(code: str) -> Verdict:
    """Whether a code makes a credential invalid or only warns."""
    return REASONS[code][0]
