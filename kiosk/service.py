"""The kiosk's services for the TUI: one object that verifies, looks up, syncs and audits.

Plain Python (no Textual): screens call these methods from thread workers. Holds the home,
its trust list and the open replica, and reopens them after a sync.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import sqlite3
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from domain import idnum
from domain.errors import BadInputError, KioskError, ReplicaMissingError, SettingsError
from domain.timeutil import utcnow
from domain.types import Institution, Practitioner, ReplicaInfo, TrustList, Verification
from kiosk.config import KIOSK_SETTINGS, Config
from kiosk.config import parse as parse_settings
from kiosk.config import save as save_config
from kiosk.home import Home
from kiosk.query import name_page, name_query
from kiosk.verify import Context, verify_payload

if TYPE_CHECKING:
    from db.replica import Replica

Clock = Callable[[], dt.datetime]


@dataclass(frozen=True, slots=True)
class Health:
    """What the header and the banner show."""

    replica: ReplicaInfo | None
    trust_sequence: int | None
    age: dt.timedelta | None
    stale: bool
    problem: str | None


class KioskService:
    """Verification, look-up, sync and audit over one home."""

    def __init__(self, home: Home, *, clock: Clock = utcnow, operator: str = "") -> None:
        self.home = home
        self.clock = clock
        self.operator = operator
        self.config: Config = home.config()
        self._lock = threading.RLock()
        self._audit: Any = None
        self._trust_mtime: float | None = None
        self.trust: TrustList | None = None
        self.replica: Replica | None = None
        self.problem: str | None = None
        self.load_error: KioskError | None = None
        self.reload()

    def reload(self) -> None:
        """(Re)open the trust list and the replica; a failure is kept as `problem`."""
        with self._lock:
            old = self.replica
            self.problem, self.load_error = None, None
            self._trust_mtime = self._trust_stamp()
            try:
                self.trust = self.home.trust_list()
                self.replica = self.home.replica()
            except KioskError as err:
                self.trust, self.replica, self.problem = None, None, err.message
                self.load_error = err
            if old is not None and old is not self.replica:
                old.close()

    def _trust_stamp(self) -> float | None:
        """When the installed trust list last changed (any of its files)."""
        try:
            return max((p.stat().st_mtime for p in self.home.trust_dir.iterdir()), default=None)
        except OSError:
            return None

    def refresh(self) -> bool:
        """Reopen after a problem, or when another process (a CLI sync) installed a new
        replica or trust list. Returns True when something was reopened."""
        from db import store

        current = store.current(self.home.replica_dir)
        opened = self.replica.path if self.replica is not None else None
        trust_mtime = self._trust_stamp()
        if self.problem is None and current == opened and trust_mtime == self._trust_mtime:
            return False
        self.reload()
        return True

    def warm_up(self) -> None:
        """Touch the replica's hot pages and the audit database once, off the UI thread."""
        if self.replica is not None:
            self.replica.by_cert_no("0")
        self._audit_conn()

    def health(self) -> Health:
        """Replica age and staleness for the header and banner."""
        info = self.replica.info() if self.replica is not None else None
        age = self.clock() - info.exported_at if info else None
        stale = age is not None and age > dt.timedelta(days=self.config.max_replica_age_days)
        return Health(info, self.trust.sequence if self.trust else None, age, stale, self.problem)

    def verify(
        self,
        payload: str,
        *,
        institution: str | None = None,
        id_number: str | None = None,
        at: dt.datetime | None = None,
    ) -> Verification:
        """Verify a scanned payload in the current context, and audit it."""
        id18 = idnum.normalise(id_number) if id_number else None
        ctx = Context(
            at=at or self.clock(),
            institution=institution,
            id_number=id18,
            max_age=dt.timedelta(days=self.config.max_replica_age_days),
            hard_limit=dt.timedelta(days=self.config.replica_hard_limit_days),
            latest_recorded=self._latest_recorded(),
            lang=self.config.language,
        )
        with self._lock:
            result = verify_payload(payload, ctx, self.trust, self.replica)
        subject = result.credential.licence.no if result.credential else ""
        self.audit(
            "verify", subject=subject, outcome=result.verdict.value, detail=",".join(result.codes)
        )
        return result

    def _replica(self) -> Replica:
        if self.replica is None:
            raise ReplicaMissingError(
                "本机没有注册库：请先同步（“管理”或 sync 命令）(no replica installed: sync first)"
            )
        return self.replica

    def lookup(self, query: str, *, offset: int = 0) -> list[Practitioner]:
        """Look up by ID number, certificate number or name, whichever the query is (the
        look-up screen's one box). Name searches come a page at a time, from `offset`."""
        q = query.strip()
        if not q:
            raise BadInputError(
                "请输入身份证号、证书编号或姓名 (enter an ID number, certificate number or name)"
            )
        kind = query_kind(q)
        if kind == "id":
            return self.lookup_id_number(q)
        if kind == "cert":
            no = idnum.fold(q)
            found = self.lookup_cert_no(no)
            if not found and len(no) == 15 and no.isdigit():
                return self.lookup_id_number(no)  # a legacy 15-digit ID number
            return found
        return self.lookup_name(q, offset=offset)

    def lookup_id_number(self, id_number: str) -> list[Practitioner]:
        """Every registration of the person with this ID number, audited masked.

        Raises:
            IdNumberError: not a valid ID number. NotEnrolledError: no ID-index key here.
        """
        id18 = idnum.normalise(id_number)
        found = self._replica().by_id_number(id18)
        self.audit("lookup", subject=idnum.mask(id18), outcome=str(len(found)))
        return found

    def lookup_cert_no(self, cert_no: str) -> list[Practitioner]:
        """Physicians and nurses holding this certificate number."""
        no = cert_no.strip()[:64]
        found = self._replica().by_cert_no(no)
        self.audit("lookup", subject=no, outcome=str(len(found)))
        return found

    def lookup_name(self, name: str, *, offset: int = 0) -> list[Practitioner]:
        """People whose name is or starts with `name`, a bounded page from `offset`.

        Raises:
            QueryError: no name, too long, or past the most a name search shows.
        """
        q = name_query(name)
        found = self._replica().by_name(q, limit=name_page(offset), offset=offset)
        self.audit("lookup", subject=q, outcome=str(len(found)))
        return found

    def practitioner(self, kind: str, cert_no: str) -> Practitioner | None:
        """One record with its filings (detail view)."""
        return self._replica().practitioner(kind, cert_no)

    def institution(self, reg_no: str) -> Institution | None:
        """One institution."""
        return self._replica().institution(reg_no)

    def find_institutions(self, query: str) -> list[Institution]:
        """Institutions by registration number or name prefix."""
        replica = self._replica()
        q = query.strip()
        exact = replica.institution(q) if q else None
        return [exact] if exact else replica.institutions_by_name(q)

    def photo(self, kind: str, cert_no: str) -> bytes | None:
        """The replica's photo of a practitioner."""
        return self._replica().photo(kind, cert_no) if self.replica is not None else None

    def stats(self) -> list[tuple[str, str, str, str, int]]:
        """Counts by approving authority, type and status."""
        return self._replica().stats()

    def sync(self, source: str, progress: Callable[[str, int, int], None] | None = None) -> Any:
        """Sync from a folder or URL, then reopen the replica and trust list."""
        from kiosk.sync import sync

        try:
            result = sync(self.home, source, progress=progress, now=self.clock())
        except KioskError as err:
            self.audit("sync", subject=source, outcome="failed", detail=err.message)
            raise
        self.reload()
        self.audit(
            "sync", subject=source, outcome="ok", detail=f"{result.method} {result.to_sequence}"
        )
        return result

    def update_settings(self, values: dict[str, str] | None = None, **changes: Any) -> Config:
        """Change settings, from text typed in a form (`values`) or typed values (`changes`),
        save them and use them from now on. The one way the kiosk's settings change.

        Raises:
            SettingsError: a value that does not fit its setting, or the file cannot be saved.
        """
        try:
            config = parse_settings(values or {}, self.config)
            if not set(changes) <= KIOSK_SETTINGS:
                raise ValueError("此项不能在本机修改 (this setting cannot be changed here)")
            config = dataclasses.replace(config, **changes)
        except (ValueError, TypeError) as err:
            raise SettingsError(str(err)) from None
        try:
            save_config(self.home.config_path, config)
        except OSError as err:
            raise SettingsError(f"无法保存设置 (cannot save the settings: {err.strerror})") from err
        self.config = config
        return config

    def _audit_conn(self) -> Any:
        from db.local import open_local

        with self._lock:
            if self._audit is None:
                self._audit = open_local(self.home.local_db)
            return self._audit

    def _latest_recorded(self) -> dt.datetime | None:
        """The latest time the audit trail holds, or None when it cannot be read."""
        from db.local import latest_time

        try:
            conn = self._audit_conn()
            with self._lock:
                return latest_time(conn)
        except (KioskError, OSError, sqlite3.Error):
            return None

    def audit(self, action: str, **fields: str) -> None:
        """Record an action in the local audit trail at the service's clock (never blocks the
        kiosk on failure)."""
        from db.local import audit

        try:
            conn = self._audit_conn()
            with self._lock:
                audit(conn, action, operator=self.operator, at=self.clock(), **fields)
        except (KioskError, OSError, sqlite3.Error):
            self.problem = "审计日志无法写入 (the audit log cannot be written)"


def query_kind(q: str) -> str:
    """'id' for something shaped like an ID number, 'cert' for a number, else 'name'."""
    s = idnum.fold(q)
    if len(s) == 18 and s[:-1].isdigit() and (s[-1].isdigit() or s[-1] == "X"):
        return "id"
    if any(c.isdigit() for c in s) and all(c.isascii() for c in s):
        return "cert"
    return "name"
