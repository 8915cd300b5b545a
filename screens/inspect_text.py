"""The inspection screens' own texts, in Simplified Chinese and English (the rest of the
interface's texts are in kiosk/messages.py)."""

from __future__ import annotations

TEXT: dict[str, tuple[str, str]] = {
    "col.time": ("时间", "Time"),
    "col.name": ("姓名", "Name"),
    "col.type": ("类型", "Type"),
    "col.no": ("证书编码", "Certificate no."),
    "col.verdict": ("结论", "Verdict"),
    "col.reasons": ("原因", "Reasons"),
    "again": ("再次核验 ×{n}", "checked ×{n}"),
    "details": (
        "地址：{address}　检查人：{officer}　已核验 {people} 人（{scans} 次）",
        "Address: {address} · Officer: {officer} · People: {people} · Checks: {scans}",
    ),
    "no_officer": ("未登录", "not signed in"),
    "pick.line": ("登记号 {no} · {address}", "Reg. no. {no} · {address}"),
    "pick.same_name": (
        "⚠ 同名机构：请核对登记号和地址",
        "⚠ Same name as another: check the reg. no. and address",
    ),
    "pick.none": ("没有找到匹配的机构", "No institution matches"),
    "end.ask": (
        "结束对“{name}”的检查并导出报告？\n"
        "已核验 {people} 人（{scans} 次）：有效 {valid} · 注意 {warning} · 无效 {invalid}",
        "End the inspection of {name} and export the report?\n"
        "People: {people} · checks: {scans} · valid {valid} · warning {warning} · "
        "invalid {invalid}",
    ),
    "end.yes": ("结束并导出", "End and export"),
    "switch.ask": (
        "扫到的是机构许可证：{name}\n登记号：{no}\n地址：{address}\n\n"
        "改为检查该机构？当前检查（{people} 人）将结束并导出报告。",
        "This is an institution's licence: {name}\nReg. no.: {no}\nAddress: {address}\n\n"
        "Inspect this institution instead? The current inspection (people: {people}) ends "
        "and its report is exported.",
    ),
    "switch.ask_empty": (
        "扫到的是机构许可证：{name}\n登记号：{no}\n地址：{address}\n\n改为检查该机构？",
        "This is an institution's licence: {name}\nReg. no.: {no}\nAddress: {address}\n\n"
        "Inspect this institution instead?",
    ),
    "switch.yes": ("改为检查该机构", "Switch"),
    "switch.same": (
        "这是正在检查的机构的许可证，未加入名单",
        "This is the licence of the institution being inspected: not added to the roster",
    ),
    "switch.unknown": (
        "机构许可证：本机注册库中没有该机构，无法切换；未加入名单",
        "An institution's licence the replica does not hold: cannot switch; not added",
    ),
    "reports": ("已保存的报告", "Saved reports"),
}


def say(key: str, lang: str, **params: object) -> str:
    """A text of the inspection screens in `lang` ('zh' or 'en'), its {fields} filled."""
    zh, en = TEXT[key]
    return (en if lang == "en" else zh).format(**params)
