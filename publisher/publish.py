"""`publish`: a registry export → a signed bundle (snapshot, and a delta from the previous one).

The whole publication is built in a temporary folder inside the bundle folder and only then
moved into place, manifest last, so a reader (or a crash) never sees a half-published bundle.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import json
import logging
import os
import shutil
import sqlite3
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, cast

import zstandard

from domain import idkey
from domain.errors import ExportError, KeyFileError, TrustListError
from publisher import build, diff
from publisher.export import read_meta
from wire import bundle
from wire.keys import kid_bytes, kid_text, read_private, spki_der

log = logging.getLogger(__name__)
KEEP_DELTAS = 30
ZSTD_LEVEL = 3


@dataclass(frozen=True, slots=True)
class Publication:
    """What publish wrote."""

    sequence: int
    snapshot: str
    delta: str | None
    counts: dict[str, Any]


def _compress(src: Path, dst: Path) -> None:
    cctx = zstandard.ZstdCompressor(level=ZSTD_LEVEL, threads=-1, write_checksum=True)
    with src.open("rb") as fin, dst.open("wb") as fout:
        cctx.copy_stream(fin, fout, size=src.stat().st_size)


def decompress(src: Path, dst: Path) -> None:
    """Decompress a .zst file."""
    with src.open("rb") as fin, dst.open("wb") as fout:
        zstandard.ZstdDecompressor().copy_stream(fin, fout)


def _check_trust(trust_path: Path, key_kid: str) -> tuple[bytes, bytes, int]:
    sig_path = trust_path.with_name(trust_path.name + ".sig")
    try:
        data, sig = trust_path.read_bytes(), sig_path.read_bytes()
        doc = json.loads(data)
        seq = int(doc["sequence"])
    except OSError as err:
        raise TrustListError(
            f"无法读取信任列表 {err.filename} (cannot read the trust list or its .sig)"
        ) from None
    except (ValueError, KeyError, TypeError):
        raise TrustListError("信任列表格式错误 (trust list malformed)") from None
    entry = next((k for k in doc.get("keys", []) if k.get("kid") == key_kid), None)
    if entry is None or entry.get("role") != "publisher":
        raise KeyFileError(
            "发布密钥不在信任列表的 publisher 中 (publisher key is not in the trust list)"
        )
    return data, sig, seq


def _previous(out: Path) -> dict[str, Any] | None:
    path = out / bundle.MANIFEST
    if not path.exists():
        return None
    try:
        doc: dict[str, Any] = json.loads(path.read_bytes())
        return doc
    except ValueError:
        raise ExportError("existing manifest.json in the bundle folder is unreadable") from None


def publish(
    export: Path, trust_path: Path, key_path: Path, out: Path, *, id_key_path: Path
) -> Publication:
    """Publish an export into the bundle folder `out`, indexing ID numbers under the ID-index
    key read from `id_key_path` (which never enters the bundle).

    Raises:
        ExportError, TrustListError, KeyFileError: nothing in `out` is changed.
    """
    key = read_private(key_path)
    id_key = idkey.read(id_key_path)
    kid = kid_text(kid_bytes(spki_der(key.public_key())))
    trust_data, trust_sig, trust_seq = _check_trust(trust_path, kid)
    meta = read_meta(export)
    created = not out.exists()
    out.mkdir(parents=True, exist_ok=True)
    try:
        with _locked(out):
            for stale in out.glob(".publish-*"):  # working copies of a killed publication
                shutil.rmtree(stale, ignore_errors=True)
            prev = _previous(out)
            if prev is not None and prev.get("jurisdiction") != meta["jurisdiction"]:
                raise ExportError(
                    f"the bundle folder publishes {prev.get('jurisdiction')!r}, this export is "
                    f"{meta['jurisdiction']!r}: publish into another folder",
                    file="meta.json",
                )
            if prev is not None and meta["sequence"] <= int(prev["sequence"]):
                raise ExportError(
                    f"sequence {meta['sequence']} is not after the published {prev['sequence']}",
                    file="meta.json",
                )
            work = Path(tempfile.mkdtemp(prefix=".publish-", dir=out))
            try:
                return _publish(
                    export, key, id_key, trust_data, trust_sig, trust_seq, meta, prev, out, work
                )
            finally:
                shutil.rmtree(work, ignore_errors=True)
    except BaseException:
        if created:  # a refused first publication leaves no empty bundle folder behind
            shutil.rmtree(out, ignore_errors=True)
        raise


@contextlib.contextmanager
def _locked(out: Path) -> Iterator[None]:
    """One publication at a time in a bundle folder (a lock on the folder itself, no lock file)."""
    fd = os.open(out, os.O_RDONLY)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            raise ExportError("another publish into this bundle folder is running") from None
        yield
    finally:
        os.close(fd)


def _publish(
    export: Path,
    key: Any,
    id_key: bytes,
    trust_data: bytes,
    trust_sig: bytes,
    trust_seq: int,
    meta: dict[str, Any],
    prev: dict[str, Any] | None,
    out: Path,
    work: Path,
) -> Publication:
    seq = meta["sequence"]
    prev_db: Path | None = None
    if prev is not None:
        prev_db = work / "previous.db"
        t0 = time.perf_counter()
        _check_previous(out, prev)
        decompress(out / prev["snapshot"]["name"], prev_db)
        log.info(
            "publish phase previous snapshot checked and unpacked: %.1f s", time.perf_counter() - t0
        )
        with contextlib.closing(sqlite3.connect(f"file:{prev_db}?mode=ro", uri=True)) as conn:
            prev_meta = dict(conn.execute("SELECT key, value FROM meta").fetchall())
        if prev_meta.get("schema") != build.SCHEMA or prev_meta.get(
            "id_key_check"
        ) != idkey.check_value(id_key):
            # Another table layout, or a new ID-index key (every index value changes): no
            # delta from it, kiosks take the snapshot.
            prev_db.unlink()
            prev_db = None
            prev = {**prev, "deltas": []}  # nor the deltas that led to it
    db_path = work / "replica.db"
    t0 = time.perf_counter()
    values = build.build(export, db_path, id_key=id_key)
    log.info("publish phase build: %.1f s", time.perf_counter() - t0)
    t0 = time.perf_counter()
    snap = work / f"snapshot-{seq:08d}.db.zst"
    deltas = [d for d in (prev or {}).get("deltas", []) if (out / d["file"]["name"]).exists()]
    delta_name = None
    # The snapshot is compressed (zstd releases the GIL) while the delta is computed.
    with ThreadPoolExecutor(1, thread_name_prefix="compress") as pool:
        compressed = pool.submit(_compress, db_path, snap)
        if prev_db is not None and prev is not None:
            delta_name = f"delta-{int(prev['sequence']):08d}-{seq:08d}.ndjson.zst"
            header = {"from": int(prev["sequence"]), "to": seq, "meta": values}
            cctx = zstandard.ZstdCompressor(level=ZSTD_LEVEL, write_checksum=True)
            with (work / delta_name).open("wb") as raw, cctx.stream_writer(raw) as zfh:
                fh = _Counted(zfh)
                diff.write(diff.diff(prev_db, db_path), header, cast(IO[bytes], fh))
            deltas.append(
                {
                    "from": header["from"],
                    "to": seq,
                    "file": bundle.file_ref(work / delta_name, unpacked=fh.count),
                }
            )
            log.info("publish phase delta: %.1f s", time.perf_counter() - t0)
        compressed.result()
        log.info(
            "publish phase snapshot compressed (with the delta): %.1f s", time.perf_counter() - t0
        )
    deltas = deltas[-KEEP_DELTAS:]
    (work / bundle.TRUST).write_bytes(trust_data)
    (work / bundle.TRUST_SIG).write_bytes(trust_sig)
    doc = {
        "format": bundle.FORMAT,
        "sequence": seq,
        "exported_at": meta["exported_at"],
        "jurisdiction": meta["jurisdiction"],
        "published_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "trust_list": {
            "sequence": trust_seq,
            "file": bundle.file_ref(work / bundle.TRUST),
            "sig": bundle.file_ref(work / bundle.TRUST_SIG),
        },
        "snapshot": bundle.file_ref(snap, unpacked=db_path.stat().st_size),
        "deltas": deltas,
        "counts": json.loads(values["counts"]),
    }
    manifest, manifest_sig = bundle.sign_manifest(doc, key)
    for name in [snap.name, delta_name, bundle.TRUST, bundle.TRUST_SIG]:
        if name:
            os.replace(work / name, out / name)
    _write_atomic(out / bundle.MANIFEST_SIG, manifest_sig, work)
    _write_atomic(out / bundle.MANIFEST, manifest, work)
    keep = {snap.name, bundle.TRUST, bundle.TRUST_SIG, bundle.MANIFEST, bundle.MANIFEST_SIG}
    keep |= {d["file"]["name"] for d in deltas}
    for stale in out.glob("snapshot-*.db.zst"):
        if stale.name not in keep:
            stale.unlink()
    for stale in out.glob("delta-*.ndjson.zst"):
        if stale.name not in keep:
            stale.unlink()
    return Publication(seq, snap.name, delta_name, doc["counts"])


class _Counted:
    """A writer that counts what passes through it: a delta's unpacked size, for the manifest."""

    def __init__(self, fh: Any) -> None:
        self._fh, self.count = fh, 0

    def write(self, data: bytes) -> int:
        self.count += len(data)
        return int(self._fh.write(data))


def _check_previous(out: Path, prev: dict[str, Any]) -> None:
    """The delta is computed against the published snapshot: it must be the very file kiosks got."""
    try:
        ref = prev["snapshot"]
        ok = bundle.sha256_file(out / ref["name"]) == ref["sha256"]
    except (OSError, KeyError, TypeError):
        ok = False
    if not ok:
        raise ExportError(
            "the published snapshot named in manifest.json is missing or damaged, so no delta can be "
            "made from it: restore the bundle folder, or publish into an empty one"
        )


def _write_atomic(path: Path, data: bytes, work: Path) -> None:
    tmp = work / (path.name + ".tmp")
    with tmp.open("wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


__all__ = ["Publication", "publish", "decompress"]
