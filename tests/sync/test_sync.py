"""sync from a bundle folder: delta and snapshot paths agree, re-sync is a no-op, chains of deltas,
one transaction, rollback refused, and every bad bundle refused with the home untouched (CLI)."""

from __future__ import annotations

import json
import os
import resource
import shutil
import signal
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.sync.conftest import (
    Chain,
    CopyBundle,
    home_state,
    installed,
    replica_rows,
    resign,
    run_main,
    sequence_of,
    sign_trust,
)


def _sync(home: Path, source: Path | str) -> Any:
    from kiosk.home import Home
    from kiosk.sync import sync

    return sync(Home(home), str(source))


def test_delta_sync_equals_snapshot_install(chain: Chain, home1: Path, fresh_home: Path) -> None:
    assert sequence_of(installed(home1)) == 1
    by_delta = _sync(home1, chain.bundles[2])
    by_snapshot = _sync(fresh_home, chain.bundles[2])
    assert (by_delta.method, by_delta.from_sequence, by_delta.to_sequence) == ("delta", 1, 2)
    assert (by_snapshot.method, by_snapshot.to_sequence) == ("snapshot", 2)
    manifest = json.loads((chain.bundles[2] / "manifest.json").read_bytes())
    assert (
        by_delta.downloaded == manifest["deltas"][0]["file"]["size"] < manifest["snapshot"]["size"]
    )
    a, b = replica_rows(installed(home1)), replica_rows(installed(fresh_home))
    for table in a:
        assert a[table] == b[table], table
    assert a["practitioner"] != replica_rows(installed(chain.demo.parent))["practitioner"]
    assert not list((home1 / "staging").iterdir())


def test_resync_is_a_noop_that_exits_0(chain: Chain, home1: Path) -> None:
    first = run_main("--home", str(home1), "sync", str(chain.bundles[2]))
    assert first.returncode == 0, first.stderr
    assert "delta" in first.stdout
    before = home_state(home1)
    again = run_main("sync", str(chain.bundles[2]), "--home", str(home1))
    assert again.returncode == 0, again.stderr
    assert "up to date" in again.stdout
    assert home_state(home1) == before
    result = _sync(home1, chain.bundles[2])
    assert (result.changed, result.method, result.downloaded) == (False, "none", 0)
    assert home_state(home1) == before


def test_two_publications_behind_chains_two_deltas(
    chain: Chain, home1: Path, fresh_home: Path
) -> None:
    manifest = json.loads((chain.bundles[3] / "manifest.json").read_bytes())
    assert [(d["from"], d["to"]) for d in manifest["deltas"]] == [(1, 2), (2, 3)]
    result = _sync(home1, chain.bundles[3])
    assert (result.method, result.from_sequence, result.to_sequence) == ("delta", 1, 3)
    assert result.downloaded == sum(d["file"]["size"] for d in manifest["deltas"])
    _sync(fresh_home, chain.bundles[3])
    assert replica_rows(installed(home1)) == replica_rows(installed(fresh_home))


def test_a_chain_is_applied_in_one_transaction(
    chain: Chain, home1: Path, copy_bundle: CopyBundle
) -> None:
    """The second delta of a chain does not fit: the first one is rolled back with it."""
    import zstandard

    bundle = copy_bundle(chain.bundles[3])
    name = "delta-00000002-00000003.ndjson.zst"
    raw = zstandard.ZstdDecompressor().stream_reader((bundle / name).open("rb")).read()
    header, *records = raw.decode().splitlines()
    first_ins = next(r for r in records if '"op":"ins"' in r and '"t":"practitioner"' in r)
    records.append(first_ins)  # the same row inserted twice: a primary-key clash at the very end
    (bundle / name).write_bytes(
        zstandard.ZstdCompressor().compress(("\n".join([header, *records]) + "\n").encode())
    )
    resign(bundle, chain.publisher)
    before = home_state(home1)
    from domain.errors import BundleIntegrityError

    with pytest.raises(BundleIntegrityError, match="delta does not fit"):
        _sync(home1, bundle)
    assert home_state(home1) == before
    assert sequence_of(installed(home1)) == 1


def test_bundle_rollback_is_refused(chain: Chain, home1: Path) -> None:
    _sync(home1, chain.bundles[2])
    before = home_state(home1)
    proc = run_main("--home", str(home1), "sync", str(chain.bundles[1]))
    assert proc.returncode != 0
    assert "rollback refused" in proc.stderr
    assert home_state(home1) == before


def _trust_doc(chain: Chain) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(chain.trust.read_bytes())
    return doc


def _root(chain: Chain) -> Any:
    from wire.keys import read_private

    return read_private(chain.demo / "keys" / "root.pem")


def test_trust_list_rollback_is_refused(chain: Chain, home1: Path, copy_bundle: CopyBundle) -> None:
    newer = copy_bundle(chain.bundles[1])
    doc = _trust_doc(chain)
    doc["sequence"] = 2
    sign_trust(newer, doc, _root(chain))
    resign(newer, chain.publisher, lambda m: m["trust_list"].update(sequence=2))
    result = _sync(home1, newer)
    assert (result.changed, result.method, result.trust_sequence) == (True, "none", 2)
    assert (home1 / "trust" / "trustlist.json").read_bytes() == (
        newer / "trustlist.json"
    ).read_bytes()
    before = home_state(home1)
    proc = run_main(
        "--home", str(home1), "sync", str(chain.bundles[2])
    )  # newer data, older trust list
    assert proc.returncode != 0
    assert "trust list rollback refused" in proc.stderr
    assert home_state(home1) == before


# ---- bad bundles: each is refused by the CLI, says why, and leaves the home as it was ----------


def _flip(path: Path, at: float = 0.5) -> None:
    data = bytearray(path.read_bytes())
    data[int(len(data) * at)] ^= 0x40
    path.write_bytes(bytes(data))


def _truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def _snapshot(b: Path) -> Path:
    return next(b.glob("snapshot-*.db.zst"))


def _delta(b: Path) -> Path:
    return next(b.glob("delta-*.ndjson.zst"))


def _wrong_key_sig(b: Path, chain: Chain) -> None:
    from seed.keys import generate

    sig = json.loads((b / "manifest.json.sig").read_bytes())
    import base64

    from wire.keys import sign

    sig["sig"] = base64.b64encode(sign(generate(), (b / "manifest.json").read_bytes())).decode()
    (b / "manifest.json.sig").write_text(json.dumps(sig))


def _wrong_root(b: Path, chain: Chain) -> None:
    from seed.keys import generate

    sign_trust(b, _trust_doc(chain), generate())
    resign(b, chain.publisher)


def _other_trust(b: Path, chain: Chain) -> None:
    doc = _trust_doc(chain)
    doc["issued_at"] = "2026-01-01T00:00:00Z"  # root-signed, same sequence, not what was published
    sign_trust(b, doc, _root(chain))


def _snapshot_not_zstd(b: Path, chain: Chain) -> None:
    _snapshot(b).write_bytes(os.urandom(200_000))
    resign(b, chain.publisher)


def _snapshot_not_sqlite(b: Path, chain: Chain) -> None:
    import zstandard

    _snapshot(b).write_bytes(
        zstandard.ZstdCompressor().compress(b"SQLite format 3\x00" + os.urandom(8192))
    )
    resign(b, chain.publisher)


def _snapshot_unreadable(b: Path, chain: Chain) -> None:
    """A folder where the snapshot should be: not a regular file; the message must blame the
    bundle, not the kiosk's disk."""
    path = _snapshot(b)
    path.unlink()
    path.mkdir()


def _older_snapshot_inside(b: Path, chain: Chain) -> None:
    shutil.copyfile(
        next(chain.bundles[1].glob("snapshot-*")), _snapshot(b)
    )  # signed, but sequence 1
    resign(b, chain.publisher)


def _delta_of_another_step(b: Path, chain: Chain) -> None:
    shutil.copyfile(
        b / "delta-00000001-00000002.ndjson.zst", b / "delta-00000002-00000003.ndjson.zst"
    )
    resign(b, chain.publisher)


def _publisher_revoked(b: Path, chain: Chain) -> None:
    doc = _trust_doc(chain)
    doc["sequence"] = 2
    for k in doc["keys"]:
        if k["role"] == "publisher":
            k["revoked_at"] = "2020-01-01T00:00:00Z"
    sign_trust(b, doc, _root(chain))
    resign(b, chain.publisher, lambda m: m["trust_list"].update(sequence=2))


# (bundle, how to spoil it, words the message must contain). "snap" is chain.snap2 (no delta, so the
# home at sequence 1 must take the snapshot); "delta" is chain.bundles[2].
BAD: dict[str, tuple[str, Callable[[Path, Chain], object], str]] = {
    "snapshot corrupt": ("snap", lambda b, c: _flip(_snapshot(b)), "SHA-256 mismatch"),
    "snapshot truncated": ("snap", lambda b, c: _truncate(_snapshot(b)), "the manifest says"),
    "snapshot missing": ("snap", lambda b, c: _snapshot(b).unlink(), "missing"),
    "snapshot not zstd": ("snap", _snapshot_not_zstd, "does not decompress"),
    "snapshot not a replica": ("snap", _snapshot_not_sqlite, "not a replica"),
    "snapshot a folder": ("snap", _snapshot_unreadable, "not a regular file"),
    "snapshot of an older sequence, signed": (
        "snap",
        _older_snapshot_inside,
        "snapshot sequence '1', the manifest says 2",
    ),
    "delta of another step, signed": (
        "delta3",
        _delta_of_another_step,
        "delta does not match the manifest",
    ),
    "publisher revoked by the new trust list": ("delta", _publisher_revoked, "revoked"),
    "delta corrupt": ("delta", lambda b, c: _flip(_delta(b)), "SHA-256 mismatch"),
    "delta truncated": ("delta", lambda b, c: _truncate(_delta(b)), "the manifest says"),
    "manifest corrupt": ("delta", lambda b, c: _flip(b / "manifest.json", 0.3), "does not verify"),
    "manifest truncated": ("delta", lambda b, c: _truncate(b / "manifest.json"), "does not verify"),
    "manifest missing": ("delta", lambda b, c: (b / "manifest.json").unlink(), "manifest.json"),
    "manifest sig garbage": (
        "delta",
        lambda b, c: (b / "manifest.json.sig").write_text("{x"),
        "unreadable",
    ),
    "manifest signed by another key": ("delta", _wrong_key_sig, "does not verify"),
    "trust list signed by a wrong root": ("delta", _wrong_root, "not signed by a pinned root"),
    "trust list corrupt": ("delta", lambda b, c: _flip(b / "trustlist.json", 0.5), "trust"),
    "trust list not the one the manifest names": (
        "delta",
        _other_trust,
        "does not match the manifest",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_bundle_is_refused_and_changes_nothing(
    case: str, chain: Chain, home1: Path, copy_bundle: CopyBundle
) -> None:
    which, spoil, words = BAD[case]
    bundle = copy_bundle(
        {"snap": chain.snap2, "delta": chain.bundles[2], "delta3": chain.bundles[3]}[which]
    )
    spoil(bundle, chain)
    before = home_state(home1)
    proc = run_main("--home", str(home1), "sync", str(bundle))
    assert proc.returncode != 0, proc.stdout
    assert "Traceback" not in proc.stderr
    assert words in proc.stderr, proc.stderr
    assert "磁盘已满" not in proc.stderr  # none of these is the kiosk's disk
    assert home_state(home1) == before
    # and the home is still good: the real bundle syncs next
    assert _sync(home1, chain.bundles[2]).to_sequence == 2


def test_missing_source_folder_is_refused(home1: Path, tmp_path: Path) -> None:
    before = home_state(home1)
    proc = run_main("--home", str(home1), "sync", str(tmp_path / "no-such-bundle"))
    assert proc.returncode != 0
    assert "no such bundle folder" in proc.stderr
    assert home_state(home1) == before


def _limit_file_size(limit: int) -> Callable[[], None]:
    def pre() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # writes past the limit fail with EFBIG
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return pre


def test_full_disk_while_applying_a_delta(chain: Chain, home1: Path) -> None:
    """No file may grow (as on a full disk: the replica's own blocks stay writable): the delta's
    writes fail, SQLite rolls the transaction back, and the message says so (it used to say
    'cannot rollback - no transaction is active' instead)."""
    before = home_state(home1)
    limit = installed(home1).stat().st_size
    proc = run_main(
        "--home", str(home1), "sync", str(chain.bundles[3]), preexec=_limit_file_size(limit)
    )
    assert proc.returncode != 0
    assert "Traceback" not in proc.stderr, proc.stderr
    assert "cannot update the replica: disk I/O error" in proc.stderr, proc.stderr
    assert "磁盘已满" in proc.stderr
    assert home_state(home1) == before
    assert _sync(home1, chain.bundles[3]).method == "delta"


def test_a_second_sync_at_the_same_time_is_refused(chain: Chain, home1: Path) -> None:
    import fcntl

    with (home1 / "sync.lock").open("w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        before = home_state(home1)
        proc = run_main("--home", str(home1), "sync", str(chain.bundles[2]))
        assert proc.returncode != 0
        assert "another sync is running" in proc.stderr
        assert home_state(home1) == before
    assert _sync(home1, chain.bundles[2]).to_sequence == 2


@pytest.mark.parametrize("limit", [1 << 20, 6 << 20], ids=["while-downloading", "while-installing"])
def test_full_disk_is_refused_and_changes_nothing(limit: int, chain: Chain, home1: Path) -> None:
    # the compressed snapshot fits under the larger limit, the replica it unpacks to does not
    assert _snapshot(chain.snap2).stat().st_size < 6 << 20 < installed(home1).stat().st_size
    before = home_state(home1)
    proc = run_main("--home", str(home1), "sync", str(chain.snap2), preexec=_limit_file_size(limit))
    assert proc.returncode != 0
    assert "Traceback" not in proc.stderr, proc.stderr
    assert "File too large" in proc.stderr, proc.stderr
    assert home_state(home1) == before
    assert not list((home1 / "replica").glob("*.part"))
    assert _sync(home1, chain.snap2).to_sequence == 2


def test_a_trust_list_install_cut_short_leaves_the_old_list(
    chain: Chain, home1: Path, copy_bundle: CopyBundle
) -> None:
    """install_trust writes the readable copies, then replaces installed.json (list and
    signature together) by one rename: a crash before that rename leaves the old list whole
    and verifying; the next sync installs the new one."""
    from kiosk.home import Home

    newer = copy_bundle(chain.bundles[2])
    doc = _trust_doc(chain)
    doc["sequence"] = 2
    sign_trust(newer, doc, _root(chain))
    resign(newer, chain.publisher, lambda m: m["trust_list"].update(sequence=2))
    # The crash: the new readable copies are in place, installed.json is not yet replaced.
    shutil.copyfile(newer / "trustlist.json", home1 / "trust" / "trustlist.json")
    shutil.copyfile(newer / "trustlist.json.sig", home1 / "trust" / "trustlist.json.sig")
    (home1 / "trust" / "installed.json.new").write_bytes(b"half-written")
    held = Home(home1).trust_list()
    assert held is not None and held.sequence == 1
    result = _sync(home1, newer)
    assert (result.to_sequence, result.trust_sequence) == (2, 2)
    held = Home(home1).trust_list()
    assert held is not None and held.sequence == 2
    from domain.errors import RollbackError

    with pytest.raises(RollbackError, match="trust list rollback refused"):
        _sync(home1, chain.bundles[1])


def test_a_crash_between_replica_and_trust_list_is_completed_by_the_next_sync(
    chain: Chain, home1: Path, copy_bundle: CopyBundle
) -> None:
    """sync switches the replica first and installs the new trust list last: a kill -9 between
    the two leaves the new replica with the old list. That home must still verify with the old
    list, and the next sync of the same bundle must install the new one."""
    from kiosk.home import Home

    bundle = copy_bundle(chain.bundles[2])
    doc = _trust_doc(chain)
    doc["sequence"] = 2
    sign_trust(bundle, doc, _root(chain))
    resign(bundle, chain.publisher, lambda m: m["trust_list"].update(sequence=2))
    old_trust = {p.name: p.read_bytes() for p in (home1 / "trust").iterdir()}
    result = _sync(home1, bundle)
    assert (result.to_sequence, result.trust_sequence) == (2, 2)
    # what the kill leaves: the new replica, the old trust list
    shutil.rmtree(home1 / "trust")
    (home1 / "trust").mkdir()
    for name, data in old_trust.items():
        (home1 / "trust" / name).write_bytes(data)
    held = Home(home1).trust_list()
    assert held is not None and held.sequence == 1
    assert sequence_of(installed(home1)) == 2
    again = _sync(home1, bundle)
    assert (again.method, again.to_sequence, again.trust_sequence) == ("none", 2, 2)
    held = Home(home1).trust_list()
    assert held is not None and held.sequence == 2
    assert _sync(home1, bundle).changed is False  # and then it is a no-op


def _record_order(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, ...]]:
    """Record, in order: the manifest's verification, each bundle file whose size and SHA-256
    matched the manifest, the opening of the installed replica for deltas, and every switch
    of CURRENT to a new replica."""
    from db import store
    from kiosk import fetch, sync
    from wire import bundle

    events: list[tuple[str, ...]] = []
    real_check = fetch.check_ref

    def check_ref(ref: Any, size: int, sha256: str | None) -> None:
        real_check(ref, size, sha256)  # a mismatch raises: nothing is recorded
        if sha256 is not None:
            events.append(("checked", ref.name))

    def recorded(name: str, real: Callable[..., Any]) -> Callable[..., Any]:
        def call(*args: Any, **kwargs: Any) -> Any:
            events.append((name,))
            return real(*args, **kwargs)

        return call

    monkeypatch.setattr(fetch, "check_ref", check_ref)  # downloads and folder copies
    monkeypatch.setattr(sync, "check_ref", check_ref)  # a folder snapshot, as it is read
    monkeypatch.setattr(bundle, "verify_manifest", recorded("manifest", bundle.verify_manifest))
    monkeypatch.setattr(store, "apply_deltas", recorded("replica opened", store.apply_deltas))
    monkeypatch.setattr(store, "_point", recorded("switch", store._point))  # noqa: SLF001
    return events


def test_every_delta_is_verified_before_the_replica_is_opened(
    chain: Chain, home1: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The order, not only the outcome: the manifest and every delta of the chain are checked
    against the signed manifest before the installed replica is opened to apply them."""
    events = _record_order(monkeypatch)
    _sync(home1, chain.bundles[3])
    manifest = json.loads((chain.bundles[3] / "manifest.json").read_bytes())
    deltas = [d["file"]["name"] for d in manifest["deltas"]]
    assert events == [
        ("manifest",),
        *(("checked", name) for name in deltas),
        ("replica opened",),
        ("switch",),
    ]


def test_a_snapshot_is_verified_before_it_replaces_the_replica(
    chain: Chain, fresh_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A snapshot from a folder is hashed as it is decompressed into a new file; the switch to
    that file comes only after its hash matched."""
    events = _record_order(monkeypatch)
    _sync(fresh_home, chain.bundles[3])
    manifest = json.loads((chain.bundles[3] / "manifest.json").read_bytes())
    assert events == [("manifest",), ("checked", manifest["snapshot"]["name"]), ("switch",)]
