"""A bundle is hostile until proven otherwise (cli.md, "sync"): each attack here was made with
files anyone can put where a kiosk syncs from, and each is refused before anything larger than
the manifest is written, leaving the replica, the trust list and the sync lock as they were.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import threading
from pathlib import Path
from typing import Any

import pytest
import zstandard

from domain.errors import BundleIntegrityError, BundleSignatureError, SyncError
from tests.sync.conftest import Chain, home_state, installed, resign, sequence_of


def _sync(home: Path, source: Path | str, **kw: Any) -> Any:
    from kiosk.home import Home
    from kiosk.sync import sync

    return sync(Home(home), str(source), **kw)


def _refused(home: Path, source: Path, error: type[Exception], words: str) -> None:
    before = home_state(home)
    with pytest.raises(error, match=words):
        _sync(home, source)
    assert home_state(home) == before
    # No lock outlives a failure: an honest sync right after goes through.
    assert not list((home / "staging").glob("*.part"))


def _snapshot(b: Path) -> Path:
    return next(b.glob("snapshot-*.db.zst"))


def _manifest(b: Path) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads((b / "manifest.json").read_bytes())
    return doc


# ---- the jurisdiction is pinned at init ---------------------------------------------------------


def test_a_genuine_bundle_of_another_province_is_refused(
    chain: Chain, home1: Path, tmp_path: Path
) -> None:
    """A real Hubei bundle, signed by the national publisher, must not replace a Henan kiosk's
    replica; its own next bundle still installs afterwards."""
    from publisher.publish import publish

    export = tmp_path / "hubei-export"
    shutil.copytree(chain.exports[1], export, ignore=shutil.ignore_patterns("photos"))
    meta = json.loads((export / "meta.json").read_bytes())
    meta.update(jurisdiction="420000", sequence=9)
    (export / "meta.json").write_text(json.dumps(meta))
    for line_file in ("practitioners.ndjson",):
        rows = [json.loads(x) for x in (export / line_file).read_text("utf-8").splitlines()]
        for r in rows:
            r.pop("photo", None)
        (export / line_file).write_text(
            "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8"
        )
    hubei = tmp_path / "hubei-bundle"
    publish(export, chain.trust, chain.publisher, hubei, id_key_path=chain.id_key)
    _refused(home1, hubei, SyncError, "420000")
    assert sequence_of(installed(home1)) == 1
    result = _sync(home1, chain.bundles[2])
    assert (result.method, result.to_sequence) == ("delta", 2)


def test_a_home_without_a_pinned_jurisdiction_refuses_to_sync(chain: Chain, home1: Path) -> None:
    (home1 / "home.json").unlink()
    from domain.errors import HomeError

    with pytest.raises(HomeError, match="jurisdiction"):
        _sync(home1, chain.bundles[2])


def test_a_manifest_signed_by_an_issuer_key_is_refused(
    chain: Chain, home1: Path, copy_bundle: Any
) -> None:
    """Only a key whose role is publisher signs bundles: an issuer's key (in the trust list,
    valid, of the right authority) does not."""
    b = copy_bundle(chain.bundles[2])
    resign(b, chain.demo / "keys" / "issuer-henan.pem")
    _refused(home1, b, BundleSignatureError, "publisher key not in the trust list")


def test_a_publisher_key_of_another_jurisdiction_is_refused(
    chain: Chain, home1: Path, copy_bundle: Any, tmp_path: Path
) -> None:
    """A publisher key listed for Hubei cannot publish Henan's replica."""
    import base64

    from seed import keys as keytool
    from tests.sync.conftest import sign_trust
    from wire import trust
    from wire.keys import read_private

    b = copy_bundle(chain.bundles[2])
    hubei = keytool.generate("Ed25519")
    keytool.write_pair(hubei, tmp_path, "hubei-publisher")
    doc = json.loads(chain.trust.read_bytes())
    doc["sequence"] += 1
    doc["keys"].append(
        trust.entry(
            hubei.public_key(),
            role="publisher",
            authority="420000",
            authority_name="湖北省卫生健康委员会",
            not_before="2020-01-01T00:00:00Z",
            not_after="2099-01-01T00:00:00Z",
        )
    )
    sign_trust(b, doc, read_private(chain.demo / "keys" / "root.pem"))
    resign(b, tmp_path / "hubei-publisher.pem", lambda m: m["trust_list"].update(sequence=2))
    assert base64.b64decode(json.loads((b / "manifest.json.sig").read_bytes())["sig"])
    _refused(home1, b, BundleSignatureError, "not authorised for this jurisdiction")


def test_an_sm2_publisher_signs_and_a_forged_sm2_signature_is_refused(
    chain: Chain, home1: Path, copy_bundle: Any, tmp_path: Path
) -> None:
    """An SM2 publisher key (issue 22) signs manifests like an Ed25519 one; its signature with
    one bit changed, or with r out of range, is refused before anything is written."""
    import base64

    from seed import keys as keytool
    from tests.sync.conftest import sign_trust
    from wire import sm2, trust
    from wire.keys import read_private

    sm2_pub = keytool.generate("SM2")
    keytool.write_pair(sm2_pub, tmp_path, "sm2-publisher")
    doc = json.loads(chain.trust.read_bytes())
    doc["sequence"] += 1
    doc["keys"].append(
        trust.entry(
            sm2_pub.public_key(),
            role="publisher",
            authority="000000",
            authority_name="国家卫生健康委员会 电子化注册数据发布 (SM2)",
            not_before="2020-01-01T00:00:00Z",
            not_after="2099-01-01T00:00:00Z",
        )
    )

    def bundle_signed_by_sm2() -> Path:
        b: Path = copy_bundle(chain.bundles[2])
        sign_trust(b, doc, read_private(chain.demo / "keys" / "root.pem"))
        resign(b, tmp_path / "sm2-publisher.pem", lambda m: m["trust_list"].update(sequence=2))
        return b

    for change in ("flip", "high r"):
        b = bundle_signed_by_sm2()
        sig_doc = json.loads((b / "manifest.json.sig").read_bytes())
        sig = bytearray(base64.b64decode(sig_doc["sig"]))
        if change == "flip":
            sig[40] ^= 1
        else:
            sig[:32] = sm2.N.to_bytes(32, "big")
        sig_doc["sig"] = base64.b64encode(bytes(sig)).decode()
        (b / "manifest.json.sig").write_text(json.dumps(sig_doc))
        _refused(home1, b, BundleSignatureError, "does not verify")
    _sync(home1, bundle_signed_by_sm2())
    assert sequence_of(installed(home1)) == 2


# ---- sizes: a zstd bomb stops at the declared size ----------------------------------------------


def _bomb(path: Path, size: int, unpacked: int) -> None:
    """A zstd stream of `unpacked` zero bytes, padded with a skippable frame to exactly `size`
    bytes, so that it passes the size check and is caught only while it unpacks."""
    cctx = zstandard.ZstdCompressor(level=1)
    with path.open("wb") as fh:
        with cctx.stream_writer(fh, closefd=False) as w:
            zeros = bytes(8 << 20)
            for _ in range(unpacked // len(zeros)):
                w.write(zeros)
        pad = size - fh.tell() - 8
        assert pad >= 0
        fh.write((0x184D2A50).to_bytes(4, "little") + pad.to_bytes(4, "little") + bytes(pad))
    assert path.stat().st_size == size


def test_a_zstd_bomb_in_place_of_the_snapshot_stops_at_the_declared_size(
    chain: Chain, fresh_home: Path, copy_bundle: Any
) -> None:
    b = copy_bundle(chain.bundles[1])
    ref = _manifest(b)["snapshot"]
    written: list[int] = []
    stop = threading.Event()

    def watch() -> None:  # the largest file the sync writes into the home, while it runs
        while not stop.is_set():
            sizes = [p.stat().st_size for p in fresh_home.rglob("*") if p.is_file()]
            written.append(max(sizes, default=0))
            stop.wait(0.005)

    _bomb(_snapshot(b), ref["size"], 512 << 20)
    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        _refused(fresh_home, b, BundleIntegrityError, "unpacks to more than|SHA-256 mismatch")
    finally:
        stop.set()
        watcher.join()
    assert max(written) <= ref["unpacked_size"] + (2 << 20)
    assert not list((fresh_home / "replica").glob("replica-*"))


def test_a_delta_that_unpacks_past_its_declared_size_is_refused(
    chain: Chain, home1: Path, copy_bundle: Any
) -> None:
    """A delta whose manifest entry understates what it unpacks to (a publisher bug or a
    bomb) is cut off at the stated size."""
    b = copy_bundle(chain.bundles[2])

    def understate(doc: dict[str, Any]) -> None:
        doc["deltas"][0]["file"]["unpacked_size"] = 1000

    resign(b, chain.publisher)
    doc = _manifest(b)
    understate(doc)
    from wire import bundle as kb
    from wire.keys import read_private

    data, sig = kb.sign_manifest(doc, read_private(chain.publisher))
    (b / "manifest.json").write_bytes(data)
    (b / "manifest.json.sig").write_bytes(sig)
    _refused(home1, b, BundleIntegrityError, "unpacks to more than")


def test_a_snapshot_of_another_size_is_refused_before_it_is_read(
    chain: Chain, fresh_home: Path, copy_bundle: Any
) -> None:
    b = copy_bundle(chain.bundles[1])
    with _snapshot(b).open("ab") as fh:
        fh.write(b"\0" * 10)
    _refused(fresh_home, b, BundleIntegrityError, "the manifest says")


# ---- regular files only -------------------------------------------------------------------------


@pytest.mark.parametrize("what", ["symlink to /dev/zero", "symlink to a file", "fifo"])
def test_a_snapshot_that_is_not_a_regular_file_is_refused_at_once(
    what: str, chain: Chain, fresh_home: Path, copy_bundle: Any
) -> None:
    """Each of these made sync spin or block forever while holding the sync lock."""
    b = copy_bundle(chain.bundles[1])
    snap = _snapshot(b)
    real = b / "elsewhere.bin"
    shutil.move(snap, real)
    if what == "fifo":
        os.mkfifo(snap)
    else:
        snap.symlink_to("/dev/zero" if "zero" in what else real)
    done: list[Any] = []

    def run() -> None:
        try:
            _sync(fresh_home, b)
        except Exception as err:  # noqa: BLE001 - handed to the test thread
            done.append(err)
        else:
            done.append(None)

    t = threading.Thread(target=run, daemon=True)
    t.start()
    t.join(20)
    assert done, "sync hung on a non-regular file"
    assert isinstance(done[0], BundleIntegrityError)
    assert "not a regular file" in str(done[0]) or "symbolic link" in str(done[0])
    snap.unlink()
    shutil.move(real, snap)
    assert _sync(fresh_home, b).method == "snapshot"  # the lock was released


@pytest.mark.parametrize("name", ["manifest.json", "trustlist.json", "manifest.json.sig"])
def test_small_files_that_are_not_regular_are_refused(
    name: str, chain: Chain, home1: Path, copy_bundle: Any
) -> None:
    b = copy_bundle(chain.bundles[2])
    (b / name).unlink()
    os.mkfifo(b / name)
    before = home_state(home1)
    with pytest.raises(SyncError, match="not a regular file"):
        _sync(home1, b)
    assert home_state(home1) == before


# ---- the snapshot's schema is the kiosk's own ---------------------------------------------------


def _tamper_snapshot(b: Path, chain: Chain, sql: str, meta: dict[str, str] | None = None) -> None:
    """Unpack the snapshot, run `sql` on it, pack and re-sign: a publisher-signed snapshot
    carrying what we chose."""
    snap = _snapshot(b)
    db = b.parent / (b.name + "-snap.db")
    db.write_bytes(zstandard.ZstdDecompressor().stream_reader(snap.read_bytes()).read())
    with sqlite3.connect(db) as conn:
        if sql:
            conn.executescript(sql)
        for k, v in (meta or {}).items():
            conn.execute("UPDATE meta SET value = ? WHERE key = ?", (v, k))
    conn.close()
    snap.write_bytes(zstandard.ZstdCompressor().compress(db.read_bytes()))
    db.unlink()
    resign(b, chain.publisher)


TRIGGER = """
CREATE TRIGGER undo_cancel AFTER UPDATE OF status ON practitioner
WHEN new.status = 'cancelled'
BEGIN UPDATE practitioner SET status = 'active' WHERE kind = new.kind AND cert_no = new.cert_no;
END;
"""


@pytest.mark.parametrize(
    ("sql", "words"),
    [
        (TRIGGER, "trigger undo_cancel"),
        ("CREATE VIEW v AS SELECT * FROM practitioner;", "view v"),
        ("CREATE TABLE extra (x);", "table extra"),
        ("CREATE INDEX extra_idx ON practitioner (sex);", "index extra_idx"),
        ("DROP INDEX practitioner_name;", "missing index practitioner_name"),
    ],
)
def test_a_signed_snapshot_with_another_schema_is_refused(
    sql: str, words: str, chain: Chain, fresh_home: Path, copy_bundle: Any
) -> None:
    b = copy_bundle(chain.bundles[1])
    _tamper_snapshot(b, chain, sql)
    _refused(fresh_home, b, BundleIntegrityError, words)
    assert not list((fresh_home / "replica").glob("replica-*"))


def test_the_trigger_attack_no_longer_undoes_a_cancellation(
    chain: Chain, fresh_home: Path, copy_bundle: Any
) -> None:
    """What the trigger was for: the snapshot is refused, so the honest snapshot and its
    deltas install as published."""
    b = copy_bundle(chain.bundles[1])
    _tamper_snapshot(b, chain, TRIGGER)
    with pytest.raises(BundleIntegrityError):
        _sync(fresh_home, b)
    _sync(fresh_home, chain.bundles[1])
    with sqlite3.connect(f"file:{installed(fresh_home)}?mode=ro", uri=True) as conn:
        assert conn.execute(
            "SELECT count(*) FROM sqlite_schema WHERE type='trigger'"
        ).fetchone() == (0,)
    conn.close()


@pytest.mark.parametrize(
    ("meta", "words"),
    [
        ({"jurisdiction": "420000"}, "snapshot jurisdiction"),
        ({"sequence": "7"}, "snapshot sequence"),
    ],
)
def test_a_snapshot_whose_own_meta_differs_from_the_manifest_is_refused(
    meta: dict[str, str], words: str, chain: Chain, fresh_home: Path, copy_bundle: Any
) -> None:
    b = copy_bundle(chain.bundles[1])
    _tamper_snapshot(b, chain, "", meta)
    _refused(fresh_home, b, BundleIntegrityError, words)


def test_a_delta_header_that_moves_the_replica_to_another_jurisdiction_is_refused(
    chain: Chain, home1: Path, copy_bundle: Any
) -> None:
    b = copy_bundle(chain.bundles[2])
    delta = next(b.glob("delta-*.ndjson.zst"))
    raw = zstandard.ZstdDecompressor().stream_reader(delta.read_bytes()).read()
    header, rest = raw.split(b"\n", 1)
    doc = json.loads(header)
    doc["meta"]["jurisdiction"] = "420000"
    delta.write_bytes(zstandard.ZstdCompressor().compress(json.dumps(doc).encode() + b"\n" + rest))
    resign(b, chain.publisher)
    _refused(home1, b, BundleIntegrityError, "delta does not match the manifest")


# ---- strict types in the manifest ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("edit", "words"),
    [
        (lambda d: d.update(sequence="2"), "sequence"),
        (lambda d: d.update(sequence=2.9), "sequence"),
        (lambda d: d.update(sequence=True), "sequence"),
        (lambda d: d.update(sequence=-1), "sequence"),
        (lambda d: d.update(exported_at="2026-02-31T08:00:00+08:00"), "malformed"),
        (lambda d: d["snapshot"].update(name="snap\u0000shot.db.zst"), "file name"),
        (lambda d: d["snapshot"].update(name="../replica/CURRENT"), "file name"),
        (lambda d: d["snapshot"].update(size="123"), "size"),
        (lambda d: d["snapshot"].pop("unpacked_size"), "unpacked_size"),
        (lambda d: d["deltas"][0].update({"from": 1.0}), "from"),
        (lambda d: d.update(jurisdiction="４１００００"), "jurisdiction"),
        (lambda d: d.update(format="yanzhao-bundle/1"), "format"),
    ],
)
def test_a_signed_manifest_with_loose_types_is_refused(
    edit: Any, words: str, chain: Chain, home1: Path, copy_bundle: Any
) -> None:
    from wire import bundle as kb
    from wire.keys import read_private

    b = copy_bundle(chain.bundles[2])
    doc = _manifest(b)
    edit(doc)
    data, sig = kb.sign_manifest(doc, read_private(chain.publisher))
    (b / "manifest.json").write_bytes(data)
    (b / "manifest.json.sig").write_bytes(sig)
    _refused(home1, b, BundleIntegrityError, words)


def test_a_nul_byte_in_a_file_name_is_a_sentence_through_the_cli(
    chain: Chain, home1: Path, copy_bundle: Any
) -> None:
    from tests.sync.conftest import run_main
    from wire import bundle as kb
    from wire.keys import read_private

    b = copy_bundle(chain.bundles[2])
    doc = _manifest(b)
    doc["snapshot"]["name"] = "snapshot\u0000.db.zst"
    data, sig = kb.sign_manifest(doc, read_private(chain.publisher))
    (b / "manifest.json").write_bytes(data)
    (b / "manifest.json.sig").write_bytes(sig)
    proc = run_main("--home", str(home1), "sync", str(b))
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "file name" in proc.stderr
