"""Where bundles come from: a folder, or any static HTTP(S) server, CDN or object store.

Every network call has a timeout; downloads are bounded by the size the signed manifest
states, resume with a Range request after an interruption, and are verified by SHA-256
before anything uses them. A portal page or an error page is recognised and refused.
"""

from __future__ import annotations

import errno
import hashlib
import http.client
import os
import stat
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import IO, Protocol

from domain.errors import NO_ROOM, BundleIntegrityError, SourceUnavailableError, SyncError
from wire.bundle import FileRef, looks_like_html

Progress = Callable[[str, int, int], None]
"""Called as (file name, bytes done, bytes in all) after each chunk a sync reads."""
CHUNK = 1 << 18  # a quarter MiB: the progress bar moves in fine steps, not a jump per MiB
TIMEOUT_S = 20.0


class Source(Protocol):
    """A bundle location."""

    label: str

    def read_small(self, name: str, limit: int) -> bytes:
        """A small file (manifest, signature, trust list), at most `limit` bytes."""
        ...

    def fetch(self, ref: FileRef, dest: Path, progress: Progress | None) -> None:
        """Download `ref` to `dest`, resuming a partial `dest`, and verify its hash."""
        ...


def cannot_read(name: str, err: OSError) -> SourceUnavailableError:
    """A bundle file that is there but cannot be read: the source's fault (a failing USB stick
    or share, a folder in its place), not the kiosk's disk."""
    return SourceUnavailableError(
        f"无法读取同步文件 {name}：{err.strerror} (cannot read the bundle file {name}: {err.strerror})"
    )


def open_regular(path: Path) -> IO[bytes]:
    """Open a bundle file for reading only if it is a regular file: not a symbolic link (which
    could point at /dev/zero or at a file of the kiosk), a FIFO (which would block forever) or a
    device. The open itself never blocks.

    Raises:
        BundleIntegrityError: missing, or not a regular file.
        SourceUnavailableError: there but unreadable.
    """
    name = path.name
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except FileNotFoundError:
        raise BundleIntegrityError(f"同步目录中缺少 {name} (missing from the bundle)") from None
    except OSError as err:
        if err.errno == errno.ELOOP:
            raise BundleIntegrityError(
                f"{name} 是符号链接，拒绝读取 ({name} is a symbolic link, not a file)"
            ) from None
        raise cannot_read(name, err) from None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise BundleIntegrityError(
                f"{name} 不是普通文件，拒绝读取 ({name} is not a regular file)"
            )
        os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def _cannot_save(name: str, err: OSError) -> SyncError:
    return SyncError(
        f"无法保存 {name}：{err.strerror}（磁盘已满？）(cannot save {name}: {err.strerror})"
    )


def check_ref(ref: FileRef, size: int, sha256: str | None) -> None:
    """Refuse a file whose size or SHA-256 is not what the signed manifest says.

    `sha256` None checks the size only (before hashing a file whose size is already wrong).
    """
    if size != ref.size:
        raise BundleIntegrityError(
            f"{ref.name} 文件不完整 ({ref.name} has {size} bytes, the manifest says {ref.size})"
        )
    if sha256 is not None and sha256 != ref.sha256:
        raise BundleIntegrityError(
            f"{ref.name} 校验失败，文件已损坏 ({ref.name}: SHA-256 mismatch)"
        )


def _verify(dest: Path, ref: FileRef) -> None:
    try:
        check_ref(ref, dest.stat().st_size, None)
        h = hashlib.sha256()
        with dest.open("rb") as fh:
            while block := fh.read(CHUNK):
                h.update(block)
        check_ref(ref, ref.size, h.hexdigest())
    except BundleIntegrityError:
        dest.unlink(missing_ok=True)
        raise


class FolderSource:
    """A bundle folder on a disk, USB stick or network mount."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.label = str(path)
        if not path.is_dir():
            raise SourceUnavailableError(f"找不到同步目录 {path} (no such bundle folder)")

    def read_small(self, name: str, limit: int) -> bytes:
        try:
            with open_regular(self.path / name) as fh:
                data = fh.read(limit + 1)
        except BundleIntegrityError as err:
            if (self.path / name).exists() or (self.path / name).is_symlink():
                raise
            raise SourceUnavailableError(
                f"同步目录中缺少 {name} (the bundle folder has no {name})"
            ) from err
        except OSError as err:
            raise SourceUnavailableError(
                f"同步目录中缺少 {name} (the bundle folder has no readable {name}: {err.strerror})"
            ) from None
        if len(data) > limit:
            raise BundleIntegrityError(f"{name} 过大 ({name} is larger than allowed)")
        return data

    def open(self, ref: FileRef) -> IO[bytes]:
        """Open a bundle file that is a regular file of the size the manifest states (checked
        before a byte is read, so a file swapped for another is refused at once)."""
        fin = open_regular(self.path / ref.name)
        try:
            check_ref(ref, os.fstat(fin.fileno()).st_size, None)
        except BaseException:
            fin.close()
            raise
        return fin

    def fetch(self, ref: FileRef, dest: Path, progress: Progress | None) -> None:
        try:
            with self.open(ref) as fin, dest.open("wb") as fout:
                done = 0
                while block := fin.read(min(CHUNK, ref.size + 1 - done)):
                    done += len(block)
                    if done > ref.size:
                        break
                    fout.write(block)
                    if progress:
                        progress(ref.name, done, ref.size)
        except OSError as err:
            if err.errno in NO_ROOM:
                raise _cannot_save(ref.name, err) from None
            raise cannot_read(ref.name, err) from None
        _verify(dest, ref)


class HttpSource:
    """A bundle folder served over HTTP(S) as plain files."""

    def __init__(self, url: str, *, timeout: float = TIMEOUT_S, deadline_s: float = 3600.0) -> None:
        self.base = url if url.endswith("/") else url + "/"
        self.label = url
        self.timeout = timeout
        self.deadline_s = deadline_s

    def _open(self, name: str, start: int = 0):  # type: ignore[no-untyped-def]
        req = urllib.request.Request(urllib.parse.urljoin(self.base, urllib.parse.quote(name)))
        req.add_header("User-Agent", "yanzhao-kiosk/1")
        if start:
            req.add_header("Range", f"bytes={start}-")
        try:
            return urllib.request.urlopen(req, timeout=self.timeout)  # noqa: S310 - http(s) only
        except urllib.error.HTTPError as err:
            if err.code == 404:
                raise BundleIntegrityError(f"服务器上缺少 {name} (HTTP 404 for {name})") from None
            raise SourceUnavailableError(
                f"服务器返回错误 {err.code} (HTTP {err.code} for {name})"
            ) from None
        except (
            urllib.error.URLError,
            TimeoutError,
            ConnectionError,
            OSError,
            http.client.HTTPException,
        ) as err:  # e.g. BadStatusLine: not an HTTP server
            reason = getattr(err, "reason", err)
            raise SourceUnavailableError(
                f"无法连接同步服务器 (cannot reach {self.label}: {reason})"
            ) from None

    def read_small(self, name: str, limit: int) -> bytes:
        with self._open(name) as resp:
            try:
                data: bytes = resp.read(limit + 1)
            except (TimeoutError, OSError, http.client.HTTPException) as err:  # IncompleteRead
                raise SourceUnavailableError(
                    f"下载 {name} 失败或超时 (could not read {name}: {err!r})"
                ) from None
        if len(data) > limit:
            if looks_like_html(data):
                raise BundleIntegrityError(
                    "同步源返回的是网页而不是数据包 (the source returned a web page)"
                )
            raise BundleIntegrityError(f"{name} 过大 ({name} is larger than allowed)")
        return data

    def fetch(self, ref: FileRef, dest: Path, progress: Progress | None) -> None:
        start = dest.stat().st_size if dest.exists() else 0
        if start > ref.size:
            dest.unlink()
            start = 0
        if start < ref.size:
            self._download(ref, dest, start, progress)
        if start:
            try:
                _verify(dest, ref)
                return
            except BundleIntegrityError:
                # The kept part was spoilt (e.g. a power cut before it reached the disk):
                # _verify removed it, so fetch the whole file once more before giving up.
                self._download(ref, dest, 0, progress)
        _verify(dest, ref)

    def _download(self, ref: FileRef, dest: Path, start: int, progress: Progress | None) -> None:
        try:
            self._copy(ref, dest, start, progress)
        except OSError as err:  # writing the file: reading the network raises SyncErrors
            raise _cannot_save(ref.name, err) from None

    def _copy(self, ref: FileRef, dest: Path, start: int, progress: Progress | None) -> None:
        began = time.monotonic()
        with self._open(ref.name, start) as resp:
            if start and resp.status != 206:
                start = 0  # the server ignored Range: start over
            with dest.open("r+b" if start else "wb") as fh:
                fh.seek(start)
                fh.truncate()
                done = start
                while done < ref.size:
                    if time.monotonic() - began > self.deadline_s:
                        raise SourceUnavailableError("下载超时 (download took too long)")
                    try:
                        block = resp.read(min(CHUNK, ref.size - done))
                    except (TimeoutError, OSError, http.client.HTTPException) as err:
                        raise SourceUnavailableError(
                            f"下载中断，可再次同步续传 (download interrupted: {err}; sync again to resume)"
                        ) from None
                    if not block:
                        break
                    if done == 0 and looks_like_html(block):
                        raise BundleIntegrityError(
                            "同步源返回的是网页而不是数据包 (the source returned a web page)"
                        )
                    fh.write(block)
                    done += len(block)
                    if progress:
                        progress(ref.name, done, ref.size)
                fh.flush()
                os.fsync(fh.fileno())
        if done < ref.size:
            raise SourceUnavailableError(
                f"下载不完整，可再次同步续传 ({ref.name}: {done} of {ref.size} bytes; sync again to resume)"
            )


def open_source(source: str) -> Source:
    """A Source for a folder path or an http(s) URL."""
    scheme = urllib.parse.urlsplit(source).scheme.lower()
    if scheme in ("http", "https"):
        return HttpSource(source)
    if scheme and len(scheme) > 1:
        raise SourceUnavailableError(f"不支持的同步地址 {source} (only folders and http(s) URLs)")
    return FolderSource(Path(source))
