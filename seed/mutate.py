"""The next registry export: stream a previous export into a changed copy.

`next_export()` changes, deletes and adds records the way the registry evolves between two
exports (status changes, institution moves, renewed nurse registrations, promotions, rare
name changes; each changed record's version grows by one) and keeps the export consistent:
filings only for present practitioners and institutions. Changes keep the realism rules of
the first export: a promotion needs its years, a renewal comes at the end of a term, a scope is
only widened by 全科 added, a move to a hospital keeps one scope, a rename swaps a brand.
Unchanged lines are copied as bytes, so it streams at national scale with memory
O(institutions + changes).

CLI: `python -m seed.mutate PREV OUT --seed N --changes N --deletes N [--additions N]`.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import os
import random
import re
import shutil
import sys
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from seed import photos
from seed.institutions import BRANDS, CATEGORIES, add_years, iso
from seed.registry import LineSink, write_meta
from seed.world import (
    GP_ADDABLE,
    GP_SCOPE,
    MIN_REGISTRATION_AGE,
    PRIMARY_CARE,
    TITLES,
    InstitutionIndex,
    World,
    dumps,
    title_cap,
)

_KIND = re.compile(rb'"kind":\s*"(\w+)"')
_CERT = re.compile(rb'"cert_no":\s*"([^"]*)"')
_ID = re.compile(rb'"id_number":\s*"(\d{17})')
_PHOTO = re.compile(rb'"photo":\s*"([^"]*)"')
_BY_CODE = {c["code"]: k for k, c in enumerate(CATEGORIES)}
_CLINIC = _BY_CODE["D211"]
_PRACT_CHANGES = ("status", "institution", "renewal", "title", "name", "scope", "filing")
_PRACT_WEIGHTS = (30, 20, 20, 15, 1, 8, 6)
_INST_CHANGES = ("principal", "subjects", "status", "renewal", "name", "legal_rep")
_INST_WEIGHTS = (25, 20, 25, 20, 5, 5)


@dataclass(frozen=True)
class MutationCounts:
    """What changed between the previous export and the next one."""

    sequence: int
    institutions: int
    practitioners: int
    filings: int
    changed_institutions: int
    changed_practitioners: int
    deleted: int
    added: int
    dropped_filings: int
    photos: int
    change_kinds: dict[str, int] = field(default_factory=dict)

    @property
    def changed(self) -> int:
        """Changed records of both files."""
        return self.changed_institutions + self.changed_practitioners


def _lines(path: Path) -> Iterator[bytes]:
    with path.open("rb") as fh:
        for line in fh:
            if line.strip():
                yield line if line.endswith(b"\n") else line + b"\n"


def _count(path: Path) -> int:
    return sum(1 for _ in _lines(path))


def _next_time(exported_at: str) -> str:
    return (_dt.datetime.fromisoformat(exported_at) + _dt.timedelta(days=1)).isoformat()


def _link(src: Path, dst: Path) -> None:
    dst.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(src, dst)
    except OSError:
        shutil.copyfile(src, dst)


def next_export(
    prev_dir: Path,
    out_dir: Path,
    *,
    seed: int,
    changes: int,
    deletes: int,
    additions: int = 0,
    sequence: int | None = None,
    exported_at: str | None = None,
) -> MutationCounts:
    """Write the export that follows `prev_dir` into `out_dir`.

    Args:
        prev_dir: the previous export.
        out_dir: the new export folder (must differ from prev_dir).
        seed: random seed; same inputs give the same bytes.
        changes: records changed (institutions and practitioners, in proportion).
        deletes: practitioner records removed, with their filings.
        additions: new practitioners.
        sequence: meta sequence; default previous + 1.
        exported_at: meta time; default one day after the previous export.
    """
    prev_dir, out_dir = Path(prev_dir), Path(out_dir)
    if prev_dir.resolve() == out_dir.resolve():
        raise ValueError("the next export needs its own folder")
    out_dir.mkdir(parents=True, exist_ok=True)
    meta = json.loads((prev_dir / "meta.json").read_text("utf-8"))
    seq = sequence if sequence is not None else meta["sequence"] + 1
    at = exported_at or _next_time(meta["exported_at"])
    write_meta(out_dir, seq, at, meta["jurisdiction"])
    world = World(meta["jurisdiction"], at)
    rng = random.Random(seed)
    n_inst = _count(prev_dir / "institutions.ndjson")
    n_pract = _count(prev_dir / "practitioners.ndjson")
    world.expect(n_pract + additions if additions else 0)
    deletes = min(deletes, n_pract)
    inst_changes = min(n_inst, round(changes * n_inst / max(1, n_inst + n_pract)))
    pract_changes = min(changes - inst_changes, n_pract - deletes)
    picks = rng.sample(range(n_pract), deletes + pract_changes)
    state = _State(world, rng, set(picks[:deletes]), set(picks[deletes:]))
    state.institutions(prev_dir, out_dir, set(rng.sample(range(n_inst), inst_changes)))
    state.practitioners(prev_dir, out_dir, additions)
    state.filings(prev_dir, out_dir)
    return MutationCounts(
        sequence=seq,
        institutions=state.n_inst,
        practitioners=state.n_pract,
        filings=state.n_filings,
        changed_institutions=inst_changes,
        changed_practitioners=pract_changes,
        deleted=deletes,
        added=additions,
        dropped_filings=state.dropped,
        photos=state.n_photos,
        change_kinds=dict(sorted(state.kinds.items())),
    )


class _State:
    """The streaming passes of one mutation and what they carry between files."""

    def __init__(
        self, world: World, rng: random.Random, deleted: set[int], changed: set[int]
    ) -> None:
        self.world, self.rng = world, rng
        self.deleted_at, self.changed_at = deleted, changed
        self.index = InstitutionIndex(world)
        self.deleted: set[tuple[str, str]] = set()
        self.moved: dict[tuple[str, str], str] = {}
        self.new_filings: list[dict[str, object]] = []
        self.kinds: Counter[str] = Counter()
        self.n_inst = self.n_pract = self.n_filings = self.dropped = self.n_photos = 0

    def institutions(self, prev: Path, out: Path, changed: set[int]) -> None:
        """Copy institutions, changing the chosen ones; build the institution index."""
        entries: list[tuple[str, str, int, float]] = []
        sink = LineSink(out / "institutions.ndjson")
        for n, line in enumerate(_lines(prev / "institutions.ndjson")):
            rec = json.loads(line)
            if n in changed:
                self._change_institution(rec)
                line = dumps(rec)
            sink.add_raw(line)
            cat = _BY_CODE.get(str(rec["reg_no"])[17:21], _CLINIC)
            weight = CATEGORIES[cat]["staff"] * (0.1 if rec["status"] == "cancelled" else 1.0)
            entries.append((rec["reg_no"], rec["region"], cat, weight))
        sink.close()
        self.n_inst = sink.count
        entries.sort(key=lambda e: e[1][:2])
        for e in entries:
            self.index.add(*e)
        self.index.finish()

    def _change_institution(self, rec: dict[str, object]) -> None:
        w, rng = self.world, self.rng
        kind = rng.choices(_INST_CHANGES, _INST_WEIGHTS)[0]
        if kind == "status" and rec["status"] == "cancelled":
            kind = "principal"
        cat = CATEGORIES[_BY_CODE.get(str(rec["reg_no"])[17:21], _CLINIC)]
        name = str(rec["name"])
        brand = next((b for b in BRANDS if b in name), None)
        if kind == "name" and (brand is None or str(rec["reg_no"])[15:17] in ("11", "12")):
            kind = "principal"  # a public body's name is its place's: it keeps it
        if kind in ("principal", "legal_rep"):
            rec[kind] = w.names.full(rng, rng.choice("MF"), rng.randint(1960, 1995))
        elif kind == "subjects":
            extra = [s for s in cat["opt"] if s not in rec["subjects"]]  # type: ignore[operator]
            if extra:
                rec["subjects"] = [*rec["subjects"], rng.choice(extra)]  # type: ignore[misc]
        elif kind == "status":
            rec["status"] = (
                "active"
                if rec["status"] == "suspended"
                else rng.choice(("suspended", "suspended", "cancelled"))
            )
        elif kind == "renewal":
            rec["valid_from"] = rec["issued_on"] = w.today_iso
            until = _dt.date.fromisoformat(add_years(w.today_iso, cat["years"])).toordinal() - 1
            rec["valid_until"] = iso(until)
        elif brand is not None:
            rec["name"] = name.replace(brand, rng.choice([b for b in BRANDS if b != brand]), 1)
        rec["version"] = int(rec["version"]) + 1  # type: ignore[call-overload]
        self.kinds["institution:" + kind] += 1

    def practitioners(self, prev: Path, out: Path, additions: int) -> None:
        """Copy practitioners, dropping and changing the chosen ones; append additions."""
        sink = LineSink(out / "practitioners.ndjson")
        with_photo = 0
        for n, line in enumerate(_lines(prev / "practitioners.ndjson")):
            kind_m, cert_m = _KIND.search(line), _CERT.search(line)
            if kind_m is None or cert_m is None:
                raise ValueError(f"practitioners.ndjson line {n + 1}: no kind or cert_no")
            kind, cert = kind_m.group(1).decode(), cert_m.group(1).decode()
            self.world.note_cert(kind, cert)
            if additions:
                id_m = _ID.search(line)
                if id_m is not None:
                    self.world.ids.add_new(id_m.group(1).decode())
            if n in self.deleted_at:
                self.deleted.add((kind, cert))
                continue
            if n in self.changed_at:
                rec = json.loads(line)
                self._change_practitioner(rec)
                line = dumps(rec)
            photo = _PHOTO.search(line)
            if photo is not None:
                rel = photo.group(1).decode().removeprefix("photos/")
                _link(prev / "photos" / rel, out / "photos" / rel)
                with_photo += 1
            sink.add_raw(line)
        fraction = with_photo / max(1, sink.count)
        self.n_photos = with_photo
        for _ in range(additions):
            rec, i = self.world.practitioner(self.rng, self.index)
            if self.rng.random() < fraction:
                rel = self.world.photo_path(rec)
                path = out / rel
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(photos.face_jpeg(self.rng.getrandbits(32)))
                rec["photo"] = rel
                self.n_photos += 1
            rec["version"] = 1
            sink.add(rec)
            self.new_filings += self.world.filings(self.rng, self.index, rec, i, 0.1)
        sink.close()
        self.n_pract = sink.count

    def _change_practitioner(self, rec: dict[str, object]) -> None:
        w, rng = self.world, self.rng
        nurse = rec["kind"] == "nurse"
        kind = rng.choices(_PRACT_CHANGES, _PRACT_WEIGHTS)[0]
        if kind == "renewal" and (not nurse or str(rec["valid_until"]) > iso(w.today + 90)):
            kind = "title"  # a nurse renews in the last months of a term, or after it
        if kind == "scope" and (nurse or not self._widen_scope(rec)):
            kind = "title"
        lapsed = nurse and str(rec["valid_until"]) <= w.today_iso
        if lapsed and kind in ("institution", "title", "name"):
            kind = "renewal"  # a lapsed registration changes only by being renewed
        if kind == "status":
            rec["status"] = (
                rng.choice(("filed", "suspended", "cancelled", "filed"))
                if rec["status"] == "active"
                else "active"
            )
        elif kind == "institution":
            prov = str(rec["authority"])[:2]
            j = self.index.pick_in(rng, prov, nurse)
            rec["institution"] = self.index.reg_nos[j]
            self.moved[(str(rec["kind"]), str(rec["cert_no"]))] = str(rec["institution"])
            scope = list(rec.get("scope") or [])  # type: ignore[call-overload]
            if len(scope) > 1 and CATEGORIES[self.index.cats[j]]["scopes"] not in PRIMARY_CARE:
                added = [GP_SCOPE] if GP_SCOPE in scope[1:] and scope[0] in GP_ADDABLE else []
                rec["scope"] = scope[:1] + added  # three scopes only at primary-care level
        elif kind == "renewal":
            rec["valid_until"] = add_years(w.today_iso, 5)  # a new five-year term from today
            rec["issued_on"] = w.today_iso
            if rec["status"] in ("filed", "cancelled"):
                rec["status"] = "active"
        elif kind == "title":
            self._promote(rec, nurse)
        elif kind == "name":
            rec["name"] = w.names.full(rng, str(rec["sex"]), int(str(rec["birth_month"])[:4]))
        elif kind == "scope":
            rec["scope"] = [*rec["scope"], GP_SCOPE]  # type: ignore[misc]
        else:
            filing = self._filing(rec)
            if filing is not None:
                self.new_filings.append(filing)
        if kind in ("institution", "renewal", "name", "scope", "title"):
            rec["issued_on"] = w.today_iso
        rec["version"] = int(rec["version"]) + 1  # type: ignore[call-overload]
        self.kinds["practitioner:" + kind] += 1

    def _promote(self, rec: dict[str, object], nurse: bool) -> None:
        """One title step up, if the years since first registration allow it (`title_cap`).

        A nurse's first registration year is in the number; a physician's is at the earliest
        at the youngest registration age of the level.
        """
        group = "护" if nurse else "中" if rec.get("category") == "中医" else "西"
        ladder = TITLES[group]
        now = rec.get("title")
        held = ladder.index(now) if now in ladder else 0
        year = int(self.world.today_iso[:4])
        if nurse:
            years = year - int(str(rec["cert_no"])[:4]) - 1
        else:
            level = str(rec.get("level"))
            years = year - int(str(rec["birth_month"])[:4]) - 1 - MIN_REGISTRATION_AGE[level]
        cap = 1 if rec.get("level") == "执业助理医师" else title_cap(nurse, years)
        rec["title"] = ladder[max(held, min(held + 1 if now in ladder else 1, cap))]

    @staticmethod
    def _widen_scope(rec: dict[str, object]) -> bool:
        """Whether 全科医学专业 may be added (加注) to this physician's single scope."""
        scope = rec.get("scope")
        return isinstance(scope, list) and len(scope) == 1 and scope[0] in GP_ADDABLE

    def _filing(self, rec: dict[str, object]) -> dict[str, object] | None:
        prov = str(rec["authority"])[:2]
        reg_no = str(rec["institution"])
        for _ in range(8):
            if reg_no != rec["institution"]:
                break
            reg_no = self.index.reg_nos[self.index.pick_in(self.rng, prov, rec["kind"] == "nurse")]
        if reg_no == rec["institution"]:
            return None
        return {
            "cert_no": rec["cert_no"],
            "kind": rec["kind"],
            "institution": reg_no,
            "filed_on": self.world.today_iso,
        }

    def filings(self, prev: Path, out: Path) -> None:
        """Copy filings of present practitioners; add the new ones."""
        sink = LineSink(out / "filings.ndjson")
        wanted = {(str(f["kind"]), str(f["cert_no"])) for f in self.new_filings}
        taken: set[tuple[str, str, str]] = set()
        for line in _lines(prev / "filings.ndjson"):
            key = (
                _KIND.search(line).group(1).decode(),  # type: ignore[union-attr]
                _CERT.search(line).group(1).decode(),  # type: ignore[union-attr]
            )
            if key in self.deleted or (key in self.moved and self.moved[key].encode() in line):
                self.dropped += 1
                continue
            if key in wanted:
                taken.add((*key, json.loads(line)["institution"]))
            sink.add_raw(line)
        for f in self.new_filings:
            key = (str(f["kind"]), str(f["cert_no"]))
            if f["institution"] != self.moved.get(key) and (*key, f["institution"]) not in taken:
                taken.add((*key, str(f["institution"])))
                sink.add(f)
        sink.close()
        self.n_filings = sink.count


def main(argv: list[str] | None = None) -> int:
    """CLI: write the next export."""
    p = argparse.ArgumentParser(prog="python -m seed.mutate", description=__doc__.splitlines()[0])
    p.add_argument("prev", type=Path)
    p.add_argument("out", type=Path)
    p.add_argument("--seed", type=int, required=True)
    p.add_argument("--changes", type=int, required=True)
    p.add_argument("--deletes", type=int, required=True)
    p.add_argument("--additions", type=int, default=0)
    p.add_argument("--sequence", type=int, default=None)
    p.add_argument("--exported-at", default=None)
    a = p.parse_args(argv)
    counts = next_export(
        a.prev,
        a.out,
        seed=a.seed,
        changes=a.changes,
        deletes=a.deletes,
        additions=a.additions,
        sequence=a.sequence,
        exported_at=a.exported_at,
    )
    print(json.dumps(counts.__dict__, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
