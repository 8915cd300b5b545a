"""Read-only queries on the installed replica, in raw SQL, returning domain dataclasses.

Raw sqlite3 (docs/decisions.md: an ORM-built query cost more than the indexed look-up itself).
One connection per Replica, guarded by a lock, so Textual thread workers can share it.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections import Counter
from collections.abc import Collection
from operator import itemgetter
from pathlib import Path
from typing import Any, NamedTuple

from domain import idkey, idnum
from domain.errors import NotEnrolledError, ReplicaError
from domain.types import Filing, Institution, Practitioner, ReplicaInfo

KIND_CODE = {"physician": "P", "nurse": "N"}
KIND_NAME = {"P": "physician", "N": "nurse"}

_P_COLS = (
    "p.kind, p.cert_no, p.id_mask, p.name, p.sex, p.birth_month, p.level, p.category, p.scope, "
    "p.title, p.location, p.institution, i.name, p.valid_until, p.status, p.authority, "
    "p.authority_name, p.issued_on, p.version, p.photo, p.id_hash"
)
_P_FROM = "practitioner p LEFT JOIN institution i ON i.reg_no = p.institution"
_I_COLS = (
    "reg_no, name, category, address, region, legal_rep, principal, subjects, valid_from, "
    "valid_until, status, authority, authority_name, issued_on, version"
)
PAGE = 20


def _tuple(text: str | None) -> tuple[str, ...]:
    return tuple(json.loads(text)) if text else ()


def _institution(row: tuple[Any, ...]) -> Institution:
    r = list(row)
    r[7] = _tuple(r[7])
    return Institution(*r)


class Replica:
    """An open, read-only replica file.

    `id_key` is the kiosk's ID-index key (kiosk/idkey.py); without it, or with a key that is
    not the publication's, the replica still answers everything but ID-number queries.
    """

    def __init__(self, path: Path, id_key: bytes | None = None) -> None:
        self.path = path
        try:
            self._conn = sqlite3.connect(
                f"file:{path}?mode=ro", uri=True, check_same_thread=False, timeout=5.0
            )
            self._conn.execute("PRAGMA cache_size=-16000")
            self._conn.execute("PRAGMA mmap_size=0")
            self._conn.execute("PRAGMA trusted_schema=OFF")
            rows = self._conn.execute("SELECT key, value FROM meta").fetchall()
        except sqlite3.Error as err:
            raise ReplicaError(f"本地库无法读取 (the replica cannot be read: {err})") from err
        self._lock = threading.Lock()
        self.meta: dict[str, str] = dict(rows)
        if "sequence" not in self.meta or "exported_at" not in self.meta:
            raise ReplicaError("本地库缺少元数据 (the replica has no metadata)")
        check = self.meta.get("id_key_check")
        self._id_key = id_key if id_key is not None and idkey.check_value(id_key) == check else None
        self.id_key_problem: str | None = None
        if self._id_key is None:
            self.id_key_problem = (
                "本机未登记身份证索引密钥，无法按身份证号查询或核对 "
                "(this kiosk holds no ID-index key: ID numbers cannot be checked; run enrol --id-key)"
                if id_key is None
                else "本机的身份证索引密钥与本地库的发布不符，请登记当前密钥 "
                "(this kiosk's ID-index key is not the one this replica was published with: "
                "enrol the current key)"
            )

    @property
    def id_checkable(self) -> bool:
        """True when ID numbers can be checked against this replica (the right key is held)."""
        return self._id_key is not None

    def id_index(self, id18: str) -> bytes | None:
        """The replica's index value of a normalised ID number; None without the right key."""
        return None if self._id_key is None else idnum.keyed_hash(id18, self._id_key)

    def close(self) -> None:
        """Close the connection (before the file is swapped)."""
        self._conn.close()

    def _all(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        try:
            with self._lock:
                return self._conn.execute(sql, params).fetchall()
        except sqlite3.Error as err:
            raise ReplicaError(f"本地库查询失败 (replica query failed: {err})") from err

    def info(self) -> ReplicaInfo:
        """Sequence, export time, jurisdiction and record counts."""
        from domain.timeutil import parse_instant

        m = self.meta
        return ReplicaInfo(
            sequence=int(m["sequence"]),
            exported_at=parse_instant(m["exported_at"]),
            jurisdiction=m.get("jurisdiction", ""),
            built_at=m.get("built_at", ""),
            counts=json.loads(m.get("counts", "{}")),
        )

    def _practitioners(self, rows: list[tuple[Any, ...]], with_filings: bool) -> list[Practitioner]:
        out = []
        for r in rows:
            filings = self.filings(r[0], r[1]) if with_filings else ()
            out.append(
                Practitioner(
                    kind=KIND_NAME[r[0]],
                    cert_no=r[1],
                    id_mask=r[2],
                    name=r[3],
                    sex=r[4],
                    birth_month=r[5],
                    level=r[6],
                    category=r[7],
                    scope=_tuple(r[8]),
                    title=r[9],
                    location=r[10],
                    institution=r[11],
                    institution_name=r[12],
                    valid_until=r[13],
                    status=r[14],
                    authority=r[15],
                    authority_name=r[16],
                    issued_on=r[17],
                    version=r[18],
                    has_photo=bool(r[19]),
                    filings=tuple(filings),
                    id_hash=r[20],
                )
            )
        return out

    def practitioner(self, kind: str, cert_no: str) -> Practitioner | None:
        """The physician or nurse with this certificate number, with filings."""
        rows = self._all(
            f"SELECT {_P_COLS} FROM {_P_FROM} WHERE p.kind = ? AND p.cert_no = ?",
            (KIND_CODE.get(kind, kind), cert_no),
        )
        found = self._practitioners(rows, True)
        return found[0] if found else None

    def by_cert_no(self, cert_no: str) -> list[Practitioner]:
        """Physicians and nurses holding this certificate number (either kind)."""
        rows = self._all(
            f"SELECT {_P_COLS} FROM {_P_FROM} WHERE p.kind IN ('P', 'N') AND p.cert_no = ?",
            (cert_no,),
        )
        return self._practitioners(rows, True)

    def by_id_number(self, id18: str) -> list[Practitioner]:
        """Every registration of the person with this (normalised) ID number.

        Raises:
            NotEnrolledError: the kiosk holds no ID-index key, or not this publication's.
        """
        index = self.id_index(id18)
        if index is None:
            raise NotEnrolledError(self.id_key_problem or "not enrolled")
        return self.by_id_index(index)

    def by_id_index(self, index: bytes) -> list[Practitioner]:
        """Every registration under this index value (the ID look-up's query, for the bench)."""
        rows = self._all(f"SELECT {_P_COLS} FROM {_P_FROM} WHERE p.id_hash = ?", (index,))
        return self._practitioners(rows, True)

    def by_name(self, name: str, *, limit: int = PAGE, offset: int = 0) -> list[Practitioner]:
        """Practitioners whose name is or starts with `name` (2-character names too)."""
        rows = self._all(
            f"SELECT {_P_COLS} FROM {_P_FROM} WHERE p.name >= ? AND p.name < ? "
            "ORDER BY p.name, p.kind, p.cert_no LIMIT ? OFFSET ?",
            (name, name + "\U0010ffff", limit, offset),
        )
        return self._practitioners(rows, False)

    def count_by_name(self, name: str, *, cap: int) -> int:
        """How many practitioners `by_name` would find for `name`, all pages, counted up to
        `cap` (a search that matches more says "more than")."""
        rows = self._all(
            "SELECT COUNT(*) FROM (SELECT 1 FROM practitioner WHERE name >= ? AND name < ? "
            "LIMIT ?)",
            (name, name + "\U0010ffff", cap),
        )
        return int(rows[0][0]) if rows else 0

    def filings(self, kind: str, cert_no: str) -> list[Filing]:
        """The multi-site filings of one practitioner."""
        rows = self._all(
            "SELECT f.institution, i.name, f.scope, f.filed_on, f.valid_until FROM filing f "
            "LEFT JOIN institution i ON i.reg_no = f.institution "
            "WHERE f.kind = ? AND f.cert_no = ? ORDER BY f.filed_on",
            (KIND_CODE.get(kind, kind), cert_no),
        )
        return [Filing(r[0], r[1], _tuple(r[2]), r[3], r[4]) for r in rows]

    def institution(self, reg_no: str) -> Institution | None:
        """The institution with this registration number."""
        rows = self._all(f"SELECT {_I_COLS} FROM institution WHERE reg_no = ?", (reg_no,))
        return _institution(rows[0]) if rows else None

    def institutions_by_name(self, name: str, *, limit: int = PAGE) -> list[Institution]:
        """Institutions whose name starts with `name`, then those whose name holds it further
        on ("人民医院" finds 郑州市第一人民医院), each group in name order.

        The second group scans the name index (the names and keys only, never the rows): some
        130 ms for 1.1 million institutions when nothing matches, so it runs only when the
        prefix did not fill the page (and the screens call it in a worker)."""
        rows = self._all(
            f"SELECT {_I_COLS} FROM institution WHERE name >= ? AND name < ? ORDER BY name LIMIT ?",
            (name, name + "\U0010ffff", limit),
        )
        if len(rows) < limit:
            rows += self._all(
                f"SELECT {_I_COLS} FROM institution WHERE reg_no IN ("
                "SELECT reg_no FROM institution WHERE instr(name, ?) > 1 ORDER BY name LIMIT ?"
                ") ORDER BY name",
                (name, limit - len(rows)),
            )
        return [_institution(r) for r in rows]

    def photo(self, kind: str, cert_no: str) -> bytes | None:
        """The practitioner's face photo, if the replica holds one."""
        rows = self._all(
            "SELECT jpeg FROM photo WHERE kind = ? AND cert_no = ?",
            (KIND_CODE.get(kind, kind), cert_no),
        )
        return rows[0][0] if rows else None

    def warm(self) -> None:
        """Run every statement a scan and a certificate look-up run, once, with a key that
        matches nothing: each is compiled into the connection's statement cache and the top
        pages of each index it uses are read, off the UI thread, before the first scan."""
        self.practitioner("P", "")
        self.filings("P", "")  # practitioner() runs it only for a record it found
        self.institution("")
        self.photo("P", "")
        self.by_cert_no("")

    def staff(self, reg_no: str, *, limit: int = 500) -> list[Practitioner]:
        """Practitioners registered at an institution: main registrations and filings."""
        rows = self._all(
            f"SELECT {_P_COLS} FROM {_P_FROM} WHERE p.institution = ? "
            f"UNION ALL SELECT {_P_COLS} FROM filing f JOIN practitioner p "
            "ON p.kind = f.kind AND p.cert_no = f.cert_no "
            "LEFT JOIN institution i ON i.reg_no = p.institution WHERE f.institution = ? LIMIT ?",
            (reg_no, reg_no, limit),
        )
        return self._practitioners(rows, False)

    def stats(self, *, today: str | None = None) -> ReplicaCounts:
        """Every record counted by type, status, lapse, approving authority and (institutions)
        category, and by type and month of issue: the groups behind kiosk/stats.py's figures,
        in one pass over each table.

        The replica's schema is the publication's, so there is no index to aggregate on. Each
        row gives one short text key (month, lapse, status, authority[, category]), counted as
        the rows stream by; the few thousand distinct keys are then split both ways. SQLite's
        GROUP BY would first sort all 700,000 practitioners of a province, once per grouping,
        and two keys a row cost a fifth more (measured: bench/stats.py).

        Args:
            today: YYYY-MM-DD; a record whose valid_until is before it is `lapsed`. Without
                it, nothing is.
        """
        groups: list[AuthorityRow] = []
        months: list[MonthRow] = []
        for kind, sql, params in (
            *((code, _PRACTITIONER_KEY, (today or "", _SEP, code)) for code in KIND_NAME),
            ("I", _INSTITUTION_KEY, (today or "", _SEP)),
        ):
            by_month: Counter[str] = Counter()
            by_group: Counter[str] = Counter()
            for key, n in self._keys(sql, params).items():
                by_month[key[:7]] += n  # issued_on is a validated YYYY-MM-DD
                by_group[key[7:]] += n
            months += [MonthRow(kind, month, n) for month, n in by_month.items()]
            for rest, n in by_group.items():
                status, authority, *category = rest[1:].split(_SEP, 2)
                lapsed = rest[0] == "1"
                groups.append(AuthorityRow(kind, lapsed, status, authority, "".join(category), n))
        return ReplicaCounts(groups, months, self._authority_names())

    def _keys(self, sql: str, params: tuple[Any, ...]) -> Counter[str]:
        """The first column of every row of a query, counted (in C, row by row)."""
        try:
            with self._lock:
                return Counter(map(itemgetter(0), self._conn.execute(sql, params)))
        except sqlite3.Error as err:
            raise ReplicaError(f"本地库查询失败 (replica query failed: {err})") from err

    def _authority_names(self) -> dict[str, str]:
        """The name each approving authority goes by in the institution records (the latest
        issued, if it changed): the small table, read whole."""
        return {
            r[0]: r[1]
            for r in self._all(
                "SELECT authority, authority_name, max(issued_on) FROM institution "
                "GROUP BY authority, authority_name ORDER BY 3"
            )
        }

    def authority_names(self, codes: Collection[str]) -> dict[str, str]:
        """The names the practitioner records give these authorities (the latest issued), in
        one pass: for authorities that approved no institution and that nothing else names."""
        if not codes:
            return {}
        marks = ", ".join("?" for _ in codes)
        rows = self._all(
            "SELECT authority, authority_name, max(issued_on) FROM practitioner "
            f"WHERE authority IN ({marks}) GROUP BY authority, authority_name ORDER BY 3",
            tuple(codes),
        )
        return {r[0]: r[1] for r in rows}


class AuthorityRow(NamedTuple):
    """How many licences of one type an authority approved that share a status (and, for
    institutions, a category): one group of `Replica.stats`."""

    kind: str  # 'P' physician, 'N' nurse, 'I' institution
    lapsed: bool  # valid_until before the day asked about
    status: str
    authority: str  # the approving authority's division code (审批机关)
    category: str  # institutions' category as the registry gives it; '' for practitioners
    n: int


class MonthRow(NamedTuple):
    """How many licences of one type were issued (签发日期) in one month."""

    kind: str
    month: str  # YYYY-MM
    n: int


class ReplicaCounts(NamedTuple):
    """The groups of one statistics pass, and the approving authorities' names as the
    institution records give them."""

    groups: list[AuthorityRow]
    months: list[MonthRow]
    names: dict[str, str]


# One text key per row: the month of issue (7 characters), the lapse flag (1), then status,
# authority and (institutions) category separated by U+001F (?2), the free text last.
# Practitioners are counted per kind, a range of their primary key, so no key repeats it.
_SEP = "\x1f"
_KEY = "substr(issued_on, 1, 7) || (ifnull(valid_until, '9999') < ?1) || status || ?2 || authority"
_PRACTITIONER_KEY = f"SELECT {_KEY} FROM practitioner WHERE kind = ?3"
_INSTITUTION_KEY = f"SELECT {_KEY} || ?2 || category FROM institution"
