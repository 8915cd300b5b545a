"""Institution categories of WS 218-2002 (卫生机构(组织)分类与代码), the medical-institution
subset that holds a 医疗机构执业许可证 (../shared/DOMAIN.md §4.7).

The registry export's `category` is free text: a WS 218 name (村卫生室), the name of a group
(医院, 诊所) or a code (A100). The statistics count institutions by that text and place each
one in the standard with `classify`, so a chart can group them by class and an export made
with codes still reads as names.
"""

from __future__ import annotations

from dataclasses import dataclass

# The top-level classes an institution licence can fall in.
CLASSES: dict[str, str] = {
    "A": "医院",
    "B": "社区卫生服务中心(站)",
    "C": "卫生院",
    "D": "门诊部、诊所、卫生所(室)、医务室、村卫生室",
    "E": "急救中心(站)",
    "G": "妇幼保健院(所、站)",
    "H": "专科疾病防治院(所、站)",
}

# Group names the registries use for several codes at once: the class they belong to.
_GROUPS: dict[str, str] = {
    "医院": "A",
    "专科医院": "A",
    "中医专科医院": "A",
    "民族医院": "A",
    "社区卫生服务中心(站)": "B",
    "卫生院": "C",
    "门诊部": "D",
    "诊所": "D",
    "急救中心(站)": "E",
    "妇幼保健院(所、站)": "G",
    "专科疾病防治院(所、站)": "H",
    "专科疾病防治所(站、中心)": "H",
}

_CODES = """
A100 综合医院
A210 中医(综合)医院
A221 肛肠医院
A222 骨伤医院
A223 针灸医院
A224 按摩医院
A229 其他中医专科医院
A300 中西医结合医院
A411 蒙医院
A412 藏医院
A413 维医院
A414 傣医院
A419 其他民族医院
A511 口腔医院
A512 眼科医院
A513 耳鼻喉科医院
A514 肿瘤医院
A515 心血管病医院
A516 胸科医院
A517 血液病医院
A518 妇产(科)医院
A519 儿童医院
A520 精神病医院
A521 传染病医院
A522 皮肤病医院
A523 结核病医院
A524 麻风病医院
A525 职业病医院
A526 骨科医院
A527 康复医院
A528 整形外科医院
A529 美容医院
A539 其他专科医院
A600 疗养院
A710 护理院
A720 护理站
B100 社区卫生服务中心
B200 社区卫生服务站
C100 街道卫生院
C210 中心卫生院
C220 乡卫生院
D110 综合门诊部
D121 中医(综合)门诊部
D122 中医专科门诊部
D130 中西医结合门诊部
D140 民族医门诊部
D151 普通专科门诊部
D152 口腔门诊部
D153 眼科门诊部
D154 医疗美容门诊部
D155 精神卫生门诊部
D159 其他专科门诊部
D211 普通诊所
D212 中医诊所
D213 中西医结合诊所
D214 民族医诊所
D215 口腔诊所
D216 医疗美容诊所
D217 精神卫生诊所
D229 其他诊所
D300 卫生所(室)
D400 医务室
D500 中小学卫生保健所
D600 村卫生室
E100 急救中心
E200 急救中心站
E300 急救站
G100 妇幼保健院
G200 妇幼保健所
G300 妇幼保健站
G400 生殖保健中心
H111 传染病防治院
H112 结核病防治院
H113 职业病防治院
H119 其他专科疾病防治院
H220 药物戒毒所
H229 其他专科疾病防治所(站、中心)
"""

NAMES: dict[str, str] = {  # code → name
    line[:4]: line[5:] for line in _CODES.strip().splitlines()
}
# Names in common use for a code, besides the standard's own.
_ALIASES = {"中医医院": "A210", "中医院": "A210", "妇产医院": "A518", "妇产科医院": "A518"}
_CODE_OF: dict[str, str] = {name: code for code, name in NAMES.items()} | _ALIASES


@dataclass(frozen=True, slots=True)
class Category:
    """Where a registry's category text falls in WS 218."""

    name: str  # the WS 218 name (the text itself when it is not one)
    code: str | None  # e.g. D600; None for a group name (诊所) or text outside the standard
    cls: str | None  # the class letter (A … H); None outside the standard


def classify(text: str) -> Category:
    """The WS 218 name, code and class of a category as the registry gives it.

    Half-width and full-width brackets are the same here (中医（综合）医院).
    """
    key = text.strip().replace("（", "(").replace("）", ")")
    upper = key.upper()
    if upper in NAMES:
        return Category(NAMES[upper], upper, upper[0])
    if key in _CODE_OF:
        code = _CODE_OF[key]
        return Category(NAMES[code], code, code[0])
    if key in _GROUPS:
        return Category(key, None, _GROUPS[key])
    return Category(text, None, None)
