"""The kiosk's data folder: pinned roots, trust list, replica, local database, config.

roots/root-N.pem   pinned root public keys (init --root-key), never from the network
trust/             trustlist.json + .sig as last synced
replica/           the installed replica (db/store.py)
staging/           sync downloads in progress (resumable)
kiosk.db           operators, audit, settings: survives every sync
config.json        settings (kiosk/config.py)
home.json          what init pinned besides the roots: the jurisdiction whose replica it holds
id-index.key       the ID-index key (kiosk/idkey.py), mode 0600, never logged
"""

from __future__ import annotations

import base64
import json
import os
from pathlib import Path
from typing import TYPE_CHECKING

from domain import idkey
from domain.errors import HomeError, KeyFileError, TrustListError
from domain.types import TrustList
from kiosk.config import Config, load
from wire import trust as trustlist
from wire.keys import PublicKey, load_public_pem, public_pem, read_public

if TYPE_CHECKING:
    from db.replica import Replica

ENV = "YANZHAO_HOME"
INSTALLED = "installed.json"
ID_KEY = "id-index.key"
PINNED = "home.json"
NATIONAL = "000000"
ROOT_ALGS = ("Ed25519", "SM2")  # trust-list.md: ES256 is for issuers only


def _write_synced(path: Path, content: bytes) -> None:
    with path.open("wb") as fh:
        fh.write(content)
        fh.flush()
        os.fsync(fh.fileno())


class Home:
    """Paths and loaders of one kiosk home."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.roots_dir = path / "roots"
        self.trust_dir = path / "trust"
        self.replica_dir = path / "replica"
        self.staging = path / "staging"
        self.local_db = path / "kiosk.db"
        self.config_path = path / "config.json"
        self.id_key_path = path / ID_KEY
        self.pinned_path = path / PINNED

    @property
    def initialised(self) -> bool:
        """True when init has pinned at least one root."""
        return any(self.roots_dir.glob("*.pem"))

    def require(self) -> Home:
        """Return self, or raise HomeError when init has not been run here."""
        if not self.initialised:
            raise HomeError(
                f"数据目录未初始化：请先运行 init --root-key (home {self.path} is not initialised: run init)"
            )
        return self

    def jurisdiction(self) -> str:
        """The jurisdiction pinned at init: the only one whose bundles this home accepts.

        Raises:
            HomeError: none pinned (a home made before the pin existed) or unreadable.
        """
        try:
            doc = json.loads(self.pinned_path.read_bytes()[:4096])
            code = doc["jurisdiction"]
        except FileNotFoundError:
            raise HomeError(
                "本机未固定辖区：请运行 init --jurisdiction CODE "
                "(this home has no pinned jurisdiction: run init --jurisdiction CODE)"
            ) from None
        except (OSError, ValueError, KeyError, TypeError) as err:
            raise HomeError(f"home.json 无法读取 (home.json unreadable: {err})") from None
        if not is_division_code(code):
            raise HomeError("home.json 中的辖区代码无效 (home.json: bad jurisdiction code)")
        return str(code)

    def id_key(self) -> bytes | None:
        """The ID-index key, or None when the kiosk is not enrolled (or its key file is bad:
        the kiosk then verifies everything but ID numbers, and says why)."""
        if not self.id_key_path.exists():
            return None
        try:
            return idkey.read(self.id_key_path)
        except KeyFileError:
            return None

    def enrol(self, key_file: Path) -> None:
        """Install or replace the ID-index key from a key file (cli.md `enrol`).

        Raises:
            KeyFileError: not a 32-byte key file.
        """
        idkey.write(self.id_key_path, idkey.read(key_file))

    def config(self) -> Config:
        """The kiosk's settings."""
        return load(self.config_path)

    def roots(self) -> list[PublicKey]:
        """The pinned root public keys."""
        keys = []
        for pem in sorted(self.roots_dir.glob("*.pem")):
            try:
                keys.append(load_public_pem(pem.read_bytes(), what=pem.name))
            except (OSError, KeyFileError) as err:
                raise HomeError(
                    f"根密钥 {pem.name} 无法读取 (pinned root {pem.name} unreadable)"
                ) from err
        if not keys:
            raise HomeError("未固定根密钥：请运行 init --root-key (no pinned root key: run init)")
        return keys

    def trust_list(self) -> TrustList | None:
        """The installed trust list, verified again under the pinned roots; None if absent.

        `trust/installed.json` holds the list and its signature together, replaced by one
        atomic rename; the plain trustlist.json(.sig) beside it are copies for people to read
        (and the only form in homes synced before installed.json existed).
        """
        combined = self.trust_dir / INSTALLED
        try:
            if combined.exists():
                doc = json.loads(combined.read_bytes())
                data, sig = base64.b64decode(doc["data"]), doc["sig"].encode("ascii")
            elif (self.trust_dir / "trustlist.json").exists():
                data = (self.trust_dir / "trustlist.json").read_bytes()
                sig = (self.trust_dir / "trustlist.json.sig").read_bytes()
            else:
                return None
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as err:
            raise TrustListError(
                f"信任列表无法读取 (installed trust list unreadable: {err})"
            ) from err
        return trustlist.parse(data, sig, self.roots())

    def install_trust(self, data: bytes, sig: bytes) -> None:
        """Replace the installed trust list: list and signature in one atomic rename."""
        self.trust_dir.mkdir(parents=True, exist_ok=True)
        for name, content in (("trustlist.json", data), ("trustlist.json.sig", sig)):
            _write_synced(self.trust_dir / (name + ".new"), content)
            os.replace(self.trust_dir / (name + ".new"), self.trust_dir / name)
        doc = {"data": base64.b64encode(data).decode("ascii"), "sig": sig.decode("ascii").strip()}
        _write_synced(self.trust_dir / (INSTALLED + ".new"), json.dumps(doc).encode("ascii"))
        os.replace(self.trust_dir / (INSTALLED + ".new"), self.trust_dir / INSTALLED)

    def replica(self) -> Replica | None:
        """The installed replica opened read-only, or None when none is installed."""
        from db import store
        from db.replica import Replica

        path = store.current(self.replica_dir)
        return None if path is None else Replica(path, self.id_key())


def is_division_code(code: object) -> bool:
    """Six ASCII digits."""
    return isinstance(code, str) and len(code) == 6 and code.isascii() and code.isdigit()


def init(path: Path, root_keys: list[Path], jurisdiction: str, id_key: Path | None = None) -> Home:
    """Create the home, pin root public keys (adds to those already pinned) and the
    jurisdiction, and install the ID-index key when one is given.

    Raises:
        KeyFileError: a root key file that is not an Ed25519 or SM2 PEM public key (trust-list.md:
            a root key's algorithm follows from its pinned public key); a bad ID-index key.
        HomeError: a bad jurisdiction code, or another one than the home already pins.
    """
    from wire.keys import alg_name

    if not is_division_code(jurisdiction):
        raise HomeError(
            f"辖区代码应为6位数字 (the jurisdiction must be a 6-digit division code, e.g. 410000; "
            f"{NATIONAL} for the nation)"
        )
    keys = [read_public(p) for p in root_keys]
    for p, key in zip(root_keys, keys, strict=True):
        if alg_name(key) not in ROOT_ALGS:
            raise KeyFileError(
                f"根密钥必须是 Ed25519 或 SM2 ({p.name}: root keys are Ed25519 or SM2)"
            )
    key_bytes = idkey.read(id_key) if id_key is not None else None
    home = Home(path)
    if home.pinned_path.exists() and home.jurisdiction() != jurisdiction:
        raise HomeError(
            f"本机已固定辖区 {home.jurisdiction()}，不能改为 {jurisdiction}：请用新的数据目录 "
            f"(this home is pinned to {home.jurisdiction()}: use a new home for {jurisdiction})"
        )
    for d in (home.roots_dir, home.trust_dir, home.replica_dir, home.staging):
        d.mkdir(parents=True, exist_ok=True)
    existing = {pem.read_bytes() for pem in home.roots_dir.glob("*.pem")}
    n = len(existing)
    for key in keys:
        data = public_pem(key)
        if data not in existing:
            n += 1
            (home.roots_dir / f"root-{n}.pem").write_bytes(data)
            existing.add(data)
    if not home.pinned_path.exists():
        _write_synced(home.pinned_path, json.dumps({"jurisdiction": jurisdiction}).encode())
    if key_bytes is not None:
        idkey.write(home.id_key_path, key_bytes)
    from db.local import open_local

    open_local(home.local_db).close()
    return home


def resolve(option: str | None) -> Path:
    """The home folder: --home wins over YANZHAO_HOME; one of them is required."""
    value = option or os.environ.get(ENV)
    if not value:
        raise HomeError(
            "请用 --home 或 YANZHAO_HOME 指定数据目录 (give --home DIR or set YANZHAO_HOME)"
        )
    return Path(value).expanduser()
