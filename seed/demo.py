"""The demo world: keys, trust list, a provincial registry, a bundle, a synced home, and a QR
image of a credential for every verdict and reason code, listed in demo/credentials.ndjson.

Built in seconds; `make run` rebuilds it when it is missing or older than REBUILD_AFTER so
its verdicts (which depend on today's date) stay as listed.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from domain import idkey
from seed import keys as keytool
from seed.demo_cases import Cast, build_cases
from seed.divisions import load as load_divisions
from seed.registry import generate
from seed.world_state import FORMAT, MARKER

if TYPE_CHECKING:
    from collections.abc import Callable

    from kiosk.home import Home

JURISDICTION = "410000"
ID_KEY = "id-index.key"
# One demo operator per role (issue 20), first the admin; the demo guide shows their PINs.
DEMO_OPERATORS = (
    ("演示管理员", "admin", "202611"),
    ("演示检查员", "inspector", "202622"),
    ("演示窗口", "desk", "202633"),
)
OPERATORS_FILE = "operators.json"


def _prepare(home: Path) -> None:
    if home.exists() and any(home.iterdir()):
        if not (home / "demo" / MARKER).exists():
            from domain.errors import HomeError

            raise HomeError(
                f"{home} 不是演示目录，拒绝覆盖 (not a demo home: refusing to overwrite it)"
            )
        shutil.rmtree(home)
    home.mkdir(parents=True, exist_ok=True)


def _read(path: Path) -> list[dict[str, Any]]:
    with path.open("rb") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def _write(path: Path, rows: list[dict[str, Any]]) -> None:
    with path.open("w", encoding="utf-8") as fh:
        for r in rows:
            fh.write(json.dumps(r, ensure_ascii=False, separators=(",", ":")) + "\n")


def _keys(folder: Path, now: dt.datetime, key_seed: bytes | None) -> dict[str, Any]:
    from wire import trust

    def iso(d: dt.datetime) -> str:
        return d.strftime("%Y-%m-%dT%H:%M:%SZ")

    made = {
        name: keytool.generate(alg, None if key_seed is None else key_seed + name.encode())
        for name, alg in [
            ("root", "Ed25519"),
            ("issuer-henan", "Ed25519"),
            ("issuer-nanyang", "ES256"),
            ("issuer-revoked", "Ed25519"),
            ("issuer-retired", "Ed25519"),
            ("issuer-unlisted", "Ed25519"),
            ("issuer-henan-sm2", "SM2"),  # the province's SM2 key (issue 22)
            ("publisher", "Ed25519"),
        ]
    }
    for name, key in made.items():
        keytool.write_pair(key, folder, name)
    idkey.write(folder / ID_KEY, idkey.generate())  # the publisher's and the kiosks' secret
    start, end = iso(now - dt.timedelta(days=3 * 365)), iso(now + dt.timedelta(days=5 * 365))
    # The registry's own authority names, so that the trust list and the licences agree; the
    # seeds' real names where they give one (Nanyang: 南阳市卫生健康体育委员会, 宛卫〔2023〕107号).
    henan, nanyang = (load_divisions().authority_name(c) for c in ("410000", "411300"))
    entries = [
        trust.entry(
            made["issuer-henan"].public_key(),
            role="issuer",
            authority="410000",
            authority_name=henan,
            not_before=start,
            not_after=end,
        ),
        trust.entry(
            made["issuer-henan-sm2"].public_key(),
            role="issuer",
            authority="410000",
            authority_name=henan,
            not_before=start,
            not_after=end,
        ),
        trust.entry(
            made["issuer-nanyang"].public_key(),
            role="issuer",
            authority="411300",
            authority_name=nanyang,
            not_before=start,
            not_after=end,
        ),
        trust.entry(
            made["issuer-revoked"].public_key(),
            role="issuer",
            authority="410000",
            authority_name=henan,
            not_before=start,
            not_after=end,
            revoked_at=iso(now - dt.timedelta(days=10)),
        ),
        trust.entry(
            made["issuer-retired"].public_key(),
            role="issuer",
            authority="410000",
            authority_name=henan,
            not_before=start,
            not_after=iso(now - dt.timedelta(days=30)),
        ),
        trust.entry(
            made["publisher"].public_key(),
            role="publisher",
            authority="000000",
            authority_name="国家卫生健康委员会 电子化注册数据发布",
            not_before=start,
            not_after=end,
        ),
    ]
    data, sig = trust.build(1, iso(now), entries, made["root"])
    trust.save(folder.parent, data, sig)
    return made


def _operators(home: Home, demo: Path, now: dt.datetime) -> None:
    """Create the demo operators through the kiosk's own service (the first one is the admin,
    who then adds the others), and list them with their PINs in demo/OPERATORS_FILE."""
    from kiosk.service import KioskService

    service = KioskService(home, clock=lambda: now)
    (admin, role, pin), *others = DEMO_OPERATORS
    service.add_operator(admin, role, pin)
    service.sign_in(admin, pin)
    for name, role, pin in others:
        service.add_operator(name, role, pin)
    service.sign_out()
    listed = [{"name": n, "role": r, "pin": p} for n, r, p in DEMO_OPERATORS]
    (demo / OPERATORS_FILE).write_text(json.dumps(listed, ensure_ascii=False, indent=2), "utf-8")


def build(
    home: Path,
    *,
    practitioners: int = 2000,
    seed: int = 2026,
    now: dt.datetime | None = None,
    progress: Callable[[str], None] | None = None,
    key_seed: bytes | None = None,
) -> dict[str, Any]:
    """Build the demo world into `home` (replacing an older demo world there).

    `now` fixes the world's clock (tests and snapshots); by default it is the current time.
    `key_seed` derives every key from it (snapshots show kids), for tests only: without it
    the keys are fresh, so that nobody can sign for a demo kiosk's root.
    `progress`, if given, is called with one line per phase (for the terminal).
    """
    say = progress or (lambda _line: None)
    from kiosk import home as homes
    from kiosk.sync import sync
    from publisher.publish import publish

    began = time.monotonic()
    _prepare(home)
    demo = home / "demo"
    now = (now or dt.datetime.now(dt.UTC)).replace(microsecond=0)
    exported_at = now - dt.timedelta(hours=1)
    say("[1/6] 密钥与信任列表 keys and trust list")
    made = _keys(demo / "keys", now, key_seed)
    export = demo / "export"
    say(f"[2/6] 注册库 registry: {practitioners} 名执业人员 practitioners")
    generate(
        export,
        seed=seed,
        practitioners=practitioners,
        jurisdiction=JURISDICTION,
        sequence=1,
        exported_at=exported_at.astimezone(dt.timezone(dt.timedelta(hours=8))).isoformat(),
    )
    tables = {
        n: _read(export / f"{n}.ndjson") for n in ("institutions", "practitioners", "filings")
    }
    cast = Cast.pick(tables, today=now.date())
    cast.stage(tables, now.date())
    for name, rows in tables.items():
        _write(export / f"{name}.ndjson", rows)
    id_key = demo / "keys" / ID_KEY
    say(f"[3/6] 发布数据包 publishing: {len(tables['institutions'])} 家机构 institutions")
    publish(
        export,
        demo / "trustlist.json",
        demo / "keys" / "publisher.pem",
        demo / "bundle",
        id_key_path=id_key,
    )
    h = homes.init(home, [demo / "keys" / "root.pub.pem"], JURISDICTION, id_key)
    say("[4/6] 同步到本机 syncing the replica into the home")
    sync(h, str(demo / "bundle"), now=now)
    say(f"[5/6] 演示操作员 demo operators: {len(DEMO_OPERATORS)}")
    _operators(h, demo, now)
    bare = homes.init(
        demo / "no-replica-home", [demo / "keys" / "root.pub.pem"], JURISDICTION, id_key
    )
    bare.install_trust(
        (demo / "trustlist.json").read_bytes(), (demo / "trustlist.json.sig").read_bytes()
    )
    say("[6/6] 演示凭证二维码 demo credentials (QR images)")
    cases = build_cases(cast, made, tables, demo, now=now, exported_at=exported_at)
    world = {
        "format": FORMAT,
        "built_at": now.isoformat(),
        "practitioners": practitioners,
        "seed": seed,
        "cases": len(cases),
        "seconds": round(time.monotonic() - began, 2),
    }
    (demo / MARKER).write_text(json.dumps(world, ensure_ascii=False, indent=2), "utf-8")
    return world
