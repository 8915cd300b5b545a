"""Backups of the kiosk's own data (cli.md `backup` / `restore`, issue 20: 容灾备份).

What is backed up: the local database (operators, audit trail, alerts, settings), taken with
SQLite's backup API so that a running kiosk goes on writing while it is copied; config.json;
the pinned root keys and jurisdiction; the inspection reports. Not backed up: the replica and
the trust list (a sync brings them back) and the ID-index key (a secret: it is enrolled again).

A backup folder holds a manifest, written last, with each file's SHA-256 and the audit chain's
head: a folder without one is an interrupted backup. `restore` checks every hash and proves the
copy's audit chain before it changes anything, keeps the home's current database aside (nothing
recorded is lost), and writes into the live database with the backup API again.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import shutil
import sqlite3
import stat
from dataclasses import dataclass
from pathlib import Path

from db import audit as chain
from domain.errors import AuditError, KioskError
from kiosk.home import PINNED, Home

FORMAT = "yanzhao-backup/1"
MANIFEST = "backup.json"
DB = "kiosk.db"
MAX_MANIFEST = 1 << 20
MAX_FILES = 10_000
MAX_FILE = 1 << 30


class BackupError(KioskError):
    """A backup that cannot be made, or a copy that cannot be restored."""

    title = "备份 Backup"


@dataclass(frozen=True, slots=True)
class BackupInfo:
    """What a backup holds."""

    path: Path
    files: int
    audit_records: int
    audit_head: str
    audit_intact: bool = True


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _plain_files(root: Path) -> list[Path]:
    """Regular files under `root`, never following a link (a link could point anywhere)."""
    if not root.is_dir() or root.is_symlink():
        return []
    return sorted(
        p
        for p in root.rglob("*")
        if stat.S_ISREG(p.lstat().st_mode) and not any(q.is_symlink() for q in p.parents)
    )


def backup(home: Home, dest: Path, conn: sqlite3.Connection, now: dt.datetime) -> BackupInfo:
    """Write a backup of `home` into `dest`, a new or empty folder, while the kiosk runs.

    Raises:
        BackupError: dest is not new or empty, or cannot be written.
    """
    if dest.exists() and (not dest.is_dir() or any(dest.iterdir())):
        raise BackupError(
            f"备份目录须为新建或空目录 (the backup folder must be new or empty: {dest})"
        )
    try:
        dest.mkdir(parents=True, exist_ok=True)
        with contextlib.closing(sqlite3.connect(dest / DB)) as copy:
            conn.backup(copy)
            report = chain.verify(copy)
        files = {DB: _sha256(dest / DB)}
        extras = [home.config_path, home.path / PINNED, *_plain_files(home.roots_dir)]
        extras += _plain_files(home.path / "reports")
        for src in extras:
            if not src.exists() or not stat.S_ISREG(src.lstat().st_mode):
                continue
            rel = src.relative_to(home.path).as_posix()
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(src, dest / rel, follow_symlinks=False)
            files[rel] = _sha256(dest / rel)
        manifest = {
            "format": FORMAT,
            "created_at": now.astimezone(dt.UTC).isoformat(timespec="seconds"),
            "files": files,
            "audit": {"records": report.records, "head": report.head, "intact": report.intact},
        }
        tmp = dest / (MANIFEST + ".tmp")
        tmp.write_text(json.dumps(manifest, ensure_ascii=False, indent=2), "utf-8")
        os.replace(tmp, dest / MANIFEST)
    except (OSError, sqlite3.Error) as err:
        raise BackupError(f"备份失败 (the backup failed: {err})") from err
    return BackupInfo(dest, len(files), report.records, report.head, report.intact)


def _manifest(src: Path) -> dict[str, str]:
    """The backup's files and hashes, checked: a manifest of this format, safe relative names,
    each file present, regular and matching its hash."""
    path = src / MANIFEST
    try:
        if not stat.S_ISREG(path.lstat().st_mode) or path.stat().st_size > MAX_MANIFEST:
            raise BackupError("备份清单无效 (the backup's manifest is not a plain small file)")
        doc = json.loads(path.read_bytes())
    except (OSError, ValueError) as err:
        raise BackupError(f"不是完整的备份 (not a complete backup: {src}: {err})") from err
    files = doc.get("files") if isinstance(doc, dict) else None
    if doc.get("format") != FORMAT or not isinstance(files, dict) or DB not in files:
        raise BackupError(f"不支持的备份格式 (not a {FORMAT} backup)")
    if len(files) > MAX_FILES:
        raise BackupError("备份文件过多 (too many files in the backup)")
    out: dict[str, str] = {}
    for rel, digest in files.items():
        parts = Path(rel).parts if isinstance(rel, str) else ()
        if (
            not parts
            or Path(rel).is_absolute()
            or any(p in ("..", ".", "") for p in parts)
            or not isinstance(digest, str)
            or len(digest) != 64
        ):
            raise BackupError(
                f"备份清单中有无效的文件名 (a bad file name in the manifest: {rel!r})"
            )
        f = src / rel
        try:
            st = f.lstat()
        except OSError as err:
            raise BackupError(f"备份缺少文件 (the backup lacks {rel})") from err
        if not stat.S_ISREG(st.st_mode) or st.st_size > MAX_FILE or _sha256(f) != digest:
            raise BackupError(f"备份文件已损坏或被改动 (a backup file was changed: {rel})")
        out[rel] = digest
    return out


def restore(home: Home, src: Path, conn: sqlite3.Connection, now: dt.datetime) -> BackupInfo:
    """Restore a backup into `home` (whose local database `conn` is open).

    Checks everything before it changes anything: the manifest, every file's hash, the copy's
    audit chain, and that the backup is of this home's jurisdiction. The current database is
    kept aside first as `kiosk.db.before-restore-<time>`.

    Raises:
        BackupError: the backup is incomplete, altered or of another jurisdiction.
        AuditError: the copy's audit chain is broken (named).
    """
    files = _manifest(src)
    with contextlib.closing(sqlite3.connect(f"file:{src / DB}?mode=ro", uri=True)) as copy:
        try:
            report = chain.verify(copy)
        except sqlite3.Error as err:
            raise BackupError(f"备份的数据库无法读取 (the backup's database: {err})") from err
        if not report.intact:
            raise AuditError(
                f"备份的审计链在第 {report.broken_at} 条记录处断开，未恢复任何内容 "
                f"(the backup's audit chain is broken at record #{report.broken_at}: "
                f"{report.problem}; nothing was restored)"
            )
        pinned = src / PINNED
        if PINNED in files and home.pinned_path.exists():
            if json.loads(pinned.read_bytes()) != json.loads(home.pinned_path.read_bytes()):
                raise BackupError(
                    "备份属于另一辖区的终端 (the backup is of a kiosk of another jurisdiction)"
                )
        stamp = now.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
        try:
            with contextlib.closing(
                sqlite3.connect(home.path / f"{DB}.before-restore-{stamp}")
            ) as aside:
                conn.backup(aside)
            copy.backup(conn)
            for rel in files:
                if rel == DB:
                    continue
                target = home.path / rel
                target.parent.mkdir(parents=True, exist_ok=True)
                tmp = target.with_name(target.name + ".restore")
                shutil.copyfile(src / rel, tmp, follow_symlinks=False)
                os.replace(tmp, target)
        except (OSError, sqlite3.Error) as err:
            raise BackupError(f"恢复失败 (the restore failed: {err})") from err
    return BackupInfo(src, len(files), report.records, report.head)
