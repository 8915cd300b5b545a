"""Real GB/T 2260 administrative divisions for the synthetic registry.

Provides the province, prefecture and county tables read from `seed/data/divisions.tsv`,
population weights per province, and the names built from them: address prefixes, the place
names institutions carry (a city's, a county's, a district's), and the health commissions
that act as issuing authorities, under their real names where the seed documents give one
(`seed/data/authorities.json`, e.g. 南阳市卫生健康体育委员会).
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from pathlib import Path

DATA_FILE = Path(__file__).parent / "data" / "divisions.tsv"
AUTHORITY_FILE = Path(__file__).parent / "data" / "authorities.json"
AUTHORITY_SUFFIX = "卫生健康委员会"

# Resident population per province in millions (2020 census, rounded): sampling weights.
POPULATION: dict[str, float] = {
    "11": 21.9,
    "12": 13.9,
    "13": 74.6,
    "14": 34.9,
    "15": 24.0,
    "21": 42.6,
    "22": 24.1,
    "23": 31.9,
    "31": 24.9,
    "32": 84.7,
    "33": 64.6,
    "34": 61.0,
    "35": 41.5,
    "36": 45.2,
    "37": 101.5,
    "41": 99.4,
    "42": 57.8,
    "43": 66.4,
    "44": 126.0,
    "45": 50.1,
    "46": 10.1,
    "50": 32.1,
    "51": 83.7,
    "52": 38.6,
    "53": 47.2,
    "54": 3.6,
    "61": 39.5,
    "62": 25.0,
    "63": 5.9,
    "64": 7.2,
    "65": 25.9,
}
MUNICIPALITIES = frozenset({"11", "12", "31", "50"})
_NO_PREFECTURE_NAMES = frozenset({"市辖区", "县", "省直辖县级行政单位", "自治区直辖县级行政单位"})
# Codes first used after this year are avoided as ID address codes (they may post-date a birth).
ID_CODE_LAST_START = 1985


@dataclass(frozen=True, slots=True)
class County:
    """A county-level division: code, name and the first year the code was used."""

    code: str
    name: str
    start: int


@dataclass(frozen=True, slots=True)
class Divisions:
    """The division tables, keyed by code."""

    provinces: dict[str, str]
    prefectures: dict[str, str]
    counties: dict[str, County]
    authorities: dict[str, str]
    """Real authority names that differ from the default "<division>卫生健康委员会"."""

    def in_jurisdiction(self, jurisdiction: str) -> list[County]:
        """Counties inside a jurisdiction ("000000" nation, "PP0000" province, "PPCC00")."""
        if jurisdiction == "000000":
            return list(self.counties.values())
        prefix = jurisdiction[:2] if jurisdiction[2:] == "0000" else jurisdiction[:4]
        if jurisdiction[4:] not in ("", "00"):
            prefix = jurisdiction
        found = [c for c in self.counties.values() if c.code.startswith(prefix)]
        if not found:
            raise ValueError(f"unknown jurisdiction {jurisdiction!r}")
        return found

    def province_name(self, code: str) -> str:
        """Name of the province holding a code, e.g. "河南省"."""
        return self.provinces[code[:2] + "0000"]

    def prefecture_name(self, code: str) -> str | None:
        """Name of the prefecture of a code, or None where it has no real name (市辖区, 省直辖)."""
        name = self.prefectures.get(code[:4] + "00")
        return None if name is None or name in _NO_PREFECTURE_NAMES else name

    def address_prefix(self, code: str) -> str:
        """Province + prefecture + county names for an address, e.g. "河南省南阳市卧龙区"."""
        county = self.counties[code].name
        pref = self.prefecture_name(code)
        prov = self.province_name(code)
        if code[:2] in MUNICIPALITIES:
            return prov + county
        return prov + (pref or "") + county

    def authority_name(self, code: str) -> str:
        """The health commission of a province, prefecture or county code.

        The seed documents' own names win (宛卫〔2023〕107号 is signed by 南阳市卫生健康体育委员会,
        not a "卫生健康委员会"): a domain expert reads the trust list against them.
        """
        real = self.authorities.get(code)
        if real is not None:
            return real
        if code.endswith("0000"):
            return self.province_name(code) + AUTHORITY_SUFFIX
        if code.endswith("00"):
            return (self.prefecture_name(code) or self.province_name(code)) + AUTHORITY_SUFFIX
        county = self.counties[code].name
        if code[:2] in MUNICIPALITIES:
            return self.province_name(code) + county + AUTHORITY_SUFFIX
        pref = self.prefecture_name(code)
        if county.endswith("区") and pref:
            return pref + county + AUTHORITY_SUFFIX
        return county + AUTHORITY_SUFFIX

    def is_district(self, code: str) -> bool:
        """True for a city's district (市辖区), False for a 县/旗 or a county-level city.

        林区 and 特区 are county-like (神农架林区, 六枝特区) despite their 区.
        """
        name = self.counties[code].name
        return name.endswith("区") and not name.endswith(("林区", "特区"))

    def city_name(self, code: str) -> str:
        """The city a city-level institution's name carries ("南阳市", "北京市", "济源市").

        A municipality's is the province's; a county-level city directly under the province
        (济源市, 仙桃市) is its own city.
        """
        if code[:2] in MUNICIPALITIES:
            return self.province_name(code)
        return self.prefecture_name(code) or self.counties[code].name

    def local_name(self, code: str) -> str:
        """The county-level name an institution's name carries: "鲁山县", "禹州市", and for a
        district its city first ("南阳市卧龙区"), as district hospitals are named."""
        county = self.counties[code].name
        city = self.city_name(code)
        if self.is_district(code) and city != county:
            return city + county
        return county

    def prefecture_of(self, code: str) -> str:
        """The authority code one level up: prefecture, or the province for municipalities."""
        if code[:2] in MUNICIPALITIES or self.prefecture_name(code) is None:
            return code[:2] + "0000"
        return code[:4] + "00"


@functools.cache
def load() -> Divisions:
    """Read the bundled division and authority tables (cached)."""
    provinces: dict[str, str] = {}
    prefectures: dict[str, str] = {}
    counties: dict[str, County] = {}
    for line in DATA_FILE.read_text(encoding="utf-8").splitlines():
        if not line or line.startswith("#"):
            continue
        code, name, start = line.split("\t")
        if code.endswith("0000"):
            provinces[code] = name
        elif code.endswith("00"):
            prefectures[code] = name
        else:
            counties[code] = County(code, name, int(start) if start else 1980)
    real = json.loads(AUTHORITY_FILE.read_text(encoding="utf-8"))["authorities"]
    authorities = {code: entry["name"] for code, entry in real.items()}
    return Divisions(provinces, prefectures, counties, authorities)


def county_weight(county: County) -> float:
    """Relative population weight of a county inside its province (districts are denser)."""
    tail = int(county.code[4:])
    if tail <= 20:
        return 1.6
    if tail >= 81:
        return 1.3
    return 1.0


def id_code_ok(county: County, birth_year: int) -> bool:
    """True when the code may serve as an ID address code for someone born in that year."""
    return county.start <= min(birth_year, ID_CODE_LAST_START)
