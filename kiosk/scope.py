"""Practice scopes (执业范围) against diagnosis-and-treatment subjects (诊疗科目).

There is no official one-to-one table: this is DOMAIN.md §4.6, matched by top-level subject.
Institution subjects may be top-level ("内科") or second-level ("呼吸内科专业"); both count.
"""

from __future__ import annotations

# 执业范围 (without the 专业 suffix) → top-level 诊疗科目 names it may practise within.
SCOPE_SUBJECTS: dict[str, frozenset[str]] = {
    k: frozenset(v)
    for k, v in {
        "内科": [
            "内科",
            "传染科",
            "结核病科",
            "地方病科",
            "肿瘤科",
            "疼痛科",
            "重症医学科",
            "临终关怀科",
        ],
        "外科": ["外科", "小儿外科", "运动医学科", "麻醉科", "疼痛科", "重症医学科", "医疗美容科"],
        "妇产科": ["妇产科", "妇女保健科"],
        "儿科": ["儿科", "儿童保健科", "小儿外科"],
        "眼耳鼻咽喉科": ["眼科", "耳鼻咽喉科"],
        "皮肤病与性病": ["皮肤科", "医疗美容科"],
        "精神卫生": ["精神科"],
        "职业病": ["职业病科"],
        "医学影像和放射治疗": ["医学影像科", "肿瘤科"],
        "医学检验、病理": ["医学检验科", "病理科"],
        "全科医学": ["全科医疗科", "预防保健科"],
        "急救医学": ["急诊医学科", "重症医学科"],
        "康复医学": ["康复医学科"],
        "预防保健": ["预防保健科", "妇女保健科", "儿童保健科"],
        "特种医学与军事医学": ["特种医学与军事医学科"],
        "计划生育技术服务": ["妇产科"],
        "口腔": ["口腔科"],
        "公共卫生类别": ["预防保健科"],
        "中医": ["中医科"],
        "中西医结合": ["中西医结合科", "中医科"],
        "蒙医": ["民族医学科"],
        "藏医": ["民族医学科"],
        "维医": ["民族医学科"],
        "傣医": ["民族医学科"],
    }.items()
}

TOP_SUBJECTS = (
    "预防保健科 全科医疗科 内科 外科 妇产科 妇女保健科 儿科 小儿外科 儿童保健科 眼科 耳鼻咽喉科 "
    "口腔科 皮肤科 医疗美容科 精神科 传染科 结核病科 地方病科 肿瘤科 急诊医学科 康复医学科 运动医学科 "
    "职业病科 临终关怀科 特种医学与军事医学科 麻醉科 疼痛科 重症医学科 医学检验科 病理科 医学影像科 "
    "中医科 民族医学科 中西医结合科 其他业务科室"
).split()

# Second-level subjects whose name does not start with their parent's stem.
_SECOND_LEVEL = {
    "呼吸内科": "内科",
    "消化内科": "内科",
    "神经内科": "内科",
    "心血管内科": "内科",
    "血液内科": "内科",
    "肾病学": "内科",
    "内分泌": "内科",
    "免疫学": "内科",
    "变态反应": "内科",
    "老年病": "内科",
    "普通外科": "外科",
    "神经外科": "外科",
    "骨科": "外科",
    "泌尿外科": "外科",
    "胸外科": "外科",
    "心脏大血管外科": "外科",
    "烧伤科": "外科",
    "整形外科": "外科",
    "妇科": "妇产科",
    "产科": "妇产科",
    "计划生育": "妇产科",
    "优生学": "妇产科",
    "生殖健康与不孕症": "妇产科",
    "新生儿": "儿科",
    "耳科": "耳鼻咽喉科",
    "鼻科": "耳鼻咽喉科",
    "咽喉科": "耳鼻咽喉科",
    "正畸": "口腔科",
    "口腔修复": "口腔科",
    "口腔内科": "口腔科",
    "口腔颌面外科": "口腔科",
    "X线诊断": "医学影像科",
    "CT诊断": "医学影像科",
    "磁共振成像诊断": "医学影像科",
    "核医学": "医学影像科",
    "超声诊断": "医学影像科",
    "心电诊断": "医学影像科",
    "介入放射学": "医学影像科",
    "放射治疗": "医学影像科",
}


def _strip(name: str) -> str:
    name = name.strip()
    for suffix in ("专业",):
        if name.endswith(suffix):
            name = name[: -len(suffix)]
    cut = name.find("（")
    return name[:cut] if cut > 0 else name


def top_subject(subject: str) -> str:
    """The top-level 诊疗科目 a subject belongs to (itself when already top-level)."""
    s = _strip(subject)
    if s in TOP_SUBJECTS:
        return s
    if s in _SECOND_LEVEL:
        return _SECOND_LEVEL[s]
    if s.startswith("小儿"):
        return "儿科"
    if s.startswith("儿童"):
        return "儿童保健科"
    for top in sorted(TOP_SUBJECTS, key=len, reverse=True):
        if s.startswith(top.removesuffix("科")):
            return top
    return s


def scope_within(scopes: tuple[str, ...], subjects: tuple[str, ...]) -> bool:
    """True when at least one practice scope falls within the institution's subjects.

    A scope we cannot map (e.g. provincial "其他专业") is given the benefit of the doubt.
    """
    tops = {top_subject(s) for s in subjects}
    for scope in scopes:
        allowed = SCOPE_SUBJECTS.get(_strip(scope))
        if allowed is None or allowed & tops:
            return True
    return not scopes
