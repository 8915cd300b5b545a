"""`operator add | unlock | list` (cli.md). The PIN is asked for on the terminal, never taken
as an argument (it would stay in the shell's history and in `ps`); a provisioning script may
pipe it on standard input instead, one line."""

from __future__ import annotations

import getpass
import sys

from cli.commands import EXIT_OK, Io, cli_service
from domain.errors import BadInputError


def _read_pin(io: Io) -> str:
    if sys.stdin.isatty():
        pin = getpass.getpass("PIN: ")
        if getpass.getpass("PIN (again 再次输入): ") != pin:
            raise BadInputError("两次输入的PIN不一致 (the two PINs differ)")
        return pin
    return sys.stdin.readline(64).strip()


def add(home_opt: str | None, name: str, role: str, io: Io) -> int:
    """Create an operator; the PIN comes from the terminal."""
    from kiosk.service import KioskService

    service = cli_service(home_opt)
    assert isinstance(service, KioskService)
    made = service.add_operator(name, role, _read_pin(io))
    io.say(f"已创建操作员 operator created: {made.name} ({made.role})")
    return EXIT_OK


def unlock(home_opt: str | None, name: str, io: Io) -> int:
    """Unlock an operator locked after wrong PINs."""
    from kiosk.service import KioskService

    service = cli_service(home_opt)
    assert isinstance(service, KioskService)
    service.unlock_operator(name)
    io.say(f"已解锁 unlocked: {name}")
    return EXIT_OK


def list_all(home_opt: str | None, as_json: bool, io: Io) -> int:
    """Every operator, never a PIN or its hash."""
    from kiosk.service import KioskService

    service = cli_service(home_opt)
    assert isinstance(service, KioskService)
    people = service.operators()
    if as_json:
        io.json(
            {
                "operators": [
                    {
                        "name": p.name,
                        "role": p.role,
                        "locked": p.locked,
                        "failures": p.failures,
                        "created_at": p.created_at,
                    }
                    for p in people
                ]
            }
        )
        return EXIT_OK
    for p in people:
        io.say(f"{p.name}  {p.role}  {'locked 已锁定' if p.locked else ''}".rstrip())
    if not people:
        io.say("尚无操作员 no operators yet")
    return EXIT_OK
