"""Backups of the kiosk's own data and their restore (cli.md `backup` / `restore`, issue 20)."""

from __future__ import annotations

import contextlib
import hashlib
import json
import shutil
import sqlite3
import threading
from pathlib import Path

import pytest

from db import audit as chain
from domain.errors import AuditError
from kiosk.backup import BackupError
from kiosk.home import Home
from kiosk.operators import NotAllowedError, Operator
from kiosk.service import KioskService
from tests.test_cli import run

ADMIN = Operator("admin1", "admin")


def _service(home: Path, session: Operator | None = ADMIN) -> KioskService:
    return KioskService(Home(home), session=session)


def _payload(home: Path) -> str:
    line = (home / "demo" / "credentials.ndjson").read_text("utf-8").splitlines()[0]
    return str(json.loads(line)["payload"])


def _fingerprint(path: Path) -> dict[str, str]:
    return {
        p.relative_to(path).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(path.rglob("*"))
        if p.is_file() and "replica" not in p.parts
    }


def test_a_backup_taken_while_the_kiosk_verifies_restores_whole(
    demo_copy: Path, tmp_path: Path
) -> None:
    """Records keep being written while the backup runs; the copy is consistent (its chain
    is intact) and a restore into a new kiosk brings back operators, trail and settings."""
    service = _service(demo_copy)
    service.add_operator("admin1", "admin", "246813")
    service.add_operator("desk1", "desk", "975318")
    payload = _payload(demo_copy)
    stop, going = threading.Event(), threading.Event()

    def busy() -> None:
        other = _service(demo_copy)
        for i in range(10_000):
            other.verify(payload)
            if i == 3:
                going.set()
            if stop.is_set():
                break

    writer = threading.Thread(target=busy)
    writer.start()
    going.wait(30)
    try:
        info = service.backup(str(tmp_path / "bk"))
    finally:
        stop.set()
        writer.join()
    assert info.audit_intact and info.audit_records >= 3
    target = tmp_path / "new-kiosk"
    shutil.copytree(demo_copy, target)
    (target / "kiosk.db").unlink()
    restored = _service(target)
    restored.restore(str(tmp_path / "bk"))
    conn = restored._audit_conn()
    report = chain.verify(conn)
    assert report.intact and report.records == info.audit_records + 1  # + the restore record
    assert restored.sign_in("desk1", "975318").role == "desk"


def _backup(demo_copy: Path, tmp_path: Path) -> Path:
    service = _service(demo_copy)
    service.verify(_payload(demo_copy))
    service.verify(_payload(demo_copy))
    service.backup(str(tmp_path / "bk"))
    return tmp_path / "bk"


def _rehash(bk: Path, rel: str) -> None:
    doc = json.loads((bk / "backup.json").read_text("utf-8"))
    doc["files"][rel] = hashlib.sha256((bk / rel).read_bytes()).hexdigest()
    (bk / "backup.json").write_text(json.dumps(doc), "utf-8")


def test_a_changed_file_is_refused_and_nothing_changes(demo_copy: Path, tmp_path: Path) -> None:
    bk = _backup(demo_copy, tmp_path)
    (bk / "home.json").write_text('{"jurisdiction": "410000", "x": 1}', "utf-8")
    before = _fingerprint(demo_copy)
    with pytest.raises(BackupError, match="home.json"):
        _service(demo_copy).restore(str(bk))
    assert _fingerprint(demo_copy) == before


def test_an_edited_audit_record_is_refused_even_with_the_hash_recomputed(
    demo_copy: Path, tmp_path: Path
) -> None:
    bk = _backup(demo_copy, tmp_path)
    with contextlib.closing(sqlite3.connect(bk / "kiosk.db")) as db, db:
        db.execute("UPDATE audit_entry SET outcome = 'invalid' WHERE id = 1")
    _rehash(bk, "kiosk.db")
    before = _fingerprint(demo_copy)
    with pytest.raises(AuditError, match="#1"):
        _service(demo_copy).restore(str(bk))
    assert _fingerprint(demo_copy) == before


@pytest.mark.parametrize("name", ["../escape.txt", "/etc/passwd", "roots/../../x", ""])
def test_a_manifest_naming_a_file_outside_the_backup_is_refused(
    demo_copy: Path, tmp_path: Path, name: str
) -> None:
    bk = _backup(demo_copy, tmp_path)
    doc = json.loads((bk / "backup.json").read_text("utf-8"))
    doc["files"][name] = "0" * 64
    (bk / "backup.json").write_text(json.dumps(doc), "utf-8")
    with pytest.raises(BackupError, match="bad file name"):
        _service(demo_copy).restore(str(bk))
    assert not (tmp_path / "escape.txt").exists()


def test_an_interrupted_backup_is_refused(demo_copy: Path, tmp_path: Path) -> None:
    bk = _backup(demo_copy, tmp_path)
    (bk / "backup.json").unlink()
    with pytest.raises(BackupError, match="not a complete backup"):
        _service(demo_copy).restore(str(bk))


def test_a_backup_of_another_jurisdiction_is_refused(demo_copy: Path, tmp_path: Path) -> None:
    bk = _backup(demo_copy, tmp_path)
    (bk / "home.json").write_text('{"jurisdiction": "420000"}', "utf-8")
    _rehash(bk, "home.json")
    with pytest.raises(BackupError, match="jurisdiction"):
        _service(demo_copy).restore(str(bk))


def test_the_restore_keeps_the_current_database_aside(demo_copy: Path, tmp_path: Path) -> None:
    bk = _backup(demo_copy, tmp_path)
    service = _service(demo_copy)
    service.verify("YZ1:made after the backup")
    head = chain.head(service._audit_conn())
    service.restore(str(bk))
    (aside,) = demo_copy.glob("kiosk.db.before-restore-*")
    with contextlib.closing(sqlite3.connect(aside)) as db:
        assert chain.head(db) == head


def test_only_an_admin_backs_up_or_restores(demo_copy: Path, tmp_path: Path) -> None:
    for who in (Operator("d", "desk"), Operator("i", "inspector"), None):
        with pytest.raises(NotAllowedError):
            _service(demo_copy, who).backup(str(tmp_path / "bk"))
        with pytest.raises(NotAllowedError):
            _service(demo_copy, who).restore(str(tmp_path / "bk"))
    assert not (tmp_path / "bk").exists()


def test_backup_and_restore_through_the_cli(demo_copy: Path, tmp_path: Path) -> None:
    run("verify", "--home", str(demo_copy), "--payload", _payload(demo_copy))
    proc = run("backup", "--home", str(demo_copy), str(tmp_path / "bk"))
    assert proc.returncode == 0, proc.stderr
    proc = run("backup", "--home", str(demo_copy), str(tmp_path / "bk"))
    assert proc.returncode == 2 and "empty" in proc.stderr
    proc = run("restore", "--home", str(demo_copy), str(tmp_path / "bk"))
    assert proc.returncode == 0, proc.stderr
    proc = run("audit", "verify", "--home", str(demo_copy), "--json")
    assert proc.returncode == 0 and json.loads(proc.stdout)["intact"]
    proc = run("restore", "--home", str(demo_copy), str(tmp_path / "nothing"))
    assert proc.returncode == 2 and "Traceback" not in proc.stderr


def test_the_audit_trail_of_the_cli_names_the_account(demo_copy: Path, tmp_path: Path) -> None:
    run("backup", "--home", str(demo_copy), str(tmp_path / "bk"))
    with contextlib.closing(sqlite3.connect(demo_copy / "kiosk.db")) as db:
        (operator,) = db.execute(
            "SELECT operator FROM audit_entry WHERE action = 'backup'"
        ).fetchone()
    assert operator.startswith("cli:")
