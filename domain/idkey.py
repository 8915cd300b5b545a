"""The ID-index key (cli.md): the 32-byte secret under which the replica indexes ID numbers.

The publisher and every enrolled kiosk hold it as a file of exactly 32 raw bytes; it never
travels inside a bundle, so a copy of a bundle or of a replica lets nobody test a guessed ID
number. A replica records only the key's check value (an HMAC of a fixed label under the key),
which says whether a kiosk's key is the publication's without revealing anything about it.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import stat
from pathlib import Path

from domain.errors import KeyFileError

SIZE = 32
_CHECK_LABEL = b"yanzhao/id-index-key/check/1"


def check_value(key: bytes) -> str:
    """The key's public check value: 16 hex characters, the same for the same key only."""
    return hmac.new(key, _CHECK_LABEL, hashlib.sha256).hexdigest()[:16]


def generate() -> bytes:
    """A new key from the operating system's secure source."""
    return secrets.token_bytes(SIZE)


def read(path: Path) -> bytes:
    """Read a key file: a regular file of exactly 32 bytes.

    Raises:
        KeyFileError: missing, not a regular file, or of another size.
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError as err:
        raise KeyFileError(
            f"无法读取身份证索引密钥 {path.name}：{err.strerror} "
            f"(cannot read the ID-index key {path.name})"
        ) from None
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise KeyFileError(
            f"身份证索引密钥 {path.name} 不是普通文件 (the ID-index key is not a regular file)"
        )
    with os.fdopen(fd, "rb") as fh:
        data = fh.read(SIZE + 1)
    if len(data) != SIZE:
        raise KeyFileError(
            f"身份证索引密钥应为 {SIZE} 字节 (the ID-index key file must hold {SIZE} raw bytes)"
        )
    return data


def write(path: Path, key: bytes) -> None:
    """Write a key file readable by its owner only (replaced atomically)."""
    if len(key) != SIZE:
        raise KeyFileError(f"the ID-index key must be {SIZE} bytes")
    tmp = path.with_name(path.name + ".new")
    tmp.unlink(missing_ok=True)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(key)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
