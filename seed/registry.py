"""Synthetic national registry: writes a registry export exactly as registry-export.md says.

`generate()` streams institutions, practitioners and multi-site filings to NDJSON files,
deterministically from a seed, holding only an index of the institutions in memory. The
record builders (`World`, `InstitutionIndex`) are shared with `seed.mutate`.

CLI: `python -m seed.registry --out DIR --seed N --practitioners N [--institutions N]
[--jurisdiction CODE] [--photo-fraction F] [--filings-fraction F]`.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from seed import photos
from seed.institutions import org_check
from seed.world import InstitutionIndex, World, dumps

__all__ = [
    "ExportCounts",
    "InstitutionIndex",
    "LineSink",
    "World",
    "dumps",
    "generate",
    "main",
    "org_check",
    "write_meta",
]

_BATCH = 4096


@dataclass(frozen=True)
class ExportCounts:
    """What an export holds, by file, kind and status."""

    institutions: int
    physicians: int
    nurses: int
    filings: int
    photos: int
    institution_status: dict[str, int] = field(default_factory=dict)
    practitioner_status: dict[str, int] = field(default_factory=dict)
    expired_institutions: int = 0
    lapsed_nurses: int = 0

    @property
    def practitioners(self) -> int:
        """Physicians plus nurses."""
        return self.physicians + self.nurses


def write_meta(out_dir: Path, sequence: int, exported_at: str, jurisdiction: str) -> None:
    """Write meta.json."""
    meta = {"sequence": sequence, "exported_at": exported_at, "jurisdiction": jurisdiction}
    (out_dir / "meta.json").write_text(json.dumps(meta, ensure_ascii=False) + "\n", "utf-8")


class LineSink:
    """Batched line writer for one NDJSON file."""

    def __init__(self, path: Path) -> None:
        self.fh = path.open("wb")
        self.buf: list[bytes] = []
        self.count = 0

    def add(self, obj: dict[str, object]) -> None:
        """Queue one record as a JSON line."""
        self.buf.append(dumps(obj))
        self.count += 1
        if len(self.buf) >= _BATCH:
            self.flush()

    def add_raw(self, line: bytes) -> None:
        """Queue one line copied as bytes (it must end with a newline)."""
        self.buf.append(line)
        self.count += 1
        if len(self.buf) >= _BATCH:
            self.flush()

    def flush(self) -> None:
        """Write the queued lines."""
        self.fh.write(b"".join(self.buf))
        self.buf.clear()

    def close(self) -> None:
        """Flush and close the file."""
        self.flush()
        self.fh.close()


def generate(
    out_dir: Path,
    *,
    seed: int,
    practitioners: int,
    institutions: int | None = None,
    jurisdiction: str = "000000",
    sequence: int = 1,
    exported_at: str = "2026-11-21T23:00:00+08:00",
    photo_fraction: float = 1.0,
    filings_fraction: float = 0.1,
) -> ExportCounts:
    """Write a synthetic registry export into `out_dir`; same arguments give the same bytes.

    Args:
        out_dir: the export folder (created; existing files are overwritten).
        seed: the random seed.
        practitioners: physicians plus nurses (about 46 % physicians).
        institutions: institution count; default about practitioners / 9.5.
        jurisdiction: "000000" for the nation or a province code such as "410000".
        sequence: meta.json sequence.
        exported_at: meta.json time; its date is "today" for validity windows.
        photo_fraction: share of practitioners given a face photo under photos/.
        filings_fraction: share of physicians with multi-site filings (nurses: 0.4 of it).

    Returns:
        The counts written.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    n_inst = institutions if institutions is not None else max(1, round(practitioners / 9.5))
    rng = random.Random(seed)
    world = World(jurisdiction, exported_at)
    world.expect(practitioners)
    write_meta(out_dir, sequence, exported_at, jurisdiction)

    inst_status: Counter[str] = Counter()
    expired = 0
    index = InstitutionIndex(world)
    sink = LineSink(out_dir / "institutions.ndjson")
    for rec in world.institutions(rng, n_inst, index):
        sink.add(rec)
        inst_status[rec["status"]] += 1  # type: ignore[index]
        expired += rec["valid_until"] < world.today_iso  # type: ignore[operator]
    sink.close()
    index.finish()

    counts = _write_practitioners(
        out_dir, world, index, rng, practitioners, photo_fraction, filings_fraction
    )
    return ExportCounts(
        institutions=sink.count,
        institution_status=dict(sorted(inst_status.items())),
        expired_institutions=expired,
        **counts,  # type: ignore[arg-type]  # the practitioner counts, by field name
    )


def _write_practitioners(
    out_dir: Path,
    world: World,
    index: InstitutionIndex,
    rng: random.Random,
    n: int,
    photo_fraction: float,
    filings_fraction: float,
) -> dict[str, object]:
    """Stream practitioners, their filings and photos; return their counts."""
    people = LineSink(out_dir / "practitioners.ndjson")
    filings = LineSink(out_dir / "filings.ndjson")
    status: Counter[str] = Counter()
    kinds: Counter[str] = Counter()
    n_photos = lapsed = 0
    photo_dir = out_dir / "photos"
    made_dirs: set[str] = set()
    for _ in range(n):
        rec, i = world.practitioner(rng, index)
        kind = rec["kind"]
        kinds[kind] += 1  # type: ignore[index]
        status[rec["status"]] += 1  # type: ignore[index]
        if kind == "nurse" and rec["status"] == "active" and rec["valid_until"] < world.today_iso:  # type: ignore[operator]
            lapsed += 1
        if photo_fraction > 0 and rng.random() < photo_fraction:
            rel = world.photo_path(rec)
            shard = rel.split("/")[1]
            if shard not in made_dirs:
                (photo_dir / shard).mkdir(parents=True, exist_ok=True)
                made_dirs.add(shard)
            (out_dir / rel).write_bytes(photos.face_jpeg(rng.getrandbits(32)))
            rec["photo"] = rel
            n_photos += 1
        rec["version"] = world.version(rng)
        people.add(rec)
        for filing in world.filings(rng, index, rec, i, filings_fraction):
            filings.add(filing)
    people.close()
    filings.close()
    return {
        "physicians": kinds["physician"],
        "nurses": kinds["nurse"],
        "filings": filings.count,
        "photos": n_photos,
        "practitioner_status": dict(sorted(status.items())),
        "lapsed_nurses": lapsed,
    }


def main(argv: list[str] | None = None) -> int:
    """CLI: generate a registry export."""
    p = argparse.ArgumentParser(prog="python -m seed.registry", description=__doc__.splitlines()[0])
    p.add_argument("--out", type=Path, required=True, help="export folder to write")
    p.add_argument("--seed", type=int, required=True)
    p.add_argument("--practitioners", type=int, required=True)
    p.add_argument("--institutions", type=int, default=None)
    p.add_argument("--jurisdiction", default="000000")
    p.add_argument("--sequence", type=int, default=1)
    p.add_argument("--exported-at", default="2026-11-21T23:00:00+08:00")
    p.add_argument("--photo-fraction", type=float, default=1.0)
    p.add_argument("--filings-fraction", type=float, default=0.1)
    a = p.parse_args(argv)
    counts = generate(
        a.out,
        seed=a.seed,
        practitioners=a.practitioners,
        institutions=a.institutions,
        jurisdiction=a.jurisdiction,
        sequence=a.sequence,
        exported_at=a.exported_at,
        photo_fraction=a.photo_fraction,
        filings_fraction=a.filings_fraction,
    )
    print(json.dumps(counts.__dict__ | {"practitioners": counts.practitioners}, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
