"""The synthetic registry's institutions: categories, places, names, ownership and licences.

`Institutions` draws one institution record at a time the way a domain expert expects it:
a name that is free in the province and fits the level of its division (city hospitals in
the city's districts), a 登记号 whose area is the county of the address and whose GB 11714
check character holds, an economic type and profit class that fit the category (a 村卫生室
is collective or private and non-profit), subjects that fit the category, and a licence of
the category's term. `seed.world.World` calls it for every institution of an export.
"""

from __future__ import annotations

import datetime as _dt
import json
import random
from pathlib import Path
from typing import Any

from seed import divisions
from seed.divisions import county_weight
from seed.names import InstitutionNamer, NamePool, Place, Template, Weighted

DATA = Path(__file__).parent / "data"
_CODES = json.loads((DATA / "categories.json").read_text("utf-8"))
CATEGORIES: list[dict[str, Any]] = _CODES["categories"]
_WORDS = json.loads((DATA / "words.json").read_text("utf-8"))
BRANDS: list[str] = _WORDS["brands"]
_ROADS: list[str] = _WORDS["roads"]
_ROAD_TAILS: Weighted[str] = Weighted.of(_WORDS["road_tails"])
_PUBLIC_ECON = Weighted(["11", "12"], [90, 10])
_STATE_ECON = Weighted(["11"], [1])
_PRIVATE_ECON = Weighted(["17", "15", "16", "19", "13"], [60, 25, 5, 5, 5])
_INST_STATUS = Weighted(["active", "expired", "suspended", "cancelled"], [90, 4, 3, 3])
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
_B36 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
VERSIONS = Weighted([1, 2, 3, 4, 5, 6], [80, 12, 5, 1.5, 1, 0.5])
_CLINIC = next(k for k, c in enumerate(CATEGORIES) if c["code"] == "D211")
# A free name found: (region, public, template, the values it was filled with).
Named = tuple[str, bool, Template, dict[str, str]]


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


class Institutions:
    """Institution records for the counties of one jurisdiction, at one export date."""

    def __init__(
        self,
        div: divisions.Divisions,
        names: NamePool,
        today: int,
        counties: list[divisions.County],
    ) -> None:
        self.div = div
        self.names = names
        self.today = today
        self.org_counter = 0
        self._places(counties)
        self.namer = InstitutionNamer(_WORDS, self.names)
        # Per category: name templates (private, public) and economic types (private, public).
        self.templates = [
            ([Template(t) for t in c["pnames"]], [Template(t) for t in c["names"]])
            for c in CATEGORIES
        ]
        self.econ = [
            (
                Weighted.of(c["econ"]["private"]) if "econ" in c else _PRIVATE_ECON,
                Weighted.of(c["econ"]["public"])
                if "econ" in c
                else _STATE_ECON
                if c.get("state")
                else _PUBLIC_ECON,
            )
            for c in CATEGORIES
        ]

    def _places(self, counties: list[divisions.County]) -> None:
        """Each county's place for names, and the urban places of each city to move to.

        A city's districts are urban; a city without districts (自治州, 地区, 济源市) has its
        seat instead: its first county-level city, else its first county.
        """
        div = self.div
        by_city: dict[tuple[str, str], list[divisions.County]] = {}
        for c in counties:  # keyed with the province: a move never leaves it
            by_city.setdefault((c.code[:2], div.city_name(c.code)), []).append(c)
        self.places: dict[str, Place] = {}
        self.urban: dict[tuple[str, str], Weighted[str]] = {}
        for key, group in by_city.items():
            urban = [c for c in group if div.is_district(c.code)]
            if not urban:
                urban = [next((c for c in group if c.name.endswith("市")), group[0])]
            self.urban[key] = Weighted([c.code for c in urban], [county_weight(c) for c in urban])
            seats = {c.code for c in urban}
            for c in group:
                self.places[c.code] = Place(key[1], div.local_name(c.code), c.code in seats)

    def _org_code(self, rng: random.Random, region: str, public: bool) -> str:
        """A 9-character GB 11714 organisation code with its check character: a public body's
        starts with its province, a private one's is a USCC part (MA..) or health-department
        assigned (PDY..); a counter keeps them unique."""
        self.org_counter += 1
        x = (self.org_counter * 2654435761) % 36**5
        tail = "".join(_B36[(x // 36**k) % 36] for k in range(4, -1, -1))
        if public:
            head = region[:2] + str(rng.randrange(10))
        else:
            head = "PDY" if rng.random() < 0.6 else "MA" + _B36[rng.randrange(10, 36)]
        return head + tail + org_check(head + tail)

    def institution(
        self, rng: random.Random, region: str, cat: int, cat_pick: Weighted[int]
    ) -> tuple[dict[str, object], int, float]:
        """One institution record at or near `region`, of category index `cat` if a name is free
        (else of another category drawn from `cat_pick`), with its staff weight.

        A city-level institution drawn for a county moves to a district of the same city.
        """
        person = self.names.full(rng, "M" if rng.random() < 0.6 else "F", rng.randint(1955, 1995))
        named: Named | None = None
        for _ in range(8):
            public = rng.random() < CATEGORIES[cat]["public"]
            named = self._named(rng, region, cat, public, person)
            if named is not None:
                break
            cat = cat_pick.pick(rng)  # no free name of this kind here: another kind
        if named is None:
            cat, named = self._clinic(rng, region)
            person = named[3]["person"]
        region, public, t, values = named
        c = CATEGORIES[cat]
        econ = self.econ[cat][public].pick(rng)
        nonprofit = public or c.get("nonprofit") or (c["cls"] == "医院" and rng.random() < 0.3)
        mgmt = "1" if nonprofit else "2"
        reg_no = self._org_code(rng, region, public) + region + econ + c["code"] + mgmt
        valid_from, valid_until, status = self._validity(rng, c["years"])
        authority = self._authority(rng, region, c["auth"], t.city)
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
        p_share = 0.6 if c["cls"] == "医院" else 0.3
        rec: dict[str, object] = {
            "reg_no": reg_no,
            "name": values["name"],
            "category": c["cls"],
            "address": self._address(rng, region, t, values),
            "region": region,
            "legal_rep": legal_rep,
            "principal": person,
            "subjects": list(c["core"]) + [s for s in c["opt"] if rng.random() < p_share],
            "valid_from": valid_from,
            "valid_until": valid_until,
            "status": status,
            "authority": authority,
            "authority_name": self.div.authority_name(authority),
            "issued_on": valid_from,
            "version": VERSIONS.pick(rng),
        }
        if legal_rep is None:
            del rec["legal_rep"]
        weight = c["staff"] * rng.lognormvariate(0.0, 0.6) * (0.1 if status == "cancelled" else 1.0)
        return rec, cat, weight

    def _named(
        self, rng: random.Random, region: str, cat: int, public: bool, person: str
    ) -> Named | None:
        """(region, public, template, values) of a free name for this category, or None.

        When the drawn ownership has no free name (a city has one 中心医院 and five 人民医院),
        the other is tried: further hospitals of a city are private ones.
        """
        for pub in (public, not public):
            templates = self.templates[cat][pub]
            if not templates:
                continue
            where = region
            if not self.places[region].urban and all(t.city for t in templates):
                where = self.urban[(region[:2], self.places[region].city)].pick(rng)
            got = self.namer.pick(rng, templates, self.places[where], person)
            if got is not None:
                return where, pub, got[0], got[1]
        return None

    def _clinic(self, rng: random.Random, region: str) -> tuple[int, Named]:
        """A private 普通诊所 named after a new person: the last resort when names run out."""
        cat = _CLINIC
        for _ in range(1000):
            person = self.names.full(rng, "M" if rng.random() < 0.6 else "F", 1970)
            got = self.namer.pick(rng, self.templates[cat][False], self.places[region], person)
            if got is not None:
                return cat, (region, False, got[0], got[1])
        raise RuntimeError(f"no free institution name left in {region}")

    def _address(self, rng: random.Random, region: str, t: Template, values: dict[str, str]) -> str:
        """An address in `region`; in the town (and village) the name gives, if it gives one."""
        prefix = self.div.address_prefix(region)
        if "village" in values and "村" in t.text:
            return prefix + values["town"] + "镇" + values["village"] + "村"
        if "town" in values and ("镇" in t.text or "乡" in t.text):
            prefix += values["town"] + ("乡" if "乡卫生院" in t.text else "镇")
        return prefix + rng.choice(_ROADS) + _ROAD_TAILS.pick(rng) + f"{rng.randint(1, 999)}号"

    def _validity(self, rng: random.Random, years: int) -> tuple[str, str, str]:
        """valid_from, valid_until and status of a licence of `years` years."""
        status = _INST_STATUS.pick(rng)
        if status == "expired":
            until = self.today - rng.randint(1, 500)
            valid_until = iso(until)
            valid_from = iso(_dt.date.fromisoformat(add_years(valid_until, -years)).toordinal() + 1)
            return valid_from, valid_until, "active"
        valid_from = iso(self.today - rng.randint(0, years * 365 - 40))
        valid_until = iso(_dt.date.fromisoformat(add_years(valid_from, years)).toordinal() - 1)
        return valid_from, valid_until, status

    def _authority(self, rng: random.Random, region: str, level: str, city: bool) -> str:
        """The approving authority at the category's level (some hospitals one up, some
        county ones one down); a city-level institution is never approved by a county."""
        r = rng.random()
        if level == "province" or (level == "prefecture" and r < 0.2):
            return region[:2] + "0000"
        if not city and (level == "county" and r < 0.8 or level == "prefecture" and r > 0.9):
            return region
        return self.div.prefecture_of(region)
