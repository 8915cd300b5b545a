"""The kiosk's services for the TUI: one object that verifies, looks up, syncs and audits.

Plain Python (no Textual): screens call these methods from thread workers. Holds the home,
its trust list and the open replica, and reopens them after a sync.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import sqlite3
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from domain import idnum
from domain.errors import (
    NO_ROOM,
    AuditError,
    BadInputError,
    KioskError,
    ReplicaMissingError,
    SettingsError,
)
from domain.timeutil import utcnow
from domain.types import (
    IdCheck,
    Institution,
    Practitioner,
    ReplicaInfo,
    TrustList,
    Verification,
)
from kiosk.config import KIOSK_SETTINGS, Config
from kiosk.config import parse as parse_settings
from kiosk.config import save as save_config
from kiosk.home import Home
from kiosk.operators import (
    ROLE_NAMES,
    NotAllowedError,
    Operator,
    OperatorInfo,
    OperatorLockedError,
    Operators,
    SignInError,
    dummy_hash,
)
from kiosk.query import check_purpose, institution_query, name_page, name_query
from kiosk.verify import Context, check_people, verify_payload

if TYPE_CHECKING:
    from pathlib import Path

    from db.audit import ChainReport, Record
    from db.replica import Replica
    from kiosk.alerts import Alert
    from kiosk.backup import BackupInfo
    from kiosk.report import Inspection
    from kiosk.stats import Stats

Clock = Callable[[], dt.datetime]
log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Health:
    """What the header and the banner show."""

    replica: ReplicaInfo | None
    trust_sequence: int | None
    age: dt.timedelta | None
    stale: bool
    problem: str | None
    expired: bool = False  # past the hard limit: every verification is REPLICA_EXPIRED


class KioskService:
    """Verification, look-up, sync and audit over one home."""

    def __init__(
        self, home: Home, *, clock: Clock = utcnow, session: Operator | None = None
    ) -> None:
        self.home = home
        self.clock = clock
        self.session = session
        self.purpose: str | None = None
        self.config: Config = home.config()
        self._lock = threading.RLock()
        self._audit: Any = None
        self._trust_mtime: float | None = None
        self.trust: TrustList | None = None
        self.replica: Replica | None = None
        self.problem: str | None = None
        self.load_error: KioskError | None = None
        self.reload()

    @property
    def operator(self) -> str:
        """Who the audit trail names for what happens now ("" when nobody is signed in)."""
        return self.session.name if self.session is not None else ""

    def require(self, permission: str) -> Operator:
        """The signed-in operator, if their role allows `permission`.

        Raises:
            NotAllowedError: nobody is signed in, or the role does not allow it (audited).
        """
        session = self.session
        if session is not None and session.may(permission):
            return session
        self.audit("denied", subject=permission, outcome=session.role if session else "")
        raise NotAllowedError(
            "请先登录 (sign in first)"
            if session is None
            else f"{ROLE_NAMES[session.role][0]}无权执行此操作 "
            f"(a {ROLE_NAMES[session.role][1]} may not do this: {permission})"
        )

    def _operators(self) -> Operators:
        return Operators(self._audit_conn())

    def needs_first_admin(self) -> bool:
        """True on a home with no operator yet: the first start creates the first admin."""
        try:
            with self._lock:
                return self._operators().count() == 0
        except sqlite3.Error as err:
            raise AuditError(
                f"本地数据库无法读取 (the local database cannot be read: {err})"
            ) from err

    def add_operator(self, name: str, role: str, pin: str) -> Operator:
        """Create an operator; the first one of a home is an admin, created by whoever starts
        it; every later one needs an admin.

        Raises:
            NotAllowedError: not an admin. BadInputError: a bad name, role or PIN.
        """
        with self._lock:
            first = self._operators().count() == 0
            if first and role != "admin":
                raise BadInputError(
                    "第一个操作员必须是管理员 (the first operator must be an admin)"
                )
            if not first:
                self.require("operators")
            made = self._operators().add(name, role, pin, at=self.clock())
        self.audit("operator_add", subject=made.name, outcome=made.role)
        return made

    def unlock_operator(self, name: str) -> None:
        """Unlock an operator after too many wrong PINs (admins only)."""
        self.require("operators")
        with self._lock:
            self._operators().unlock(name)
        self.audit("operator_unlock", subject=name)

    def operators(self) -> list[OperatorInfo]:
        """Every operator (admins only)."""
        self.require("operators")
        with self._lock:
            return self._operators().list()

    def sign_in(self, name: str, pin: str) -> Operator:
        """Sign an operator in; every try is audited, the PIN never.

        Raises:
            SignInError: wrong name or PIN, too soon, or locked (OperatorLockedError).
        """
        who = self._check_pin(name, pin)
        self.session = who
        self.audit("login", subject=who.name, outcome=who.role)
        return who

    def confirm_admin(self, name: str, pin: str, why: str = "kiosk_exit") -> Operator:
        """An admin's name and PIN for one action (leaving kiosk mode), without changing who
        is signed in; a wrong PIN counts as at sign-in, and the action is audited as `why`.

        Raises:
            SignInError: wrong name or PIN, too soon, or locked. NotAllowedError: not an admin.
        """
        who = self._check_pin(name, pin)
        if not who.may("operators"):
            self.audit("denied", subject=why, outcome=who.role)
            raise NotAllowedError(f"只有管理员可以执行此操作 (only an admin may do this: {why})")
        self.audit(why, subject=who.name, outcome=who.role)
        return who

    def _check_pin(self, name: str, pin: str) -> Operator:
        """Who a name and PIN belong to; every failure audited (the PIN never)."""
        try:
            with self._lock:
                return self._operators().sign_in(name, pin, at=self.clock())
        except SignInError as err:
            locked = isinstance(err, OperatorLockedError)
            self.audit(
                "login_failed",
                subject=idnum.mask_in_text(str(name)[:32]),
                outcome="locked" if locked else "wrong",
            )
            raise

    def sign_out(self, why: str = "logout") -> None:
        """End the session (a sign-out, or the screen locking when idle)."""
        try:
            if self.session is not None:
                self.audit(why, subject=self.session.name)
        finally:  # signed out even when it cannot be recorded
            self.session, self.purpose = None, None

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
        """Touch the replica's hot pages and the audit database once, off the UI thread: the
        statements a scan runs are compiled and their indexes' top pages read (issue 21)."""
        with self._lock:
            replica = self.replica
        if replica is not None:
            replica.warm()
        self._audit_conn()
        self._latest_recorded()  # the newest page of the trail, read by every verification
        self._check_replica_age()
        self.purge_audit(automatic=True)
        dummy_hash()  # so that the first sign-in with an unknown name is not slower

    def purge_audit(self, *, automatic: bool = False) -> int:
        """Remove audit records older than the retention period, leaving a purge record that
        keeps the chain verifiable. An admin's action, or the kiosk's own at start (the period
        is an admin's setting). Returns how many went."""
        from db.audit import Entry, purge

        if not automatic:
            self.require("audit")
        now = self.clock()
        before = now - dt.timedelta(days=self.config.audit_retention_days)
        try:
            with self._lock:
                return purge(
                    self._audit_conn(), before, Entry("purge", now, self.operator, "retention")
                )
        except sqlite3.Error as err:
            raise AuditError(f"审计日志无法清理 (the audit trail cannot be purged: {err})") from err

    def _check_replica_age(self) -> None:
        from kiosk.alerts import stale

        now = self.clock()
        found = stale(self.health().age, self.config, now)
        if found is not None:
            self._raise_alerts([found])

    def alerts(self) -> list[Alert]:
        """Alerts, unacknowledged first, with their evidence (admins only)."""
        from kiosk.alerts import open_alerts

        self.require("alerts")
        self._check_replica_age()
        with self._lock:
            return open_alerts(self._audit_conn())

    def acknowledge_alert(self, alert_id: int) -> None:
        """Mark an alert seen (admins only); audited.

        Raises:
            BadInputError: no such unacknowledged alert.
        """
        from kiosk.alerts import acknowledge

        who = self.require("alerts")
        with self._lock:
            alert = acknowledge(self._audit_conn(), int(alert_id), who.name, self.clock())
        if alert is None:
            raise BadInputError(f"没有待确认的警报 #{alert_id} (no open alert #{alert_id})")
        self.audit("alert_ack", subject=alert.kind, detail=f"#{alert.id} {alert.key}")

    def _raise_alerts(self, found: list[tuple[str, str, str]]) -> None:
        """Keep each new alert and audit it (an alert is never raised twice for one key)."""
        from db.local import audit
        from kiosk.alerts import raise_alert

        conn = self._audit_conn()
        for key, kind, evidence in found:
            with self._lock:
                now = self.clock()
                if raise_alert(conn, key, kind, evidence, now):
                    audit(
                        conn, "alert", subject=kind, detail=evidence, operator=self.operator, at=now
                    )

    def health(self) -> Health:
        """Replica age and staleness for the header and banner."""
        info = self.replica.info() if self.replica is not None else None
        age = self.clock() - info.exported_at if info else None
        stale = age is not None and age > dt.timedelta(days=self.config.max_replica_age_days)
        expired = age is not None and age > dt.timedelta(days=self.config.replica_hard_limit_days)
        trust = self.trust.sequence if self.trust else None
        return Health(info, trust, age, stale or expired, self.problem, expired)

    def verify(
        self,
        payload: str,
        *,
        institution: str | None = None,
        id_number: str | None = None,
        at: dt.datetime | None = None,
    ) -> Verification:
        """Verify a scanned payload in the current context, and audit it.

        Raises:
            NotAllowedError: nobody signed in. AuditError: it could not be recorded.
        """
        self.require("verify")
        id18 = idnum.normalise(id_number) if id_number else None
        ctx = self._context(at, institution, id18)
        with self._lock:
            result = verify_payload(payload, ctx, self.trust, self.replica)
        lic = result.credential.licence if result.credential else None
        self.audit(
            "verify",
            subject=f"{lic.type} {lic.no}" if lic else "",
            outcome=result.verdict.value,
            detail=",".join(result.codes),
            place=institution or "",
        )
        return result

    def check_id_number(
        self,
        id_number: str,
        *,
        institution: str | None = None,
        at: dt.datetime | None = None,
        purpose: str | None = None,
    ) -> IdCheck:
        """Verify a practitioner by resident ID number alone (the seeds' "输入身份证号即可验证"):
        every licence the replica holds for the number, through the same registry and context
        checks as a scan. Audited with the number masked.

        Raises:
            IdNumberError: not a valid ID number. NotEnrolledError: no ID-index key here.
            ReplicaMissingError: no replica to check against. QueryError: no purpose.
        """
        self.require("lookup")
        why = self._purpose(purpose)
        id18 = idnum.normalise(id_number)
        ctx = self._context(at, institution, None)
        with self._lock:
            replica = self._replica()
            result = check_people(replica.by_id_number(id18), ctx, replica)
        codes = {c for r in result.results for c in r.codes} | {r.code for r in result.reasons}
        self.audit(
            "check",
            subject=idnum.mask(id18),
            outcome=result.verdict.value,
            detail=",".join(sorted(codes)),
            place=institution or "",
            purpose=why,
        )
        return result

    def set_purpose(self, purpose: str | None) -> None:
        """The purpose of this session's look-ups, picked by the officer (None to ask again).

        Raises:
            QueryError: not one of the list, or "other" without a note.
        """
        self.purpose = check_purpose(purpose) if purpose is not None else None

    def _purpose(self, given: str | None) -> str:
        return check_purpose(given if given is not None else self.purpose)

    def _context(
        self, at: dt.datetime | None, institution: str | None, id18: str | None
    ) -> Context:
        return Context(
            at=at or self.clock(),
            institution=institution,
            id_number=id18,
            max_age=dt.timedelta(days=self.config.max_replica_age_days),
            hard_limit=dt.timedelta(days=self.config.replica_hard_limit_days),
            latest_recorded=self._latest_recorded(),
            lang=self.config.language,
        )

    def _replica(self) -> Replica:
        if self.replica is None:
            raise ReplicaMissingError(
                "本机没有注册库：请先同步（“管理”或 sync 命令）(no replica installed: sync first)"
            )
        return self.replica

    def lookup(
        self, query: str, *, offset: int = 0, purpose: str | None = None
    ) -> list[Practitioner]:
        """Look up by ID number, certificate number or name, whichever the query is (the
        look-up screen's one box). Name searches come a page at a time, from `offset`."""
        q = query.strip()
        if not q:
            raise BadInputError(
                "请输入身份证号、证书编号或姓名 (enter an ID number, certificate number or name)"
            )
        kind = query_kind(q)
        if kind == "id":
            return self.lookup_id_number(q, purpose=purpose)
        if kind == "cert":
            no = idnum.fold(q)
            found = self.lookup_cert_no(no)
            if not found and len(no) == 15 and no.isdigit():
                return self.lookup_id_number(no, purpose=purpose)  # a legacy 15-digit number
            return found
        return self.lookup_name(q, offset=offset, purpose=purpose)

    def lookup_id_number(self, id_number: str, *, purpose: str | None = None) -> list[Practitioner]:
        """Every registration of the person with this ID number, audited masked with its
        purpose.

        Raises:
            IdNumberError: not a valid ID number. NotEnrolledError: no ID-index key here.
            QueryError: no purpose given or picked.
        """
        self.require("lookup")
        why = self._purpose(purpose)
        id18 = idnum.normalise(id_number)
        found = self._replica().by_id_number(id18)
        self.audit(
            "lookup", subject=idnum.mask(id18), outcome=str(len(found)), detail="id", purpose=why
        )
        return found

    def lookup_cert_no(self, cert_no: str) -> list[Practitioner]:
        """Physicians and nurses holding this certificate number (printed on the licence the
        officer holds: no purpose asked)."""
        self.require("lookup")
        no = cert_no.strip()[:64]
        found = self._replica().by_cert_no(no)
        self.audit("lookup", subject=no, outcome=str(len(found)), detail="cert")
        return found

    def lookup_name(
        self, name: str, *, offset: int = 0, purpose: str | None = None
    ) -> list[Practitioner]:
        """People whose name is or starts with `name`, a bounded page from `offset`, for a
        purpose.

        Raises:
            QueryError: no name, too long, past the most a name search shows, or no purpose.
        """
        self.require("lookup")
        why = self._purpose(purpose)
        q = name_query(name)
        found = self._replica().by_name(q, limit=name_page(offset), offset=offset)
        self.audit("lookup", subject=q, outcome=str(len(found)), detail="name", purpose=why)
        return found

    def count_name_matches(self, name: str) -> int:
        """How many people a name search matches, all pages (up to COUNT_CAP): the total the
        look-up shows with its first page. Not audited: `lookup_name` audits the search.

        Raises:
            QueryError: not a name a search takes. ReplicaMissingError: no replica here.
        """
        from kiosk.query import count_by_name  # here: one method added (issue 21)

        self.require("lookup")
        return count_by_name(self._replica(), name)

    def practitioner(self, kind: str, cert_no: str) -> Practitioner | None:
        """One record with its filings (detail view)."""
        self.require("lookup")
        return self._replica().practitioner(kind, cert_no)

    def institution(self, reg_no: str) -> Institution | None:
        """One institution."""
        self.require("lookup")
        return self._replica().institution(reg_no)

    def find_institutions(self, query: str) -> list[Institution]:
        """Institutions by registration number, or whose name holds `query` (a page, the names
        that start with it first).

        Raises:
            QueryError: nothing typed, too long, or control characters.
        """
        self.require("lookup")
        q = institution_query(query)
        replica = self._replica()
        exact = replica.institution(idnum.fold(q).upper())
        found = [exact] if exact else replica.institutions_by_name(q)
        self.audit("lookup", subject=q, outcome=str(len(found)), detail="institution")
        return found

    def photo_for(self, v: Verification) -> bytes | None:
        """The face to show beside a verdict: the replica's photo of the person, else the
        photo a trusted licence carries (an untrusted one's is never shown)."""
        from kiosk.verify import trusted

        person = v.practitioner
        raw = self.photo(person.kind, person.cert_no) if person and person.has_photo else None
        if raw is None and v.credential is not None and trusted(v):
            raw = v.credential.licence.photo
        return raw

    def photo(self, kind: str, cert_no: str) -> bytes | None:
        """The replica's photo of a practitioner."""
        self.require("lookup")
        return self._replica().photo(kind, cert_no) if self.replica is not None else None

    def stats(self) -> Stats:
        """The statistics of kiosk/stats.py: the replica's counts (None without a replica) and
        this kiosk's own verifications per day, from the audit trail. Authorities that
        approved no institution are named from the trust list where it knows them.

        Read on connections of its own (a second or so on a province): a scan or look-up
        at the counter meanwhile does not wait for it.

        Raises:
            NotAllowedError: a desk operator. ReplicaError: the replica cannot be read.
            HomeError: the audit trail cannot be.
        """
        from db.local import open_local
        from db.replica import Replica
        from kiosk.stats import compute

        self.require("stats")
        with self._lock:
            path = self.replica.path if self.replica is not None else None
            trust = self.trust.keys if self.trust else ()
        names = {k.authority: k.authority_name for k in trust}
        replica = Replica(path) if path is not None else None
        conn = open_local(self.home.local_db)
        try:
            return compute(replica, conn, self.clock(), names=names)
        finally:
            conn.close()
            if replica is not None:
                replica.close()

    def sync(self, source: str, progress: Callable[[str, int, int], None] | None = None) -> Any:
        """Sync from a folder or URL, then reopen the replica and trust list."""
        from kiosk.sync import sync

        self.require("sync")
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

    def backup(self, dest: str) -> BackupInfo:
        """A consistent copy of the kiosk's own data into a new folder (admins only)."""
        from pathlib import Path

        from kiosk.backup import backup

        self.require("backup")
        with self._lock:
            info = backup(self.home, Path(dest), self._audit_conn(), self.clock())
        self.audit("backup", subject=dest[:500], detail=f"{info.files} files, {info.audit_head}")
        return info

    def restore(self, src: str) -> BackupInfo:
        """Restore a backup after proving it (admins only); the restore itself is then the
        newest record of the restored trail."""
        from pathlib import Path

        from kiosk.backup import restore

        self.require("backup")
        with self._lock:
            info = restore(self.home, Path(src), self._audit_conn(), self.clock())
            self.config = self.home.config()
        self.audit("restore", subject=src[:500], detail=f"{info.files} files, {info.audit_head}")
        return info

    def start_inspection(self, institution: Institution) -> Inspection:
        """Begin an inspection of an institution (inspectors and admins), audited."""
        from kiosk.report import Inspection

        who = self.require("inspect")
        self.audit("inspection_start", subject=institution.reg_no, place=institution.reg_no)
        return Inspection(institution, who.name, self.clock())

    def save_inspection(self, inspection: Inspection) -> tuple[Path, Path]:
        """End an inspection: write its HTML and CSV reports into reports/, audited as an
        export. Returns their paths.

        Raises:
            NotAllowedError: not an inspector or admin. KioskError: the reports cannot be saved.
        """
        from kiosk.report import save

        self.require("inspect")
        try:
            paths = save(inspection, self.home.path / "reports", self.clock())
        except OSError as err:
            raise KioskError(f"报告保存失败 (report not saved: {err.strerror})") from err
        self.audit(
            "export",
            subject=inspection.institution.reg_no,
            outcome=str(len(inspection.checks)),
            detail=paths[0].name,
            place=inspection.institution.reg_no,
        )
        return paths

    def update_settings(self, values: dict[str, str] | None = None, **changes: Any) -> Config:
        """Change settings, from text typed in a form (`values`) or typed values (`changes`),
        save them and use them from now on. The one way the kiosk's settings change.

        Raises:
            SettingsError: a value that does not fit its setting, or the file cannot be saved.
        """
        if (set(values or {}) | set(changes)) - {"language"}:
            self.require("settings")  # the display language is anyone's to switch
        try:
            config = parse_settings(values or {}, self.config)
            if not set(changes) <= KIOSK_SETTINGS:
                raise ValueError("此项不能在本机修改 (this setting cannot be changed here)")
            config = dataclasses.replace(config, **changes)
        except (ValueError, TypeError) as err:
            raise SettingsError(str(err)) from None
        changed = {
            f.name: getattr(config, f.name)
            for f in dataclasses.fields(config)
            if getattr(config, f.name) != getattr(self.config, f.name)
        }
        if changed:  # recorded before it takes effect: a change that cannot be recorded is not made
            self.audit("settings", detail=", ".join(f"{k}={v}" for k, v in changed.items()))
        try:
            save_config(self.home.config_path, config)
        except OSError as err:
            raise SettingsError(f"无法保存设置 (cannot save the settings: {err.strerror})") from err
        self.config = config
        return config

    def audit_export(self, start: str, end: str, out: str) -> int:
        """Write the audit records of a date range (China dates, both included) as CSV
        (admins only); the export is itself recorded. Returns how many records.

        Raises:
            BadInputError: dates that are not YYYY-MM-DD, or the end before the start.
            AuditError: the trail cannot be read or the file cannot be written.
        """
        from pathlib import Path

        from db.audit import export

        self.require("audit")
        try:
            first, last = dt.date.fromisoformat(start), dt.date.fromisoformat(end)
        except (TypeError, ValueError):
            raise BadInputError(
                f"日期应为 YYYY-MM-DD (dates are YYYY-MM-DD: {start!r}, {end!r})"
            ) from None
        if last < first:
            raise BadInputError("结束日期早于开始日期 (the end is before the start)")
        self.audit("export", subject="audit", detail=f"{first}..{last} → {out[:300]}")
        try:
            with self._lock:
                return export(self._audit_conn(), first.isoformat(), last.isoformat(), Path(out))
        except sqlite3.Error as err:
            raise AuditError(f"审计日志无法读取 (the audit trail cannot be read: {err})") from err
        except OSError as err:
            raise AuditError(f"无法写入 {out} (cannot write {out}: {err.strerror})") from err

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
        """Record an action in the hash-chained audit trail at the service's clock.

        Raises:
            AuditError: the record could not be written. The caller's action must not go on
                (a kiosk that cannot record must not verify): its result is not returned.
        """
        from db.local import audit

        try:
            conn = self._audit_conn()
            with self._lock:
                record = audit(conn, action, operator=self.operator, at=self.clock(), **fields)
        except (KioskError, OSError, sqlite3.Error) as err:
            full = "full" in str(err) or isinstance(err, OSError) and err.errno in NO_ROOM
            raise AuditError(
                "审计日志无法写入，本次操作未执行"
                + ("（磁盘已满）" if full else "")
                + " (the audit trail cannot be written"
                + (": the disk is full" if full else "")
                + "; nothing was done)"
            ) from err
        if action not in ("alert", "alert_ack"):
            self._evaluate_alerts(record)

    def _evaluate_alerts(self, record: Record) -> None:
        """The alerts a record raises; a failure here is logged, not passed on (the record
        itself was written, and the action it records has happened)."""
        from kiosk.alerts import evaluate

        try:
            with self._lock:
                found = evaluate(self._audit_conn(), record, self.config)
            if found:
                self._raise_alerts(found)
        except (KioskError, sqlite3.Error):
            log.exception("alerts could not be evaluated")

    def audit_report(self) -> ChainReport:
        """Walk the audit chain (admins only): intact, with its head and record count, or the
        first record where an edit, deletion, reordering or cut broke it.

        Read on a connection of its own, in one read transaction: a long trail takes a second
        or two, and a scan or look-up at the counter meanwhile does not wait for it.

        Raises:
            NotAllowedError: not an admin. AuditError: the trail cannot be read.
        """
        from db.audit import verify
        from db.local import open_local

        self.require("audit")
        conn = open_local(self.home.local_db)
        try:
            return verify(conn)
        except sqlite3.Error as err:
            raise AuditError(f"审计日志无法读取 (the audit trail cannot be read: {err})") from err
        finally:
            conn.close()


def query_kind(q: str) -> str:
    """'id' for something shaped like an ID number, 'cert' for a number, else 'name'."""
    s = idnum.fold(q)
    if len(s) == 18 and s[:-1].isdigit() and (s[-1].isdigit() or s[-1] == "X"):
        return "id"
    if any(c.isdigit() for c in s) and all(c.isascii() for c in s):
        return "cert"
    return "name"
