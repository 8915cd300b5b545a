"""Synthetic Chinese personal and institution names, and the weighted sampler used everywhere.

Surnames are weighted by their approximate share of the population (公安部《全国姓名报告》
rankings); compound surnames (欧阳, 司马, ...) are rare. Given names are drawn from
sex-specific character pools that shift with the birth decade. Full names have 2, 3 or
(rarely) 4 characters: a compound surname plus two, or a single surname plus three.

Institution names (`InstitutionNamer`) are unique within a jurisdiction and fit the level of
the division they sit in: a city's hospitals (南阳市中心医院) only in its districts, a county's
(鲁山县人民医院) in the county, ordinals given in order and bounded by level.
"""

from __future__ import annotations

import bisect
import itertools
import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

T = TypeVar("T")

_SURNAMES = (
    "王7.12 李7.0 张6.8 刘5.4 陈4.6 杨3.2 黄2.5 赵2.3 吴2.0 周1.9 徐1.5 孙1.4 马1.3 朱1.2 胡1.2 "
    "郭1.1 何1.0 林.95 高.95 罗.9 郑.85 梁.75 谢.7 宋.65 唐.6 许.6 韩.55 冯.55 邓.55 曹.52 "
    "彭.5 曾.5 肖.48 田.46 董.46 袁.43 潘.42 于.42 蒋.41 蔡.4 余.39 杜.38 叶.37 程.36 苏.35 "
    "魏.35 吕.34 丁.33 任.32 沈.31 姚.3 卢.3 姜.29 崔.28 钟.28 谭.27 陆.26 汪.25 范.25 金.25 "
    "石.24 廖.23 贾.23 夏.22 韦.22 付.21 方.21 白.2 邹.2 孟.2 熊.19 秦.19 邱.18 江.18 尹.17 "
    "薛.17 闫.16 段.16 雷.16 侯.15 龙.15 史.15 陶.14 黎.14 贺.14 顾.13 毛.13 郝.13 龚.12 "
    "邵.12 万.12 钱.11 严.11 覃.11 武.11 戴.11 莫.1 孔.1 向.1 汤.1 常.09 温.09 康.09 施.08 "
    "文.08 牛.08 樊.08 葛.08 邢.07 安.07 齐.07 易.07 乔.07 伍.07 庞.06 颜.06 倪.06 庄.06 "
    "聂.06 章.06 鲁.05 岳.05 翟.05 殷.05 詹.05 申.05 欧.05 耿.05 关.05 兰.04 焦.04 俞.04 "
    "左.04 柳.04 甘.04 祝.04 包.04 宁.04 尚.04 符.04 舒.04 阮.04 柯.03 纪.03 梅.03 童.03 "
    "凌.03 毕.03 单.03 季.03 裴.03 霍.03 涂.03 成.03 苗.03 谷.03 盛.03 曲.03 翁.03 冉.03 "
    "骆.03 蓝.03 路.03 游.03 辛.03 靳.03 "
    "欧阳.02 司马.005 诸葛.004 上官.004 司徒.003 东方.002 皇甫.002 尉迟.001 公孙.001 "
    "慕容.001 令狐.001 夏侯.001 端木.001 长孙.001 宇文.001"
)

# Given-name characters by sex and birth cohort, most frequent first.
_GIVEN = {
    ("M", 0): "国建军明华文志德永平忠学成林海福金荣庆发新春生祥宝贵山礼义胜保红卫东兵民树振玉有",
    ("M", 1): "伟强磊勇杰涛斌鹏辉超刚波亮峰军俊浩飞鑫宁凯健晨明龙阳帅旭林彬江洋剑坤博东海",
    ("M", 2): "浩宇子轩博文俊杰涛晨阳鹏铭辰然睿泽豪航天一昊凯嘉逸瑞林明哲楠扬卓翔宸奕晟源",
    ("F", 0): "秀英兰桂珍芳玉华凤梅淑琴荣霞素云莲萍丽红春爱敏美金菊香彩",
    ("F", 1): "丽静敏燕艳娟霞芳婷雪玲颖慧莉晶洁琳红梅娜倩佳媛蕾丹璐莹楠欢薇",
    ("F", 2): "欣怡梓涵萱佳雨琪思雯婷悦馨诗可晨妍瑶彤晴露蕊语心雪嘉琳月宁菲",
}
# Share of one-character given names per cohort (they were commoner before 1990).
_ONE_CHAR = (0.24, 0.18, 0.07)
_THREE_CHAR = 0.002


class Weighted(Generic[T]):
    """Draw items by weight with one random() and a bisect over cumulative weights."""

    __slots__ = ("items", "cum", "total")

    def __init__(self, items: Sequence[T], weights: Sequence[float]) -> None:
        if not items or len(items) != len(weights):
            raise ValueError("items and weights must be non-empty and of equal length")
        self.items = list(items)
        self.cum = list(itertools.accumulate(weights))
        self.total = self.cum[-1]

    def pick(self, rng: random.Random) -> T:
        """One item, drawn with probability proportional to its weight."""
        return self.items[bisect.bisect_right(self.cum, rng.random() * self.total)]

    @classmethod
    def of(cls, table: dict[T, float]) -> Weighted[T]:
        """Build from a {item: weight} mapping (in insertion order)."""
        return cls(list(table), list(table.values()))


def _surname_table() -> dict[str, float]:
    table: dict[str, float] = {}
    for token in _SURNAMES.split():
        name = token.rstrip("0123456789.")
        table[name] = float(token[len(name) :])
    return table


def cohort(birth_year: int) -> int:
    """Name cohort: 0 born before 1970, 1 before 1990, 2 from 1990."""
    return 0 if birth_year < 1970 else 1 if birth_year < 1990 else 2


class NamePool:
    """Chinese full names consistent with sex and birth year."""

    def __init__(self) -> None:
        table = _surname_table()
        self.surnames: Weighted[str] = Weighted.of(table)
        self.singles: Weighted[str] = Weighted.of({k: v for k, v in table.items() if len(k) == 1})
        self.given: dict[tuple[str, int], Weighted[str]] = {
            key: Weighted(list(chars), [1.0 / (rank + 4) for rank in range(len(chars))])
            for key, chars in _GIVEN.items()
        }

    def surname(self, rng: random.Random) -> str:
        """A surname, compound ones rarely."""
        return self.surnames.pick(rng)

    def full(self, rng: random.Random, sex: str, birth_year: int) -> str:
        """A full name for a person of this sex ("M"/"F") and birth year."""
        c = cohort(birth_year)
        pool = self.given[(sex, c)]
        surname = self.surnames.pick(rng)
        r = rng.random()
        if len(surname) == 1 and r < _THREE_CHAR:
            return surname + pool.pick(rng) + pool.pick(rng) + pool.pick(rng)
        if len(surname) == 1 and r < _THREE_CHAR + _ONE_CHAR[c]:
            return surname + pool.pick(rng)
        first = pool.pick(rng)
        second = pool.pick(rng)
        while second == first and rng.random() < 0.9:
            second = pool.pick(rng)
        return surname + first + second


@dataclass(frozen=True, slots=True)
class Place:
    """Where an institution sits, as its name needs it."""

    city: str
    """The city a city-level name carries ("南阳市")."""
    local: str
    """The county-level name ("鲁山县", "禹州市", "南阳市卧龙区")."""
    urban: bool
    """A district (or, in a city without districts, the seat): city-level institutions sit here."""


class Template:
    """One institution-name template, parsed once: text, optional slot, what it needs."""

    __slots__ = ("text", "slot", "city", "ordinal", "needs")

    def __init__(self, spec: str) -> None:
        self.text, _, slot = spec.partition("|")
        self.slot = slot or None
        self.city = "{pref}" in self.text
        self.ordinal = "{n}" in self.text or "{n0}" in self.text
        self.needs = frozenset(
            k for k in ("town", "village", "brand", "company", "person") if "{" + k + "}" in spec
        )


_TRIES = 6


class InstitutionNamer:
    """Institution names unique within a jurisdiction that fit their division's level.

    A city-level template ({pref}) is only used at an urban place. Ordinals are given in order
    per city or county (第一, 第二 ...; a county's first 人民医院 is bare) and stop at the level's
    bound, so there is no 第三 without a 第二 and no 鲁山县第八人民医院. A template's slot is
    reserved with its name: one 卫生院 per town, whether 中心卫生院 or not.
    """

    def __init__(self, words: dict[str, Any], persons: NamePool) -> None:
        self.numerals: str = words["numerals"]
        self.bounds: dict[str, int] = words["ordinal_max"]
        self.towns: list[str] = words["towns"]
        self.tails: list[str] = words["village_tails"]
        self.brands: list[str] = words["brands"]
        self.works: list[str] = words["works"]
        self.persons = persons
        self.used: set[str] = set()
        self.series: Counter[tuple[str, str]] = Counter()

    def reset(self) -> None:
        """Forget the names given so far: another jurisdiction (province) starts."""
        self.used.clear()
        self.series.clear()

    def pick(
        self, rng: random.Random, templates: Sequence[Template], place: Place, person: str
    ) -> tuple[Template, dict[str, str]] | None:
        """A free name from one of `templates` at `place`, reserved; None when none is free.

        Returns the template and the values it was filled with ("name" the result; "town",
        "village" where used, so that the address can name the same town and village).
        """
        usable = [t for t in templates if place.urban or not t.city]
        if not usable:
            return None
        for _ in range(_TRIES):
            t = usable[rng.randrange(len(usable))] if len(usable) > 1 else usable[0]
            values = self._render(rng, t, place, person)
            if values is not None:
                return t, values
        return None

    def _render(
        self, rng: random.Random, t: Template, place: Place, person: str
    ) -> dict[str, str] | None:
        values = {"pref": place.city, "local": place.local, "person": person}
        key = (t.text, place.city if t.city else place.local)
        n = 0
        if t.ordinal:
            n = self.series[key] + 1
            if n > self.bounds["city" if t.city else "local"]:
                return None
            values["n"] = "第" + self.numerals[n - 1]
            values["n0"] = "" if n == 1 else values["n"]
        if "town" in t.needs:
            values["town"] = rng.choice(self.towns)
        if "village" in t.needs:
            values["village"] = self.persons.singles.pick(rng) + rng.choice(self.tails)
        if "brand" in t.needs or "company" in t.needs:
            values["brand"] = rng.choice(self.brands)
        if "company" in t.needs:
            values["company"] = place.local + values["brand"] + rng.choice(self.works)
        name = t.text.format_map(values)
        slot = t.slot.format_map(values) if t.slot else name
        if name in self.used or slot in self.used:
            return None
        self.used.add(name)
        self.used.add(slot)
        if n:
            self.series[key] = n
        values["name"] = name
        return values
