"""The benchmark world: keys, a root-signed trust list, two consecutive registry exports and
one issued credential, built once per scale and cached under bench/out/ (gitignored).

Only the expensive inputs are cached (the exports and the keys that go with them); every
publication, home and measurement is made fresh in each run.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

NATIONAL = 10_400_000
PROVINCE = 700_000
ISSUE_CHANGES, ISSUE_DELETES = 100_000, 5_000
SEED = 2026
FORMAT = 4  # bump when what is cached changes (4: the sample fits a healthy institution)


@dataclass(frozen=True, slots=True)
class World:
    """Paths and facts of one cached benchmark world."""

    path: Path
    scale: int
    changes: int
    deletes: int
    facts: dict[str, Any]

    @property
    def export1(self) -> Path:
        """The first export (sequence 1)."""
        return self.path / "export-1"

    @property
    def export2(self) -> Path:
        """The next export (sequence 2): `changes` changed, `deletes` deleted."""
        return self.path / "export-2"

    @property
    def keys(self) -> Path:
        """PEM files: root, issuer, publisher."""
        return self.path / "keys"

    @property
    def id_key(self) -> Path:
        """The ID-index key (publisher and kiosks), beside the PEM files."""
        return self.path / "keys" / "id-index.key"

    @property
    def trust(self) -> Path:
        """trustlist.json (its .sig beside it)."""
        return self.path / "trustlist.json"


def delta_size(scale: int) -> tuple[int, int, str]:
    """(changes, deletes, how chosen) for a world of `scale` practitioners.

    The issue's absolute 100,000 / 5,000 at province scale (700,000) and above; below that,
    the national proportion (100,000 / 5,000 per 10.4 M), at least 1 each.
    """
    if scale >= PROVINCE:
        return ISSUE_CHANGES, ISSUE_DELETES, "issue's absolute numbers"
    changes = max(1, round(ISSUE_CHANGES * scale / NATIONAL))
    deletes = max(1, round(ISSUE_DELETES * scale / NATIONAL))
    return changes, deletes, "scaled from 100,000/5,000 per 10.4 M"


def jurisdiction(scale: int) -> str:
    """National code at national scale, Henan below it (as the demo world)."""
    return "000000" if scale >= NATIONAL else "410000"


def _iso(d: dt.datetime) -> str:
    return d.strftime("%Y-%m-%dT%H:%M:%SZ")


def _first_active_physician(export: Path) -> dict[str, Any]:
    """The first active physician at an institution whose licence is in force for a while and
    whose subjects hold their scope (the benchmark's credential verifies as plainly valid)."""
    from kiosk.scope import scope_within

    soon = (dt.date.today() + dt.timedelta(days=400)).isoformat()
    healthy: dict[str, tuple[str, ...]] = {}
    with (export / "institutions.ndjson").open("rb") as fh:
        for line in fh:
            inst = json.loads(line)
            if inst["status"] == "active" and inst["valid_until"] > soon:
                healthy[inst["reg_no"]] = tuple(inst["subjects"])
    with (export / "practitioners.ndjson").open("rb") as fh:
        for line in fh:
            rec = json.loads(line)
            if (
                rec["kind"] == "physician"
                and rec["status"] == "active"
                and rec["institution"] in healthy
                and scope_within(tuple(rec["scope"]), healthy[rec["institution"]])
            ):
                return rec
    raise RuntimeError("no active physician in the export")


def _keys_and_trust(path: Path, authority: str, authority_name: str, now: dt.datetime) -> None:
    from seed import keys as keytool
    from wire import trust

    made = {n: keytool.generate("Ed25519") for n in ("root", "issuer", "publisher")}
    for name, key in made.items():
        keytool.write_pair(key, path / "keys", name)
    start, end = _iso(now - dt.timedelta(days=3 * 365)), _iso(now + dt.timedelta(days=5 * 365))
    entries = [
        trust.entry(
            made["issuer"].public_key(),
            role="issuer",
            authority=authority,
            authority_name=authority_name,
            not_before=start,
            not_after=end,
        ),
        trust.entry(
            made["publisher"].public_key(),
            role="publisher",
            authority="000000",
            authority_name="国家卫生健康委员会 电子化注册数据发布",
            not_before=start,
            not_after=end,
        ),
    ]
    data, sig = trust.build(1, _iso(now), entries, made["root"])
    trust.save(path, data, sig)


def payload(world: World, at: dt.datetime) -> tuple[str, dict[str, Any]]:
    """A fresh YZ1 credential for the world's sample physician, and that record."""
    from seed.issue import issue, licence_for_practitioner
    from wire.keys import read_private

    rec = world.facts["sample"]
    lic = licence_for_practitioner(rec, {})
    key = read_private(world.keys / "issuer.pem")
    text = issue(lic, key, iss=rec["authority"], iat=int(at.timestamp()) - 3600)
    return text, rec


def _build(path: Path, scale: int, photo_fraction: float, log: Any) -> dict[str, Any]:
    from seed.mutate import next_export
    from seed.registry import generate

    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    t0 = time.perf_counter()
    counts = generate(
        path / "export-1",
        seed=SEED,
        practitioners=scale,
        jurisdiction=jurisdiction(scale),
        sequence=1,
        exported_at=(now - dt.timedelta(hours=2)).isoformat(),
        photo_fraction=photo_fraction,
    )
    gen_s = time.perf_counter() - t0
    log(f"generated {scale:,} practitioners in {gen_s:.1f} s")
    sample = _first_active_physician(path / "export-1")
    _keys_and_trust(path, sample["authority"], sample["authority_name"], now)
    changes, deletes, how = delta_size(scale)
    t0 = time.perf_counter()
    mc = next_export(
        path / "export-1",
        path / "export-2",
        seed=SEED + 1,
        changes=changes,
        deletes=deletes,
        exported_at=(now - dt.timedelta(hours=1)).isoformat(),
    )
    mut_s = time.perf_counter() - t0
    log(f"next export ({changes:,} changed, {deletes:,} deleted) in {mut_s:.1f} s")
    return {
        "format": FORMAT,
        "scale": scale,
        "photo_fraction": photo_fraction,
        "built_at": now.isoformat(),
        "generate_seconds": round(gen_s, 2),
        "mutate_seconds": round(mut_s, 2),
        "changes": changes,
        "deletes": deletes,
        "delta_rule": how,
        "sample": sample,
        "export1": {
            "institutions": counts.institutions,
            "practitioners": counts.practitioners,
            "filings": counts.filings,
            "photos": counts.photos,
        },
        "export2": {
            "changed": mc.changed,
            "deleted": mc.deleted,
            "practitioners": mc.practitioners,
            "change_kinds": mc.change_kinds,
        },
    }


def obtain(root: Path, scale: int, *, photo_fraction: float, log: Any) -> World:
    """The cached world of this scale under `root`, built first when missing or outdated."""
    path = root / f"world-{scale}-p{photo_fraction:g}"
    marker = path / "world.json"
    facts: dict[str, Any] | None = None
    if marker.exists():
        facts = json.loads(marker.read_text("utf-8"))
        if facts.get("format") != FORMAT:
            facts = None
        else:
            facts["cached"] = True
            log(f"reusing the cached world in {path}")
    if facts is None:
        shutil.rmtree(path, ignore_errors=True)
        path.mkdir(parents=True)
        facts = _build(path, scale, photo_fraction, log)
        marker.write_text(json.dumps(facts, ensure_ascii=False, indent=2), "utf-8")
        facts["cached"] = False
    world = World(path, scale, facts["changes"], facts["deletes"], facts)
    if not world.id_key.exists():  # a world cached before the key existed: its exports still fit
        from domain import idkey

        idkey.write(world.id_key, idkey.generate())
    return world
