"""Reason codes of credential-qr.md with sentences for people: Simplified Chinese and English.

One catalog for the TUI, the CLI and the reports, so the wording is the same everywhere.
"""

from __future__ import annotations

import logging
import re
import string

from domain.types import Reason, ReasonClass, Verdict

INV, WARN, INFO = ReasonClass.INVALID, ReasonClass.WARNING, ReasonClass.INFO

# code: (class, Chinese, English); {placeholders} are filled by the verifier.
REASONS: dict[str, tuple[ReasonClass, str, str]] = {
    "BAD_FORMAT": (
        INV,
        "无法识别的二维码：不是有效的电子证照（{detail}）",
        "Not a readable e-licence code ({detail}).",
    ),
    "UNSUPPORTED_ALG": (
        INV,
        "证照使用了不受支持的签名算法",
        "The licence uses an unsupported signature algorithm.",
    ),
    "UNKNOWN_KEY": (
        INV,
        "签发密钥不在信任列表中，无法确认来源",
        "The signing key is not in the trust list.",
    ),
    "BAD_SIGNATURE": (
        INV,
        "签名验证失败：证照可能被篡改或伪造",
        "The signature does not verify: the licence may be altered or forged.",
    ),
    "KEY_REVOKED": (
        INV,
        "签发密钥已被吊销，其签发的证照一律无效",
        "The signing key has been revoked; nothing it signed can be trusted.",
    ),
    "KEY_NOT_VALID_AT_ISSUE": (
        INV,
        "签发时间不在签发密钥的有效期内",
        "The licence was signed outside its key's validity period.",
    ),
    "ISSUER_MISMATCH": (
        INV,
        "签发机关与签名密钥所属机关不一致",
        "The issuing authority does not match the signing key's authority.",
    ),
    "NOT_YET_VALID": (
        INV,
        "签发时间晚于当前时间，证照尚未生效",
        "The licence is dated in the future.",
    ),
    "EXPIRED": (INV, "证照已过有效期（{until}）", "The licence has expired ({until})."),
    "NOT_IN_REGISTRY": (INV, "注册库中查无此证照", "The registry holds no record of this licence."),
    "DATA_MISMATCH": (
        INV,
        "证照信息与注册库不一致（姓名/名称不同）",
        "The licence does not match the registry (different name).",
    ),
    "CANCELLED": (INV, "该证照已注销", "The registration has been cancelled."),
    "FILED": (
        INV,
        "该执业人员已备案（调离、退休等），不得执业",
        "The practitioner is filed out (transferred, retired …) and may not practise.",
    ),
    "SUSPENDED": (INV, "已暂停执业或停业", "The licence or institution is suspended."),
    "ID_MISMATCH": (
        INV,
        "身份证号与证照持有人不符",
        "The ID number does not match the licence holder.",
    ),
    "ID_UNCHECKED": (
        WARN,
        "无法离线核对身份证号：本地库无此证照记录或本机未登记身份证索引密钥",
        "The ID number cannot be checked offline: no registry record, or no ID-index key here.",
    ),
    "NOT_REGISTERED_HERE": (
        INV,
        "未在本机构注册，也无本机构的多机构执业备案",
        "Not registered at this institution and no current filing for it.",
    ),
    "SUPERSEDED": (
        WARN,
        "证照信息已变更（证照版本 {old}，登记库版本 {new}），以当前登记信息为准",
        "Details have changed since issue (version {old}, registry {new}); the current record is shown.",
    ),
    "REPLICA_BEHIND": (
        WARN,
        "本机注册库版本较旧，请同步后再核验",
        "The kiosk's replica is behind this licence: sync it.",
    ),
    "INSTITUTION_INVALID": (
        WARN,
        "主要执业机构已过期、停业或注销",
        "The main practice institution is expired, suspended or cancelled.",
    ),
    "SCOPE_OUTSIDE_SUBJECTS": (
        WARN,
        "执业范围不在本机构诊疗科目之内",
        "No practice scope falls within this institution's subjects.",
    ),
    "ISSUER_OUT_OF_JURISDICTION": (
        INV,
        "签发机关无权为该人员签发：注册库记录的审批机关不在其辖区内",
        "The issuer may not vouch for this record: its approving authority is outside the key's jurisdiction.",
    ),
    "INSPECTED_INSTITUTION_INVALID": (
        INV,
        "被检查机构的执业许可证已注销、停业或过期：任何人不得在此执业",
        "The inspected institution's licence is cancelled, suspended or expired: nobody may practise there.",
    ),
    "INSTITUTION_UNKNOWN": (
        WARN,
        "注册库中没有该医疗机构的记录",
        "The replica holds no record of the institution.",
    ),
    "REPLICA_EXPIRED": (
        INV,
        "本机注册库已 {days} 天未更新，超过上限：无法确认执业状态，请先同步",
        "The replica is {days} days old, past its limit: no status can be vouched for. Sync first.",
    ),
    "REPLICA_STALE": (
        WARN,
        "本机注册库已有 {days} 天未更新，请尽快同步",
        "The replica is {days} days old: sync it soon.",
    ),
    "NO_REPLICA": (
        WARN,
        "本机未安装注册库：仅核验了签名",
        "No replica installed: only the signature was checked.",
    ),
    "CLOCK_SUSPECT": (
        WARN,
        "本机时钟可能不准确（早于注册库导出时间或本机已记录的时间）",
        "The kiosk's clock looks wrong (earlier than the replica's export or a time it has recorded).",
    ),
    "EXPIRES_SOON": (
        INFO,
        "{what}将于 {until} 到期（{days} 天后），请提醒持证人及时办理延续",
        "{what_en} ends on {until} ({days} days): remind the holder to renew in time.",
    ),
    "NO_PHOTO": (
        INFO,
        "注册库中没有该人员的照片：请核对身份证上的照片",
        "The replica holds no photo of this person: compare the face with the ID card.",
    ),
}

VERDICT_LABELS = {
    Verdict.VALID: ("有效", "Valid"),
    Verdict.WARNING: ("注意", "Warning"),
    Verdict.INVALID: ("无效", "Invalid"),
}


# The decoder's technical details (wire/codec.py FormatError, with wire/base45.py and
# wire/claims.py errors inside) in Chinese words, most specific first. A detail not listed
# here is left out of the Chinese sentence (it is in the log and in English).
FORMAT_DETAILS_ZH: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), zh)
    for pattern, zh in (
        (r"^empty payload$", "内容为空"),
        (r"^payload longer than (\d+) characters$", "内容过长，超过 {0} 个字符"),
        (r"^not a YZ1 payload", "缺少验照二维码的开头标识"),
        (r"^Base45: dangling character", "编码长度不完整，内容可能被截断"),
        (r"^Base45: character .* is not Base45", "含有编码之外的字符"),
        (r"^Base45: group value over", "编码数值超出范围"),
        (r"^Base45:", "编码已损坏"),
        (r"^empty after Base45", "解码后内容为空"),
        (r"^zlib: truncated stream", "压缩数据不完整，内容可能被截断"),
        (r"^zlib: trailing bytes", "压缩数据之后有多余内容"),
        (r"^zlib: inflates to more than", "解压后内容过大"),
        (r"^zlib:", "压缩数据已损坏"),
        (r": trailing bytes after the CBOR item$", "数据之后有多余内容"),
        (r": not valid CBOR", "数据结构无法解析"),
        (r"must be a map$|: labels must be integers or text$", "数据结构不符合规范"),
        (r"^COSE", "签名结构不符合规范"),
        (r"^claim iss ", "签发机关代码无效"),
        (r"^claim iat ", "签发时间无效"),
        (r"^claim exp ", "有效期限无效"),
        (r"^licence: 'ph' ", "照片过大"),
        (r"^licence: .*(required|non-empty)", "证照内容缺少必填项"),
        (r"^licence:", "证照内容不符合规范"),
    )
)

_log = logging.getLogger(__name__)


def format_detail_zh(detail: str) -> str | None:
    """A decoder's technical detail in Chinese words, or None when it has none."""
    for pattern, zh in FORMAT_DETAILS_ZH:
        found = pattern.search(detail)
        if found:
            return zh.format(*found.groups())
    return None


def reason_text(code: str, lang: str = "zh", **params: object) -> str:
    """The sentence for a reason code, with its placeholders filled.

    In Chinese, BAD_FORMAT's technical detail is given in Chinese words, or left out (and
    logged) when there are none for it: no English internals in a Chinese sentence.
    """
    _, zh, en = REASONS[code]
    template = en if lang == "en" else zh
    if code == "BAD_FORMAT":
        detail = params.get("detail")
        if detail is not None and lang != "en":
            _log.info("BAD_FORMAT: %s", detail)
            detail = format_detail_zh(str(detail))
        if detail is None:
            template = template.replace("（{detail}）", "").replace(" ({detail})", "")
        params = {**params, "detail": detail}
    try:
        return template.format(**params)
    except (KeyError, IndexError):
        return template


def reason_class(code: str) -> ReasonClass:
    """Whether a code makes a credential invalid, only warns, or informs."""
    return REASONS[code][0]


def reworded(reason: Reason, lang: str) -> str:
    """`reason`'s sentence in `lang`, from its code and the values it was filled with (F9 on a
    card already shown); its own sentence for a code or values this catalog cannot word."""
    entry = REASONS.get(reason.code)
    if entry is None:
        return reason.message
    params = dict(reason.params)
    template = entry[2] if lang == "en" else entry[1]
    needed = {name for _, name, _, _ in string.Formatter().parse(template) if name}
    if not needed - {"detail"} <= params.keys():  # a detail is optional (BAD_FORMAT)
        return reason.message
    return reason_text(reason.code, lang, **params)


# Interface wording shared by the TUI and the reports: key → (Chinese, English).
TEXT: dict[str, tuple[str, str]] = {
    "app.title": ("验照 电子证照核验", "Yanzhao e-licence verification"),
    "demo": ("演示 DEMO", "DEMO"),
    "operator": ("操作员", "Operator"),
    "signin.title": ("请登录", "Sign in"),
    "signin.first": (
        "本机还没有操作员：请创建第一个管理员（PIN为6至12位数字）",
        "No operator yet: create the first admin (a PIN is 6 to 12 digits)",
    ),
    "signin.name": ("操作员姓名", "Operator name"),
    "signin.pin": ("PIN（数字）", "PIN (digits)"),
    "signin.pin_again": ("再次输入PIN", "The PIN again"),
    "signin.pin_differ": ("两次输入的PIN不一致", "The two PINs differ"),
    "signin.hint": ("输入姓名和PIN后回车", "Type your name and PIN, then press Enter"),
    "signin.locked": (
        "屏幕因长时间无操作已锁定，请重新登录",
        "The screen locked after a while without use: sign in again",
    ),
    "signin.signed_out": ("已退出登录", "Signed out"),
    "signin.first_scan": ("请先登录再扫码", "Sign in before scanning"),
    "signin.demo": ("演示操作员（姓名 PIN 角色）", "Demo operators (name, PIN, role)"),
    "signin.resumed": (
        "继续检查：{name}（已记录 {n} 人）",
        "Inspection resumed: {name} ({n} checked so far)",
    ),
    "kiosk_exit.title": (
        "退出锁定模式：请输入管理员姓名和PIN",
        "Leave kiosk mode: an admin's name and PIN",
    ),
    "mode.denied.inspect": (
        "“检查”仅限检查员和管理员使用",
        "Inspection is for inspectors and admins only",
    ),
    "mode.denied.admin": ("“管理”仅限管理员使用", "Admin is for admins only"),
    "mode.scan": ("扫码核验", "Scan"),
    "mode.lookup": ("查询", "Look up"),
    "mode.inspect": ("检查", "Inspection"),
    "mode.admin": ("管理", "Admin"),
    "action.quit": ("退出", "Quit"),
    "action.language": ("English", "中文"),
    "action.clear": ("清除", "Clear"),
    "replica.age": ("注册库 {age}", "Replica {age}"),
    "replica.none": ("未安装注册库", "No replica"),
    "replica.stale": (
        "注册库已 {days} 天未更新：请在“管理”(F4)中同步",
        "The replica is {days} days old: sync it in Admin (F4)",
    ),
    "replica.expired": (
        "注册库已{days}天未更新，超过上限：同步之前本机无法确认任何人的执业状态。请在“管理”(F4)中同步",
        "The replica is {days} days old, past its limit: the kiosk cannot vouch for anyone "
        "until it is synced. Sync it in Admin (F4)",
    ),
    "replica.missing": (
        "本机没有注册库：只能核验签名。请在“管理”(F4)中同步",
        "No replica installed: only signatures can be checked. Sync it in Admin (F4)",
    ),
    "scan.prompt": (
        "请出示电子证照二维码，或在下方粘贴二维码内容后回车",
        "Show the licence QR code, or paste its text below and press Enter",
    ),
    "scan.input": ("粘贴二维码内容 / paste a payload", "paste a payload"),
    "scan.waiting": ("等待扫码…", "Waiting for a code…"),
    "camera.off": (
        "未配置摄像头：可使用扫码枪或粘贴",
        "No camera configured: use a scanner or paste",
    ),
    "camera.lost": (
        "摄像头不可用，正在重试：可使用扫码枪或粘贴",
        "Camera unavailable, retrying: use a scanner or paste",
    ),
    "camera.on": (
        "摄像头 {fps:.0f} 帧/秒 · 识别 {hit:.0%}",
        "Camera {fps:.0f} fps · hit rate {hit:.0%}",
    ),
    "card.name": ("姓名", "Name"),
    "card.inst_name": ("机构名称", "Institution"),
    "card.sex": ("性别", "Sex"),
    "card.birth_month": ("出生年月", "Born"),
    "card.title.P": ("任职资格", "Title"),
    "card.title.N": ("技术职称", "Title"),
    "card.issued_on": ("签发日期", "Issued on"),
    "card.inst_category": ("机构类别", "Category"),
    "card.valid_period": ("有效期限", "Valid"),
    "card.period": ("{start} 至 {end}", "{start} to {end}"),
    "card.open_ended": ("长期", "open-ended"),
    "card.nurse_until": ("注册有效期至", "Registration valid until"),
    "card.cert.N": ("护士执业证书编号", "Certificate no."),
    "card.inspected": ("被检查机构", "Inspected institution"),
    "card.by_id": ("按身份证号核验 · 登记库记录", "Checked by ID number · registry record"),
    "card.not_found": ("查无此人", "Not in the registry"),
    "card.not_found_detail": (
        "注册库中没有该身份证号的医师或护士：请核对身份证号，或请其出示执业证书",
        "The replica holds no physician or nurse with this ID number: check the number, "
        "or ask for the paper licence",
    ),
    "card.level": ("执业级别", "Level"),
    "card.category": ("执业类别", "Category"),
    "card.scope": ("执业范围", "Scope"),
    "card.cert": ("证书编码", "Certificate no."),
    "card.reg": ("登记号", "Registration no."),
    "card.location": ("执业地点", "Practice location"),
    "card.org": ("主要执业机构", "Main institution"),
    "card.sites": ("多机构执业备案", "Multi-site filings"),
    "card.authority": ("签发机关", "Issued by"),
    "card.valid_until": ("有效期至", "Valid until"),
    "card.id": ("身份证号", "ID number"),
    "card.address": ("地址", "Address"),
    "card.subjects": ("诊疗科目", "Subjects"),
    "card.legal_rep": ("法定代表人", "Legal representative"),
    "card.principal": ("主要负责人", "Principal"),
    "card.changed": ("登记库当前记录", "Current registry record"),
    "card.type.P": ("医师执业证书", "Physician licence"),
    "card.type.N": ("护士执业证书", "Nurse licence"),
    "card.type.I": ("医疗机构执业许可证", "Institution licence"),
    "sex.M": ("男", "male"),
    "sex.F": ("女", "female"),
    "status.active": ("正常", "active"),
    "status.filed": ("已备案", "filed"),
    "status.cancelled": ("已注销", "cancelled"),
    "status.suspended": ("暂停", "suspended"),
    "lookup.prompt": (
        "输入身份证号、证书编号或姓名（两个字的姓名也可）",
        "Enter an ID number, certificate number or name",
    ),
    "lookup.typing_id": ("身份证号：已输入 {n}/18 位", "ID number: {n} of 18 characters"),
    "lookup.id_ok": ("身份证号校验正确，回车核验", "ID number checks out: press Enter to check"),
    "lookup.checking": ("正在核验身份证号 {mask}…", "Checking ID number {mask}…"),
    "lookup.checked": (
        "身份证号 {mask}：{n} 份执业证书",
        "ID number {mask}: {n} licence(s)",
    ),
    "lookup.not_found": ("身份证号 {mask}：查无此人", "ID number {mask}: not in the registry"),
    "lookup.context": (
        "核验情境：被检查机构 {name}（{no}）",
        "Context: inspected institution {name} ({no})",
    ),
    "lookup.cannot_check": (
        "无法按身份证号核验：{message}",
        "Cannot check by ID number: {message}",
    ),
    "lookup.refused": ("无法按身份证号核验（原因见下）", "Cannot check by ID number (why: below)"),
    "lookup.none": ("没有找到匹配的执业人员", "No practitioner matches"),
    "lookup.count": ("找到 {n} 条记录", "{n} record(s) found"),
    "lookup.typing_any": (
        "身份证号或证书编号：已输入 {n} 位",
        "ID or certificate number: {n} characters so far",
    ),
    "lookup.typing_cert": ("证书编号：回车查询", "Certificate number: press Enter to search"),
    "lookup.typing_legacy": (
        "15 位数字：回车按证书编号查询，查无则按旧版身份证号核验",
        "15 digits: Enter searches it as a certificate number, else as an old 15-digit ID number",
    ),
    "lookup.typing_name": (
        "姓名：回车查询（须选择查询事由）",
        "Name: press Enter to search (needs a purpose)",
    ),
    "lookup.name_too_long": ("姓名最多 {n} 个字", "A name has at most {n} characters"),
    "lookup.typing_code": (
        "这是证照二维码的内容：回车后在“扫码”页核验",
        "This is a licence's QR code: Enter verifies it on Scan",
    ),
    "lookup.truncated": (
        "输入过长：只保留前 {n} 个字符",
        "Too long: only the first {n} characters are kept",
    ),
    "lookup.found": ("找到 {total} 条", "{total} found"),
    "lookup.found_first": ("找到 {total} 条，显示前 {n} 条", "{total} found, showing 1–{n}"),
    "lookup.found_page": ("找到 {total} 条，显示第 {a}–{b} 条", "{total} found, showing {a}–{b}"),
    "lookup.found_over": ("超过 {total} 条", "more than {total}"),
    "lookup.next_page": ("PgDn 下一页", "PgDn: next page"),
    "lookup.name_cap": (
        "姓名查询最多显示 {max} 条：请输入更完整的姓名",
        "a name search shows at most {max}: type more of the name",
    ),
    "lookup.col.name": ("姓名", "Name"),
    "lookup.col.kind": ("类别", "Kind"),
    "lookup.col.cert": ("证书编码", "Cert no."),
    "lookup.col.id": ("身份证号", "ID number"),
    "lookup.col.status": ("状态", "Status"),
    "lookup.col.institution": ("执业机构", "Institution"),
    "lookup.kind.physician": ("医师", "physician"),
    "lookup.kind.nurse": ("护士", "nurse"),
    "lookup.detail.status": ("状态", "Status"),
    "inspect.pick": (
        "选择被检查机构：扫描机构许可证二维码，或输入名称/登记号",
        "Pick the institution: scan its licence QR, or type its name or registration number",
    ),
    "inspect.active": ("正在检查：{name}（{no}）", "Inspecting: {name} ({no})"),
    "inspect.end": ("结束检查并导出报告", "End inspection and export the report"),
    "inspect.saved": ("检查报告已保存：{path}", "Report saved: {path}"),
    "inspect.none": ("尚未检查任何人员", "Nobody checked yet"),
    "inspect.add": (
        "扫码，或输入身份证号后回车，以加入检查名单",
        "Scan a code, or type an ID number and press Enter, to add a person",
    ),
    "inspect.not_id": (
        "请输入18位身份证号，或扫描执业证书二维码",
        "Type an 18-character ID number, or scan the licence QR code",
    ),
    "inspect.pick_first": (
        "请先选择被检查机构，再按身份证号核验人员",
        "Pick the institution first, then check people by ID number",
    ),
    "admin.sync": ("同步", "Sync"),
    "admin.source": ("数据包目录或网址", "Bundle folder or URL"),
    "admin.synced": ("同步完成：版本 {to}（{method}）", "Synced: sequence {to} ({method})"),
    "admin.uptodate": ("已是最新：版本 {to}", "Already up to date: sequence {to}"),
    "admin.tab.status": ("状态", "Status"),
    "admin.tab.sync": ("同步", "Sync"),
    "admin.tab.trust": ("信任列表", "Trust"),
    "admin.tab.stats": ("统计", "Stats"),
    "admin.tab.settings": ("设置", "Settings"),
    "admin.tab.alerts": ("警报", "Alerts"),
    "admin.tab.audit": ("审计", "Audit"),
    "admin.tab.operators": ("操作员", "Operators"),
    "trust.authority": ("签发机关", "Authority"),
    "trust.key": ("密钥", "Key"),
    "trust.validity": ("有效期", "Validity"),
    "trust.state": ("状态", "State"),
    "trust.valid": ("有效", "valid"),
    "trust.expired": ("已过期", "expired"),
    "trust.revoked": ("已吊销", "revoked"),
    "trust.role.issuer": ("签发", "issuer"),
    "trust.role.publisher": ("发布", "publisher"),
    "sync.idle": ("未在同步", "No sync running"),
    "sync.starting": ("正在读取同步源…", "Reading the source…"),
    "sync.running": ("同步中…", "Syncing…"),
    "sync.installing": ("正在写入注册库", "Writing the replica"),
    "sync.bytes": ("{what}  {done} / {total} MB", "{what}  {done} / {total} MB"),
    "sync.rate": ("{rate} MB/s", "{rate} MB/s"),
    "sync.done": ("已完成：读取 {total} MB，用时 {s} 秒", "Done: {total} MB read in {s} s"),
    "sync.done_nothing": ("已完成：无需下载，用时 {s} 秒", "Done: nothing to download ({s} s)"),
    "sync.failed": (
        "未完成：本机的注册库和信任列表保持不变",
        "Not done: the replica and the trust list are unchanged",
    ),
    "sync.need_source": (
        "请输入数据包目录或网址",
        "Enter a bundle folder or URL",
    ),
    "sync.failed_title": ("同步失败", "Sync failed"),
    "settings.camera.unset": ("现在：未设置，不使用摄像头", "Now: not set, no camera is used"),
    "settings.camera.restart": (
        "现在：已设置 {dev}，重新启动后生效",
        "Now: set to {dev}; it takes effect after a restart",
    ),
    "settings.camera.on": ("现在：正在使用摄像头 {dev}", "Now: camera {dev} in use"),
    "settings.camera.lost": (
        "现在：已设置 {dev}，但无法打开，正在重试",
        "Now: set to {dev}, but it cannot be opened; retrying",
    ),
    "settings.save": ("保存", "Save"),
    "settings.saved": ("设置已保存", "Settings saved"),
    "settings.not_set": ("未设置", "not set"),
    "settings.invalid": ("设置有误", "Invalid setting"),
    "error.generic": (
        "出现意外问题，请联系管理员。其他功能仍可使用。",
        "Something went wrong. Please ask staff; the rest of the kiosk still works.",
    ),
    "purpose.prompt": ("查询事由…", "Purpose…"),
    "purpose.note": ("注明“其他”事由", "Note for 'other'"),
    "lookup.need_purpose": (
        "请先选择查询事由（按身份证号或姓名查询须注明事由），再回车",
        "Pick the purpose of this look-up first (ID numbers and names need one), then press Enter",
    ),
    # The inspection screens (issue 21).
    "inspect.col.time": ("时间", "Time"),
    "inspect.col.name": ("姓名", "Name"),
    "inspect.col.type": ("类型", "Type"),
    "inspect.col.no": ("证书编码", "Certificate no."),
    "inspect.col.verdict": ("结论", "Verdict"),
    "inspect.col.reasons": ("原因", "Reasons"),
    "inspect.again": ("再次核验 ×{n}", "checked ×{n}"),
    "inspect.details": (
        "地址：{address}　检查人：{officer}　已核验 {people} 人（{scans} 次）",
        "Address: {address} · Officer: {officer} · People: {people} · Checks: {scans}",
    ),
    "inspect.no_officer": ("未登录", "not signed in"),
    "inspect.pick.line": ("登记号 {no} · {address}", "Reg. no. {no} · {address}"),
    "inspect.pick.same_name": (
        "⚠ 同名机构：请核对登记号和地址",
        "⚠ Same name as another: check the reg. no. and address",
    ),
    "inspect.pick.none": ("没有找到匹配的机构", "No institution matches"),
    "inspect.end.ask": (
        "结束对“{name}”的检查并导出报告？\n"
        "已核验 {people} 人（{scans} 次）：有效 {valid} · 注意 {warning} · 无效 {invalid}",
        "End the inspection of {name} and export the report?\n"
        "People: {people} · checks: {scans} · valid {valid} · warning {warning} · "
        "invalid {invalid}",
    ),
    "inspect.end.yes": ("结束并导出", "End and export"),
    "inspect.switch.ask": (
        "扫到的是机构许可证：{name}\n登记号：{no}\n地址：{address}\n\n"
        "改为检查该机构？当前检查（{people} 人）将结束并导出报告。",
        "This is an institution's licence: {name}\nReg. no.: {no}\nAddress: {address}\n\n"
        "Inspect this institution instead? The current inspection (people: {people}) ends "
        "and its report is exported.",
    ),
    "inspect.switch.ask_empty": (
        "扫到的是机构许可证：{name}\n登记号：{no}\n地址：{address}\n\n改为检查该机构？",
        "This is an institution's licence: {name}\nReg. no.: {no}\nAddress: {address}\n\n"
        "Inspect this institution instead?",
    ),
    "inspect.switch.yes": ("改为检查该机构", "Switch"),
    "inspect.switch.same": (
        "这是正在检查的机构的许可证，未加入名单",
        "This is the licence of the institution being inspected: not added to the roster",
    ),
    "inspect.switch.unknown": (
        "机构许可证：本机注册库中没有该机构，无法切换；未加入名单",
        "An institution's licence the replica does not hold: cannot switch; not added",
    ),
    "inspect.reports": ("已保存的报告", "Saved reports"),
}


def t(key: str, lang: str = "zh", **params: object) -> str:
    """Interface text in the chosen language."""
    zh, en = TEXT.get(key, (key, key))
    template = en if lang == "en" else zh
    try:
        return template.format(**params)
    except (KeyError, IndexError, ValueError):
        return template
