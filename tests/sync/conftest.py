"""Fixtures for the publish and sync tests: a chain of exports and bundles built once.

    chain.exports[n]   the export of sequence n (1 is the demo export; 2 and 3 follow it)
    chain.bundles[n]   the bundle folder as it was right after publishing sequence n
                       (2 holds the delta 1→2; 3 holds 1→2 and 2→3)
    chain.snap2        sequence 2 published into an empty folder: a snapshot and no delta

Everything here is read-only for tests: copy what you change (`copy_bundle`).
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
CopyBundle = Callable[[Path], Path]  # copy_bundle(folder) → a private copy under tmp_path
TABLES = ("institution", "practitioner", "filing", "photo", "meta")


@dataclass
class Chain:
    demo: Path
    exports: dict[int, Path] = field(default_factory=dict)
    bundles: dict[int, Path] = field(default_factory=dict)
    snap2: Path = field(default_factory=Path)  # set by the fixture

    @property
    def trust(self) -> Path:
        return self.demo / "trustlist.json"

    @property
    def publisher(self) -> Path:
        return self.demo / "keys" / "publisher.pem"

    @property
    def id_key(self) -> Path:
        return self.demo / "keys" / "id-index.key"


@pytest.fixture(scope="session")
def chain(demo_world: Path, tmp_path_factory: pytest.TempPathFactory) -> Chain:
    from publisher.publish import publish
    from seed.mutate import next_export

    root = tmp_path_factory.mktemp("chain")
    c = Chain(demo_world / "demo")
    c.exports[1] = c.demo / "export"
    c.bundles[1] = c.demo / "bundle"
    for seq in (2, 3):
        c.exports[seq] = root / f"export-{seq}"
        next_export(
            c.exports[seq - 1], c.exports[seq], seed=100 + seq, changes=50, deletes=5, additions=5
        )
        c.bundles[seq] = root / f"bundle-{seq}"
        shutil.copytree(c.bundles[seq - 1], c.bundles[seq])
        publish(c.exports[seq], c.trust, c.publisher, c.bundles[seq], id_key_path=c.id_key)
    c.snap2 = root / "bundle-2-snapshot-only"
    publish(c.exports[2], c.trust, c.publisher, c.snap2, id_key_path=c.id_key)
    return c


@pytest.fixture
def home1(demo_world: Path, tmp_path: Path) -> Path:
    """A private copy of the synced demo home (replica and trust list at sequence 1), without the
    demo folder beside it (cheaper than `demo_copy`)."""
    dest = tmp_path / "home1"
    shutil.copytree(
        demo_world, dest, ignore=lambda d, names: ["demo"] if Path(d) == demo_world else []
    )
    return dest


@pytest.fixture
def copy_bundle(tmp_path: Path) -> CopyBundle:
    """copy_bundle(folder) → a private copy of a bundle folder under tmp_path."""
    n = 0

    def make(src: Path) -> Path:
        nonlocal n
        n += 1
        dest = tmp_path / f"bundle-copy-{n}"
        shutil.copytree(src, dest)
        return dest

    return make


def file_state(*folders: Path) -> dict[str, str]:
    """Relative path → SHA-256 of every file under the folders (missing folders count as empty)."""
    state: dict[str, str] = {}
    for folder in folders:
        if not folder.exists():
            state[str(folder)] = "absent"
            continue
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                state[str(path)] = hashlib.sha256(path.read_bytes()).hexdigest()
    return state


def home_state(home: Path) -> dict[str, str]:
    """What a failed sync must leave exactly as it was: the replica folder and the trust list."""
    return file_state(home / "replica", home / "trust")


def installed(home: Path) -> Path:
    """The installed replica file named by CURRENT."""
    name = (home / "replica" / "CURRENT").read_text("ascii").strip()
    return home / "replica" / name


def replica_rows(db: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every replica table (and meta), sorted, read through a read-only connection."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return {
            t: sorted(conn.execute(f'SELECT * FROM "{t}"').fetchall(), key=repr) for t in TABLES
        }
    finally:
        conn.close()


def sequence_of(db: Path) -> int:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return int(conn.execute("SELECT value FROM meta WHERE key='sequence'").fetchone()[0])
    finally:
        conn.close()


def resign(bundle: Path, publisher: Path, edit: Any = None) -> None:
    """Rewrite manifest.json (after `edit(doc)`, refreshing every file's size and hash) and sign it
    with the real publisher key: a bundle that passes every signature but carries what we chose."""
    from wire import bundle as b
    from wire.keys import read_private

    doc = json.loads((bundle / b.MANIFEST).read_bytes())
    if edit:
        edit(doc)
    refs = [doc["snapshot"], doc["trust_list"]["file"], doc["trust_list"]["sig"]]
    refs += [d["file"] for d in doc["deltas"]]
    for ref in refs:
        path = bundle / ref["name"]
        if path.is_file() and not path.is_symlink():
            ref.update(b.file_ref(path))
            if path.name.endswith(".zst"):
                ref["unpacked_size"] = _unpacked_size(path)
    data, sig = b.sign_manifest(doc, read_private(publisher))
    (bundle / b.MANIFEST).write_bytes(data)
    (bundle / b.MANIFEST_SIG).write_bytes(sig)


def _unpacked_size(path: Path) -> int:
    import zstandard

    n = 0
    with path.open("rb") as fh, zstandard.ZstdDecompressor().stream_reader(fh) as r:
        try:
            while block := r.read(1 << 20):
                n += len(block)
        except zstandard.ZstdError:
            pass  # a deliberately broken file: keep what it unpacked to before it broke
    return n


def sign_trust(bundle: Path, doc: dict[str, Any], root: Any) -> None:
    """Write a trust list document into a bundle, signed by `root` (a private key)."""
    from wire.keys import sign

    data = json.dumps(doc, ensure_ascii=False, indent=1).encode()
    (bundle / "trustlist.json").write_bytes(data)
    (bundle / "trustlist.json.sig").write_text(
        base64.b64encode(sign(root, data)).decode() + "\n", "ascii"
    )


def run_main(
    *args: str, preexec: Any = None, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    """`python main.py ARGS` in a subprocess, as an admin would run it."""
    env = {k: v for k, v in os.environ.items() if k != "YANZHAO_HOME"}
    env["PYTHONPATH"] = str(ROOT)
    return subprocess.run(
        [sys.executable, str(ROOT / "main.py"), *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        preexec_fn=preexec,
    )
