"""A scan that cannot be checked, and a crash: the last card goes, nothing private shows.

The failures are made by replacing one method of our own service (or codec) on the instance;
SQLite and the cryptography stay real.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Static

import main
from domain import idnum
from domain.idnum import check_char
from domain.types import Verification
from screens.app import YanzhaoApp
from screens.crash import CRASH_TEXT, Crashed
from screens.messages import PayloadScanned
from screens.scan import ScanScreen
from screens.verdict_card import CardData, VerdictCard
from tests.screens.conftest import case_by, notified, plain, settle, until


def synthetic_id(fullwidth: bool = False) -> str:
    """An obviously made-up ID number (region 999999 does not exist) with a right check digit."""
    body = "999999" + "19700101" + "123"
    number = body + check_char(body)
    return (
        number.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
        if fullwidth
        else number
    )


def _text(app: YanzhaoApp) -> str:
    return " ".join(
        plain(app.screen.query_one(w, Static))
        for w in ("#verdict-banner", "#verdict-reasons", "#verdict-fields")
    )


def _boom(*args: object, **kwargs: object) -> Any:
    raise RuntimeError("the verifier broke")


async def _show_valid(app: YanzhaoApp, pilot: Any, cases: list[dict[str, Any]]) -> Verification:
    """Scan a valid credential; returns its verification (the card is green)."""
    app.post_message(PayloadScanned(case_by(cases, None)["payload"], "test"))
    await settle(app, pilot)
    screen = app.screen
    assert isinstance(screen, ScanScreen) and screen.last is not None
    assert screen.query_one(VerdictCard).has_class("is-valid")
    name = screen.last.result.credential.licence.name  # type: ignore[union-attr]
    assert name in _text(app)
    return screen.last.result


def _assert_unchecked(app: YanzhaoApp, previous: Verification) -> None:
    card = app.screen.query_one(VerdictCard)
    text = _text(app)
    assert card.has_class("is-unchecked")
    assert not card.has_class("is-valid")
    assert "无法核验此次扫码" in text and "COULD NOT BE CHECKED" in text
    assert previous.credential is not None
    assert previous.credential.licence.name not in text
    assert previous.credential.licence.no not in text
    assert "有效" not in text and "VALID" not in text.replace("NOT BE CHECKED", "")


@pytest.mark.parametrize("target", ["verify", "audit", "decode"])
async def test_a_failed_check_clears_the_last_card(
    make_app: Callable[..., YanzhaoApp],
    cases: list[dict[str, Any]],
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
    target: str,
) -> None:
    """Whatever breaks after the scan (decode, verify, audit), the last person's green card
    goes, the screen says this scan could not be checked, and the traceback is logged."""
    app = make_app()
    bells: list[int] = []
    app.bell = lambda: bells.append(1)  # type: ignore[method-assign]
    async with app.run_test(size=(120, 40)) as pilot:
        previous = await _show_valid(app, pilot, cases)
        if target == "decode":
            monkeypatch.setattr("wire.codec.decode", _boom)
        else:
            monkeypatch.setattr(app.service, target, _boom)
        app.post_message(PayloadScanned(case_by(cases, None)["payload"], "test"))
        await settle(app, pilot)
        _assert_unchecked(app, previous)
        assert bells == [1]
        assert await until(pilot, lambda: notified(app, "出现意外问题"))
        assert app.screen.last is None  # type: ignore[attr-defined]
    failed = [r for r in caplog.records if r.exc_info and "broke" in str(r.exc_info[1])]
    assert failed, "the failure is logged with its traceback"


async def test_unchecked_stays_unchecked_in_the_other_language(
    make_app: Callable[..., YanzhaoApp],
    cases: list[dict[str, Any]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Switching language redraws the could-not-check state, never the card before it."""
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        previous = await _show_valid(app, pilot, cases)
        monkeypatch.setattr(app.service, "verify", _boom)
        app.post_message(PayloadScanned(case_by(cases, None)["payload"], "test"))
        await settle(app, pilot)
        await pilot.press("f9")
        await pilot.pause()
        _assert_unchecked(app, previous)
        assert plain(app.screen.query_one("#verdict-banner", Static)).strip().startswith("?  THIS")


async def test_a_card_that_cannot_be_drawn_clears_the_last_one(
    make_app: Callable[..., YanzhaoApp],
    cases: list[dict[str, Any]],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A verification whose data makes the card code raise: not half a green card, and not
    the card before it, but "could not check" (and the app keeps running)."""
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        previous = await _show_valid(app, pilot, cases)
        cred = previous.credential
        assert cred is not None
        broken_licence = dataclasses.replace(cred.licence, scope=None)  # type: ignore[arg-type]
        broken = dataclasses.replace(
            previous, credential=dataclasses.replace(cred, licence=broken_licence)
        )
        screen = app.screen
        assert isinstance(screen, ScanScreen)
        screen.post_message(ScanScreen.Verified(CardData(broken)))
        await settle(app, pilot)
        _assert_unchecked(app, previous)
        assert app.is_running
    assert any("could not be drawn" in r.getMessage() and r.exc_info for r in caplog.records)


async def test_a_late_failure_of_a_replaced_scan_does_not_wipe_the_newer_card(
    make_app: Callable[..., YanzhaoApp], cases: list[dict[str, Any]]
) -> None:
    """A scan replaced by a newer one (exclusive worker) that fails afterwards is ignored."""
    from textual.worker import Worker, WorkerState

    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await _show_valid(app, pilot, cases)
        screen = app.screen
        assert isinstance(screen, ScanScreen)
        stale: Worker[None] = Worker(screen, lambda: None, group="verify")
        stale.cancel()
        screen.post_message(Worker.StateChanged(stale, WorkerState.ERROR))
        await pilot.pause()
        assert screen.query_one(VerdictCard).has_class("is-valid")


# -- A crash: nothing but a calm sentence on the terminal --------------------------------------


def _raise_with_an_id_number(lang: str = "") -> None:
    id_number = synthetic_id()  # a local variable that Textual's traceback would show
    raise RuntimeError(f"lookup failed for {id_number}")


@pytest.mark.parametrize("kiosk", [True, False])
async def test_a_crash_shows_no_locals_and_no_id_number(
    make_app: Callable[..., YanzhaoApp],
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
    kiosk: bool,
) -> None:
    """An action that raises ends the app (exit code 1) with a calm sentence; in kiosk mode
    nothing else reaches the terminal, outside it the stack without locals or messages."""
    app = make_app(kiosk=kiosk)
    app.action_toggle_language = _raise_with_an_id_number  # type: ignore[method-assign]
    printed: list[str] = []
    with pytest.raises(Crashed) as raised:
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.press("f9")
            await pilot.pause()
            printed = [  # what Textual is about to print on the terminal
                seg.text
                for r in app._exit_renderables  # noqa: SLF001
                for seg in getattr(r, "segments", [])
            ]
    out = capsys.readouterr()
    terminal = out.out + out.err
    number = synthetic_id()
    for shown in (terminal, *printed, str(raised.value)):
        assert number not in shown
        assert number[:6] + "1970" not in shown  # not even the start of the number
    assert CRASH_TEXT.splitlines()[0] in terminal and CRASH_TEXT.splitlines()[0] in "".join(printed)
    assert "locals" not in terminal  # Textual's default shows a "locals" panel per frame
    if kiosk:
        assert "RuntimeError" not in terminal and "lookup failed" not in terminal
    else:
        assert "RuntimeError" in terminal  # the stack, without its message
        assert "RuntimeError: lookup failed" not in terminal
    assert app.return_code == 1
    assert isinstance(raised.value.__cause__, RuntimeError)
    assert any(r.levelno == logging.CRITICAL and r.exc_info for r in caplog.records)


# -- The log: ID numbers masked ----------------------------------------------------------------


def _record(msg: str, *args: object, exc: BaseException | None = None) -> logging.LogRecord:
    exc_info = (type(exc), exc, exc.__traceback__) if exc else None
    return logging.LogRecord("yanzhao.tui", logging.ERROR, __file__, 1, msg, args, exc_info)


@pytest.mark.parametrize("fullwidth", [False, True])
def test_the_log_filter_masks_id_numbers(fullwidth: bool) -> None:
    number = synthetic_id(fullwidth)
    masked = idnum.mask(idnum.fold(number))  # masked in ASCII digits
    try:
        raise ValueError(f"no record for {number}")
    except ValueError as err:
        record = _record("lookup %s failed (%d)", f"id={number}.", 3, exc=err)
    assert main.IdMaskFilter().filter(record) is True
    line = logging.Formatter("%(message)s").format(record)
    assert number not in line and number[3:-4] not in line
    assert f"lookup id={masked}. failed (3)" in line
    assert f"ValueError: no record for {masked}" in line


def test_the_log_filter_masks_the_check_character_x_and_leaves_other_numbers() -> None:
    body = "999999" + "19700101" + "456"
    number = body + check_char(body)
    assert idnum.mask_in_text(f"x{number}y") == f"x{number[:3]}{'*' * 11}{number[-4:]}y"
    lower_x = body + "x"
    assert lower_x not in idnum.mask_in_text(lower_x)
    seventeen = "1" * 17
    assert idnum.mask_in_text(f"n {seventeen}.") == f"n {seventeen}."  # one short: left alone
    assert idnum.mask_in_text(f"n {seventeen}X") == f"n 111{'*' * 11}111X"
    spaced = f"{number[:6]} {number[6:14]} {number[14:]}"  # as a person types it
    assert idnum.mask_in_text(f"id {spaced}.") == f"id {number[:3]}{'*' * 11}{number[-4:]}."


def test_a_record_whose_arguments_do_not_fit_is_kept_and_masked() -> None:
    number = synthetic_id()
    record = _record("%s and %s", number)  # one argument short
    assert main.IdMaskFilter().filter(record) is True
    assert number not in logging.Formatter("%(message)s").format(record)


@pytest.fixture
def root_logging() -> Iterator[None]:
    """Give back the root logger as it was (main._logging reconfigures it)."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    for h in root.handlers[:]:
        root.removeHandler(h)
        h.close()
    for h in handlers:
        root.addHandler(h)
    root.setLevel(level)


def test_the_supervisor_logs_a_crash_of_run_and_restarts(
    world: Path, monkeypatch: pytest.MonkeyPatch, root_logging: None
) -> None:
    """app.run() itself raising is logged (ID numbers masked) and, in kiosk mode, restarted
    up to MAX_RESTARTS times; the crash branch does not itself crash (Textual 8's return_code
    is read-only)."""
    from kiosk.home import Home

    runs: list[int] = []

    class FailingApp:
        def __init__(self, *args: object, **kwargs: object) -> None:
            pass

        def run(self) -> None:
            runs.append(1)
            _raise_with_an_id_number()

        @property
        def return_code(self) -> int | None:  # read-only, as in Textual 8
            return None

    monkeypatch.setattr("screens.app.YanzhaoApp", FailingApp)
    monkeypatch.setattr("cli.launch.prepare", lambda home, demo: (Home(world), True))
    monkeypatch.setattr("time.sleep", lambda s: None)
    assert main.run_tui(str(world), demo=True, kiosk=True) == 1
    assert len(runs) == main.MAX_RESTARTS + 1
    log_text = (world / "logs" / "kiosk.log").read_text("utf-8")
    number = synthetic_id()
    assert "the app crashed" in log_text and "RuntimeError: lookup failed" in log_text
    assert number not in log_text and number[:3] + "*" * 11 + number[-4:] in log_text
    runs.clear()
    assert main.run_tui(str(world), demo=True, kiosk=False) == 1
    assert len(runs) == 1
