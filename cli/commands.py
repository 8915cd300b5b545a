"""The headless commands of cli.md. Each returns its exit status; output goes to `out`.

Imports are deferred to the command that needs them, so `verify` starts fast.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from domain.errors import (
    AuditError,
    BadInputError,
    HomeError,
    IdNumberError,
    KioskError,
    NotEnrolledError,
    QueryError,
    ReplicaError,
)
from kiosk.query import check_purpose, institution_query, name_query

EXIT_OK, EXIT_WARNING, EXIT_INVALID, EXIT_UNCHECKED, EXIT_USAGE = 0, 1, 2, 3, 64
VERDICT_EXIT = {"valid": EXIT_OK, "warning": EXIT_WARNING, "invalid": EXIT_INVALID}


@dataclass(frozen=True, slots=True)
class Io:
    """Where a command writes."""

    out: TextIO = sys.stdout
    err: TextIO = sys.stderr

    def json(self, doc: Any) -> None:
        self.out.write(json.dumps(doc, ensure_ascii=False, indent=2) + "\n")

    def say(self, text: str) -> None:
        self.out.write(text + "\n")

    def fail(self, err: KioskError | str) -> None:
        self.err.write(f"yanzhao: {err}\n")


def _home(option: str | None) -> Any:
    from kiosk.home import Home, resolve

    return Home(resolve(option)).require()


def init(
    home_opt: str | None, root_keys: list[str], jurisdiction: str, id_key: str | None, io: Io
) -> int:
    """init --root-key PUB.pem … --jurisdiction CODE [--id-key KEY]"""
    from kiosk.home import init as do_init
    from kiosk.home import resolve

    home = do_init(
        resolve(home_opt),
        [Path(p) for p in root_keys],
        jurisdiction,
        Path(id_key) if id_key else None,
    )
    io.say(
        f"已初始化 initialised {home.path} ({len(list(home.roots_dir.glob('*.pem')))} root key(s) "
        f"pinned, jurisdiction {jurisdiction}"
        + (", ID-index key installed)" if id_key else ", no ID-index key: run enrol --id-key)")
    )
    return EXIT_OK


def enrol(home_opt: str | None, id_key: str, io: Io) -> int:
    """enrol --id-key KEY: install or replace the ID-index key."""
    home = _home(home_opt)
    home.enrol(Path(id_key))
    io.say(f"已登记身份证索引密钥 ID-index key installed in {home.path}")
    return EXIT_OK


def publish(registry: str, trust_list: str, key: str, id_key: str, out_dir: str, io: Io) -> int:
    """publish --registry … --trust-list … --publisher-key … --id-key … --out …"""
    from publisher.publish import publish as do_publish

    pub = do_publish(
        Path(registry), Path(trust_list), Path(key), Path(out_dir), id_key_path=Path(id_key)
    )
    io.say(
        f"published sequence {pub.sequence}: {pub.snapshot}"
        + (f", delta {pub.delta}" if pub.delta else "")
    )
    return EXIT_OK


def sync(home_opt: str | None, source: str, io: Io) -> int:
    """sync SOURCE, with a progress bar on a terminal."""

    service = cli_service(home_opt)  # a damaged replica is what a sync repairs
    progress = _progress_bar(io)
    try:
        result = service.sync(source, progress=progress.update if progress else None)
    finally:
        if progress:
            progress.close()
    if not result.changed:
        io.say(f"已是最新 already up to date (sequence {result.to_sequence})")
    else:
        io.say(
            f"同步完成 synced by {result.method}: sequence {result.from_sequence} → {result.to_sequence}"
            f" ({result.downloaded} bytes)"
        )
    return EXIT_OK


class _Bar:
    def __init__(self, io: Io) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn

        self.progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            DownloadColumn(),
            console=Console(file=io.err),
            transient=True,
        )
        self.progress.start()
        self.tasks: dict[str, Any] = {}

    def update(self, name: str, done: int, total: int) -> None:
        if name not in self.tasks:
            self.tasks[name] = self.progress.add_task(name, total=total)
        self.progress.update(self.tasks[name], completed=done)

    def close(self) -> None:
        self.progress.stop()


def _progress_bar(io: Io) -> _Bar | None:
    return _Bar(io) if io.err.isatty() else None


def verify(
    home_opt: str | None,
    payload: str | None,
    image: str | None,
    institution: str | None,
    id_number: str | None,
    at: str | None,
    as_json: bool,
    io: Io,
) -> int:
    """verify (--payload | --image) …, through the same service as the TUI."""
    from domain import idnum
    from domain.timeutil import parse_cli_time
    from kiosk import present

    try:
        when = parse_cli_time(at) if at else None
    except ValueError:
        io.fail(f"--at: 不是 ISO 8601 时间 (not an ISO 8601 time: {at})")
        return EXIT_USAGE
    if id_number:
        idnum.normalise(id_number)  # IdNumberError → 64, before anything is read
    service = _service(home_opt)
    if image is not None:
        payload = _payload_from_image(image)
    result = service.verify(
        payload or "", institution=institution, id_number=id_number or None, at=when
    )
    doc = present.verification(result)
    if as_json:
        io.json(doc)
    else:
        _print_verdict(doc, io)
    return VERDICT_EXIT[result.verdict.value]


CLI_PURPOSE = "other: 命令行 command line"


def cli_service(home_opt: str | None) -> Any:
    """The service as the command line acts: the account at the shell, with an admin's rights
    (whoever can run commands on the home's files can change them anyway: docs/security.md),
    named in the audit trail as cli:<account>."""
    import getpass

    from kiosk.operators import Operator
    from kiosk.service import KioskService

    try:
        who = getpass.getuser()
    except (KeyError, OSError):
        who = "unknown"
    return KioskService(_home(home_opt), session=Operator(f"cli:{who}"[:32], "admin"))


def _service(home_opt: str | None) -> Any:
    """The kiosk's service over the home; a home whose replica or trust list cannot be read
    is an error here (exit 3), where the TUI shows it as a banner instead."""
    service = cli_service(home_opt)
    if service.load_error is not None:
        raise service.load_error
    return service


def _payload_from_image(image: str) -> str:
    from scanner.files import decode_path

    texts = decode_path(Path(image))
    if not texts:
        raise _Unchecked(f"图像中没有找到二维码 (no QR code found in {image})")
    return next((t for t in texts if t.startswith("YZ1:")), texts[0])


class _Unchecked(KioskError):
    """The check could not be made (exit 3)."""


def _print_verdict(doc: dict[str, Any], io: Io) -> None:
    from domain.types import Verdict
    from kiosk.messages import VERDICT_LABELS

    zh, en = VERDICT_LABELS[Verdict(doc["verdict"])]
    io.say(f"{zh} {en.upper()}")
    cred = doc["credential"]
    if cred:
        io.say(f"  {cred.get('name', '')}  {cred.get('type', '')} {cred.get('no', '')}")
    for r in doc["reasons"]:
        io.say(f"  - {r['code']}: {r['message']}")


def lookup(
    home_opt: str | None,
    id_number: str | None,
    cert_no: str | None,
    name: str | None,
    institution: str | None,
    as_json: bool,
    io: Io,
    purpose: str | None = None,
) -> int:
    """lookup (--id-number | --cert-no | --name | --institution), through the same service as
    the TUI; an ID-number or name look-up is recorded with its purpose."""
    from domain import idnum
    from kiosk import present

    if id_number is not None:
        idnum.normalise(id_number)  # IdNumberError → 64, before anything is read
    if name is not None:
        name_query(name)  # QueryError → 64
    if institution is not None:
        institution_query(institution)  # QueryError → 64
    why = check_purpose(purpose or CLI_PURPOSE)  # QueryError → 64
    service = _service(home_opt)
    if institution is not None:
        places = [present.institution(i) for i in service.find_institutions(institution)]
        if as_json:
            io.json({"results": places})
        for i in places if not as_json else ():
            io.say(f"{i['name']}  {i['reg_no']}  {i['category']}  {i['status']}  {i['address']}")
        if not places and not as_json:
            io.say("未找到 nothing found")
        return EXIT_OK if places else 1
    if id_number is not None:
        found = service.lookup_id_number(id_number, purpose=why)  # NotEnrolledError → 3
    elif cert_no is not None:
        found = service.lookup_cert_no(cert_no)
    else:
        found = service.lookup_name(name or "", purpose=why)
    results = [present.practitioner(p) for p in found]
    if as_json:
        io.json({"results": results})
    elif not results:
        io.say("未找到 nothing found")
    for p in results if not as_json else ():
        io.say(
            f"{p['name']}  {p['kind']} {p['cert_no']}  {p['id_number']}  {p['status']}  "
            f"{p.get('institution_name') or p['institution']}"
        )
    return EXIT_OK if results else 1


def check(
    home_opt: str | None,
    id_number: str,
    institution: str | None,
    at: str | None,
    as_json: bool,
    io: Io,
    purpose: str | None = None,
) -> int:
    """check --id-number: every licence the replica holds for the number, each verified
    as a scan would be (cli.md)."""
    from domain import idnum
    from domain.timeutil import parse_cli_time
    from kiosk import present

    try:
        when = parse_cli_time(at) if at else None
    except ValueError:
        io.fail(f"--at: 不是 ISO 8601 时间 (not an ISO 8601 time: {at})")
        return EXIT_USAGE
    idnum.normalise(id_number)  # IdNumberError → 64, before anything is read
    if institution is not None:
        institution_query(institution)  # QueryError → 64
    why = check_purpose(purpose or CLI_PURPOSE)  # QueryError → 64
    service = _service(home_opt)
    result = service.check_id_number(id_number, institution=institution, at=when, purpose=why)
    doc = present.id_check(result)
    if as_json:
        io.json(doc)
    else:
        _print_check(doc, io)
    return VERDICT_EXIT[result.verdict.value]


def _print_check(doc: dict[str, Any], io: Io) -> None:
    from domain.types import Verdict
    from kiosk.messages import VERDICT_LABELS

    zh, en = VERDICT_LABELS[Verdict(doc["verdict"])]
    io.say(f"{zh} {en.upper()}")
    for r in doc["reasons"]:
        io.say(f"  - {r['code']}: {r['message']}")
    for res in doc["results"]:
        p = res["registry"]
        zh, en = VERDICT_LABELS[Verdict(res["verdict"])]
        io.say(f"  {p['name']}  {p['kind']} {p['cert_no']}  {p['id_number']}: {zh} {en}")
        for r in res["reasons"]:
            io.say(f"    - {r['code']}: {r['message']}")


def status(home_opt: str | None, as_json: bool, io: Io) -> int:
    """status: replica sequence, build time, age, counts, trust list sequence."""
    from domain.timeutil import utcnow

    home = _home(home_opt)
    replica = home.replica()
    trust = home.trust_list()
    now = utcnow()
    doc: dict[str, Any] = {"home": str(home.path), "replica": None, "trust_list": None}
    if replica is not None:
        info = replica.info()
        age = now - info.exported_at
        doc["replica"] = {
            "sequence": info.sequence,
            "exported_at": info.exported_at.isoformat(),
            "built_at": info.built_at,
            "age_seconds": int(age.total_seconds()),
            "age_days": round(age.total_seconds() / 86400, 2),
            "stale": age.days >= home.config().max_replica_age_days,
            "jurisdiction": info.jurisdiction,
            "counts": info.counts,
        }
    if trust is not None:
        doc["trust_list"] = {
            "sequence": trust.sequence,
            "issued_at": trust.issued_at,
            "keys": len(trust.keys),
        }
    if as_json:
        io.json(doc)
    else:
        r, t = doc["replica"], doc["trust_list"]
        io.say(f"home: {doc['home']}")
        io.say(
            "replica: none (run sync)"
            if r is None
            else f"replica: sequence {r['sequence']}, exported {r['exported_at']} "
            f"({r['age_days']} days ago{', STALE' if r['stale'] else ''}), counts {json.dumps(r['counts'], ensure_ascii=False)}"
        )
        io.say(
            "trust list: none"
            if t is None
            else f"trust list: sequence {t['sequence']}, {t['keys']} keys"
        )
    return EXIT_OK


def decode(files: list[str], as_json: bool, io: Io) -> int:
    """decode FILE… with the kiosk's scanner pipeline."""
    from scanner.cli import decode_command

    return decode_command(files, as_json, io.out)


def run_guarded(command: str, fn: Any, io: Io) -> int:
    """Run a command, turning expected failures into a sentence and an exit status."""
    try:
        return int(fn())
    except (IdNumberError, QueryError) as err:
        io.fail(err)
        return EXIT_USAGE
    except BadInputError as err:
        io.fail(err)
        return EXIT_USAGE if command == "audit" else 2
    except (NotEnrolledError, AuditError) as err:
        io.fail(err)
        return EXIT_UNCHECKED
    except (_Unchecked, HomeError, ReplicaError) as err:
        io.fail(err)
        return EXIT_UNCHECKED if command in ("verify", "check", "status", "audit") else 2
    except KioskError as err:
        io.fail(err)
        return EXIT_UNCHECKED if command in ("verify", "check") else 2
    except KeyboardInterrupt:
        io.fail("已中断 interrupted")
        return 130


def progress_printer(out: TextIO) -> Callable[[str], None]:
    """Writes each progress line indented and at once (the terminal must not stay blank)."""

    def say(line: str) -> None:
        out.write(f"  {line}\n")
        out.flush()

    return say


def demo(home_opt: str | None, if_missing: bool, practitioners: int, io: Io) -> int:
    """demo: build the demo world into the home (by default ./demo-home)."""
    import os

    from cli.launch import DEFAULT_DEMO_HOME
    from seed.world_state import is_fresh

    path = Path(home_opt or os.environ.get("YANZHAO_HOME") or DEFAULT_DEMO_HOME)
    if if_missing and is_fresh(path):
        io.say(f"演示数据已就绪 demo world ready in {path}")
        return EXIT_OK
    from seed.demo import build

    io.say(f"正在生成演示数据 building the demo world in {path} …")
    world = build(path, practitioners=practitioners, progress=progress_printer(io.out))
    io.say(
        f"演示数据已生成 demo world built in {path}: {world['cases']} credentials, "
        f"{world['seconds']} s"
    )
    return EXIT_OK
