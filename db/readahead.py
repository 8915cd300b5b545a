"""Read an export in a worker process while the builder inserts: the two halves of a publish
(parsing and checking the JSON lines and photo files; SQLite's inserts) each take about one
core, and a thread cannot overlap them (the checks hold the GIL).

    for item in readahead(kiosk.export.practitioners, export, id_key):
        ...

The worker yields the generator's items to the parent in order, in batches over a pipe (whose
small buffer is the back-pressure); an ExportError raised in the worker is raised in the parent
after every item before it, so the first bad line is still the one named. Leaving the loop early
(an error of the builder's own) stops the worker.
"""

from __future__ import annotations

import contextlib
import multiprocessing as mp
import traceback
from collections.abc import Callable, Generator, Iterator
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from kiosk.errors import ExportError

BATCH = 2_000
# Fork would copy a parent that may hold threads (a test runner, a TUI) into the child.
_CONTEXT = mp.get_context("spawn")


def _work(out: Connection, fn: Callable[..., Iterator[Any]], args: tuple[Any, ...]) -> None:
    batch: list[Any] = []
    try:
        for item in fn(*args):
            batch.append(item)
            if len(batch) == BATCH:
                out.send(("items", batch))
                batch = []
        out.send(("items", batch))
        out.send(("end", None))
    except (BrokenPipeError, KeyboardInterrupt):
        pass  # the parent stopped reading
    except Exception as err:  # noqa: BLE001 - reported to the parent, which raises it
        if not isinstance(err, ExportError):
            where = traceback.extract_tb(err.__traceback__)[-1]
            err = ExportError(
                f"the export reader failed: {err!r} at {Path(where.filename).name}:{where.lineno}"
            )
        with contextlib.suppress(BrokenPipeError):
            out.send(("items", batch))
            out.send(("error", err))
    finally:
        out.close()


def readahead(fn: Callable[..., Iterator[Any]], *args: Any) -> Generator[Any, None, None]:
    """The items of `fn(*args)`, computed in a worker process (fn must be importable)."""
    inbox, outbox = _CONTEXT.Pipe(duplex=False)
    worker = _CONTEXT.Process(target=_work, args=(outbox, fn, args), daemon=True)
    worker.start()
    outbox.close()  # so that a worker that dies is seen as the end of the pipe
    try:
        while True:
            try:
                kind, payload = inbox.recv()
            except EOFError:
                worker.join(timeout=5)
                raise ExportError(
                    f"the export reader stopped unexpectedly (exit code {worker.exitcode})"
                ) from None
            if kind == "items":
                yield from payload
            elif kind == "error":
                raise payload
            else:
                worker.join(timeout=5)  # done: let it exit by itself
                return
    finally:
        inbox.close()
        if worker.is_alive():
            worker.terminate()
        worker.join(timeout=10)
