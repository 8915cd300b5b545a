"""KioskService: the TUI's core façade (look-up kinds, audit, refresh after an outside sync)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from domain.errors import BadInputError, IdNumberError
from kiosk.home import Home, init
from kiosk.operators import Operator
from kiosk.service import KioskService, query_kind


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("11010519491231002X", "id"),
        ("110105194912310021", "id"),
        ("110410200000001", "cert"),
        ("PDY00042X41130217D2152", "cert"),
        ("张伟", "name"),
        ("欧阳", "name"),
    ],
)
def test_query_kind(text: str, kind: str) -> None:
    assert query_kind(text) == kind


def test_lookup_refuses_bad_input(demo_world: Path) -> None:
    service = KioskService(Home(demo_world), session=Operator("admin1", "admin"))
    service.purpose = "counter"
    with pytest.raises(BadInputError):
        service.lookup("  ")
    with pytest.raises(IdNumberError):
        service.lookup("110105194912310021")


def test_refresh_picks_up_a_sync_by_another_process(demo_world: Path, tmp_path: Path) -> None:
    from kiosk.sync import sync

    home = tmp_path / "h"
    init(
        home,
        [demo_world / "demo" / "keys" / "root.pub.pem"],
        "410000",
        demo_world / "demo" / "keys" / "id-index.key",
    )
    service = KioskService(Home(home), session=Operator("admin1", "admin"))
    service.purpose = "counter"
    assert service.replica is None and service.trust is None
    assert not service.refresh() or service.replica is None
    sync(Home(home), str(demo_world / "demo" / "bundle"))  # as `yanzhao sync` would
    assert service.refresh()
    assert service.replica is not None and service.trust is not None
    assert not service.refresh()  # nothing new: nothing reopened


def test_a_failure_at_start_is_kept_and_retried(demo_world: Path, tmp_path: Path) -> None:
    home = tmp_path / "h"
    shutil.copytree(demo_world, home)
    saved = (home / "trust" / "installed.json").read_bytes()
    (home / "trust" / "installed.json").write_bytes(b"{}")
    service = KioskService(Home(home), session=Operator("admin1", "admin"))
    service.purpose = "counter"
    assert service.problem is not None and service.trust is None
    (home / "trust" / "installed.json").write_bytes(saved)
    assert service.refresh() and service.problem is None and service.trust is not None
    rec = json.loads(
        (home / "demo" / "export" / "practitioners.ndjson").open(encoding="utf-8").readline()
    )
    assert [p.cert_no for p in service.lookup(rec["id_number"])] == [rec["cert_no"]]


def test_a_long_stale_limit_cannot_make_an_old_replica_vouch(demo_copy: Path) -> None:
    """Fail closed: whatever the counter's settings say, a replica past the hard limit gives
    REPLICA_EXPIRED (invalid); the limit is not one of the settings the form can change."""
    import datetime as dt

    from domain.errors import SettingsError
    from domain.types import Verdict

    cases = (demo_copy / "demo" / "credentials.ndjson").read_text("utf-8").splitlines()
    valid = json.loads(cases[0])
    service = KioskService(Home(demo_copy), session=Operator("admin1", "admin"))
    service.purpose = "counter"
    service.update_settings({"max_replica_age_days": "36500"})
    info = service.replica.info() if service.replica else None
    assert info is not None
    old = service.verify(valid["payload"], at=info.exported_at + dt.timedelta(days=176))
    assert (old.verdict, old.codes) == (Verdict.INVALID, ("REPLICA_EXPIRED",))
    fresh = service.verify(valid["payload"], at=info.exported_at + dt.timedelta(days=20))
    assert fresh.verdict is Verdict.VALID
    with pytest.raises(SettingsError):
        service.update_settings({"replica_hard_limit_days": "36500"})


def test_a_clock_set_back_before_the_audit_trail_is_suspect(demo_copy: Path) -> None:
    """CLOCK_SUSPECT also against the latest time this kiosk has recorded: a clock moved back
    below it (to make an expired licence look current) is flagged, however the replica looks."""
    import datetime as dt

    cases = (demo_copy / "demo" / "credentials.ndjson").read_text("utf-8").splitlines()
    valid = json.loads(cases[0])
    now = dt.datetime.now(dt.UTC)
    clock = [now]
    service = KioskService(
        Home(demo_copy), clock=lambda: clock[0], session=Operator("admin1", "admin")
    )
    assert service.verify(valid["payload"]).codes == ()  # recorded at `now`
    clock[0] = now - dt.timedelta(minutes=30)
    assert service.verify(valid["payload"]).codes == ("CLOCK_SUSPECT",)
    clock[0] = now - dt.timedelta(minutes=4)  # within the allowed skew
    assert service.verify(valid["payload"]).codes == ()
