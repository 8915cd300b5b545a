"""`sync`: bring a home's replica and trust list up to date from a bundle source.

Everything is downloaded and verified (root signature, publisher signature, SHA-256 of each
file, sequences) before the replica is touched; then a snapshot is installed by file swap or
the deltas are applied in one transaction; the trust list is installed last. On any failure
the replica and the trust list stay as they were.
"""

from __future__ import annotations

import collections
import contextlib
import datetime as dt
import fcntl
import hashlib
import io
import json
import shutil
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, cast

from db import delta, store
from kiosk import bundle
from kiosk import trust as trustlist
from kiosk.bundle import DeltaRef, FileRef, Manifest
from kiosk.errors import (
    BundleIntegrityError,
    RollbackError,
    SyncError,
    TrustListError,
)
from kiosk.fetch import FolderSource, Progress, Source, cannot_read, check_ref, open_source
from kiosk.home import Home
from kiosk.timeutil import utcnow


@dataclass(frozen=True, slots=True)
class SyncResult:
    """What a sync did."""

    changed: bool
    method: str  # "none" | "snapshot" | "delta"
    from_sequence: int | None
    to_sequence: int
    trust_sequence: int
    downloaded: int


@contextlib.contextmanager
def _lock(home: Home) -> Iterator[None]:
    home.path.mkdir(parents=True, exist_ok=True)
    with (home.path / "sync.lock").open("w") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            raise SyncError("另一个同步正在进行 (another sync is running)") from None
        yield


def _chain(manifest: Manifest, installed: int) -> list[DeltaRef] | None:
    by_from = {d.from_seq: d for d in manifest.deltas}
    chain, seq = [], installed
    while seq < manifest.sequence:
        step = by_from.get(seq)
        if step is None or step.to_seq <= seq:
            return None
        chain.append(step)
        seq = step.to_seq
    return chain if seq == manifest.sequence else None


def _held_trust_sequence(home: Home) -> tuple[int | None, bool]:
    """The installed trust list's sequence, and whether it still verifies. One that does not (a
    crash between install_trust's two renames leaves the new .sig beside the old list) must not
    block the sync that repairs it; its sequence, unverified, still guards against rollback."""
    try:
        held = home.trust_list()
    except TrustListError:
        try:
            doc = json.loads((home.trust_dir / bundle.TRUST).read_bytes())
            return int(doc["sequence"]), False
        except (OSError, ValueError, KeyError, TypeError):
            return None, False
    return (None, True) if held is None else (held.sequence, True)


def _check_trust_files(manifest: Manifest, data: bytes, sig: bytes) -> None:
    for ref, content in ((manifest.trust, data), (manifest.trust_sig, sig)):
        if hashlib.sha256(content).hexdigest() != ref.sha256:
            raise BundleIntegrityError(
                "信任列表与清单不符 (trust list does not match the manifest)"
            )


def sync(
    home: Home,
    source: str | Source,
    *,
    progress: Progress | None = None,
    now: dt.datetime | None = None,
) -> SyncResult:
    """Sync `home` from a folder or URL, or from a Source built by the caller (e.g. an HttpSource
    with its own timeout).

    Raises:
        SyncError (and subclasses), TrustListError, HomeError: nothing was changed.
    """
    home.require()
    now = now or utcnow()
    src = open_source(source) if isinstance(source, str) else source
    with _lock(home):
        return _sync(home, src, progress, now)


def _sync(home: Home, src: Source, progress: Progress | None, now: dt.datetime) -> SyncResult:
    trust_data = src.read_small(bundle.TRUST, bundle.MAX_TRUST)
    trust_sig = src.read_small(bundle.TRUST_SIG, 64 * 1024)
    if bundle.looks_like_html(trust_data):
        raise BundleIntegrityError(
            "同步源返回的是网页而不是数据包 (the source returned a web page, not a bundle)"
        )
    try:
        new_trust = trustlist.parse(trust_data, trust_sig, home.roots())
    except TrustListError as err:
        raise SyncError(err.message) from err
    held, held_ok = _held_trust_sequence(home)
    if held is not None and new_trust.sequence < held:
        raise RollbackError(
            f"信任列表版本 {new_trust.sequence} 低于本机的 {held}，拒绝回退 (trust list rollback refused)"
        )
    manifest = bundle.verify_manifest(
        src.read_small(bundle.MANIFEST, bundle.MAX_MANIFEST),
        src.read_small(bundle.MANIFEST_SIG, 64 * 1024),
        new_trust,
        now,
    )
    _check_trust_files(manifest, trust_data, trust_sig)
    installed = store.installed_sequence(home.replica_dir)
    if installed is not None:
        store.clean(
            home.replica_dir
        )  # what a crash left behind (e.g. the old replica after the switch)
    if installed is not None and manifest.sequence < installed:
        raise RollbackError(
            f"数据包版本 {manifest.sequence} 低于已安装的 {installed}，拒绝回退 (rollback refused)"
        )
    trust_newer = held is None or new_trust.sequence > held or not held_ok
    if installed == manifest.sequence:
        if trust_newer:
            home.install_trust(trust_data, trust_sig)
        return SyncResult(trust_newer, "none", installed, installed, new_trust.sequence, 0)
    home.staging.mkdir(parents=True, exist_ok=True)
    chain = _chain(manifest, installed) if installed is not None else None
    if chain is not None and sum(d.file.size for d in chain) < manifest.snapshot.size:
        downloaded = _apply_chain(home, src, chain, progress)
        method = "delta"
    else:
        downloaded = _install_snapshot(home, src, manifest, progress)
        method = "snapshot"
    if trust_newer:
        home.install_trust(trust_data, trust_sig)
    _clean_staging(home, keep=())
    return SyncResult(True, method, installed, manifest.sequence, new_trust.sequence, downloaded)


def _clean_staging(home: Home, keep: tuple[str, ...]) -> None:
    for path in home.staging.glob("*"):
        if path.name not in keep:
            if path.is_dir():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)


def _download(home: Home, src: Source, ref: bundle.FileRef, progress: Progress | None) -> Path:
    dest = home.staging / ref.name
    src.fetch(ref, dest, progress)
    return dest


def _install_snapshot(
    home: Home, src: Source, manifest: Manifest, progress: Progress | None
) -> int:
    ref = manifest.snapshot
    local = src.local_path(ref) if isinstance(src, FolderSource) else None
    if local is not None:
        # A folder needs no staging copy: hash while decompressing, in one read of the file.
        _clean_staging(home, keep=())
        writer = _decompress_checked(local, ref)
    else:
        # Keep a partial download of this very snapshot (resume); drop everything else.
        _clean_staging(home, keep=(ref.name,))
        path = _download(home, src, ref, progress)
        writer = _decompress_checked(path, None)
    if progress:
        progress("install", 0, 1)
    store.install_snapshot(home.replica_dir, writer, manifest.sequence)
    store.clean(home.replica_dir)
    if progress:
        progress("install", 1, 1)
    return ref.size


class _BackgroundHash:
    """SHA-256 of a stream on the other core: blocks are hashed in order by one thread while
    the caller goes on decompressing (both release the GIL), a few blocks in flight at most.
    Hashing in line with the decompression was a third of a snapshot install's CPU (province
    snapshot, measured; BENCHMARKS.md)."""

    IN_FLIGHT = 8

    def __init__(self) -> None:
        self._digest = hashlib.sha256()
        self._pool = ThreadPoolExecutor(1, thread_name_prefix="sha256")
        self._pending: collections.deque[Future[None]] = collections.deque()
        self.size = 0

    def update(self, block: bytes) -> None:
        while len(self._pending) >= self.IN_FLIGHT:
            self._pending.popleft().result()
        self._pending.append(self._pool.submit(self._digest.update, block))
        self.size += len(block)

    def hexdigest(self) -> str:
        while self._pending:
            self._pending.popleft().result()
        return self._digest.hexdigest()

    def close(self) -> None:
        for pending in self._pending:
            pending.cancel()
        self._pool.shutdown(wait=True)


def _decompress_checked(path: Path, ref: FileRef | None) -> Callable[[store.Sink], None]:
    """A writer that decompresses `path` into the new replica file; with `ref`, it also checks
    the compressed bytes' size and SHA-256 as they are read (the file is read only once)."""

    def write(out: store.Sink) -> None:
        import zstandard

        with contextlib.closing(_BackgroundHash()) as digest:

            def check_hash() -> None:
                if ref is not None:
                    check_ref(ref, digest.size, digest.hexdigest())

            def read(fin: IO[bytes]) -> bytes:
                try:
                    return fin.read(1 << 20)
                except OSError as err:
                    raise cannot_read(path.name, err) from err

            try:
                fin = path.open("rb")
            except FileNotFoundError:
                raise BundleIntegrityError(
                    f"同步目录中缺少 {path.name} (missing from the bundle)"
                ) from None
            except OSError as err:
                raise cannot_read(path.name, err) from err
            with fin:
                try:
                    with zstandard.ZstdDecompressor().stream_writer(
                        cast(IO[bytes], out), write_size=1 << 20, closefd=False
                    ) as sink:
                        while block := read(fin):
                            if ref is not None:
                                digest.update(block)
                            sink.write(block)
                except zstandard.ZstdError as err:
                    while ref is not None and (block := read(fin)):
                        digest.update(block)  # name the damage by its hash, as a copy would
                    check_hash()
                    raise BundleIntegrityError(
                        f"快照解压失败 (snapshot does not decompress: {err})"
                    ) from err
            check_hash()

    return write


def _apply_chain(home: Home, src: Source, chain: list[DeltaRef], progress: Progress | None) -> int:
    _clean_staging(home, keep=tuple(d.file.name for d in chain))
    paths = [(_download(home, src, d.file, progress), d) for d in chain]
    import zstandard

    with contextlib.ExitStack() as stack:
        streams: list[tuple[dict[str, Any], Any]] = []
        for path, ref in paths:
            fh = stack.enter_context(
                zstandard.ZstdDecompressor().stream_reader(stack.enter_context(path.open("rb")))
            )

            header, records = delta.read(io.BufferedReader(fh))
            if header.get("from") != ref.from_seq or header.get("to") != ref.to_seq:
                raise BundleIntegrityError("增量文件与清单不符 (delta does not match the manifest)")
            streams.append((header, records))
        try:
            store.apply_deltas(home.replica_dir, streams, delta.apply)
        except zstandard.ZstdError as err:
            raise BundleIntegrityError(f"增量解压失败 (delta does not decompress: {err})") from err
    return sum(d.file.size for d in chain)
