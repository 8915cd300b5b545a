"""Resident ID numbers stay secret: nothing a bundle, a replica or a home holds without the
ID-index key lets anyone test a guessed ID number.

Written as the attack: everything an outsider can copy (the bundle folder as a CDN serves it,
a replica file and a home copied off a kiosk without its key file) and everything public (the
division list, and each record's birth month, sex and masked number), then the best guessing
we can write. The same attack with the key file recovers every number, which proves the attack
is competent; without it, none.
"""

from __future__ import annotations

import calendar
import hashlib
import hmac
import json
import re
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import zstandard

from db import store
from domain import idkey, idnum

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = 25
Hash = Callable[[bytes, bytes], bytes]

# Every way we can think of that a 16-byte index could have been made from a number and a key.
CONSTRUCTIONS: dict[str, Hash] = {
    "hmac-sha256": lambda k, m: hmac.new(k, m, hashlib.sha256).digest()[:16],
    "sha256(k|m)": lambda k, m: hashlib.sha256(k + m).digest()[:16],
    "sha256(m|k)": lambda k, m: hashlib.sha256(m + k).digest()[:16],
    "hmac-sha1": lambda k, m: hmac.new(k, m, hashlib.sha1).digest()[:16],
    "md5(k|m)": lambda k, m: hashlib.md5(k + m).digest(),
}


def _divisions() -> list[str]:
    codes = []
    for line in (ROOT / "seed" / "data" / "divisions.tsv").read_text("utf-8").splitlines():
        if line and not line.startswith("#"):
            codes.append(line.split("\t")[0])
    return codes


def _candidates(mask: str, birth_month: str, divisions: list[str]) -> Iterator[str]:
    """Every valid ID number that fits a record's mask and birth month: any division code with
    the mask's first three digits, any day of the month, the mask's last four characters."""
    year, month = int(birth_month[:4]), int(birth_month[5:7])
    days = calendar.monthrange(year, month)[1]
    for code in divisions:
        if not code.startswith(mask[:3]):
            continue
        for day in range(1, days + 1):
            body = f"{code}{year:04d}{month:02d}{day:02d}{mask[-4:-1]}"
            if idnum.check_char(body) == mask[-1]:
                yield body + mask[-1]


def _key_guesses(*texts: str) -> set[bytes]:
    """Every key an attacker can lift from what they hold: each string value, raw and, where
    it is hex or base64-looking, decoded; and no key at all."""
    guesses = {b""}
    for text in texts:
        guesses.add(text.encode())
        for token in re.findall(r"[0-9a-fA-F]{16,}", text):
            if len(token) % 2 == 0:
                guesses.add(bytes.fromhex(token))
    return guesses


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield str(k)
            yield from _strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)
    elif value is not None:
        yield str(value)


def _recover(
    rows: list[tuple[str, str, str, bytes]], keys: set[bytes], divisions: list[str]
) -> tuple[dict[str, str], list[int]]:
    """cert_no → recovered ID number, and the number of candidates per record."""
    found: dict[str, str] = {}
    sizes = []
    for cert_no, mask, birth_month, index in rows:
        cands = list(_candidates(mask, birth_month, divisions))
        sizes.append(len(cands))
        for cand in cands:
            m = cand.encode()
            if any(f(k, m) == index for k in keys for f in CONSTRUCTIONS.values()):
                found[cert_no] = cand
                break
    return found, sizes


@pytest.fixture(scope="module")
def stolen(demo_world: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """What an outsider holds: the bundle folder and a replica copied off the kiosk, without
    the key file; and the truth, for the test to score the attack."""
    replica = store.current(demo_world / "replica")
    assert replica is not None
    with sqlite3.connect(f"file:{replica}?mode=ro", uri=True) as conn:
        meta = dict(conn.execute("SELECT key, value FROM meta").fetchall())
        rows = conn.execute(
            "SELECT cert_no, id_mask, birth_month, id_hash FROM practitioner ORDER BY cert_no"
        ).fetchall()
    conn.close()
    bundle = demo_world / "demo" / "bundle"
    manifest = json.loads((bundle / "manifest.json").read_bytes())
    truth = {}
    with (demo_world / "demo" / "export" / "practitioners.ndjson").open("rb") as fh:
        for line in fh:
            rec = json.loads(line)
            truth[rec["cert_no"]] = rec["id_number"].upper()
    texts = [*_strings(meta), *_strings(manifest)]
    texts += [p.read_text("utf-8", "replace") for p in bundle.glob("*.json*")]
    return {
        "rows": [r for r in rows if r[0] in truth][:: max(1, len(rows) // SAMPLE)][:SAMPLE],
        "keys": _key_guesses(*texts),
        "truth": truth,
        "bundle": bundle,
        "replica": replica,
        "key_file": demo_world / "demo" / "keys" / "id-index.key",
    }


def test_the_attack_recovers_every_number_with_the_key_file(stolen: dict[str, Any]) -> None:
    """Positive control: the guessing is good enough to find each number once the key is
    known, so its failure below means something."""
    divisions = _divisions()
    key = idkey.read(stolen["key_file"])
    found, sizes = _recover(stolen["rows"], {key}, divisions)
    assert len(found) == len(stolen["rows"]) >= 20
    assert all(stolen["truth"][c] == n for c, n in found.items())


def test_without_the_key_file_no_number_is_recovered(stolen: dict[str, Any]) -> None:
    divisions = _divisions()
    assert len(stolen["keys"]) > 10  # meta values, manifest fields, hashes, kids …
    found, sizes = _recover(stolen["rows"], stolen["keys"], divisions)
    assert found == {}
    # The mask and birth month alone leave many numbers to choose from, with nothing to test
    # them against.
    assert sorted(sizes)[len(sizes) // 2] >= 20


def test_the_key_is_nowhere_in_the_bundle_or_the_replica(stolen: dict[str, Any]) -> None:
    key = idkey.read(stolen["key_file"])
    needles = (key, key.hex().encode(), key.hex().upper().encode())
    for blob in _everything(stolen["bundle"], stolen["replica"]):
        assert not any(n in blob for n in needles)


def test_no_clear_id_number_in_the_bundle_the_replica_or_the_home(
    stolen: dict[str, Any], demo_world: Path
) -> None:
    """No ID digits beyond what a mask shows: not in a bundle file (unpacked too), the replica,
    the kiosk's own database, its logs or its demo credentials' QR texts."""
    truth = set(stolen["truth"].values())
    legacy = {n[:6] + n[8:17] for n in truth}
    files = [
        p
        for p in demo_world.rglob("*")
        if p.is_file()
        and "export" not in p.parts  # the registry's own export: the publisher's side
        # the demo guide's cheat sheets list test inputs (typing a number is the point)
        and p.name not in ("credentials.ndjson", "id-checks.ndjson")
    ]
    blobs = list(_everything(stolen["bundle"], stolen["replica"]))
    blobs += [p.read_bytes() for p in files if p.stat().st_size < 64 << 20]
    for blob in blobs:
        runs = set(re.findall(rb"[0-9]{17}[0-9Xx]|[0-9]{15}", blob))
        hits = {r.decode().upper() for r in runs} & (truth | legacy)
        assert not hits


def test_credentials_carry_no_id_hash(demo_cases: list[dict[str, Any]]) -> None:
    """A QR gives nothing to test a guessed number against: no ih/is in any demo credential."""
    import cbor2

    from wire import codec

    for case in demo_cases:
        try:
            cose = cbor2.loads(codec.unwrap(case["payload"]))
        except codec.FormatError:
            continue
        body = cose.value if isinstance(cose, cbor2.CBORTag) else cose
        if not isinstance(body, list) or len(body) != 4 or not isinstance(body[2], bytes):
            continue
        try:
            claims = cbor2.loads(body[2])
        except Exception:  # noqa: BLE001 - the deliberately broken demo cases
            continue
        licence = claims.get(-70000) if isinstance(claims, dict) else None
        if isinstance(licence, dict):
            assert "ih" not in licence and "is" not in licence, case["label"]


def _everything(bundle: Path, replica: Path) -> Iterator[bytes]:
    """Every bundle file as served and unpacked, and the replica file."""
    for path in bundle.iterdir():
        data = path.read_bytes()
        yield data
        if path.name.endswith(".zst"):
            yield zstandard.ZstdDecompressor().stream_reader(data).read()
    yield replica.read_bytes()
