"""Driving the kiosk app through Pilot as a keyboard-wedge scanner types, and what the scan
benchmarks count and wait for (bench.tui_scan, bench.tui): key events posted from a thread,
the frame that paints a verdict, refreshes, layout passes and SQL statements.
"""

from __future__ import annotations

import asyncio
import cProfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

KEY_NAMES = {
    " ": "space",
    "$": "dollar_sign",
    "%": "percent_sign",
    "*": "asterisk",
    "+": "plus",
    "-": "minus",
    ".": "full_stop",
    "/": "slash",
    ":": "colon",
}


# ---------------------------------------------------------------------------------------------
# Counting (this process only): refreshes, layout passes, SQL statements.


class Counts:
    """Counters the patched Textual methods and the SQL trace callbacks add to."""

    def __init__(self) -> None:
        self.c: Counter[str] = Counter()

    def snapshot(self) -> Counter[str]:
        """A copy of the counters now."""
        return Counter(self.c)


COUNTS = Counts()


def _install_counters() -> None:
    """Count Screen compositor refreshes and layout passes (private Textual methods, wrapped
    in this benchmark process only: Textual has no public counter of them)."""
    from textual.screen import Screen

    for name, key in (("_compositor_refresh", "refreshes"), ("_refresh_layout", "layouts")):
        original = getattr(Screen, name)
        if getattr(original, "_bench_counted", False):
            continue

        def counted(self: Any, *a: Any, _o: Any = original, _k: str = key, **k: Any) -> Any:
            COUNTS.c[_k] += 1
            return _o(self, *a, **k)

        counted._bench_counted = True  # type: ignore[attr-defined]
        setattr(Screen, name, counted)


def _trace_sql(service: Any, *, local: bool = True) -> None:
    """Count every SQL statement on the service's replica and (`local`) kiosk-database
    connections (opening the latter if the service has not yet)."""

    def on_replica(_sql: str) -> None:
        COUNTS.c["sql_replica"] += 1

    def on_local(_sql: str) -> None:
        COUNTS.c["sql_local"] += 1

    if service.replica is not None:
        service.replica._conn.set_trace_callback(on_replica)  # noqa: SLF001 - bench only
    if local:
        service._audit_conn().set_trace_callback(on_local)  # noqa: SLF001 - bench only


def _delta(before: Counter[str], after: Counter[str]) -> dict[str, int]:
    return {k: after[k] - before[k] for k in ("refreshes", "layouts", "sql_replica", "sql_local")}


# ---------------------------------------------------------------------------------------------
# Typing as a wedge scanner does.


def _key(char: str) -> Any:
    from textual import events

    if char == "\r":
        return events.Key("enter", "\r")
    return events.Key(KEY_NAMES.get(char, char), char)


class Typist(threading.Thread):
    """Posts key events to the app from a thread at a fixed rate, as the terminal driver
    posts what it reads (each event stamped when it is made, as the driver's are)."""

    def __init__(self, app: Any, text: str, per_char_s: float) -> None:
        super().__init__(daemon=True)
        self.app, self.text, self.per_char_s = app, text, per_char_s
        self.last_at = 0.0

    def run(self) -> None:
        began = time.perf_counter()
        for i, char in enumerate(self.text):
            target = began + i * self.per_char_s
            while (wait := target - time.perf_counter()) > 0:
                time.sleep(min(wait, 0.0005) if wait < 0.002 else wait - 0.001)
            self.last_at = time.perf_counter()
            self.app.post_message(_key(char))


def _type(app: Any, text: str, per_char_s: float) -> Typist:
    typist = Typist(app, text, per_char_s)
    typist.start()
    return typist


class Painted:
    """Resolves a future when a verdict reaches the scan screen and the frame carrying it has
    been composed (see the module docstring)."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.future: asyncio.Future[float] | None = None
        self.verdict: str | None = None
        self.marks: dict[str, float] = {}

    def arm(self) -> asyncio.Future[float]:
        self.future = asyncio.get_running_loop().create_future()
        self.marks = {}
        return self.future

    def hook(self, message: Any) -> None:
        """run_test's message hook: sees each message before its handler runs."""
        name = type(message).__name__
        if name in ("PayloadScanned", "Submitted") and self.future is not None:
            self.marks.setdefault("routed", time.perf_counter())  # the scan leaves the keys
        if name != "Verified" or self.future is None:
            return
        self.marks["verified"] = time.perf_counter()  # the worker's result is back
        future, self.future = self.future, None
        self.verdict = message.data.result.verdict.value
        screen = self.app.screen  # the scan screen, whose handler runs right after this hook

        def done() -> None:
            if not future.done():
                future.set_result(time.perf_counter())

        screen.call_after_refresh(done)


def _make_app(home: Path) -> Any:
    from kiosk.home import Home
    from kiosk.operators import Operator
    from kiosk.service import KioskService
    from screens.app import YanzhaoApp

    service = KioskService(Home(home), session=Operator("admin1", "admin"))
    service.purpose = "counter"
    return YanzhaoApp(service, demo=False)


async def _drained(app: Any) -> None:
    """Wait until the app, and then the focused widget, have handled every key posted so far
    (each handles its messages in order: a callback queued behind the keys runs after them)."""
    for pump in (app, app.focused):
        if pump is None:
            continue
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        pump.call_later(lambda f=done: f.done() or f.set_result(None))
        await asyncio.wait_for(done, 60)


@contextmanager
def _profiled(enabled: bool, sink: list[cProfile.Profile]) -> Iterator[None]:
    if not enabled:
        yield
        return
    prof = cProfile.Profile()
    prof.enable()
    try:
        yield
    finally:
        prof.disable()
        sink.append(prof)


def _profile_worker(service: Any, sink: list[cProfile.Profile]) -> None:
    """Profile KioskService.verify and photo_for wherever they run (the verification worker)."""
    for name in ("verify", "photo_for"):
        original = getattr(service, name)

        def wrapped(*a: Any, _o: Callable[..., Any] = original, **k: Any) -> Any:
            prof = cProfile.Profile()
            prof.enable()
            try:
                return _o(*a, **k)
            finally:
                prof.disable()
                sink.append(prof)

        setattr(service, name, wrapped)
