"""Read an export in worker processes while the builder inserts: parsing and checking the
JSON lines and the photo files took one core for as long as SQLite's inserts took another,
and a thread cannot overlap them (the checks hold the GIL).

    for line, row, photo in readahead(publisher.export.practitioners, path, export, id_key):
        ...

The file is cut into parts of about a megabyte; worker w reads parts w, w + n, w + 2n, … and
the parent takes them back in order, one part from each worker in turn (each worker runs at most
a part and a pipe's buffer ahead: that is the back-pressure). Items are `(line, …)` tuples whose
line numbers the worker counts from the start of its part; the parent makes them the file's.

An ExportError in a worker is raised in the parent after every item before it, so the first
bad line is still the one named. Leaving the loop early (an error of the builder's own) stops
the workers.
"""

from __future__ import annotations

import contextlib
import multiprocessing as mp
import traceback
from collections.abc import Callable, Generator, Iterator
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from domain.errors import ExportError
from publisher.export import count_lines, line_parts

PART_BYTES = 1 << 20
WORKERS = 2
# Fork would copy a parent that may hold threads (a test runner, a TUI) into the child.
_CONTEXT = mp.get_context("spawn")

Part = tuple[int, int]


def _work(
    out: Connection,
    fn: Callable[..., Iterator[tuple[Any, ...]]],
    path: Path,
    args: tuple[Any, ...],
    parts: list[Part],
) -> None:
    items: list[tuple[Any, ...]] = []
    try:
        for part in parts:
            items = []
            for item in fn(*args, part=part):
                items.append(item)
            out.send(("part", items, count_lines(path, part)))
    except (BrokenPipeError, KeyboardInterrupt):
        pass  # the parent stopped reading
    except Exception as err:  # noqa: BLE001 - reported to the parent, which raises it
        if not isinstance(err, ExportError):
            where = traceback.extract_tb(err.__traceback__)[-1]
            err = ExportError(
                f"the export reader failed: {err!r} at {Path(where.filename).name}:{where.lineno}"
            )
        with contextlib.suppress(BrokenPipeError):
            out.send(("error", items, err))
    finally:
        out.close()


def readahead(
    fn: Callable[..., Iterator[tuple[Any, ...]]], path: Path, *args: Any
) -> Generator[tuple[Any, ...], None, None]:
    """The items of `fn(*args, part=…)` over the parts of `path`, computed in worker
    processes (fn must be importable), with the file's own line numbers."""
    parts = line_parts(path, PART_BYTES)
    n = min(WORKERS, len(parts))
    workers, inboxes = [], []
    try:
        for w in range(n):
            inbox, outbox = _CONTEXT.Pipe(duplex=False)
            worker = _CONTEXT.Process(
                target=_work, args=(outbox, fn, path, args, parts[w::n]), daemon=True
            )
            worker.start()
            outbox.close()  # so that a worker that dies is seen as the end of its pipe
            workers.append(worker)
            inboxes.append(inbox)
        base = 0
        for i in range(len(parts)):
            try:
                message = inboxes[i % n].recv()
            except EOFError:
                workers[i % n].join(timeout=5)
                raise ExportError(
                    f"the export reader stopped unexpectedly (exit code {workers[i % n].exitcode})"
                ) from None
            for item in message[1]:
                yield (base + item[0], *item[1:])
            if message[0] == "error":
                err = message[2]
                raise ExportError(
                    err.reason, file=err.file, line=None if err.line is None else base + err.line
                )
            base += message[2]
        for worker in workers:
            worker.join(timeout=5)  # done: let them exit by themselves
    finally:
        for inbox in inboxes:
            inbox.close()
        for worker in workers:
            if worker.is_alive():
                worker.terminate()
            worker.join(timeout=10)
