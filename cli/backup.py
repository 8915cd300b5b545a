"""`backup DEST` and `restore SRC` (cli.md): the kiosk's own data, copied while it runs."""

from __future__ import annotations

from cli.commands import EXIT_OK, Io, cli_service


def backup(home_opt: str | None, dest: str, io: Io) -> int:
    """Write a backup into DEST (a new or empty folder)."""
    from kiosk.service import KioskService

    service = cli_service(home_opt)
    assert isinstance(service, KioskService)
    info = service.backup(dest)
    io.say(
        f"已备份 backed up {info.files} files to {info.path}; "
        f"audit: {info.audit_records} records, head {info.audit_head}"
    )
    if not info.audit_intact:
        io.fail(
            "注意：本机审计链已断开，备份保留了现状，但无法用于恢复 (the audit chain is broken: "
            "the backup keeps it as evidence, but restore will refuse it; run audit verify)"
        )
        return 1
    return EXIT_OK


def restore(home_opt: str | None, src: str, io: Io) -> int:
    """Restore the backup in SRC after proving its audit chain."""
    from kiosk.service import KioskService

    service = cli_service(home_opt)
    assert isinstance(service, KioskService)
    info = service.restore(src)
    io.say(
        f"已恢复 restored {info.files} files from {info.path}; "
        f"audit: {info.audit_records} records, head {info.audit_head}"
    )
    return EXIT_OK
