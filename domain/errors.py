"""Domain errors: every expected failure, with a sentence for the person at the kiosk.

Nothing here imports from the project, so every layer can raise and catch these.
"""

from __future__ import annotations

import errno
from typing import Any

# errno values that mean the disk (or the process's file-size or quota limit) is full
NO_ROOM = frozenset({errno.ENOSPC, errno.EFBIG, errno.EDQUOT})


class KioskError(Exception):
    """An expected failure with a human message and a short title."""

    title: str = "出错了 Error"

    def __init__(self, message: str, *, title: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if title is not None:
            self.title = title

    def __str__(self) -> str:
        return self.message


class BadInputError(KioskError):
    """Input from a person or a file that cannot be accepted as it is."""

    title = "输入有误 Bad input"


class IdNumberError(BadInputError):
    """A resident ID number that fails its format, date or check character."""

    title = "身份证号有误 Bad ID number"


class HomeError(KioskError):
    """The kiosk's home folder is missing, unreadable or not initialised."""

    title = "数据目录 Home folder"


class ReplicaMissingError(HomeError):
    """No replica has been installed in this home yet."""

    title = "无本地库 No replica"


class NotEnrolledError(HomeError):
    """The kiosk holds no ID-index key (or not the publication's): ID numbers cannot be checked."""

    title = "未登记密钥 Not enrolled"


class ReplicaError(KioskError):
    """The installed replica cannot be read."""

    title = "本地库 Replica"


class TrustListError(KioskError):
    """A trust list that cannot be accepted (signature, sequence, structure)."""

    title = "信任列表 Trust list"


class SyncError(KioskError):
    """A sync that failed; the replica and trust list are unchanged."""

    title = "同步失败 Sync failed"


class BundleSignatureError(SyncError):
    """A bundle whose manifest or trust list signature does not verify."""


class BundleIntegrityError(SyncError):
    """A bundle file that is missing, truncated or does not match its hash."""


class RollbackError(SyncError):
    """A bundle older than what is installed."""


class WrongJurisdictionError(SyncError):
    """A genuine bundle, but of another jurisdiction than the one the home is pinned to."""


class SourceUnavailableError(SyncError):
    """The sync source cannot be reached or does not serve a bundle."""


class ExportError(KioskError):
    """A registry export that cannot be published; names the file and line."""

    title = "导出数据有误 Bad registry export"

    def __init__(self, message: str, *, file: str | None = None, line: int | None = None) -> None:
        where = f"{file}:{line}: " if file and line else (f"{file}: " if file else "")
        super().__init__(where + message)
        self.reason = message
        self.file = file
        self.line = line

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickled whole (the export is read in a worker process): file and line included."""
        return (_export_error, (self.reason, self.file, self.line))


def _export_error(message: str, file: str | None, line: int | None) -> ExportError:
    return ExportError(message, file=file, line=line)


class QueryError(BadInputError):
    """A search that cannot be run as typed (empty, too long, or asking for too much)."""

    title = "查询有误 Bad query"


class SettingsError(BadInputError):
    """A setting that does not fit, or settings that cannot be saved."""

    title = "设置有误 Invalid setting"


class KeyFileError(BadInputError):
    """A key file that cannot be read as the PEM the spec requires."""

    title = "密钥文件 Key file"


class AuditError(KioskError):
    """The audit trail cannot be written (or read): the action it would record is not done."""

    title = "审计日志 Audit trail"


class CameraUnavailableError(KioskError):
    """The camera is missing, busy or was unplugged."""

    title = "摄像头不可用 Camera unavailable"


class DecodeError(KioskError):
    """A picture or video that cannot be read."""

    title = "无法读取图像 Cannot read image"
