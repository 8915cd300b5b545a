"""Yanzhao (验照): composition root. `python main.py` starts the kiosk; commands run headless.

Only argparse is imported up front: each command imports what it needs, so `verify` from a
cold process stays fast.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from cli import commands as cli

if TYPE_CHECKING:
    import logging


class _Parser(argparse.ArgumentParser):
    """argparse that exits 64 (EX_USAGE) on wrong usage, as cli.md requires."""

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(cli.EXIT_USAGE, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    """The command line of cli.md, plus `demo` (build the demo world)."""
    p = _Parser(prog="yanzhao", description="验照 Yanzhao: offline e-licence verification kiosk")
    p.add_argument("--home", help="the kiosk's data folder (or YANZHAO_HOME)")
    p.add_argument("--demo", action="store_true", help="start the TUI on the built-in demo world")
    p.add_argument(
        "--kiosk", action="store_true", help="lock the TUI (no quit) until an admin unlocks"
    )
    sub = p.add_subparsers(dest="command", parser_class=_Parser)

    def cmd(name: str, help_text: str) -> argparse.ArgumentParser:
        sp = sub.add_parser(name, help=help_text)
        sp.add_argument("--home", default=argparse.SUPPRESS, help="the kiosk's data folder")
        return sp

    sp = cmd("init", "create the home, pin root public key(s) and the jurisdiction")
    sp.add_argument("--root-key", action="append", required=True, metavar="PUB.pem")
    sp.add_argument("--jurisdiction", required=True, metavar="CODE", help="000000: national")
    sp.add_argument("--id-key", metavar="KEY", help="the ID-index key file (32 bytes)")
    sp = cmd("enrol", "install or replace the ID-index key")
    sp.add_argument("--id-key", required=True, metavar="KEY")
    sp = cmd("publish", "turn a registry export into a signed bundle")
    sp.add_argument("--registry", required=True, metavar="EXPORT_DIR")
    sp.add_argument("--trust-list", required=True, metavar="trustlist.json")
    sp.add_argument("--publisher-key", required=True, metavar="KEY.pem")
    sp.add_argument("--id-key", required=True, metavar="KEY")
    sp.add_argument("--out", required=True, metavar="BUNDLE_DIR")
    sp = cmd("sync", "update the replica and trust list from a bundle folder or URL")
    sp.add_argument("source", metavar="SOURCE")
    sp = cmd("verify", "verify one credential")
    g = sp.add_mutually_exclusive_group(required=True)
    g.add_argument("--payload", metavar="TEXT")
    g.add_argument("--image", metavar="FILE")
    sp.add_argument("--institution", metavar="REG_NO")
    sp.add_argument("--id-number", metavar="ID")
    sp.add_argument("--at", metavar="TIME")
    sp.add_argument("--json", action="store_true")
    sp = cmd("lookup", "find practitioners in the replica")
    g = sp.add_mutually_exclusive_group(required=True)
    g.add_argument("--id-number", metavar="ID")
    g.add_argument("--cert-no", metavar="NO")
    g.add_argument("--name", metavar="NAME")
    g.add_argument("--institution", metavar="NAME_OR_REG_NO", help="institutions, not people")
    sp.add_argument("--purpose", help="inspection | counter | complaint | 'other: NOTE'")
    sp.add_argument("--json", action="store_true")
    sp = cmd("check", "verify a practitioner by resident ID number alone, from the replica")
    sp.add_argument("--id-number", required=True, metavar="ID")
    sp.add_argument("--institution", metavar="REG_NO")
    sp.add_argument("--at", metavar="TIME")
    sp.add_argument("--purpose", help="inspection | counter | complaint | 'other: NOTE'")
    sp.add_argument("--json", action="store_true")
    sp = cmd("stats", "counts from the replica and the kiosk's own verifications")
    sp.add_argument("--json", action="store_true")
    sp = cmd("audit", "prove or export the audit trail")
    audit = sp.add_subparsers(dest="audit_command", required=True, parser_class=_Parser)
    ap = audit.add_parser("verify", help="prove the hash chain intact")
    ap.add_argument("--home", default=argparse.SUPPRESS)
    ap.add_argument("--json", action="store_true")
    ap = audit.add_parser("export", help="write a date range as CSV")
    ap.add_argument("--home", default=argparse.SUPPRESS)
    ap.add_argument("--from", dest="start", required=True, metavar="DATE")
    ap.add_argument("--to", dest="end", required=True, metavar="DATE")
    ap.add_argument("--out", required=True, metavar="FILE.csv")
    sp = cmd("operator", "manage the kiosk's operators")
    ops = sp.add_subparsers(dest="operator_command", required=True, parser_class=_Parser)
    op = ops.add_parser("add", help="create an operator (the PIN is asked for)")
    op.add_argument("--home", default=argparse.SUPPRESS)
    op.add_argument("name", metavar="NAME")
    op.add_argument("--role", required=True, choices=("admin", "inspector", "desk"))
    op = ops.add_parser("unlock", help="unlock an operator after wrong PINs")
    op.add_argument("--home", default=argparse.SUPPRESS)
    op.add_argument("name", metavar="NAME")
    op = ops.add_parser("list", help="list the operators")
    op.add_argument("--home", default=argparse.SUPPRESS)
    op.add_argument("--json", action="store_true")
    sp = cmd("backup", "copy the kiosk's own data (not the replica) into a new folder")
    sp.add_argument("dest", metavar="DEST")
    sp = cmd("restore", "restore a backup after proving its audit chain")
    sp.add_argument("src", metavar="SRC")
    sp = cmd("status", "replica and trust list status")
    sp.add_argument("--json", action="store_true")
    sp = cmd("decode", "read QR codes from pictures or videos")
    sp.add_argument("files", nargs="+", metavar="FILE")
    sp.add_argument("--json", action="store_true")
    sp = cmd("demo", "build the demo world into the home")
    sp.add_argument("--if-missing", action="store_true", help="only when it is missing or old")
    sp.add_argument("--practitioners", type=int, default=2000)
    return p


class IdMaskFilter:
    """A logging filter that masks ID numbers in a record's message, traceback and stack.

    A plain class with `filter()`, which logging accepts as a filter, so that importing
    main.py does not import logging (see the module docstring).
    """

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record in place; never drops it."""
        import logging

        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a bad format string must not hide the record
            message = f"{record.msg} (arguments that do not fit the message)"
        from domain.idnum import mask_in_text

        record.msg, record.args = mask_in_text(str(message)), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_in_text(record.exc_text)
        if record.stack_info:
            record.stack_info = mask_in_text(record.stack_info)
        return True


def _logging(home_path: Path) -> None:
    """Full tracebacks go to a rotating file in the home, never on screen; ID numbers masked.
    Python warnings and exceptions that end a thread go there too."""
    import logging
    from logging.handlers import RotatingFileHandler

    try:
        (home_path / "logs").mkdir(parents=True, exist_ok=True)
        handler: logging.Handler = RotatingFileHandler(
            home_path / "logs" / "kiosk.log", maxBytes=2_000_000, backupCount=5, encoding="utf-8"
        )
    except OSError:
        handler = logging.NullHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(IdMaskFilter())
    logging.basicConfig(level=logging.INFO, handlers=[handler], force=True)
    logging.captureWarnings(True)  # warnings.warn() from any library: to the file, not the screen
    import threading

    def thread_failed(args: threading.ExceptHookArgs) -> None:
        # The default prints to sys.stderr, which Textual swallows while it draws: log it.
        if args.exc_type is not SystemExit and args.exc_value is not None:
            name = args.thread.name if args.thread is not None else "?"
            logging.getLogger("yanzhao").error(
                "thread %s failed",
                name,
                exc_info=(args.exc_type, args.exc_value, args.exc_traceback),
            )

    threading.excepthook = thread_failed


def run_tui(home_opt: str | None, *, demo: bool, kiosk: bool) -> int:
    """Start the TUI and supervise it: an app that crashes is logged and started afresh,
    at most MAX_RESTARTS times a minute. In kiosk mode so is an app that ends any other way
    than by an admin's PIN, and the terminal's signal keys stay plain keys."""
    import logging
    import os
    import time

    if kiosk:  # Textual keeps ctrl+c, ctrl+z and ctrl+\ as keys unless this asks for signals
        os.environ.pop("TEXTUAL_ALLOW_SIGNALS", None)

    from scanner.quiet import native_output_to, quiet_opencv

    quiet_opencv()  # before anything imports cv2
    from cli.launch import prepare

    home, is_demo = prepare(home_opt, demo=demo)
    print(STARTING, flush=True)  # the imports below take a second on a busy machine
    from kiosk.service import KioskService
    from scanner.feed import CameraFeed
    from screens.app import YanzhaoApp
    from screens.crash import CRASH_TEXT

    _logging(home.path)
    log = logging.getLogger("yanzhao")
    # Ask the terminal once, before Textual reads the keyboard, whether it can show real
    # pixels (Kitty graphics, Sixel); after logging, so that nothing of it reaches the screen.
    from screens.photo_view import detect_graphics

    detect_graphics()
    restarts: list[float] = []
    while True:
        service = KioskService(home)
        # The settings are the truth, in the demo too: the camera they name is opened, or
        # retried quietly while missing, and the scan screen says which.
        device = service.config.camera.strip()
        camera = CameraFeed(device, service.config.decoder_order) if device else None
        app = YanzhaoApp(service, demo=is_demo, kiosk=kiosk, camera=camera)
        try:
            # What C libraries write to the terminal (OpenCV, ZBar, drivers) goes to a file
            # while the app draws; Textual itself still reaches the terminal.
            with native_output_to(home.path / "logs" / NATIVE_LOG):
                app.run()
            code = app.return_code or 0
        except Exception:  # noqa: BLE001 - the supervisor logs and restarts
            # return_code is read-only in Textual 8: keep the code here, so that this branch
            # cannot itself raise. Nothing of the error reaches the terminal but this sentence.
            log.exception("the app crashed")
            print(CRASH_TEXT, file=sys.stderr)
            code = 1
        if not kiosk or getattr(app, "admin_exit", False):
            return code
        now = time.monotonic()
        restarts = [t for t in restarts if now - t < 60] + [now]
        log.error("the app exited with %s; restart %d", code, len(restarts))
        if len(restarts) > MAX_RESTARTS:
            return code
        time.sleep(1)


MAX_RESTARTS = 5
NATIVE_LOG = "native.log"
STARTING = "正在启动验照… starting Yanzhao…"


def _backup(home: str | None, dest: str, io: cli.Io) -> int:
    from cli.backup import backup

    return backup(home, dest, io)


def _restore(home: str | None, src: str, io: cli.Io) -> int:
    from cli.backup import restore

    return restore(home, src, io)


def _operator(args: argparse.Namespace, io: cli.Io) -> int:
    from cli import operators

    if args.operator_command == "add":
        return operators.add(args.home, args.name, args.role, io)
    if args.operator_command == "unlock":
        return operators.unlock(args.home, args.name, io)
    return operators.list_all(args.home, args.json, io)


def _audit(args: argparse.Namespace, io: cli.Io) -> int:
    from cli import audit

    if args.audit_command == "verify":
        return audit.verify(args.home, args.json, io)
    return audit.export(args.home, args.start, args.end, args.out, io)


def _stats(home: str | None, as_json: bool, io: cli.Io) -> int:
    from cli.stats import stats

    return stats(home, as_json, io)


def main(argv: list[str] | None = None) -> int:
    """Entry point of `python main.py` and the `yanzhao` console script."""
    args = build_parser().parse_args(argv)
    io = cli.Io()
    home = args.home
    c = args.command
    if c is None:
        return cli.run_guarded("tui", lambda: run_tui(home, demo=args.demo, kiosk=args.kiosk), io)
    actions = {
        "init": lambda: cli.init(home, args.root_key, args.jurisdiction, args.id_key, io),
        "enrol": lambda: cli.enrol(home, args.id_key, io),
        "publish": lambda: cli.publish(
            args.registry, args.trust_list, args.publisher_key, args.id_key, args.out, io
        ),
        "sync": lambda: cli.sync(home, args.source, io),
        "verify": lambda: cli.verify(
            home, args.payload, args.image, args.institution, args.id_number, args.at, args.json, io
        ),
        "lookup": lambda: cli.lookup(
            home,
            args.id_number,
            args.cert_no,
            args.name,
            args.institution,
            args.json,
            io,
            args.purpose,
        ),
        "check": lambda: cli.check(
            home, args.id_number, args.institution, args.at, args.json, io, args.purpose
        ),
        "stats": lambda: _stats(home, args.json, io),
        "audit": lambda: _audit(args, io),
        "operator": lambda: _operator(args, io),
        "backup": lambda: _backup(args.home, args.dest, io),
        "restore": lambda: _restore(args.home, args.src, io),
        "status": lambda: cli.status(home, args.json, io),
        "decode": lambda: cli.decode(args.files, args.json, io),
        "demo": lambda: cli.demo(home, args.if_missing, args.practitioners, io),
    }
    return cli.run_guarded(c, actions[c], io)


if __name__ == "__main__":
    sys.exit(main())
