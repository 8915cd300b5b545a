"""kill -9 at any moment of a sync leaves the old replica or the new one, never a mix, and the next
sync works; a replica opened before a snapshot sync keeps reading the old data; leftovers of other
databases beside the replica never leak into a new one."""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import pytest

from tests.sync.conftest import ROOT, Chain, installed, replica_rows, sequence_of


def _sync(home: Path, source: Path | str) -> Any:
    from kiosk.home import Home
    from kiosk.sync import sync

    return sync(Home(home), str(source))


def _digest(db: Path) -> str:
    return hashlib.sha256(repr(replica_rows(db)).encode()).hexdigest()


@dataclass
class Big:
    bundle: Path  # sequence 6: snapshot 6 and the delta 5→6
    home5: Path  # a home synced to sequence 5 (the delta's start)
    digest5: str  # its replica's rows
    digest6: str  # the rows of sequence 6 as its snapshot installs them


@pytest.fixture(scope="module")
def big(chain: Chain, tmp_path_factory: pytest.TempPathFactory) -> Big:
    """12,000 practitioners (a tenth with photos) at sequence 5, and 4,000 changes to sequence 6."""
    from kiosk.home import init
    from publisher.publish import publish
    from seed.mutate import next_export
    from seed.registry import generate

    root = tmp_path_factory.mktemp("big")
    generate(
        root / "e5",
        seed=7,
        practitioners=12_000,
        jurisdiction="410000",
        sequence=5,
        photo_fraction=0.1,
    )
    next_export(root / "e5", root / "e6", seed=8, changes=4000, deletes=200, additions=200)
    publish(root / "e5", chain.trust, chain.publisher, root / "bundle", id_key_path=chain.id_key)
    home5 = root / "home5"
    init(home5, [chain.demo / "keys" / "root.pub.pem"], "410000", chain.id_key)
    _sync(home5, root / "bundle")
    publish(root / "e6", chain.trust, chain.publisher, root / "bundle", id_key_path=chain.id_key)
    ref = root / "ref6"
    init(ref, [chain.demo / "keys" / "root.pub.pem"], "410000", chain.id_key)
    assert _sync(ref, root / "bundle").method == "snapshot"
    return Big(root / "bundle", home5, _digest(installed(home5)), _digest(installed(ref)))


def _sync_cli(home: Path, bundle: Path | str) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if k != "YANZHAO_HOME"}
    return subprocess.Popen(
        [sys.executable, str(ROOT / "main.py"), "--home", str(home), "sync", str(bundle)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def _kill(proc: subprocess.Popen[bytes], home: Path, when: tuple[str, object]) -> bool:
    """SIGKILL `proc` after a delay, or the moment a file matching a glob shows up in `home` (plus a
    delay); False when the sync finished before that moment came."""
    kind, arg = when
    if kind == "exit":  # no kill: let it finish
        return proc.wait(60) == 0
    if kind == "current":  # the moment CURRENT names the new replica (the swap)
        while (home / "replica" / "CURRENT").read_text("ascii").strip() != arg:
            if proc.poll() is not None:
                return False
            time.sleep(0.0002)
    elif kind == "gone":  # the moment a file that showed up has gone again (a commit)
        seen = False
        while not seen or list(home.glob(arg)):  # type: ignore[arg-type]
            seen = seen or bool(list(home.glob(arg)))  # type: ignore[arg-type]
            if proc.poll() is not None:
                return False
            time.sleep(0.0002)
    elif kind == "glob":
        pattern, extra = cast(tuple[str, float], arg)
        while not list(home.glob(pattern)):
            if proc.poll() is not None:
                return False
            time.sleep(0.0002)
        time.sleep(extra)
    else:
        time.sleep(arg)  # type: ignore[arg-type]
    finished = proc.poll() is not None
    proc.send_signal(signal.SIGKILL)
    proc.wait(10)
    return not finished


def _check_after_kill(home: Path, old: str, new: str) -> str:
    """The replica opens as the kiosk opens it, is intact, and is wholly the old or the new one."""
    from kiosk.home import Home

    h = Home(home)
    replica = h.replica()  # read-only, as the kiosk does
    assert replica is not None
    seq = replica.info().sequence
    replica.close()
    conn = sqlite3.connect(f"file:{installed(home)}?mode=ro", uri=True)
    assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    conn.close()
    digest = _digest(installed(home))
    assert digest in (old, new), "a mix of old and new"
    assert seq == sequence_of(installed(home)) == (6 if digest == new else seq)
    assert h.trust_list() is not None
    return "old" if digest == old else "new"


def _killed_runs(
    start: Path,
    bundle: Path | str,
    old: str,
    new: str,
    tmp: Path,
    method: str,
    phases: list[tuple[str, object]],
) -> dict[str, int]:
    """Time one whole CLI sync, then SIGKILL copies of `start` at delays spread over that time and
    at the moment each phase begins (its first file appears); then sync again."""
    whole = tmp / "whole"
    shutil.copytree(start, whole)
    began = time.monotonic()
    proc = _sync_cli(whole, bundle)
    assert proc.wait(60) == 0, proc.stderr.read() if proc.stderr else ""
    took = time.monotonic() - began
    assert _digest(installed(whole)) == new
    moments: list[tuple[str, object]] = [("after", took * f) for f in (0.3, 0.6, 0.8, 0.95, 1.2)]
    moments += phases
    outcomes = {"old": 0, "new": 0}
    for i, when in enumerate(moments):
        home = tmp / f"kill-{i}"
        shutil.copytree(start, home)
        proc = _sync_cli(home, bundle)
        killed = _kill(proc, home, when)
        assert killed or when[0] == "after", f"the sync finished before {when} came"
        outcomes[_check_after_kill(home, old, new)] += 1
        result = _sync(home, bundle)
        assert result.to_sequence == 6 and result.method in (method, "none")
        assert sequence_of(installed(home)) == 6
        assert [p.name for p in (home / "replica").iterdir() if p.name != "CURRENT"] == [
            installed(home).name
        ]
        shutil.rmtree(home)
    return outcomes


def test_kill_during_snapshot_sync(big: Big, home1: Path, tmp_path: Path) -> None:
    """From the demo replica (sequence 1, no delta from it): hash-and-decompress straight from
    the bundle folder (no staging copy), swap."""
    phases: list[tuple[str, object]] = [
        ("glob", ("replica/*.part", 0.0)),
        ("glob", ("replica/*.part", 0.02)),  # decompress
        ("glob", ("replica/replica-00000006.db", 0.0)),  # renamed, CURRENT not yet switched
        ("current", "replica-00000006.db"),  # switched, old replica and trust list not yet done
    ]
    outcomes = _killed_runs(
        home1, big.bundle, _digest(installed(home1)), big.digest6, tmp_path, "snapshot", phases
    )
    assert outcomes["old"] and outcomes["new"], outcomes


def test_kill_during_snapshot_sync_over_http(big: Big, home1: Path, tmp_path: Path) -> None:
    """The same over HTTP, where the snapshot is downloaded into staging/ first: a kill while
    downloading or installing leaves the old replica or the new one, and the next sync works
    (resuming after a kill mid-download is the next test's; after a cut connection,
    test_sync_http.py's)."""
    import threading

    from tests.sync.test_sync_http import BundleServer

    srv = BundleServer(big.bundle)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    try:
        phases: list[tuple[str, object]] = [
            ("glob", ("staging/snapshot-*", 0.0)),  # downloading
            ("glob", ("replica/*.part", 0.0)),  # installing from staging
            ("current", "replica-00000006.db"),
        ]
        outcomes = _killed_runs(
            home1, srv.url, _digest(installed(home1)), big.digest6, tmp_path, "snapshot", phases
        )
    finally:
        srv.release.set()
        srv.shutdown()
        srv.server_close()
    assert outcomes["old"] and outcomes["new"], outcomes


def test_kill_mid_download_keeps_the_part_and_the_next_sync_resumes_it(
    big: Big, home1: Path, tmp_path: Path
) -> None:
    """kill -9 while the snapshot is half downloaded (from a slow server, so that the kill lands
    mid-transfer): the old replica is untouched, the part stays in staging/, and the next sync
    asks only for the rest (a Range request from where the part ends) and installs the new
    replica."""
    import threading

    from tests.sync.test_sync_http import BundleServer

    (snap,) = big.bundle.glob("snapshot-*.db.zst")
    size = snap.stat().st_size
    srv = BundleServer(big.bundle)
    srv.pace = 4 * 65536 / size  # about four seconds for the whole snapshot
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    try:
        home = tmp_path / "home"
        shutil.copytree(home1, home)
        proc = _sync_cli(home, srv.url)
        part = home / "staging" / snap.name
        deadline = time.monotonic() + 60
        while not (part.exists() and part.stat().st_size >= size // 4):
            assert proc.poll() is None, "the sync ended before a quarter was downloaded"
            assert time.monotonic() < deadline
            time.sleep(0.01)
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
        kept = part.stat().st_size
        assert size // 4 <= kept < size, "the kill did not land mid-download"
        assert _check_after_kill(home, _digest(installed(home1)), big.digest6) == "old"

        srv.pace, srv.requests = 0.0, []
        result = _sync(home, srv.url)
    finally:
        srv.release.set()
        srv.shutdown()
        srv.server_close()
    assert result.method == "snapshot" and result.to_sequence == 6
    assert _digest(installed(home)) == big.digest6
    asked = [rng for name, rng in srv.requests if name == snap.name]
    assert asked == [f"bytes={kept}-"], asked  # the rest only, from where the part ended
    assert not part.exists(), "the download was left in staging/"


def test_kill_during_delta_sync(big: Big, tmp_path: Path) -> None:
    """From sequence 5: download the delta, apply its changes in one transaction."""
    phases: list[tuple[str, object]] = [
        ("glob", ("staging/delta-*", 0.0)),  # download
        ("glob", ("replica/*-journal", 0.0)),
        ("glob", ("replica/*-journal", 0.01)),  # applying
        ("glob", ("replica/*-journal", 0.03)),
        ("gone", "replica/*-journal"),  # committed, trust list and staging not yet done
    ]
    outcomes = _killed_runs(
        big.home5, big.bundle, big.digest5, big.digest6, tmp_path, "delta", phases
    )
    assert outcomes["old"] and outcomes["new"], outcomes


def _hot_journal(db: Path, into: Path) -> None:
    """Leave a hot rollback journal of `db` (a killed writer's) at `into`."""
    code = (
        "import os, sqlite3, sys\n"
        "c = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
        "c.execute('PRAGMA journal_mode=DELETE'); c.execute('PRAGMA cache_size=10')\n"
        "c.execute('BEGIN IMMEDIATE'); c.execute('UPDATE practitioner SET name = name || 1')\n"
        "c.execute('DELETE FROM photo')\n"
        "os.kill(os.getpid(), 9)\n"
    )
    subprocess.run([sys.executable, "-c", code, str(db)], check=False)
    os.replace(str(db) + "-journal", into)


def test_a_killed_delta_apply_is_rolled_back_for_readers(chain: Chain, home1: Path) -> None:
    """A hot journal beside the installed replica (kill -9 mid-delta): read-only openers would fail
    with 'attempt to write a readonly database'; the old replica must be what they see."""
    from kiosk.home import Home

    db = installed(home1)
    before = _digest(db)
    scratch = home1 / "scratch.db"
    shutil.copyfile(db, scratch)
    _hot_journal(scratch, Path(str(db) + "-journal"))
    shutil.copyfile(scratch, db)  # the half-written pages the journal undoes
    replica = Home(home1).replica()
    assert replica is not None and replica.info().sequence == 1
    replica.close()
    assert _digest(db) == before
    assert _sync(home1, chain.bundles[2]).method == "delta"


def test_leftovers_beside_the_new_replica_name_are_not_replayed_into_it(
    chain: Chain, home1: Path
) -> None:
    """A stale journal, WAL and shm named for the replica a snapshot sync is about to write."""
    db = installed(home1)
    scratch = home1 / "scratch.db"
    shutil.copyfile(db, scratch)
    target = home1 / "replica" / "replica-00000002.db"
    _hot_journal(scratch, Path(str(target) + "-journal"))
    Path(str(target) + "-wal").write_bytes(os.urandom(4096))
    Path(str(target) + "-shm").write_bytes(os.urandom(32768))
    assert _sync(home1, chain.snap2).method == "snapshot"
    assert installed(home1) == target
    conn = sqlite3.connect(f"file:{target}?mode=ro", uri=True)
    assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    conn.close()
    ref = home1 / "ref.db"
    import zstandard

    with (chain.snap2 / "snapshot-00000002.db.zst").open("rb") as fin, ref.open("wb") as fout:
        zstandard.ZstdDecompressor().copy_stream(fin, fout)
    assert replica_rows(target) == replica_rows(ref)


def test_replica_opened_before_a_snapshot_sync_keeps_reading_old_data(
    chain: Chain, home1: Path
) -> None:
    from kiosk.home import Home

    h = Home(home1)
    old = h.replica()
    assert old is not None
    some = replica_rows(installed(home1))["practitioner"]
    gone = {(r[0], r[1]) for r in some} - {
        (r[0], r[1]) for r in replica_rows(_snap2_db(chain, home1))["practitioner"]
    }
    kind, cert = sorted(gone)[0]
    assert old.practitioner(kind, cert) is not None
    before_rows = old.stats()
    assert _sync(home1, chain.snap2).method == "snapshot"
    # the old connection reads the old file, whole and consistent
    assert old.info().sequence == 1
    assert old.practitioner(kind, cert) is not None
    assert old.stats() == before_rows
    new = h.replica()
    assert new is not None and new.info().sequence == 2
    assert new.practitioner(kind, cert) is None
    old.close()
    new.close()
    # nothing left half-written beside the new replica: the old file went with its last reader
    assert sorted(p.name for p in (home1 / "replica").iterdir()) == sorted(
        ["CURRENT", installed(home1).name]
    )


def _snap2_db(chain: Chain, home: Path) -> Path:
    import zstandard

    out = home / "snap2.db"
    if not out.exists():
        with (chain.snap2 / "snapshot-00000002.db.zst").open("rb") as fin, out.open("wb") as fout:
            zstandard.ZstdDecompressor().copy_stream(fin, fout)
    return out


def test_kill_during_publish_never_half_publishes(
    chain: Chain, home1: Path, tmp_path: Path
) -> None:
    """kill -9 of `publish` at any moment: the folder still serves one whole publication (the old or
    the new), the next publish works, and no working copies pile up in the bundle folder."""
    from tests.sync.conftest import run_main

    args = [
        "--registry",
        str(chain.exports[2]),
        "--trust-list",
        str(chain.trust),
        "--publisher-key",
        str(chain.publisher),
        "--id-key",
        str(chain.id_key),
    ]
    env = {k: v for k, v in os.environ.items() if k != "YANZHAO_HOME"}
    seen = set()
    moments: list[tuple[str, object]] = [
        ("glob", (".publish-*", 0.0)),  # working copy made
        ("glob", (".publish-*/previous.db", 0.0)),  # previous snapshot unpacked
        ("glob", (".publish-*/replica.db", 0.05)),  # building
        ("glob", (".publish-*/delta-*", 0.0)),  # diffing
        ("glob", ("snapshot-00000002.db.zst", 0.0)),  # moved into place, manifest not yet
        ("exit", None),  # done
    ]
    for i, when in enumerate(moments):
        bundle = tmp_path / f"bundle-{i}"
        shutil.copytree(chain.bundles[1], bundle)
        proc = subprocess.Popen(
            [sys.executable, str(ROOT / "main.py"), "publish", *args, "--out", str(bundle)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        assert _kill(proc, bundle, when), f"publish finished before {when}"
        home = tmp_path / f"home-{i}"
        shutil.copytree(home1, home)
        result = _sync(home, bundle)  # whatever the folder holds verifies as one publication
        seen.add(result.to_sequence)
        again = run_main("publish", *args, "--out", str(bundle))
        if result.to_sequence == 2:
            assert again.returncode != 0 and "not after the published 2" in again.stderr
        else:
            assert again.returncode == 0, again.stderr
        assert not list(bundle.glob(".publish-*")), (
            "a killed publication's working copy is left behind"
        )
        assert _sync(home, bundle).to_sequence == 2
        shutil.rmtree(home)
    assert seen == {1, 2}, seen


def test_an_open_kiosk_notices_a_delta_sync_made_by_another_process(
    chain: Chain, home1: Path
) -> None:
    """The TUI keeps its replica open and reopens when CURRENT names another file; a delta applied
    in place under the same name went unnoticed (old sequence and age shown until a restart)."""
    from kiosk.home import Home
    from kiosk.operators import Operator
    from kiosk.service import KioskService
    from tests.sync.conftest import run_main

    service = KioskService(Home(home1), session=Operator("admin1", "admin"))
    health = service.health()
    assert health.replica is not None and health.replica.sequence == 1
    proc = run_main("--home", str(home1), "sync", str(chain.bundles[2]))
    assert proc.returncode == 0 and "delta" in proc.stdout, proc.stderr
    assert service.refresh() is True
    health = service.health()
    assert health.replica is not None and health.replica.sequence == 2
    assert installed(home1).name == "replica-00000002.db"
