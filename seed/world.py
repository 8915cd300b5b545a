"""The synthetic registry's world: code lists, pools and the record builders.

`World` draws institutions (through `seed.institutions`), practitioners and filings;
`InstitutionIndex` keeps what practitioners need of the institutions (O(institutions) memory);
`IdFilter` keeps ID numbers unique in bounded memory. Shared by `seed.registry` (a whole export)
and `seed.mutate` (the next export).

The draws follow the joint distributions a domain expert expects (DOMAIN.md, docs/decisions.md):
dates in order (birth, first registration at a plausible age for the education path, issue,
end of validity), titles that fit level and years in practice, related scope pairs only,
ownership and profit class that fit the category (a 村卫生室 is collective or private and
non-profit), names that fit the division level.
"""

from __future__ import annotations

import bisect
import datetime as _dt
import itertools
import json
import random
from array import array
from collections import Counter
from collections.abc import Iterator

from domain.idnum import check_char
from seed import divisions
from seed.divisions import POPULATION, county_weight
from seed.institutions import (
    CATEGORIES,
    DATA,
    VERSIONS,
    Institutions,
    add_years,
    iso,
)
from seed.names import NamePool, Weighted

try:  # orjson is optional: same bytes as the stdlib encoder below, only faster.
    import orjson

    def dumps(obj: dict[str, object]) -> bytes:
        """One NDJSON line: compact JSON, UTF-8, no ASCII escaping."""
        return bytes(orjson.dumps(obj)) + b"\n"

except ImportError:  # pragma: no cover - depends on the environment
    _encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode

    def dumps(obj: dict[str, object]) -> bytes:
        """One NDJSON line: compact JSON, UTF-8, no ASCII escaping."""
        return (_encode(obj) + "\n").encode("utf-8")


_CODES = json.loads((DATA / "categories.json").read_text("utf-8"))
_WORDS = json.loads((DATA / "words.json").read_text("utf-8"))
SCOPE_CATEGORY: dict[str, str] = _WORDS["scope_category"]
# 执业证书 category digits (DOMAIN §3.2); 民族医 share 中医's "41".
CATEGORY_DIGITS = {"临床": "10", "口腔": "20", "公共卫生": "30", "中医": "41"}
_ETHNIC_PROVINCES: dict[str, str] = _WORDS["ethnic_provinces"]
_ASSISTANT = {"village": 0.6, "township": 0.35, "clinic": 0.25, "community": 0.15}
# Scope pairs one physician may hold (卫医发〔2001〕169号, DOMAIN.md §4.3): three related scopes
# at township, community and village level, elsewhere one plus 全科 added after GP training.
PRIMARY_CARE = frozenset(_WORDS["primary_care_profiles"])
GP_SCOPE = "全科医学专业"
GP_ADDABLE = frozenset(_WORDS["gp_addable"])
SCOPE_PAIRS: dict[str, dict[str, float]] = {}
for _a, _b, _w in _WORDS["scope_pairs"]:
    SCOPE_PAIRS.setdefault(_a, {})[_b] = _w
    SCOPE_PAIRS.setdefault(_b, {})[_a] = _w
_NURSE_SHARE = 5.6 / 10.4
_PHYS_STATUS = Weighted(["active", "filed", "cancelled", "suspended"], [915, 40, 30, 15])
_NURSE_STATUS = Weighted(
    ["active", "lapsed", "filed", "cancelled", "suspended"], [895, 40, 20, 40, 5]
)
# Youngest age at first registration, by education path (医师法 Art. 9-10, 护士条例 Art. 7):
# 执业医师 5-year 本科 from 18 plus a supervised year (24); 执业助理医师 3-year 专科 plus a
# year, or the pre-2022 中专 path (21); nurse 3-year 中专 nursing, examined on graduation (19).
MIN_REGISTRATION_AGE = {"执业医师": 24, "执业助理医师": 21, "nurse": 19}
_REG_AGES = {
    "执业医师": ([24, 25, 26, 27, 28, 29, 30, 32, 35], [20, 25, 18, 12, 10, 6, 4, 3, 2]),
    "执业助理医师": ([21, 22, 23, 24, 25, 26, 28, 30], [15, 30, 25, 15, 8, 4, 2, 1]),
    "nurse": ([19, 20, 21, 22, 23, 24, 25, 26], [8, 20, 30, 25, 10, 4, 2, 1]),
}
# First registrations start with the licensing laws: nurses 1994 (护士管理办法, 1993), physicians
# 1999 (执业医师法 in force 1999-05-01); people qualified before were registered in the years after
# (within `spread` days).
_FIRST = {
    "执业医师": (_dt.date(1999, 5, 1).toordinal(), 600),
    "执业助理医师": (_dt.date(1999, 5, 1).toordinal(), 600),
    "nurse": (_dt.date(1994, 1, 1).toordinal(), 900),
}
_YEAR = 365.2425
_TERM = 1826  # days of a nurse's 5-year registration term, for the renewal arithmetic
# Per level, in days (this runs once per practitioner): (youngest age at registration + 2 days
# of margin for leap days, ages at registration, first day of licensing, spread after it).
_REGISTRATION = {
    level: (
        int(MIN_REGISTRATION_AGE[level] * _YEAR) + 2,
        Weighted([int(a * _YEAR) + 2 for a in ages], weights),
        *_FIRST[level],
    )
    for level, (ages, weights) in _REG_AGES.items()
}


def _ages(buckets: dict[int, float], youngest: int = 22) -> Weighted[int]:
    """Spread 5-year age bucket weights over single years youngest..70."""
    ages = list(range(youngest, 71))
    return Weighted(ages, [buckets[max(k for k in buckets if k <= a)] for a in ages])


_PHYS_BUCKETS = {22: 0.2, 25: 8, 30: 14, 35: 16, 40: 15, 45: 14, 50: 13, 55: 10, 60: 6, 65: 3}
_PHYS_AGES = {
    "执业医师": _ages(_PHYS_BUCKETS, MIN_REGISTRATION_AGE["执业医师"]),
    "执业助理医师": _ages(_PHYS_BUCKETS),
}
_NURSE_AGES = _ages({22: 8, 25: 20, 30: 20, 35: 15, 40: 11, 45: 9, 50: 8, 55: 4, 60: 1.5, 65: 0.5})
_TITLE_BANDS = (30, 35, 40, 50, 200)
# 执业医师 titles start at 医师: 医士 is the 士-level title of 执业助理医师 only (DOMAIN.md §4.4).
_PHYS_TITLES = [
    Weighted([0, 1, 2, 3, 4], w)
    for w in (
        [0, 100, 0, 0, 0],
        [0, 55, 45, 0, 0],
        [0, 25, 60, 15, 0],
        [0, 10, 45, 35, 10],
        [0, 8, 35, 35, 22],
    )
]
_NURSE_TITLES = [
    Weighted([0, 1, 2, 3, 4], w)
    for w in (
        [60, 40, 0, 0, 0],
        [10, 50, 40, 0, 0],
        [3, 35, 55, 7, 0],
        [1, 25, 55, 16, 3],
        [1, 20, 52, 21, 6],
    )
]
TITLES: dict[str, list[str]] = _WORDS["titles"]


def title_cap(nurse: bool, years: float) -> int:
    """The highest title step (0 士 .. 4 正高) open after `years` since first registration.

    Each step needs its years at the one below (DOMAIN.md §4.4; 人社部发〔2021〕51号): for a
    physician 医师 at once, 主治 after 5, 副主任 after 10, 主任 after 15; for a nurse 护师 after
    one, 主管护师 after 5, then as physicians.
    """
    return int(not nurse or years >= 1) + (years >= 5) + (years >= 10) + (years >= 15)


class IdFilter:
    """A Bloom filter over issued ID numbers, so none is issued twice in bounded memory.

    A false "maybe seen" only costs a redraw; a number never seen is never reported seen.
    """

    __slots__ = ("bits", "mask")

    def __init__(self, expected: int) -> None:
        log2 = max(20, (max(1, expected) * 13).bit_length())
        self.bits = bytearray(1 << (log2 - 3))
        self.mask = (1 << log2) - 1

    def add_new(self, body17: str) -> bool:
        """Record the first 17 digits of an ID; False when they may have been recorded already."""
        x = int(body17)
        h1 = (x * 0x9E3779B97F4A7C15) & 0xFFFFFFFFFFFFFFFF
        h2 = ((x * 0xC2B2AE3D27D4EB4F) & 0xFFFFFFFFFFFFFFFF) | 1
        bits, mask = self.bits, self.mask
        spots = [((h1 + k * h2) >> 11) & mask for k in range(5)]
        if all(bits[p >> 3] & (1 << (p & 7)) for p in spots):
            return False
        for p in spots:
            bits[p >> 3] |= 1 << (p & 7)
        return True


class InstitutionIndex:
    """What practitioners need of the institutions, grouped by province: O(institutions)."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.reg_nos: list[str] = []
        self.regions = array("i")
        self.cats = bytearray()
        self._w_phys: list[float] = []
        self._w_nurse: list[float] = []
        self.cum_phys = array("d")
        self.cum_nurse = array("d")
        self.bounds: list[int] = []  # start index of each province run
        self.provinces: list[str] = []

    def add(self, reg_no: str, region: str, cat: int, weight: float) -> None:
        """Register one institution (institutions must arrive grouped by province)."""
        prov = region[:2]
        if not self.provinces or self.provinces[-1] != prov:
            self.provinces.append(prov)
            self.bounds.append(len(self.reg_nos))
        self.reg_nos.append(reg_no)
        self.regions.append(int(region))
        self.cats.append(cat)
        self._w_phys.append(weight)
        self._w_nurse.append(weight * CATEGORIES[cat]["nurses"])

    def finish(self) -> None:
        """Freeze the cumulative weights; call once after the last `add`."""
        self.cum_phys = array("d", itertools.accumulate(self._w_phys))
        self.cum_nurse = array("d", itertools.accumulate(self._w_nurse))
        self._w_phys, self._w_nurse = [], []
        self.bounds.append(len(self.reg_nos))

    def pick(self, rng: random.Random, nurse: bool) -> int:
        """An institution index, weighted by its staff of that kind."""
        cum = self.cum_nurse if nurse else self.cum_phys
        return bisect.bisect_right(cum, rng.random() * cum[-1], 0, len(cum) - 1)

    def pick_near(self, rng: random.Random, i: int, nurse: bool) -> int:
        """Another institution in the same province as `i` (or `i` itself if it is alone)."""
        p = bisect.bisect_right(self.bounds, i) - 1
        for _ in range(8):
            j = self._pick_range(rng, p, nurse)
            if j != i:
                return j
        return i

    def pick_in(self, rng: random.Random, province: str, nurse: bool) -> int:
        """An institution in a province ("41"), or anywhere when the province has none."""
        if province in self.provinces:
            return self._pick_range(rng, self.provinces.index(province), nurse)
        return self.pick(rng, nurse)

    def _pick_range(self, rng: random.Random, p: int, nurse: bool) -> int:
        lo, hi = self.bounds[p], self.bounds[p + 1]
        cum = self.cum_nurse if nurse else self.cum_phys
        base = cum[lo - 1] if lo else 0.0
        return bisect.bisect_right(cum, base + rng.random() * (cum[hi - 1] - base), lo, hi - 1)


class World:
    """Precomputed pools and record builders for one jurisdiction and export date."""

    def __init__(self, jurisdiction: str, exported_at: str) -> None:
        self.div = divisions.load()
        self.jurisdiction = jurisdiction
        self.today = _dt.date.fromisoformat(exported_at[:10]).toordinal()
        self.today_iso = iso(self.today)
        self.names = NamePool()
        counties = self.div.in_jurisdiction(jurisdiction)
        per_prov = Counter(c.code[:2] for c in counties)
        self.counties = counties
        self.county_weights = [
            POPULATION[c.code[:2]] / per_prov[c.code[:2]] * county_weight(c) for c in counties
        ]
        self.province_share = {p: POPULATION[p] for p in sorted(per_prov)}
        all_counties = list(self.div.counties.values())
        self.id_pool: dict[str, Weighted[str]] = {}
        for prov in per_prov:
            own = [c for c in all_counties if c.code[:2] == prov]
            ok = [c for c in own if c.start <= divisions.ID_CODE_LAST_START] or own
            self.id_pool[prov] = Weighted([c.code for c in ok], [county_weight(c) for c in ok])
        every = [c for c in all_counties if c.start <= divisions.ID_CODE_LAST_START]
        n_all = Counter(c.code[:2] for c in every)
        self.id_national = Weighted(
            [c.code for c in every],
            [POPULATION[c.code[:2]] / n_all[c.code[:2]] * county_weight(c) for c in every],
        )
        self.cat_pick = Weighted(list(range(len(CATEGORIES))), [c["share"] for c in CATEGORIES])
        self.draw = Institutions(self.div, self.names, self.today, counties)
        self.scope_pick = {k: Weighted.of(v) for k, v in _CODES["scopes"].items() if k != "_doc"}
        self.serials: Counter[str] = Counter()
        self.ids = IdFilter(0)
        # Looked up for every practitioner: each computed once per division.
        self._prefectures: dict[str, str] = {}
        self._names: dict[str, str] = {}

    def expect(self, practitioners: int) -> None:
        """Size the duplicate-ID filter for this many practitioners."""
        self.ids = IdFilter(practitioners)

    # -- institutions -------------------------------------------------------------------

    def institutions(
        self, rng: random.Random, n: int, index: InstitutionIndex
    ) -> Iterator[dict[str, object]]:
        """Yield `n` institution records, grouped by province, registering each in `index`."""
        provs = list(self.province_share)
        total = sum(self.province_share.values())
        quotas = [int(n * self.province_share[p] / total) for p in provs]
        order = sorted(
            range(len(provs)),
            key=lambda k: -(n * self.province_share[provs[k]] / total - quotas[k]),
        )
        for k in order[: n - sum(quotas)]:
            quotas[k] += 1
        for prov, quota in zip(provs, quotas, strict=True):
            own = [
                (c, w)
                for c, w in zip(self.counties, self.county_weights, strict=True)
                if c.code[:2] == prov
            ]
            pick = Weighted([c.code for c, _ in own], [w for _, w in own])
            self.draw.namer.reset()  # names are unique within a province
            for _ in range(quota):
                rec, cat, weight = self.draw.institution(
                    rng, pick.pick(rng), self.cat_pick.pick(rng), self.cat_pick
                )
                index.add(rec["reg_no"], rec["region"], cat, weight)  # type: ignore[arg-type]
                yield rec

    # -- practitioners ------------------------------------------------------------------

    def practitioner(
        self, rng: random.Random, index: InstitutionIndex
    ) -> tuple[dict[str, object], int]:
        """One practitioner record (without photo and version) and its institution index."""
        nurse = rng.random() < _NURSE_SHARE
        i = index.pick(rng, nurse)
        region = f"{index.regions[i]:06d}"
        prov = region[:2]
        profile: str = CATEGORIES[index.cats[i]]["scopes"]
        if nurse:
            level = "nurse"
            age = _NURSE_AGES.pick(rng)
        else:
            level = "执业助理医师" if rng.random() < _ASSISTANT.get(profile, 0.08) else "执业医师"
            age = _PHYS_AGES[level].pick(rng)
        born_on, first = self._first_registration(
            rng, self.today - int((age + rng.random()) * _YEAR), level
        )
        birth = _dt.date.fromordinal(born_on)
        if nurse:
            sex = "M" if rng.random() < 0.03 else "F"
        else:
            sex = "M" if rng.random() < 0.54 else "F"
        area = (self.id_pool[prov] if rng.random() < 0.88 else self.id_national).pick(rng)
        born = f"{area}{birth.year:04d}{birth.month:02d}{birth.day:02d}"
        body = born + f"{2 * rng.randrange(1, 498) + (sex == 'M'):03d}"
        while not self.ids.add_new(body):
            body = born + f"{2 * rng.randrange(1, 498) + (sex == 'M'):03d}"
        r = rng.random()
        authority = self._above(region) if r < 0.6 else region if r < 0.85 else prov + "0000"
        rec: dict[str, object] = {"kind": "nurse" if nurse else "physician", "cert_no": ""}
        rec["id_number"] = body + check_char(body)
        rec["name"] = self.names.full(rng, sex, birth.year)
        rec["sex"] = sex
        rec["birth_month"] = f"{birth.year:04d}-{birth.month:02d}"
        band = bisect.bisect_right(_TITLE_BANDS, age)
        years = (self.today - first) / _YEAR
        if nurse:
            # The 12-digit number starts with the year of first registration (DOMAIN.md §3.3).
            rec["cert_no"] = self._serial(f"{_dt.date.fromordinal(first).year}{prov}")
            title = TITLES["护"][min(_NURSE_TITLES[band].pick(rng), title_cap(True, years))]
        else:
            title = self._physician(rng, rec, profile, level, prov, (age, band, years))
            rec["cert_no"] = self._serial(rec.pop("_prefix") + authority)  # type: ignore[operator]
        if rng.random() > 0.03:
            rec["title"] = title
        rec["location"] = self.div.province_name(region)
        rec["institution"] = index.reg_nos[i]
        self._status(rng, rec, nurse, age, first)
        rec["authority"] = authority
        rec["authority_name"] = self._authority_name(authority)
        issued = rec.pop("_issued")
        rec["issued_on"] = issued
        return rec, i

    def _first_registration(self, rng: random.Random, born_on: int, level: str) -> tuple[int, int]:
        """(birth, first registration) as ordinals: registered no younger than the level's
        education path allows, not before licensing began, not after yesterday.

        The youngest are born a few days earlier where needed, so that even they were old
        enough by yesterday.
        """
        youngest, reg_days, floor, spread = _REGISTRATION[level]
        last = self.today - 1
        lo = born_on + youngest
        if lo > last:
            born_on -= lo - last
            lo = last
        # int(random() * n) rather than randrange: this runs once per practitioner.
        first = born_on + reg_days.pick(rng) + int(rng.random() * 292)
        if first < floor:
            first = floor + int(rng.random() * spread)
        return born_on, lo if first < lo else last if first > last else first

    def _above(self, region: str) -> str:
        """The authority one level above a county (memoised: once per practitioner)."""
        code = self._prefectures.get(region)
        if code is None:
            code = self._prefectures[region] = self.div.prefecture_of(region)
        return code

    def _authority_name(self, code: str) -> str:
        """An authority's name (memoised: once per practitioner)."""
        name = self._names.get(code)
        if name is None:
            name = self._names[code] = self.div.authority_name(code)
        return name

    @property
    def today_year(self) -> int:
        """The export's year."""
        return int(self.today_iso[:4])

    def _serial(self, prefix: str) -> str:
        self.serials[prefix] += 1
        return f"{prefix}{self.serials[prefix]:06d}"

    def note_cert(self, kind: str, cert_no: str) -> None:
        """Keep serials above an existing certificate number (for exports being extended)."""
        cut = 9 if kind == "physician" else 6
        prefix, tail = cert_no[:cut], cert_no[cut:]
        if tail.isdigit() and int(tail) > self.serials[prefix]:
            self.serials[prefix] = int(tail)

    def _physician(
        self,
        rng: random.Random,
        rec: dict[str, object],
        profile: str,
        level: str,
        prov: str,
        seniority: tuple[int, int, float],
    ) -> str:
        """Fill level, category and scope; return the title.

        `seniority` is (age, age band, years since first registration): a title needs its
        years, and an 执业助理医师 holds 医士 or at most 医师.
        """
        age, band, years = seniority
        scope = self.scope_pick[profile].pick(rng)
        if scope in _ETHNIC_PROVINCES and prov not in _ETHNIC_PROVINCES[scope]:
            scope = "中医专业"
        category = SCOPE_CATEGORY[scope]
        assistant = level == "执业助理医师"
        rec["level"] = level
        rec["category"] = category
        rec["scope"] = self._scopes(rng, scope, profile)
        rec["_prefix"] = ("2" if assistant else "1") + CATEGORY_DIGITS[category]
        titles = TITLES["中" if category == "中医" else "西"]
        if assistant:
            return titles[1 if age >= 28 and years >= 3 and rng.random() < 0.3 else 0]
        return titles[min(_PHYS_TITLES[band].pick(rng), title_cap(False, years))]

    @staticmethod
    def _scopes(rng: random.Random, scope: str, profile: str) -> list[str]:
        """One scope, or related ones: up to three at primary-care level, else 全科 added."""
        extra = rng.random()
        if profile not in PRIMARY_CARE:
            return [scope, GP_SCOPE] if extra < 0.03 and scope in GP_ADDABLE else [scope]
        scopes = [scope]
        for _ in range(2 if extra < 0.04 else 1 if extra < 0.16 else 0):
            options = {
                s: w
                for s, w in SCOPE_PAIRS.get(scope, {}).items()
                if s not in scopes and all(s in SCOPE_PAIRS[t] for t in scopes[1:])
            }
            if not options:
                break
            scopes.append(Weighted.of(options).pick(rng))
        return scopes

    def _status(
        self, rng: random.Random, rec: dict[str, object], nurse: bool, age: int, first: int
    ) -> None:
        """Fill status, the nurse's valid_until and the issue date, all after `first`.

        A nurse's terms run five years from the first registration; the issue date is the
        start of the current term, or of the last one held by a nurse who did not renew
        (unrenewed for two years or more: cancelled).
        """
        if not nurse:
            status = _PHYS_STATUS.pick(rng)
            if age >= 62 and status == "active" and rng.random() < 0.25:
                status = "filed"
            rec["status"] = status
            rec["_issued"] = iso(first + int(rng.random() * (self.today - first)))
            return
        status = _NURSE_STATUS.pick(rng)
        terms = (self.today - first) // _TERM
        start = first + terms * _TERM
        if terms and (status == "lapsed" or status == "cancelled" and rng.random() < 0.7):
            start -= _TERM
        valid_until = add_years(iso(start), 5)
        if status == "lapsed" and start + _TERM < self.today - 720:
            status = "cancelled"
        rec["valid_until"] = valid_until
        rec["status"] = "active" if status == "lapsed" else status
        rec["_issued"] = iso(start)

    def version(self, rng: random.Random) -> int:
        """A record version: mostly 1."""
        return VERSIONS.pick(rng)

    @staticmethod
    def photo_path(rec: dict[str, object]) -> str:
        """Where a practitioner's photo goes, relative to the export: photos/<shard>/<file>."""
        cert = str(rec["cert_no"])
        kind = "P" if rec["kind"] == "physician" else "N"
        return f"photos/{cert[-2:]}/{kind}{cert}.jpg"

    def filings(
        self,
        rng: random.Random,
        index: InstitutionIndex,
        rec: dict[str, object],
        i: int,
        fraction: float,
    ) -> list[dict[str, object]]:
        """Multi-site filings of one practitioner at institutions other than the main one."""
        nurse = rec["kind"] == "nurse"
        if rng.random() >= (fraction * 0.4 if nurse else fraction):
            return []
        n = (
            1
            if nurse and rng.random() < 0.85
            else 1 + int(rng.random() < 0.4) + int(rng.random() < 0.35)
        )
        seen = {i}
        issued = _dt.date.fromisoformat(str(rec["issued_on"])).toordinal()
        out: list[dict[str, object]] = []
        for _ in range(n):
            j = index.pick_near(rng, i, nurse)
            if j in seen:
                continue
            seen.add(j)
            lo = max(issued, self.today - 1500)  # filed after the licence it rests on
            filed = iso(rng.randint(lo, self.today - 1) if lo < self.today else lo)
            f: dict[str, object] = {
                "cert_no": rec["cert_no"],
                "kind": rec["kind"],
                "institution": index.reg_nos[j],
            }
            if not nurse and rng.random() < 0.6:
                f["scope"] = [rec["scope"][0]]  # type: ignore[index]
            f["filed_on"] = filed
            if rng.random() < 0.55:
                f["valid_until"] = add_years(filed, rng.randint(1, 3))
            out.append(f)
        return out
