"""The header every screen shows: title, demo marker, clock, who is signed in and as what,
replica age, and a banner when the replica is stale, past its hard limit (red: the kiosk
vouches for nobody until synced) or missing (pointing to sync)."""

from __future__ import annotations

import datetime as dt

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Static

from domain.timeutil import china_time
from kiosk.operators import ROLE_NAMES
from screens.base import NARROW_BELOW, kiosk_of

SHORT_TITLE = ("验照", "Yanzhao")  # the title below NARROW_BELOW columns


def age_text(age: dt.timedelta) -> str:
    """A replica age for people: minutes, hours or days."""
    minutes = int(age.total_seconds() // 60)
    if minutes < 60:
        return f"{max(minutes, 0)} min"
    if minutes < 48 * 60:
        return f"{minutes // 60} h"
    return f"{minutes // 1440} d"


class StatusHeader(Vertical):
    """Title line plus an optional warning banner."""

    DEFAULT_CSS = """
    StatusHeader { height: auto; dock: top; }
    StatusHeader #header-line { height: 1; background: $panel; }
    StatusHeader #header-title { width: 1fr; text-style: bold; padding: 0 1; }
    StatusHeader #header-status { width: auto; padding: 0 1; }
    StatusHeader #banner { height: auto; padding: 0 1; background: $warning; color: $text; display: none; }
    StatusHeader #banner.is-shown { display: block; }
    StatusHeader #banner.is-error { background: $error; }
    """

    def compose(self) -> ComposeResult:
        with Horizontal(id="header-line"):
            yield Static(id="header-title")
            yield Static(id="header-status")
        yield Static(id="banner")

    def on_mount(self) -> None:
        self.update_status()
        self.set_interval(10, self.update_status)
        # The screen names itself after its header is mounted, and again on F9: follow it.
        self.watch(self.screen, "sub_title", self.update_status, init=False)

    def on_resize(self) -> None:
        self.update_status()

    def update_status(self) -> None:
        """Redraw the clock, the replica's age and the banner."""
        if not self.query("#header-title"):
            return  # being taken down with its screen (a sign-out clears the screens)
        app = kiosk_of(self)
        service = app.service
        # Below NARROW_BELOW columns: the short title, the time without the date, no
        # "operator" label, so that the screen's name and who is signed in still fit.
        narrow = 0 < self.size.width < NARROW_BELOW
        zh, en = SHORT_TITLE
        name = (en if app.lang == "en" else zh) if narrow else app.text("app.title")
        title = Text(name, style="bold")
        if app.demo:
            title.append("  " + ("DEMO" if narrow else app.text("demo")), style="bold reverse")
        # Its own screen's, not the active one's: a header refreshes while its screen is hidden.
        title.append(f"  · {self.screen.sub_title}" if self.screen.sub_title else "")
        self.query_one("#header-title", Static).update(title)
        health = service.health()
        now = china_time(service.clock(), "%H:%M" if narrow else "%Y-%m-%d %H:%M")
        status = Text(now + "  ")
        if not narrow:
            status.append(f"{app.text('operator')} ", style="dim")
        session = service.session
        if session is None:
            status.append("—  ", style="dim")
        else:  # who is signed in, and as what (issue 20)
            zh, en = ROLE_NAMES.get(session.role, (session.role, session.role))
            status.append(session.name, style="bold")
            status.append(f"（{zh}）  " if app.lang == "zh" else f" ({en})  ", style="dim")
        if health.replica is None or health.age is None:
            status.append(app.text("replica.none"), style="bold red")
        else:
            style = (
                "bold red"
                if health.stale
                else ("yellow" if health.age and health.age.days >= 1 else "green")
            )
            status.append(app.text("replica.age", age=age_text(health.age)), style=style)
            status.append(f" #{health.replica.sequence}")
        self.query_one("#header-status", Static).update(status)
        banner = self.query_one("#banner", Static)
        message = None
        if health.problem:
            message = health.problem
        elif health.replica is None:
            message = app.text("replica.missing")
        elif health.expired and health.age is not None:
            message = app.text("replica.expired", days=health.age.days)
        elif health.stale and health.age is not None:
            message = app.text("replica.stale", days=health.age.days)
        banner.update(message or "")
        banner.set_class(message is not None, "is-shown")
        banner.set_class(health.replica is None or health.expired, "is-error")
