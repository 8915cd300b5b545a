"""The synthetic registry's world: code lists, pools and the record builders.

`World` draws institutions, practitioners and filings; `InstitutionIndex` keeps what
practitioners need of the institutions (O(institutions) memory); `IdFilter` keeps ID numbers
unique in bounded memory. Shared by `seed.registry` (a whole export) and `seed.mutate` (the next
export).
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
from pathlib import Path
from typing import Any

from domain.idnum import check_char
from seed import divisions
from seed.divisions import POPULATION, county_weight
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


_CODES = json.loads((Path(__file__).parent / "data" / "categories.json").read_text("utf-8"))
CATEGORIES: list[dict[str, Any]] = _CODES["categories"]
_WORDS = json.loads((Path(__file__).parent / "data" / "words.json").read_text("utf-8"))
SCOPE_CATEGORY: dict[str, str] = _WORDS["scope_category"]
# 执业证书 category digits (DOMAIN §3.2); 民族医 share 中医's "41".
CATEGORY_DIGITS = {"临床": "10", "口腔": "20", "公共卫生": "30", "中医": "41"}
_ETHNIC_PROVINCES: dict[str, str] = _WORDS["ethnic_provinces"]
_ORDINALS: Weighted[str] = Weighted.of(_WORDS["ordinals"])
_TOWNS: list[str] = _WORDS["towns"]
_VILLAGE_TAILS: list[str] = _WORDS["village_tails"]
_BRANDS: list[str] = _WORDS["brands"]
_ROADS: list[str] = _WORDS["roads"]
_ROAD_TAILS: Weighted[str] = Weighted.of(_WORDS["road_tails"])
_WORKS: list[str] = _WORDS["works"]
_PUBLIC_ECON = Weighted(["11", "12"], [90, 10])
_PRIVATE_ECON = Weighted(["17", "15", "16", "19", "13"], [60, 25, 5, 5, 5])
_INST_STATUS = Weighted(["active", "expired", "suspended", "cancelled"], [90, 4, 3, 3])
_VERSIONS = Weighted([1, 2, 3, 4, 5, 6], [80, 12, 5, 1.5, 1, 0.5])
_ASSISTANT = {"village": 0.6, "township": 0.35, "clinic": 0.25, "community": 0.15}
_NURSE_SHARE = 5.6 / 10.4
_PHYS_STATUS = Weighted(["active", "filed", "cancelled", "suspended"], [915, 40, 30, 15])
_NURSE_STATUS = Weighted(
    ["active", "lapsed", "filed", "cancelled", "suspended"], [895, 40, 20, 40, 5]
)
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
_B36 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _ages(buckets: dict[int, float]) -> Weighted[int]:
    """Spread 5-year age bucket weights over single years 22..70."""
    ages = list(range(22, 71))
    return Weighted(ages, [buckets[max(k for k in buckets if k <= a)] for a in ages])


_PHYS_AGES = _ages({22: 0.2, 25: 8, 30: 14, 35: 16, 40: 15, 45: 14, 50: 13, 55: 10, 60: 6, 65: 3})
_NURSE_AGES = _ages({22: 8, 25: 20, 30: 20, 35: 15, 40: 11, 45: 9, 50: 8, 55: 4, 60: 1.5, 65: 0.5})
_TITLE_BANDS = (30, 35, 40, 50, 200)
_PHYS_TITLES = [
    Weighted([0, 1, 2, 3, 4], w)
    for w in (
        [5, 95, 0, 0, 0],
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


def org_check(body8: str) -> str:
    """GB 11714 check character for an 8-character organisation code body."""
    total = sum(_B36.index(c) * w for c, w in zip(body8, _ORG_WEIGHTS, strict=True))
    c = 11 - total % 11
    return "X" if c == 10 else "0" if c == 11 else str(c)


def add_years(iso: str, years: int) -> str:
    """Same month and day `years` later (29 February becomes the 28th)."""
    tail = iso[4:]
    return f"{int(iso[:4]) + years:04d}{'-02-28' if tail == '-02-29' else tail}"


def iso(ordinal: int) -> str:
    """ISO date of a proleptic Gregorian ordinal."""
    return _dt.date.fromordinal(ordinal).isoformat()


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
        self.scope_pick = {k: Weighted.of(v) for k, v in _CODES["scopes"].items() if k != "_doc"}
        self.scope_same: dict[tuple[str, str], Weighted[str]] = {}
        for prof, table in _CODES["scopes"].items():
            for cat in set(SCOPE_CATEGORY[s] for s in table if s in SCOPE_CATEGORY):
                same = {s: w for s, w in table.items() if SCOPE_CATEGORY.get(s) == cat}
                self.scope_same[(prof, cat)] = Weighted.of(same)
        self.serials: Counter[str] = Counter()
        self.org_counter = 0
        self.ids = IdFilter(0)

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
            for _ in range(quota):
                rec, cat, weight = self.institution(rng, pick.pick(rng), self.cat_pick.pick(rng))
                index.add(rec["reg_no"], rec["region"], cat, weight)  # type: ignore[arg-type]
                yield rec

    def _org_code(self, rng: random.Random, region: str, public: bool) -> str:
        self.org_counter += 1
        x = (self.org_counter * 2654435761) % 36**5
        tail = "".join(_B36[(x // 36**k) % 36] for k in range(4, -1, -1))
        if public:
            head = region[:2] + str(rng.randrange(10))
        else:
            head = "PDY" if rng.random() < 0.6 else "MA" + _B36[rng.randrange(10, 36)]
        return head + tail + org_check(head + tail)

    def institution(
        self, rng: random.Random, region: str, cat: int
    ) -> tuple[dict[str, object], int, float]:
        """One institution record in `region` of category index `cat`, with its staff weight."""
        c = CATEGORIES[cat]
        public = rng.random() < c["public"]
        econ = (_PUBLIC_ECON if public else _PRIVATE_ECON).pick(rng)
        mgmt = "1" if public or (c["cls"] == "医院" and rng.random() < 0.3) else "2"
        reg_no = self._org_code(rng, region, public) + region + econ + c["code"] + mgmt
        div = self.div
        county = div.counties[region].name
        pref = (
            div.province_name(region)
            if region[:2] in divisions.MUNICIPALITIES
            else div.prefecture_name(region) or county
        )
        person = self.names.full(rng, "M" if rng.random() < 0.6 else "F", rng.randint(1955, 1995))
        town = rng.choice(_TOWNS)
        village = self.names.singles.pick(rng) + rng.choice(_VILLAGE_TAILS)
        brand = rng.choice(_BRANDS)
        name = rng.choice(c["names"]).format(
            pref=pref,
            county=county,
            town=town,
            village=village,
            brand=brand,
            person=person,
            company=pref + brand + rng.choice(_WORKS),
            n=_ORDINALS.pick(rng),
        )
        if c["code"] == "D600":
            address = div.address_prefix(region) + town + "镇" + village + "村"
        else:
            address = (
                div.address_prefix(region)
                + rng.choice(_ROADS)
                + _ROAD_TAILS.pick(rng)
                + f"{rng.randint(1, 999)}号"
            )
        p_share = 0.6 if c["cls"] == "医院" else 0.3
        subjects = list(c["core"]) + [s for s in c["opt"] if rng.random() < p_share]
        status = _INST_STATUS.pick(rng)
        years = c["years"]
        if status == "expired":
            until = self.today - rng.randint(1, 500)
            valid_until = iso(until)
            valid_from = iso(_dt.date.fromisoformat(add_years(valid_until, -years)).toordinal() + 1)
            status = "active"
        else:
            valid_from = iso(self.today - rng.randint(0, years * 365 - 40))
            valid_until = iso(_dt.date.fromisoformat(add_years(valid_from, years)).toordinal() - 1)
        authority = self._authority(rng, region, c["auth"])
        legal_rep = (
            None
            if rng.random() < 0.15
            else (
                person
                if c["cls"] in ("诊所", "村卫生室") or rng.random() < 0.5
                else self.names.full(
                    rng, "M" if rng.random() < 0.6 else "F", rng.randint(1955, 1990)
                )
            )
        )
        rec: dict[str, object] = {
            "reg_no": reg_no,
            "name": name,
            "category": c["cls"],
            "address": address,
            "region": region,
            "legal_rep": legal_rep,
            "principal": person,
            "subjects": subjects,
            "valid_from": valid_from,
            "valid_until": valid_until,
            "status": status,
            "authority": authority,
            "authority_name": div.authority_name(authority),
            "issued_on": valid_from,
            "version": _VERSIONS.pick(rng),
        }
        if legal_rep is None:
            del rec["legal_rep"]
        weight = c["staff"] * rng.lognormvariate(0.0, 0.6) * (0.1 if status == "cancelled" else 1.0)
        return rec, cat, weight

    def _authority(self, rng: random.Random, region: str, level: str) -> str:
        r = rng.random()
        if level == "province" or (level == "prefecture" and r < 0.2):
            return region[:2] + "0000"
        if level == "county" and r < 0.8 or level == "prefecture" and r > 0.9:
            return region
        return self.div.prefecture_of(region)

    # -- practitioners ------------------------------------------------------------------

    def practitioner(
        self, rng: random.Random, index: InstitutionIndex
    ) -> tuple[dict[str, object], int]:
        """One practitioner record (without photo and version) and its institution index."""
        nurse = rng.random() < _NURSE_SHARE
        i = index.pick(rng, nurse)
        region = f"{index.regions[i]:06d}"
        prov = region[:2]
        age = (_NURSE_AGES if nurse else _PHYS_AGES).pick(rng)
        birth = _dt.date.fromordinal(self.today - int((age + rng.random()) * 365.2425))
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
        authority = (
            self.div.prefecture_of(region) if r < 0.6 else region if r < 0.85 else prov + "0000"
        )
        rec: dict[str, object] = {"kind": "nurse" if nurse else "physician", "cert_no": ""}
        rec["id_number"] = body + check_char(body)
        rec["name"] = self.names.full(rng, sex, birth.year)
        rec["sex"] = sex
        rec["birth_month"] = f"{birth.year:04d}-{birth.month:02d}"
        band = bisect.bisect_right(_TITLE_BANDS, age)
        if nurse:
            year = min(max(1994, birth.year + rng.randint(20, 24)), self.today_year)
            rec["cert_no"] = self._serial(f"{year}{prov}")
            title = TITLES["护"][_NURSE_TITLES[band].pick(rng)]
        else:
            title = self._physician(rng, rec, index.cats[i], prov, age, band)
            rec["cert_no"] = self._serial(rec.pop("_prefix") + authority)  # type: ignore[operator]
        if rng.random() > 0.03:
            rec["title"] = title
        rec["location"] = self.div.province_name(region)
        rec["institution"] = index.reg_nos[i]
        self._status(rng, rec, nurse, age)
        rec["authority"] = authority
        rec["authority_name"] = self.div.authority_name(authority)
        issued = rec.pop("_issued")
        rec["issued_on"] = issued
        return rec, i

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
        self, rng: random.Random, rec: dict[str, object], cat: int, prov: str, age: int, band: int
    ) -> str:
        """Fill level, category and scope; return the title."""
        profile = CATEGORIES[cat]["scopes"]
        scope = self.scope_pick[profile].pick(rng)
        if scope in _ETHNIC_PROVINCES and prov not in _ETHNIC_PROVINCES[scope]:
            scope = "中医专业"
        category = SCOPE_CATEGORY[scope]
        assistant = rng.random() < _ASSISTANT.get(profile, 0.08)
        scopes = [scope]
        extra = rng.random()
        wide = assistant or profile in _ASSISTANT
        n_more = (2 if extra < 0.04 else 1 if extra < 0.16 else 0) if wide else int(extra < 0.03)
        same = self.scope_same[(profile, category)]
        for _ in range(n_more * 3):
            if len(scopes) > n_more:
                break
            s = same.pick(rng)
            if s not in scopes and s not in _ETHNIC_PROVINCES:
                scopes.append(s)
        rec["level"] = "执业助理医师" if assistant else "执业医师"
        rec["category"] = category
        rec["scope"] = scopes
        rec["_prefix"] = ("2" if assistant else "1") + CATEGORY_DIGITS[category]
        titles = TITLES["中" if category == "中医" else "西"]
        if assistant:
            return titles[1 if age >= 28 and rng.random() < 0.3 else 0]
        return titles[_PHYS_TITLES[band].pick(rng)]

    def _status(self, rng: random.Random, rec: dict[str, object], nurse: bool, age: int) -> None:
        """Fill status, the nurse's valid_until and the issue date."""
        if nurse:
            status = _NURSE_STATUS.pick(rng)
            if status == "lapsed" or status == "cancelled" and rng.random() < 0.7:
                until = self.today - rng.randint(1, 720)
            else:
                until = self.today + rng.randint(1, 5 * 365)
            valid_until = iso(until)
            rec["valid_until"] = valid_until
            rec["status"] = "active" if status == "lapsed" else status
            rec["_issued"] = add_years(valid_until, -5)
            return
        status = _PHYS_STATUS.pick(rng)
        if age >= 62 and status == "active" and rng.random() < 0.25:
            status = "filed"
        rec["status"] = status
        start = max(self.today - (age - 24) * 365, _dt.date(2000, 1, 1).toordinal())
        rec["_issued"] = iso(rng.randint(min(start, self.today - 30), self.today - 1))

    def version(self, rng: random.Random) -> int:
        """A record version: mostly 1."""
        return _VERSIONS.pick(rng)

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
        out: list[dict[str, object]] = []
        for _ in range(n):
            j = index.pick_near(rng, i, nurse)
            if j in seen:
                continue
            seen.add(j)
            filed = iso(self.today - rng.randint(1, 1500))
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
