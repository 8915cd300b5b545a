"""The admin's operators pane (issue 20): who may use this kiosk, in which role; adding one
with a PIN typed twice, and unlocking one after too many wrong PINs."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.coordinate import Coordinate
from textual.message import Message
from textual.widgets import Button, DataTable, Input, Label, Select, Static
from textual.worker import Worker

from domain.errors import KioskError
from kiosk.operators import MAX_NAME, PIN_DIGITS, ROLE_NAMES, ROLES, OperatorInfo
from screens.admin_alerts import local_time
from screens.base import kiosk_of

ROLE_OPTIONS = [(f"{ROLE_NAMES[r][0]} {ROLE_NAMES[r][1]}", r) for r in ROLES]


class OperatorsPane(Vertical):
    """The operators table, unlock, and the form that adds one."""

    DEFAULT_CSS: ClassVar[str] = """
    OperatorsPane { height: auto; }
    OperatorsPane #operators-note { height: auto; padding: 0 1; }
    OperatorsPane #operators-note.is-error { color: $error; text-style: bold; }
    OperatorsPane #operators-table { height: auto; max-height: 12; }
    OperatorsPane Horizontal { height: auto; }
    OperatorsPane #operator-name { width: 30; }
    OperatorsPane #operator-role { width: 24; }
    OperatorsPane #operator-pin, OperatorsPane #operator-pin2 { width: 26; }
    OperatorsPane Label { margin-top: 1; padding: 0 1; }
    OperatorsPane #operator-unlock { margin-right: 2; }
    """

    class Listed(Message, bubble=False):
        """Operators read in a worker, or why they could not be (not an admin, say)."""

        def __init__(self, operators: list[OperatorInfo], error: str | None = None) -> None:
            super().__init__()
            self.operators, self.error = operators, error

    class Done(Message, bubble=False):
        """An operator added or unlocked in a worker: what to say, or why it was refused."""

        def __init__(
            self, said: str = "", error: KioskError | None = None, added: bool = False
        ) -> None:
            super().__init__()
            self.said, self.error, self.added = said, error, added

    def compose(self) -> ComposeResult:
        yield Static(id="operators-note")
        yield DataTable(id="operators-table", cursor_type="row", zebra_stripes=True)
        with Horizontal():
            yield Button("解锁所选操作员 Unlock the highlighted operator", id="operator-unlock")
            yield Button("刷新 Refresh", id="operators-refresh")
        lo, hi = PIN_DIGITS
        yield Label(f"新增操作员 Add an operator (PIN: {lo}–{hi} 位数字 digits)")
        with Horizontal():
            yield Input(placeholder="名称 name", id="operator-name", max_length=MAX_NAME)
            yield Select(ROLE_OPTIONS, id="operator-role", allow_blank=False, value="desk")
        with Horizontal():
            yield Input(placeholder="PIN", id="operator-pin", password=True, max_length=hi)
            yield Input(
                placeholder="再输一次 PIN again", id="operator-pin2", password=True, max_length=hi
            )
            yield Button("新增 Add", id="operator-add", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#operators-table", DataTable).add_columns(
            "名称 name", "角色 role", "状态 state", "错误次数 failures", "创建 created (CST)"
        )

    @on(Button.Pressed, "#operators-refresh")
    def load(self) -> None:
        """Read the operators again (in a worker)."""
        self._load()

    @work(thread=True, exclusive=True, exit_on_error=False, group="operators")
    def _load(self) -> None:
        try:
            operators = kiosk_of(self).service.operators()
        except KioskError as err:
            self.post_message(self.Listed([], err.message))
            return
        self.post_message(self.Listed(operators))

    def on_operators_pane_listed(self, message: Listed) -> None:
        note = self.query_one("#operators-note", Static)
        note.set_class(message.error is not None, "is-error")
        note.update(Text(message.error or f"操作员 {len(message.operators)} 名 operators"))
        table = self.query_one("#operators-table", DataTable)
        table.clear()
        for op in message.operators:
            zh, en = ROLE_NAMES.get(op.role, (op.role, op.role))
            state = (
                Text("🔒 已锁定 LOCKED", style="bold red")
                if op.locked
                else Text("正常 active", style="green")
            )
            table.add_row(
                Text(op.name),
                f"{zh} {en}",
                state,
                str(op.failures),
                local_time(op.created_at),
                key=op.name,
            )

    @on(Button.Pressed, "#operator-unlock")
    def unlock(self) -> None:
        """Unlock the highlighted operator (the core checks the role and audits it)."""
        table = self.query_one("#operators-table", DataTable)
        if not table.row_count:
            self.notify("没有可解锁的操作员 (no operator to unlock)", markup=False)
            return
        name = table.coordinate_to_cell_key(Coordinate(table.cursor_row, 0)).row_key.value
        if name is not None:
            self._unlock(name)

    @work(thread=True, exclusive=True, exit_on_error=False, group="operator-change")
    def _unlock(self, name: str) -> None:
        try:
            kiosk_of(self).service.unlock_operator(name)
        except KioskError as err:
            self.post_message(self.Done(error=err))
            return
        self.post_message(self.Done(f"已解锁 {name} (unlocked)"))

    @on(Button.Pressed, "#operator-add")
    @on(Input.Submitted, "#operator-pin2")
    def add(self) -> None:
        """Add the operator the form describes; the PIN boxes are emptied whatever happens."""
        name = self.query_one("#operator-name", Input).value
        role = self.query_one("#operator-role", Select).value
        pins = [self.query_one(f"#{i}", Input) for i in ("operator-pin", "operator-pin2")]
        pin, again = (box.value for box in pins)
        for box in pins:
            box.value = ""
        if pin != again:
            self.notify(
                "两次输入的PIN不一致，请重新输入 (the two PINs differ: type them again)",
                title="PIN",
                severity="error",
                markup=False,
            )
            pins[0].focus()
            return
        self._add(name, str(role), pin)

    # The description stands in for Textual's default, which would repr the PIN.
    @work(
        thread=True,
        exclusive=True,
        exit_on_error=False,
        group="operator-change",
        description="add an operator",
    )
    def _add(self, name: str, role: str, pin: str) -> None:
        try:
            made = kiosk_of(self).service.add_operator(name, role, pin)
        except KioskError as err:
            self.post_message(self.Done(error=err))
            return
        zh, en = ROLE_NAMES[made.role]
        said = f"已新增操作员 {made.name}（{zh}）operator added ({en})"
        self.post_message(self.Done(said, added=True))

    def on_operators_pane_done(self, message: Done) -> None:
        err = message.error
        if err is not None:
            self.notify(err.message, title=err.title, severity="error", markup=False)
            return
        self.notify(message.said, markup=False)
        if message.added:
            self.query_one("#operator-name", Input).value = ""
        self.load()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        kiosk_of(self).on_worker_state_changed(event)  # StateChanged does not bubble
