"""What the terminal shows when the app stops on an unhandled error: a calm sentence, never
local variables (they can hold ID numbers). The full traceback goes to the log."""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.text import Text

CRASH_TEXT = (
    "验照遇到意外问题，已停止；详情（身份证号已隐去）记入日志 logs/kiosk.log。\n"
    "Yanzhao hit an unexpected problem and stopped; the details (ID numbers masked) are in "
    "logs/kiosk.log."
)


class Crashed(Exception):
    """Stands in for an unhandled error when Textual prints why the app stopped.

    Textual prints an exception that has `__rich__` as that renderable, so this is all that
    reaches the terminal: a calm sentence, and outside kiosk mode the stack without local
    variables or exception messages (either can hold an ID number). The log has the rest.
    """

    def __init__(self, error: BaseException, *, kiosk: bool) -> None:
        super().__init__(CRASH_TEXT)
        self.__cause__ = error
        self.kiosk = kiosk

    def __rich__(self) -> RenderableType:
        if self.kiosk or self.__cause__ is None:
            return Text(CRASH_TEXT)
        return Group(Text(CRASH_TEXT), _bare_traceback(self.__cause__))


def _bare_traceback(error: BaseException) -> RenderableType:
    """The stack of `error` (and its causes) without locals, messages or notes."""
    from rich.traceback import Traceback

    trace = Traceback.extract(type(error), error, error.__traceback__, show_locals=False)
    stacks = list(trace.stacks)
    while stacks:
        stack = stacks.pop()
        stack.exc_value, stack.notes, stack.syntax_error = "", [], None
        stacks.extend(s for group in stack.exceptions for s in group.stacks)
    return Traceback(trace, show_locals=False)
