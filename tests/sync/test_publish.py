"""publish: what a bundle carries (signed manifest, hashes, sequence, trust list, snapshot, deltas),
and a registry export with one bad line refused whole, naming its file and line, the bundle folder
left exactly as it was."""

from __future__ import annotations

import io
import json
import os
import shutil
import sqlite3
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import zstandard

from tests.sync.conftest import Chain, CopyBundle, file_state, replica_rows, run_main

ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"


def _verified_manifest(bundle: Path, chain: Chain) -> Any:
    from domain.timeutil import utcnow
    from wire import bundle as b
    from wire import trust
    from wire.keys import read_public

    tl = trust.parse(
        (bundle / b.TRUST).read_bytes(),
        (bundle / b.TRUST_SIG).read_bytes(),
        [read_public(chain.demo / "keys" / "root.pub.pem")],
    )
    return b.verify_manifest(
        (bundle / b.MANIFEST).read_bytes(), (bundle / b.MANIFEST_SIG).read_bytes(), tl, utcnow()
    )


def test_bundle_carries_everything_signed_and_hashed(chain: Chain, tmp_path: Path) -> None:
    from wire.bundle import sha256_file

    bundle = chain.bundles[2]
    m = _verified_manifest(bundle, chain)
    meta = json.loads((chain.exports[2] / "meta.json").read_bytes())
    assert m.sequence == meta["sequence"] == 2
    assert m.raw["exported_at"] == meta["exported_at"]
    assert m.jurisdiction == meta["jurisdiction"]
    assert m.trust_sequence == json.loads(chain.trust.read_bytes())["sequence"]
    assert (bundle / "trustlist.json").read_bytes() == chain.trust.read_bytes()
    assert [(d.from_seq, d.to_seq) for d in m.deltas] == [(1, 2)]
    refs = [m.trust, m.trust_sig, m.snapshot, *(d.file for d in m.deltas)]
    for ref in refs:
        assert (bundle / ref.name).stat().st_size == ref.size
        assert sha256_file(bundle / ref.name) == ref.sha256, ref.name
    names = {p.name for p in bundle.iterdir()}
    assert names == {r.name for r in refs} | {"manifest.json", "manifest.json.sig"}
    assert m.snapshot.name == "snapshot-00000002.db.zst"
    assert m.deltas[0].file.name == "delta-00000001-00000002.ndjson.zst"

    snap = (bundle / m.snapshot.name).read_bytes()
    assert snap[:4] == ZSTD_MAGIC
    db = tmp_path / "snap.db"
    db.write_bytes(zstandard.ZstdDecompressor().stream_reader(io.BytesIO(snap)).read())
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert conn.execute("PRAGMA page_size").fetchone() == (16384,)  # set before any table
    dbmeta = dict(conn.execute("SELECT key, value FROM meta"))
    assert dbmeta["sequence"] == "2" and dbmeta["exported_at"] == meta["exported_at"]
    assert json.loads(dbmeta["counts"]) == m.raw["counts"]
    n = sum(1 for line in (chain.exports[2] / "practitioners.ndjson").open("rb") if line.strip())
    assert conn.execute("SELECT count(*) FROM practitioner").fetchone() == (n,)
    conn.close()

    raw = (bundle / m.deltas[0].file.name).read_bytes()
    assert raw[:4] == ZSTD_MAGIC
    header, *records = (
        zstandard.ZstdDecompressor().stream_reader(io.BytesIO(raw)).read().splitlines()
    )
    head = json.loads(header)
    assert (head["from"], head["to"], head["meta"]["sequence"]) == (1, 2, "2")
    ops = [json.loads(r)["op"] for r in records]
    assert ops.count("del") >= 5 and ops.count("ins") >= 5 and ops.count("upd") >= 40


def test_third_publication_keeps_both_deltas_and_only_the_newest_snapshot(chain: Chain) -> None:
    m = _verified_manifest(chain.bundles[3], chain)
    assert [(d.from_seq, d.to_seq) for d in m.deltas] == [(1, 2), (2, 3)]
    assert sorted(p.name for p in chain.bundles[3].glob("snapshot-*")) == [
        "snapshot-00000003.db.zst"
    ]


def test_an_export_not_newer_than_the_bundle_is_refused(
    chain: Chain, copy_bundle: CopyBundle
) -> None:
    bundle = copy_bundle(chain.bundles[2])
    before = file_state(bundle)
    proc = _publish_cli(chain.exports[2], bundle, chain)
    assert proc.returncode != 0
    assert "meta.json" in proc.stderr and "not after the published 2" in proc.stderr
    assert file_state(bundle) == before


# ---- one bad line in an export -------------------------------------------------------------


def _copy_export(src: Path, dest: Path) -> Path:
    # photos are hard links (never edited); the .ndjson files are real copies
    shutil.copytree(src, dest, copy_function=os.link)
    for f in dest.glob("*.ndjson"):
        data = f.read_bytes()
        f.unlink()
        f.write_bytes(data)
    return dest


def _edit(
    export: Path,
    file: str,
    line: int,
    change: Callable[[dict[str, Any], list[dict[str, Any]]], Any],
) -> None:
    path = export / file
    lines = path.read_bytes().splitlines()
    rows = [json.loads(x) for x in lines]
    out = change(rows[line - 1], rows)
    lines[line - 1] = (
        out if isinstance(out, bytes) else json.dumps(rows[line - 1], ensure_ascii=False).encode()
    )
    path.write_bytes(b"\n".join(lines) + b"\n")


def _bad_check_char(row: dict[str, Any], rows: list[dict[str, Any]]) -> None:
    idn = row["id_number"]
    last = "0" if idn[-1] == "X" else str((int(idn[-1]) + 1) % 10)
    row["id_number"] = idn[:-1] + last


def _same_cert_as_earlier(row: dict[str, Any], rows: list[dict[str, Any]]) -> None:
    earlier = next(r for r in rows[10:] if r["kind"] == row["kind"] and r is not row)
    row["cert_no"] = earlier["cert_no"]


BAD_LINES = {
    "bad ID check character": ("practitioners.ndjson", 100, _bad_check_char, "id_number"),
    "missing name": (
        "practitioners.ndjson",
        100,
        lambda r, rows: r.pop("name"),
        "'name' is required",
    ),
    "missing reg_no": ("institutions.ndjson", 10, lambda r, rows: r.pop("reg_no"), "'reg_no'"),
    "bad JSON": (
        "practitioners.ndjson",
        100,
        lambda r, rows: b'{"kind": "nurse", "cert_no": ',
        "not a JSON",
    ),
    "not an object": ("filings.ndjson", 7, lambda r, rows: b"[1, 2]", "not a JSON object"),
    "photo file missing": (
        "practitioners.ndjson",
        100,
        lambda r, rows: r.update(photo="photos/no/such.jpg"),
        "no/such.jpg is missing",
    ),
    "photo name with a NUL": (
        "practitioners.ndjson",
        1000,
        lambda r, rows: r.update(photo="photos/a\u0000b.jpg"),
        "relative path under photos/",
    ),
    "photo outside photos/": (
        "practitioners.ndjson",
        1990,
        lambda r, rows: r.update(photo="../meta.json"),
        "relative path under photos/",
    ),
    "duplicate cert_no": ("practitioners.ndjson", 100, _same_cert_as_earlier, "duplicate"),
    "duplicate reg_no": (
        "institutions.ndjson",
        10,
        lambda r, rows: r.update(reg_no=rows[0]["reg_no"]),
        "duplicate",
    ),
    "filing for a missing practitioner": (
        "filings.ndjson",
        7,
        lambda r, rows: r.update(cert_no="NOSUCH1"),
        "practitioner NOSUCH1",
    ),
    "filing at a missing institution": (
        "filings.ndjson",
        7,
        lambda r, rows: r.update(institution="NOSUCH2"),
        "institution NOSUCH2",
    ),
}


def _publish_cli(export: Path, bundle: Path, chain: Chain) -> subprocess.CompletedProcess[str]:
    return run_main(
        "publish",
        "--registry",
        str(export),
        "--trust-list",
        str(chain.trust),
        "--publisher-key",
        str(chain.publisher),
        "--id-key",
        str(chain.id_key),
        "--out",
        str(bundle),
    )


@pytest.mark.parametrize("case", sorted(BAD_LINES))
def test_a_bad_line_refuses_the_whole_export(
    case: str, chain: Chain, tmp_path: Path, copy_bundle: CopyBundle
) -> None:
    file, line, change, words = BAD_LINES[case]
    export = _copy_export(chain.exports[2], tmp_path / "export")
    _edit(export, file, line, change)
    bundle = copy_bundle(chain.bundles[1])
    before = file_state(bundle)
    proc = _publish_cli(export, bundle, chain)
    assert proc.returncode != 0, proc.stdout
    assert "Traceback" not in proc.stderr, proc.stderr
    assert f"{file}:{line}:" in proc.stderr, proc.stderr
    assert words in proc.stderr, proc.stderr
    assert file_state(bundle) == before
    assert sorted(p.name for p in bundle.iterdir()) == sorted(
        p.name for p in chain.bundles[1].iterdir()
    )


@pytest.mark.parametrize("case", ["duplicate cert_no", "duplicate reg_no"])
def test_a_duplicate_is_named_by_its_own_line(case: str, chain: Chain, tmp_path: Path) -> None:
    from domain.errors import ExportError
    from publisher.publish import publish

    file, line, change, _ = BAD_LINES[case]
    export = _copy_export(chain.exports[2], tmp_path / "export")
    _edit(export, file, line, change)
    with pytest.raises(ExportError) as err:
        publish(export, chain.trust, chain.publisher, tmp_path / "bundle", id_key_path=chain.id_key)
    assert (err.value.file, err.value.line) == (file, line)


def test_the_first_of_several_bad_lines_is_named(chain: Chain, tmp_path: Path) -> None:
    """A bad field is named before a missing photo or bad JSON on later lines."""
    from domain.errors import ExportError
    from publisher.publish import publish

    export = _copy_export(chain.exports[2], tmp_path / "export")
    _edit(export, "practitioners.ndjson", 40, lambda r, rows: r.update(sex="X"))
    _edit(export, "practitioners.ndjson", 42, lambda r, rows: r.update(photo="photos/gone.jpg"))
    _edit(export, "practitioners.ndjson", 45, lambda r, rows: b"{")
    with pytest.raises(ExportError) as err:
        publish(export, chain.trust, chain.publisher, tmp_path / "bundle", id_key_path=chain.id_key)
    assert (err.value.file, err.value.line) == ("practitioners.ndjson", 40)
    assert "'sex'" in str(err.value)


@pytest.mark.parametrize(
    ("edits", "named", "words"),
    [
        # a filing naming no practitioner, then bad JSON: the filing's line
        ({9: lambda r, rows: r.update(cert_no="NOSUCH1"), 20: lambda r, rows: b"{"}, 9, "NOSUCH1"),
        # bad JSON, then such a filing: the JSON's line
        ({9: lambda r, rows: r.update(cert_no="NOSUCH1"), 5: lambda r, rows: b"{"}, 5, "JSON"),
        # an unknown institution before an unknown practitioner: file order, not kind
        (
            {
                12: lambda r, rows: r.update(cert_no="NOSUCH1"),
                9: lambda r, rows: r.update(institution="NOSUCH2"),
            },
            9,
            "institution NOSUCH2",
        ),
        # a duplicate filing after an unknown practitioner: the practitioner's line
        (
            {
                3: lambda r, rows: r.update(cert_no="NOSUCH1"),
                8: lambda r, rows: r.update(
                    {k: rows[0][k] for k in ("kind", "cert_no", "institution")}
                ),
            },
            3,
            "NOSUCH1",
        ),
    ],
)
def test_the_first_bad_filing_is_named(
    edits: dict[int, Callable[[dict[str, Any], list[dict[str, Any]]], Any]],
    named: int,
    words: str,
    chain: Chain,
    tmp_path: Path,
) -> None:
    from domain.errors import ExportError
    from publisher.publish import publish

    export = _copy_export(chain.exports[2], tmp_path / "export")
    for line, change in edits.items():  # in the order given: a line made bad JSON last
        _edit(export, "filings.ndjson", line, change)
    with pytest.raises(ExportError) as err:
        publish(export, chain.trust, chain.publisher, tmp_path / "bundle", id_key_path=chain.id_key)
    assert (err.value.file, err.value.line) == ("filings.ndjson", named)
    assert words in str(err.value)


def test_a_refused_export_leaves_no_bundle_folder_behind(chain: Chain, tmp_path: Path) -> None:
    export = _copy_export(chain.exports[2], tmp_path / "export")
    _edit(export, "practitioners.ndjson", 3, _bad_check_char)
    out = tmp_path / "new-bundle"
    proc = _publish_cli(export, out, chain)
    assert proc.returncode != 0
    assert "practitioners.ndjson:3:" in proc.stderr
    assert not out.exists()


@pytest.mark.parametrize("damage", ["missing", "corrupt"])
def test_a_damaged_previous_snapshot_is_not_diffed_against(
    damage: str, chain: Chain, copy_bundle: CopyBundle
) -> None:
    """A delta from a damaged base would turn every kiosk's replica into something else."""
    bundle = copy_bundle(chain.bundles[1])
    snap = next(bundle.glob("snapshot-*"))
    if damage == "missing":
        snap.unlink()
    else:
        data = bytearray(snap.read_bytes())
        data[len(data) // 2] ^= 1
        snap.write_bytes(bytes(data))
    before = file_state(bundle)
    proc = _publish_cli(chain.exports[2], bundle, chain)
    assert proc.returncode != 0
    assert "Traceback" not in proc.stderr, proc.stderr
    assert "published snapshot named in manifest.json is missing or damaged" in proc.stderr
    assert file_state(bundle) == before


def test_a_second_publish_into_the_same_folder_at_once_is_refused(
    chain: Chain, copy_bundle: CopyBundle
) -> None:
    import fcntl

    bundle = copy_bundle(chain.bundles[1])
    before = file_state(bundle)
    fd = os.open(bundle, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        proc = _publish_cli(chain.exports[2], bundle, chain)
    finally:
        os.close(fd)
    assert proc.returncode != 0
    assert "another publish into this bundle folder is running" in proc.stderr
    assert file_state(bundle) == before
    assert _publish_cli(chain.exports[2], bundle, chain).returncode == 0


def test_no_delta_from_a_replica_of_another_schema(
    chain: Chain, home1: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A publication after a change of the replica's table layout carries no delta (nor the
    older ones): every kiosk takes the snapshot, whose file has the new layout."""
    from kiosk.home import Home
    from kiosk.sync import sync
    from publisher import build
    from publisher.publish import publish

    bundle = tmp_path / "bundle"
    shutil.copytree(chain.bundles[2], bundle)  # holds the delta 1 -> 2
    assert list(bundle.glob("delta-*"))
    monkeypatch.setattr(build, "SCHEMA", "99")
    pub = publish(chain.exports[3], chain.trust, chain.publisher, bundle, id_key_path=chain.id_key)
    assert pub.delta is None
    manifest = json.loads((bundle / "manifest.json").read_bytes())
    assert manifest["deltas"] == [] and not list(bundle.glob("delta-*"))
    result = sync(Home(home1), str(bundle))
    assert (result.method, result.from_sequence, result.to_sequence) == ("snapshot", 1, 3)


# ---- the export read in a worker process (db/readahead.py), as large exports are -----------


def _count_workers(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Make every export read go through the workers, in parts of 8 KiB (the demo export has
    some 100 of them), and count the readers started."""
    from publisher import build
    from publisher import parallel as readahead

    started: list[int] = []
    real = readahead.readahead

    def counting(*args: Any) -> Any:
        started.append(1)
        return real(*args)

    monkeypatch.setattr(build, "READAHEAD_BYTES", 0)
    monkeypatch.setattr(readahead, "PART_BYTES", 8192)
    monkeypatch.setattr(build, "readahead", counting)
    return started


def test_the_worker_process_builds_the_same_replica(
    chain: Chain, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from publisher import build

    key = bytes(range(32))
    build.build(chain.exports[2], tmp_path / "here.db", id_key=key)
    started = _count_workers(monkeypatch)
    build.build(chain.exports[2], tmp_path / "worker.db", id_key=key)
    assert started == [1]
    here, worker = replica_rows(tmp_path / "here.db"), replica_rows(tmp_path / "worker.db")
    assert len(worker["practitioner"]) > 1000 and len(worker["photo"]) > 1000
    assert {k: v for k, v in worker.items() if k != "meta"} == {
        k: v for k, v in here.items() if k != "meta"
    }


@pytest.mark.parametrize(
    "case", sorted(c for c, v in BAD_LINES.items() if v[0] == "practitioners.ndjson")
)
def test_a_bad_line_read_in_the_worker_process_is_named(
    case: str, chain: Chain, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from domain.errors import ExportError
    from publisher.publish import publish

    file, line, change, words = BAD_LINES[case]
    export = _copy_export(chain.exports[2], tmp_path / "export")
    _edit(export, file, line, change)
    started = _count_workers(monkeypatch)
    with pytest.raises(ExportError) as err:
        publish(export, chain.trust, chain.publisher, tmp_path / "bundle", id_key_path=chain.id_key)
    assert started == [1]
    assert (err.value.file, err.value.line) == (file, line)
    assert words in str(err.value)
    assert not (tmp_path / "bundle").exists()


def _dies(*args: Any, part: tuple[int, int]) -> Any:
    os._exit(3)


def _fails(*args: Any, part: tuple[int, int]) -> Any:
    return os.listdir("/no/such/folder")


def test_a_worker_that_dies_is_an_export_error_not_a_hang(tmp_path: Path) -> None:
    import threading

    from domain.errors import ExportError
    from publisher.parallel import readahead

    (tmp_path / "f.ndjson").write_bytes(b"{}\n" * 10)
    caught: list[BaseException] = []

    def run() -> None:
        try:
            list(readahead(_dies, tmp_path / "f.ndjson"))
        except BaseException as err:  # noqa: BLE001 - examined below
            caught.append(err)

    t = threading.Thread(target=run, daemon=True)
    t.start()
    t.join(timeout=60)
    assert not t.is_alive(), "the reader hangs on a dead worker"
    assert isinstance(caught[0], ExportError) and "stopped unexpectedly" in str(caught[0])


def test_a_worker_that_fails_names_where(tmp_path: Path) -> None:
    """Not an export problem but a failure (here a missing folder): said, with where."""
    from domain.errors import ExportError
    from publisher.parallel import readahead

    (tmp_path / "f.ndjson").write_bytes(b"{}\n" * 10)
    with pytest.raises(ExportError, match="export reader failed: FileNotFoundError"):
        list(readahead(_fails, tmp_path / "f.ndjson"))


def test_the_builders_own_error_before_a_bad_line_of_the_worker_is_named(
    chain: Chain, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A duplicate key (found by SQLite, in this process) on line 100 is named, not the bad
    line 120 that the worker read ahead of it."""
    from domain.errors import ExportError
    from publisher.publish import publish

    export = _copy_export(chain.exports[2], tmp_path / "export")
    _edit(export, "practitioners.ndjson", 100, _same_cert_as_earlier)
    _edit(export, "practitioners.ndjson", 120, _bad_check_char)
    started = _count_workers(monkeypatch)
    with pytest.raises(ExportError) as err:
        publish(export, chain.trust, chain.publisher, tmp_path / "bundle", id_key_path=chain.id_key)
    assert started == [1]
    assert (err.value.file, err.value.line) == ("practitioners.ndjson", 100)
