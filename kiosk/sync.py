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
from domain.errors import (
    BundleIntegrityError,
    RollbackError,
    SyncError,
    TrustListError,
    WrongJurisdictionError,
)
from domain.timeutil import utcnow
from kiosk.fetch import (
    FolderSource,
    Progress,
    Source,
    cannot_read,
    check_ref,
    open_regular,
    open_source,
)
from kiosk.home import Home
from kiosk.progress import INSTALL
from wire import bundle
from wire import trust as trustlist
from wire.bundle import DeltaRef, FileRef, Manifest


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
    jurisdiction = home.jurisdiction()
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
    if manifest.jurisdiction != jurisdiction:
        raise WrongJurisdictionError(
            f"数据包属于辖区 {manifest.jurisdiction}，本机固定为 {jurisdiction}，拒绝同步 "
            f"(the bundle is for jurisdiction {manifest.jurisdiction}; this kiosk is pinned to "
            f"{jurisdiction})"
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
        downloaded = _apply_chain(home, src, chain, progress, manifest.jurisdiction)
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
    if isinstance(src, FolderSource):
        # A folder needs no staging copy: hash while decompressing, in one read of the file.
        _clean_staging(home, keep=())
        writer = _decompress_checked(lambda: src.open(ref), ref, check_hash=True, progress=progress)
    else:
        # Keep a partial download of this very snapshot (resume); drop everything else.
        _clean_staging(home, keep=(ref.name,))
        path = _download(home, src, ref, progress)
        writer = _decompress_checked(
            lambda: open_regular(path), ref, check_hash=False, progress=progress
        )
    if progress:
        progress(INSTALL, 0, ref.size)
    store.install_snapshot(home.replica_dir, writer, manifest.sequence, manifest.jurisdiction)
    store.clean(home.replica_dir)
    return ref.size


class _Capped:
    """A sink that refuses more than the manifest's unpacked size: a zstd bomb in place of a
    snapshot stops at the declared size instead of filling the disk."""

    def __init__(self, out: store.Sink, ref: FileRef) -> None:
        self._out, self._ref, self.size = out, ref, 0
        self._limit = ref.unpacked if ref.unpacked is not None else 0

    def write(self, data: bytes, /) -> int:
        self.size += len(data)
        if self.size > self._limit:
            raise too_large(self._ref)
        return self._out.write(data)

    def flush(self) -> None:
        self._out.flush()


def too_large(ref: FileRef) -> BundleIntegrityError:
    """A packed file that unpacks to more than the signed manifest says."""
    return BundleIntegrityError(
        f"{ref.name} 解压后超过清单声明的大小，拒绝 "
        f"({ref.name} unpacks to more than the {ref.unpacked} bytes the manifest states)"
    )


READ_BLOCK = 1 << 18  # a quarter MiB: fine progress steps, still few calls per MiB


class _BackgroundHash:
    """SHA-256 of a stream on the other core: blocks are hashed in order by one thread while
    the caller goes on decompressing (both release the GIL), a few blocks in flight at most.
    Hashing in line with the decompression was a large share of a snapshot install's CPU
    (docs/decisions.md)."""

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


def _decompress_checked(
    opener: Callable[[], IO[bytes]],
    ref: FileRef,
    *,
    check_hash: bool,
    progress: Progress | None = None,
) -> Callable[[store.Sink], None]:
    """A writer that decompresses a bundle file into the new replica file, never past the
    manifest's unpacked size; with `check_hash`, it also checks the compressed bytes' size and
    SHA-256 as they are read (the file is read only once). `progress` hears (INSTALL, bytes
    read, file size) after each block."""

    def write(out: store.Sink) -> None:
        import zstandard

        capped = _Capped(out, ref)
        with contextlib.closing(_BackgroundHash()) as digest:

            def check_hashed() -> None:
                if check_hash:
                    check_ref(ref, digest.size, digest.hexdigest())

            def read(fin: IO[bytes]) -> bytes:
                try:
                    # Never past the stated size: a file that grows (or never ends) is cut off.
                    return fin.read(min(READ_BLOCK, ref.size + 1 - digest.size))
                except OSError as err:
                    raise cannot_read(ref.name, err) from err

            with opener() as fin:
                try:
                    with zstandard.ZstdDecompressor().stream_writer(
                        cast(IO[bytes], capped), write_size=1 << 20, closefd=False
                    ) as sink:
                        while block := read(fin):
                            digest.update(block)
                            sink.write(block)
                            if progress:
                                progress(INSTALL, min(digest.size, ref.size), ref.size)
                except zstandard.ZstdError as err:
                    while check_hash and (block := read(fin)):
                        digest.update(block)  # name the damage by its hash, as a copy would
                    check_hashed()
                    raise BundleIntegrityError(
                        f"快照解压失败 (snapshot does not decompress: {err})"
                    ) from err
                except BundleIntegrityError:
                    while check_hash and (block := read(fin)):
                        digest.update(block)
                    check_hashed()  # a damaged or swapped file is named as such first
                    raise
            check_hashed()
            if capped.size != ref.unpacked:
                raise BundleIntegrityError(
                    f"{ref.name} 解压后大小与清单不符 ({ref.name} unpacks to {capped.size} bytes, "
                    f"the manifest says {ref.unpacked})"
                )

    return write


class _BoundedReader(io.RawIOBase):
    """A delta's decompressed stream, refused past the manifest's unpacked size."""

    def __init__(
        self, raw: IO[bytes], ref: FileRef, on_read: Callable[[int], None] | None = None
    ) -> None:
        self._raw, self._ref, self.size = raw, ref, 0
        self._limit = ref.unpacked if ref.unpacked is not None else 0
        self._on_read = on_read

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self._raw.read(min(len(buffer), self._limit + 1 - self.size))
        self.size += len(data)
        if self.size > self._limit:
            raise too_large(self._ref)
        buffer[: len(data)] = data
        if self._on_read and data:
            self._on_read(len(data))
        return len(data)


def _check_delta_header(header: Any, ref: DeltaRef, jurisdiction: str) -> None:
    """A delta's header names the sequences the manifest gives it, and a meta that keeps the
    replica in its jurisdiction, with known keys and text values only."""
    ok = (
        isinstance(header, dict)
        and type(header.get("from")) is int
        and type(header.get("to")) is int
        and header["from"] == ref.from_seq
        and header["to"] == ref.to_seq
        and isinstance(header.get("meta"), dict)
    )
    meta = header.get("meta") if ok else None
    if (
        not isinstance(meta, dict)
        or not set(meta) <= DELTA_META
        or not all(isinstance(v, str) for v in meta.values())
        or meta.get("sequence") != str(ref.to_seq)
        or meta.get("jurisdiction", jurisdiction) != jurisdiction
    ):
        raise BundleIntegrityError("增量文件与清单不符 (delta does not match the manifest)")


# What a delta may set in the replica's meta table (db/build.py writes these).
DELTA_META = frozenset(
    {"sequence", "exported_at", "jurisdiction", "id_key_check", "schema", "built_at", "counts"}
)


def _apply_chain(
    home: Home, src: Source, chain: list[DeltaRef], progress: Progress | None, jurisdiction: str
) -> int:
    _clean_staging(home, keep=tuple(d.file.name for d in chain))
    paths = [(_download(home, src, d.file, progress), d) for d in chain]
    import zstandard

    total = sum(d.file.unpacked or 0 for d in chain)
    applied = [0]

    def on_read(n: int) -> None:
        applied[0] += n
        if progress:
            progress(INSTALL, min(applied[0], total), total)

    if progress:
        progress(INSTALL, 0, total)
    with contextlib.ExitStack() as stack:
        streams: list[tuple[dict[str, Any], Any]] = []
        for path, ref in paths:
            fh = stack.enter_context(
                zstandard.ZstdDecompressor().stream_reader(stack.enter_context(open_regular(path)))
            )
            header, records = delta.read(
                io.BufferedReader(_BoundedReader(fh, ref.file, on_read), buffer_size=1 << 20)
            )
            _check_delta_header(header, ref, jurisdiction)
            streams.append((header, records))
        try:
            store.apply_deltas(home.replica_dir, streams, delta.apply)
        except zstandard.ZstdError as err:
            raise BundleIntegrityError(f"增量解压失败 (delta does not decompress: {err})") from err
    return sum(d.file.size for d in chain)
