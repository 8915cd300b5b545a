"""The demo world read as a domain expert reads it (issue 19): one test per realism rule.

Each test reads a whole export: the demo's own (built by `seed.demo.build`, staged cases
included), a denser Henan export straight from the generator, where names and ordinals run out
sooner, and the next export `seed.mutate` writes after one. The expectations are written here
from DOMAIN.md and the seed documents, not taken from the generator's tables, so that a
generator drifting from them fails.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from kiosk.scope import TOP_SUBJECTS
from seed import divisions
from seed.mutate import next_export
from seed.registry import generate

DENSE_AT = "2026-11-21T23:00:00+08:00"


@dataclass(frozen=True)
class Export:
    """One export's records, the date it was taken, and the trust list beside it (demo only)."""

    institutions: list[dict[str, Any]]
    people: list[dict[str, Any]]
    filings: list[dict[str, Any]]
    today: dt.date
    trust: dict[str, Any] | None

    def institution(self, reg_no: str) -> dict[str, Any]:
        """The institution of a registration number."""
        return next(i for i in self.institutions if i["reg_no"] == reg_no)


def _rows(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]


def _read(folder: Path, trust: Path | None) -> Export:
    meta = json.loads((folder / "meta.json").read_text("utf-8"))
    return Export(
        institutions=_rows(folder / "institutions.ndjson"),
        people=_rows(folder / "practitioners.ndjson"),
        filings=_rows(folder / "filings.ndjson"),
        today=dt.datetime.fromisoformat(meta["exported_at"]).date(),
        trust=json.loads(trust.read_text("utf-8")) if trust else None,
    )


@pytest.fixture(scope="module", params=["demo", "dense", "next"])
def export(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Export:
    """The demo export (as built, cases staged), a Henan export of 30,000 practitioners and
    25,000 institutions (a third of the province's: names and ordinals run short), and the
    export after a 10,000-practitioner one with many changes (`seed.mutate`)."""
    if request.param == "demo":
        home: Path = request.getfixturevalue("demo_world")
        return _read(home / "demo" / "export", home / "demo" / "trustlist.json")
    out = tmp_path_factory.mktemp(request.param)
    size = 30_000 if request.param == "dense" else 10_000
    generate(
        out / "1",
        seed=19,
        practitioners=size,
        institutions=25_000 if request.param == "dense" else None,  # names run short
        jurisdiction="410000",
        exported_at=DENSE_AT,
        photo_fraction=0,
    )
    if request.param == "dense":
        return _read(out / "1", None)
    next_export(out / "1", out / "2", seed=20, changes=4000, deletes=100, additions=300)
    return _read(out / "2", None)


def _date(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def _birth(person: dict[str, Any]) -> dt.date:
    idn = person["id_number"]
    return dt.date(int(idn[6:10]), int(idn[10:12]), int(idn[12:14]))


def _age(birth: dt.date, on: dt.date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def _plus_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


# -- rule 1: dates in order -------------------------------------------------------------------

# Licensing began: nurses 1994 (护士管理办法, 1993), physicians 1999 (执业医师法 in force 1999-05-01).
FIRST_NURSE_YEAR = 1994
FIRST_PHYSICIAN_DAY = dt.date(1999, 5, 1)
# Licence terms (DOMAIN.md §5.3, an assumption there): 5 years for 诊所, 门诊部 and other D-class
# bodies and for stations (社区卫生服务站, 急救站), 15 for hospitals and centres.
SHORT_TERM = ("D", "B200", "E300")


def test_rule1_every_date_ordering_in_a_record_holds(export: Export) -> None:
    """Birth < first registration <= issue <= valid until <= ...; nothing after the export."""
    today = export.today
    bad: list[str] = []
    for p in export.people:
        birth, issued = _birth(p), _date(p["issued_on"])
        if not birth < issued <= today:
            bad.append(f"{p['cert_no']}: born {birth}, issued {issued}")
        if p["kind"] == "nurse":
            first_year, until = int(p["cert_no"][:4]), _date(p["valid_until"])
            if not birth.year < first_year <= issued.year or first_year < FIRST_NURSE_YEAR:
                bad.append(f"{p['cert_no']}: first registered {first_year}, issued {issued}")
            # A term runs five years from its start; a change of registration mid-term is
            # issued later with the same end.
            if not issued < until <= _plus_years(issued, 5) + dt.timedelta(days=1):
                bad.append(f"{p['cert_no']}: issued {issued}, valid until {until}")
        elif issued < FIRST_PHYSICIAN_DAY:
            bad.append(f"{p['cert_no']}: issued {issued}, before physicians were licensed")
    people = {(p["kind"], p["cert_no"]): p for p in export.people}
    for f in export.filings:
        p, filed = people[(f["kind"], f["cert_no"])], _date(f["filed_on"])
        first = int(p["cert_no"][:4]) if p["kind"] == "nurse" else FIRST_PHYSICIAN_DAY.year
        old_enough = _age(_birth(p), filed) >= MIN_AGE[p.get("level", "nurse")]
        if not first <= filed.year or not old_enough or filed > today:
            bad.append(f"filing of {f['cert_no']} on {filed}")
        if "valid_until" in f and _date(f["valid_until"]) <= filed:
            bad.append(f"filing of {f['cert_no']} ends {f['valid_until']} before {filed}")
    for i in export.institutions:
        start, until = _date(i["valid_from"]), _date(i["valid_until"])
        term = 5 if i["reg_no"][17:21].startswith(SHORT_TERM) else 15
        if not start <= _date(i["issued_on"]) <= until or start > today:
            bad.append(f"{i['reg_no']}: {start} .. {until}, issued {i['issued_on']}")
        if until != _plus_years(start, term) - dt.timedelta(days=1):
            bad.append(f"{i['reg_no']}: a {term}-year licence from {start} to {until}")
    assert not bad, bad[:10]


# -- rule 2: registration numbers --------------------------------------------------------------

_B36 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
# DOMAIN.md §3.4: 9 organisation-code characters, 6 area, 2 economic type, 4 category, 1 class.
REG_NO = re.compile(r"[0-9A-Z]{8}[0-9X]\d{8}[A-Q]\d{3}[129]")
ECONOMIC_TYPES = set(
    "11 12 13 14 15 16 17 19 21 22 23 24 29 31 32 33 34 39 90".split()
)  # GB/T 12402-2000, first two digits


def gb11714_ok(code9: str) -> bool:
    """GB 11714 organisation code check, as DOMAIN.md §3.4 gives it (weights 3 7 9 10 5 8 4 2,
    c = 11 - sum mod 11, 10 is X and 11 is 0)."""
    total = sum(
        _B36.index(ch) * w for ch, w in zip(code9[:8], (3, 7, 9, 10, 5, 8, 4, 2), strict=True)
    )
    c = 11 - total % 11
    return code9[8] == {10: "X", 11: "0"}.get(c, str(c))


def test_the_gb11714_validator_agrees_with_domain_examples() -> None:
    """The validator passes DOMAIN.md's examples and fails the demo's old dental clinic code."""
    assert gb11714_ok("600037341")  # org part of python-stdnum's USCC 91110000600037341L
    assert gb11714_ok("PDY00001X")
    assert not gb11714_ok("PDY00042X")
    assert not gb11714_ok("600037342")


def _address_prefix(div: divisions.Divisions, code: str) -> str:
    prov = div.provinces[code[:2] + "0000"]
    pref = div.prefectures.get(code[:4] + "00", "")
    unnamed = ("市辖区", "县", "省直辖县级行政单位", "自治区直辖县级行政单位")
    if code[:2] in ("11", "12", "31", "50") or pref in unnamed:
        pref = ""
    return prov + pref + div.counties[code].name


def test_rule2_registration_numbers_encode_the_address_county_and_check(export: Export) -> None:
    """Each 登记号 is well formed, its GB 11714 check holds, its area is the county of the
    address (and region), and its approving authority covers that county."""
    div = divisions.load()
    bad: list[str] = []
    for i in export.institutions:
        reg, region = i["reg_no"], i["region"]
        if not REG_NO.fullmatch(reg) or not gb11714_ok(reg[:9]):
            bad.append(f"{reg}: malformed or wrong check character")
            continue
        if reg[9:15] != region or region not in div.counties:
            bad.append(f"{reg}: area {reg[9:15]}, region {region}")
        elif not i["address"].startswith(_address_prefix(div, region)):
            bad.append(f"{reg}: address {i['address']} is not in {region}")
        if reg[15:17] not in ECONOMIC_TYPES:
            bad.append(f"{reg}: economic type {reg[15:17]}")
        if i["authority"] not in (region, region[:4] + "00", region[:2] + "0000"):
            bad.append(f"{reg}: approved by {i['authority']}, outside {region}")
    assert len({i["reg_no"] for i in export.institutions}) == len(export.institutions)
    assert not bad, bad[:10]


# -- rule 3: names --------------------------------------------------------------------------------


def test_rule3_institution_names_are_unique_in_the_jurisdiction(export: Export) -> None:
    """No two institutions of the (provincial) export share a name."""
    seen: dict[str, list[str]] = defaultdict(list)
    for i in export.institutions:
        seen[i["name"]].append(i["reg_no"])
    assert not {n: r for n, r in seen.items() if len(r) > 1}


def _is_district(name: str) -> bool:
    return name.endswith("区") and not name.endswith(("林区", "特区"))


def test_rule3_names_fit_the_level_of_their_division(export: Export) -> None:
    """A name starting with its city (南阳市中心医院) is a city-level institution: it sits in
    one of that city's districts and no county approved it; a name starting with a county
    (鲁山县人民医院) sits in that county, not a district; no name carries another city's or
    county's name."""
    div = divisions.load()
    prov = export.institutions[0]["region"][:2]
    cities = {n for c, n in div.prefectures.items() if c[:2] == prov}
    counties = {c.name for c in div.counties.values() if c.code[:2] == prov}
    districts_of: dict[str, int] = defaultdict(int)
    for c in div.counties.values():
        districts_of[c.code[:4]] += _is_district(c.name)
    bad: list[str] = []
    for i in export.institutions:
        name, code = i["name"], i["region"]
        county = div.counties[code].name
        city = div.prefectures.get(code[:4] + "00", "")
        if city and name.startswith(city):
            rest = name[len(city) :]
            if rest.startswith(county):
                ok = _is_district(county)  # 南阳市卧龙区人民医院: a district's own
            else:  # city-level: in a district of that city (or a city without districts),
                # approved by the city or the province, not by a county
                ok = _is_district(county) or districts_of[code[:4]] == 0
                ok = ok and i["authority"] in (code[:4] + "00", code[:2] + "0000")
        elif name.startswith(county):
            ok = not _is_district(county)  # 鲁山县人民医院, 禹州市人民医院
        else:
            ok = not any(name.startswith(n) for n in cities | counties)
        if not ok:
            bad.append(f"{name} in {div.prefectures.get(code[:4] + '00')}{county}")
    assert not bad, bad[:10]


_NUMERALS = "一二三四五六七八九十"
_ORDINAL = re.compile(r"^(.*?)第([一二三四五六七八九十])(人民医院|中学医务室)$")
_BARE = re.compile(r"^(.*?)(人民医院|中学医务室)$")
# Ordinals by level: a city may have a 第五人民医院, a county no more than a 第三.
MAX_ORDINAL = {"city": 5, "county": 3}


def test_rule3_ordinals_are_bounded_by_level_and_given_in_order(export: Export) -> None:
    """第N人民医院 / 第N中学: N at most 5 for a city, 3 for a county or district, and no 第三
    without a 第二 (a county's first 人民医院 carries no ordinal); the ordinal follows the
    place's own name."""
    div = divisions.load()
    series: dict[tuple[str, str], set[int]] = defaultdict(set)
    bad = [i["name"] for i in export.institutions if "第第" in i["name"]]
    for i in export.institutions:
        name = i["name"]
        m = _ORDINAL.match(name)
        if m:
            place, n, kind = m.group(1), _NUMERALS.index(m.group(2)) + 1, m.group(3)
        elif (b := _BARE.match(name)) and b.group(2) == "人民医院":
            place, n, kind = b.group(1), 1, b.group(2)
        else:
            continue
        city = div.prefectures.get(i["region"][:4] + "00")
        level = "city" if place == city else "county"
        county = div.counties[i["region"]].name
        if n > MAX_ORDINAL[level] or not place.endswith((county, city or county)):
            bad.append(name)
        series[(place, kind)].add(n)
    gaps = {k: sorted(v) for k, v in series.items() if v != set(range(1, max(v) + 1))}
    assert not bad and not gaps, (bad[:10], gaps)


# -- rule 4: authority names ------------------------------------------------------------------

# The real names the seed documents give (DOMAIN.md §9): 宛卫〔2023〕107号 is issued by the
# 南阳市卫生健康体育委员会; the 河南省 commission is a 卫生健康委员会.
SEED_AUTHORITIES = {"410000": "河南省卫生健康委员会", "411300": "南阳市卫生健康体育委员会"}


def _default_authority(div: divisions.Divisions, code: str) -> str:
    if code.endswith("0000"):
        return div.provinces[code] + "卫生健康委员会"
    if code.endswith("00"):
        return div.prefectures[code] + "卫生健康委员会"
    county = div.counties[code].name
    city = div.prefectures[code[:4] + "00"] if _is_district(county) else ""
    return city + county + "卫生健康委员会"


def test_rule4_authority_names_are_the_real_ones(export: Export) -> None:
    """Every code has one authority name, the seeds' where they give one, and the trust list
    says the same as the registry: Nanyang's is 南阳市卫生健康体育委员会."""
    div = divisions.load()
    names: dict[str, set[str]] = defaultdict(set)
    for rec in export.institutions + export.people:
        names[rec["authority"]].add(rec["authority_name"])
    assert "411300" in names
    for code, found in names.items():
        assert found == {SEED_AUTHORITIES.get(code) or _default_authority(div, code)}, code
    if export.trust is not None:
        issuers = {k["authority"]: k["authority_name"] for k in export.trust["keys"]}
        assert {c: issuers[c] for c in SEED_AUTHORITIES} == SEED_AUTHORITIES
        assert all(names[c] == {n} for c, n in issuers.items() if c in names)


# -- rule 5: joint distributions ------------------------------------------------------------------


def test_rule5_village_clinics_are_collective_or_private_and_non_profit(export: Export) -> None:
    """A 村卫生室 is 集体全资 (12) or 私有 (17), never 国有全资, and 非营利性 (class 1); a
    state-owned (11) institution is never for profit."""
    villages = [i for i in export.institutions if i["reg_no"][17:21] == "D600"]
    assert villages
    bad = [
        i["reg_no"]
        for i in villages
        if i["reg_no"][15:17] not in ("12", "17") or i["reg_no"][21] != "1"
    ]
    bad += [
        i["reg_no"]
        for i in export.institutions
        if i["reg_no"][15:17] == "11" and i["reg_no"][21] != "1"
    ]
    assert not bad, bad[:10]


# Youngest plausible age at first registration (医师法 Art. 9-10; 护士条例 Art. 7): 本科 5 years
# from 18 plus a supervised year for 执业医师; 专科 (or the old 中专) plus a year for an
# assistant; 3-year 中专 nursing, examined on graduation, for a nurse.
MIN_AGE = {"执业医师": 24, "执业助理医师": 21, "nurse": 19}


def test_rule5_registration_age_fits_the_education_path(export: Export) -> None:
    """No 执业医师 registered at 22: every licence was first issued at a plausible age."""
    bad: list[str] = []
    for p in export.people:
        level = p.get("level", "nurse")
        birth = _birth(p)
        at_issue = _age(birth, _date(p["issued_on"]))
        first = int(p["cert_no"][:4]) - birth.year if level == "nurse" else at_issue
        if min(at_issue, first) < MIN_AGE[level]:
            bad.append(f"{p['cert_no']} {level}: born {birth}, issued {p['issued_on']}")
    assert not bad, bad[:10]


LADDERS = {
    "西": ["医士", "医师", "主治医师", "副主任医师", "主任医师"],
    "中": ["中医士", "中医师", "主治中医师", "副主任中医师", "主任中医师"],
    "护": ["护士", "护师", "主管护师", "副主任护师", "主任护师"],
}
# Years a title needs since first registration (人社部发〔2021〕51号 in outline): a physician's
# 主治 five, 副主任 ten, 主任 fifteen; a nurse's 护师 one, 主管 five, then as physicians.
PHYSICIAN_MIN_AGE = {2: 24 + 5, 3: 24 + 10, 4: 24 + 15}
NURSE_YEARS = {1: 1, 2: 5, 3: 10, 4: 15}


def test_rule5_titles_fit_level_and_seniority(export: Export) -> None:
    """医士 only for an 执业助理医师, who holds no more than 医师; the ladder fits the category;
    no 主任医师 at 30."""
    bad: list[str] = []
    for p in export.people:
        title = p.get("title")
        if title is None:
            continue
        ladder = LADDERS[
            "护" if p["kind"] == "nurse" else "中" if p["category"] == "中医" else "西"
        ]
        if title not in ladder:
            bad.append(f"{p['cert_no']}: {title} for {p.get('category', 'a nurse')}")
            continue
        step = ladder.index(title)
        if p["kind"] == "nurse":
            if export.today.year - int(p["cert_no"][:4]) < NURSE_YEARS.get(step, 0):
                bad.append(f"{p['cert_no']}: {title}, first registered {p['cert_no'][:4]}")
        elif p["level"] == "执业医师" and step == 0 or p["level"] != "执业医师" and step > 1:
            bad.append(f"{p['cert_no']}: {p['level']} holding {title}")
        elif _age(_birth(p), export.today) < PHYSICIAN_MIN_AGE.get(step, 0):
            bad.append(f"{p['cert_no']}: {title} at {_age(_birth(p), export.today)}")
    assert not bad, bad[:10]


# Scope pairs one physician may hold (卫医发〔2001〕169号, DOMAIN.md §4.3): related scopes of one
# category, up to three at township, community and village level; elsewhere one, plus 全科
# added after general-practice training.
RELATED = {
    frozenset(pair.split("+"))
    for pair in (
        "内科+全科医学 内科+外科 内科+儿科 内科+妇产科 内科+急救医学 内科+预防保健 内科+康复医学 "
        "内科+职业病 外科+全科医学 外科+急救医学 外科+康复医学 外科+妇产科 妇产科+全科医学 "
        "妇产科+儿科 妇产科+计划生育技术服务 妇产科+预防保健 儿科+全科医学 儿科+预防保健 "
        "全科医学+急救医学 全科医学+预防保健 全科医学+康复医学 中医+中西医结合"
    ).split()
}
PRIMARY_CARE = {"B100", "B200", "C210", "C220", "D600"}


def test_rule5_scope_pairs_are_related_and_fit_the_institution_level(export: Export) -> None:
    """No 眼耳鼻咽喉 + 检验病理: every pair of a physician's scopes is a related one, and more
    than one scope (besides 全科 added) only at primary-care level."""
    level = {i["reg_no"]: i["reg_no"][17:21] for i in export.institutions}
    bad: list[str] = []
    for p in export.people:
        if p["kind"] != "physician" or len(p["scope"]) == 1:
            continue
        short = [s.removesuffix("专业") for s in p["scope"]]
        pairs = {frozenset((a, b)) for a in short for b in short if a != b}
        if len(short) > 3 or not pairs <= RELATED:
            bad.append(f"{p['cert_no']}: {p['scope']}")
        elif level.get(p["institution"]) not in PRIMARY_CARE and short[1:] != ["全科医学"]:
            bad.append(f"{p['cert_no']}: {p['scope']} at {level.get(p['institution'])}")
    assert not bad, bad[:10]


# WS 218 category -> (its category word, name endings, subjects it must have, subjects it may
# have; None: any). From DOMAIN.md §4.5 and §4.7.
_GENERAL = None
KINDS: dict[str, tuple[str, tuple[str, ...], set[str], set[str] | None]] = {
    "A100": ("医院", ("医院",), {"内科", "外科"}, _GENERAL),
    "A210": ("医院", ("中医院", "中医医院"), {"中医科"}, _GENERAL),
    "A300": ("医院", ("中西医结合医院",), {"中西医结合科"}, _GENERAL),
    "A511": ("医院", ("口腔医院",), {"口腔科"}, {"口腔科", "医学影像科", "麻醉科"}),
    "A512": ("医院", ("眼科医院",), {"眼科"}, {"眼科", "耳鼻咽喉科", "麻醉科", "医学影像科"}),
    "A514": ("医院", ("肿瘤医院",), {"肿瘤科"}, _GENERAL),
    "A518": (
        "医院",
        ("妇产医院",),
        {"妇产科"},
        {"妇产科", "妇女保健科", "儿科", "麻醉科", "医学检验科", "医学影像科"},
    ),
    "A519": (
        "医院",
        ("儿童医院",),
        {"儿科"},
        {"儿科", "小儿外科", "儿童保健科", "医学检验科", "医学影像科", "麻醉科", "急诊医学科"},
    ),
    "A520": (
        "医院",
        ("精神病医院", "精神卫生中心"),
        {"精神科"},
        {"精神科", "内科", "医学检验科", "医学影像科"},
    ),
    "A526": (
        "医院",
        ("骨科医院",),
        {"外科"},
        {"外科", "医学影像科", "麻醉科", "康复医学科", "中医科"},
    ),
    "A527": ("医院", ("康复医院",), {"康复医学科"}, {"康复医学科", "内科", "中医科", "医学影像科"}),
    "A529": ("医院", ("医疗美容医院",), {"医疗美容科"}, {"医疗美容科", "皮肤科", "麻醉科"}),
    "A710": ("医院", ("护理院",), {"内科"}, {"内科", "康复医学科", "临终关怀科"}),
    "G100": (
        "妇幼保健院",
        ("妇幼保健院",),
        {"妇女保健科", "儿童保健科"},
        {"妇产科", "妇女保健科", "儿科", "儿童保健科", "医学检验科", "医学影像科", "麻醉科"},
    ),
    "E100": (
        "急救中心",
        ("急救中心", "紧急医疗救援中心"),
        {"急诊医学科"},
        {"急诊医学科", "内科", "外科"},
    ),
    "E300": ("急救站", ("急救站",), {"急诊医学科"}, {"急诊医学科", "内科", "外科"}),
    "H112": (
        "专科疾病防治院",
        ("结核病防治院",),
        {"结核病科"},
        {"结核病科", "内科", "医学检验科", "医学影像科"},
    ),
    "H113": (
        "专科疾病防治院",
        ("职业病防治院",),
        {"职业病科"},
        {"职业病科", "内科", "医学检验科", "医学影像科"},
    ),
    "H119": ("专科疾病防治院", ("皮肤病防治院",), {"皮肤科"}, {"皮肤科", "医学检验科"}),
    "B100": (
        "社区卫生服务中心",
        ("社区卫生服务中心",),
        {"全科医疗科", "预防保健科"},
        {
            "预防保健科",
            "全科医疗科",
            "内科",
            "外科",
            "妇女保健科",
            "儿童保健科",
            "中医科",
            "口腔科",
            "康复医学科",
            "医学检验科",
            "医学影像科",
        },
    ),
    "B200": (
        "社区卫生服务站",
        ("社区卫生服务站",),
        {"全科医疗科", "预防保健科"},
        {"预防保健科", "全科医疗科", "中医科", "内科"},
    ),
    "C210": ("卫生院", ("中心卫生院",), {"全科医疗科", "预防保健科"}, _GENERAL),
    "C220": ("卫生院", ("镇卫生院", "乡卫生院"), {"全科医疗科", "预防保健科"}, _GENERAL),
    "D110": ("门诊部", ("门诊部",), {"内科"}, _GENERAL),
    "D121": ("门诊部", ("中医门诊部",), {"中医科"}, {"中医科", "内科", "康复医学科"}),
    "D151": ("门诊部", ("皮肤病门诊部",), {"皮肤科"}, {"皮肤科", "医学检验科"}),
    "D152": ("门诊部", ("口腔门诊部",), {"口腔科"}, {"口腔科", "医学影像科"}),
    "D153": ("门诊部", ("眼科门诊部",), {"眼科"}, {"眼科", "耳鼻咽喉科", "医学检验科"}),
    "D154": ("门诊部", ("医疗美容门诊部",), {"医疗美容科"}, {"医疗美容科", "皮肤科", "麻醉科"}),
    "D211": ("诊所", ("诊所",), set(), {"内科", "全科医疗科", "外科", "儿科", "妇产科", "中医科"}),
    "D212": ("诊所", ("中医诊所",), {"中医科"}, {"中医科", "内科"}),
    "D213": ("诊所", ("中西医结合诊所",), {"中西医结合科"}, {"中西医结合科", "内科", "中医科"}),
    "D215": ("诊所", ("口腔诊所",), {"口腔科"}, {"口腔科"}),
    "D216": ("诊所", ("医疗美容诊所",), {"医疗美容科"}, {"医疗美容科", "皮肤科"}),
    "D300": ("卫生所(室)", ("卫生所", "卫生室"), set(), {"全科医疗科", "预防保健科", "内科"}),
    "D400": ("医务室", ("医务室",), set(), {"内科", "预防保健科", "外科"}),
    "D600": ("村卫生室", ("村卫生室",), {"全科医疗科"}, {"全科医疗科", "预防保健科", "中医科"}),
}
# A word in a name promises a subject (an 眼科门诊部 treats eyes).
NAME_SUBJECTS = {
    "口腔": "口腔科",
    "眼科": "眼科",
    "皮肤": "皮肤科",
    "妇产": "妇产科",
    "儿童医院": "儿科",
    "精神": "精神科",
    "康复": "康复医学科",
    "骨科": "外科",
    "医疗美容": "医疗美容科",
    "肿瘤": "肿瘤科",
    "结核": "结核病科",
    "职业病": "职业病科",
    "急救": "急诊医学科",
    "中医": "中医科",
    "中西医结合": "中西医结合科",
    "妇幼保健": "妇女保健科",
    "内科": "内科",
}


def test_rule5_subjects_and_names_fit_the_category(export: Export) -> None:
    """诊疗科目 fit the WS 218 category (a 口腔诊所 has only 口腔科; a 村卫生室 no surgery),
    the name fits the category, and each word of the name has its subject."""
    bad: list[str] = []
    for i in export.institutions:
        code, name, subjects = i["reg_no"][17:21], i["name"], set(i["subjects"])
        cls, endings, must, may = KINDS[code]
        if i["category"] != cls or not name.endswith(endings):
            bad.append(f"{name}: {code} {i['category']}")
        if not must <= subjects or not subjects <= (may or set(TOP_SUBJECTS)):
            bad.append(f"{name}: {code} with {sorted(subjects)}")
        missing = [s for w, s in NAME_SUBJECTS.items() if w in name and s not in subjects]
        if missing:
            bad.append(f"{name}: no {missing}")
    assert not bad, bad[:10]
