"""Measurements of the headless core, each with its baseline taken in the same run.

Timed calls are interleaved with their baseline (one call of each per key) so that load from
other processes on the shared machine falls on both alike.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def pct(samples: list[float], q: float) -> float:
    """The q-th percentile (0-100) by nearest rank."""
    s = sorted(samples)
    return s[min(len(s) - 1, max(0, round(q / 100 * len(s) + 0.5) - 1))]


def summary_ms(samples: list[float]) -> dict[str, float]:
    """p50, p99, max of samples in seconds, as milliseconds."""
    return {
        "p50_ms": pct(samples, 50) * 1e3,
        "p99_ms": pct(samples, 99) * 1e3,
        "max_ms": max(samples) * 1e3,
        "n": len(samples),
    }


def paired(
    keys: list[Any], fn: Callable[[Any], Any], base: Callable[[Any], Any]
) -> tuple[list[float], list[float]]:
    """Warm both over all keys, then time fn(key) and base(key) alternately per key."""
    for k in keys:
        fn(k)
        base(k)
    a: list[float] = []
    b: list[float] = []
    pc = time.perf_counter
    for k in keys:
        t0 = pc()
        base(k)
        t1 = pc()
        fn(k)
        t2 = pc()
        b.append(t1 - t0)
        a.append(t2 - t1)
    return a, b


def ro_connect(path: Path) -> sqlite3.Connection:
    """A raw read-only connection with the Replica's own pragmas."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
    conn.execute("PRAGMA cache_size=-16000")
    conn.execute("PRAGMA mmap_size=0")
    return conn


def sample_keys(path: Path, n: int) -> dict[str, Any]:
    """Random practitioners' id hashes, certificates and names (2- and 3-character)."""
    with ro_connect(path) as conn:
        rows = conn.execute(
            "SELECT kind, cert_no, id_hash, name FROM practitioner ORDER BY random() LIMIT ?", (n,)
        ).fetchall()
        two = [
            r[0]
            for r in conn.execute(
                "SELECT name FROM practitioner WHERE length(name) = 2 ORDER BY random() LIMIT ?",
                (max(1, n // 4),),
            )
        ]
    names = [r[3] for r in rows[: n - len(two)]] + two
    return {
        "certs": [(r[0], r[1]) for r in rows],
        "id_hashes": [bytes(r[2]) for r in rows],
        "names": names,
        "two_char": two,
    }


def lookups(path: Path, keys: dict[str, Any]) -> dict[str, Any]:
    """Replica.by_id_index / practitioner / by_name against raw sqlite3 running the same SQL."""
    from db import replica as r

    rep = r.Replica(path)
    conn = ro_connect(path)
    p_sql = f"SELECT {r._P_COLS} FROM {r._P_FROM} "  # noqa: SLF001 - the very same statements
    f_sql = (
        "SELECT f.institution, i.name, f.scope, f.filed_on, f.valid_until FROM filing f "
        "LEFT JOIN institution i ON i.reg_no = f.institution "
        "WHERE f.kind = ? AND f.cert_no = ? ORDER BY f.filed_on"
    )

    def raw_with_filings(sql: str, params: tuple[Any, ...]) -> int:
        rows = conn.execute(sql, params).fetchall()
        for row in rows:
            conn.execute(f_sql, (row[0], row[1])).fetchall()
        return len(rows)

    out: dict[str, Any] = {}
    a, b = paired(
        keys["id_hashes"],
        rep.by_id_index,
        lambda h: raw_with_filings(p_sql + "WHERE p.id_hash = ?", (h,)),
    )
    _, b1 = paired(
        keys["id_hashes"],
        lambda h: None,
        lambda h: conn.execute(p_sql + "WHERE p.id_hash = ?", (h,)).fetchall(),
    )
    out["by_id_hash"] = {
        "replica": summary_ms(a),
        "raw": summary_ms(b),
        "raw_one_stmt": summary_ms(b1),
    }
    a, b = paired(
        keys["certs"],
        lambda c: rep.practitioner(*c),
        lambda c: raw_with_filings(
            p_sql + "WHERE p.kind = ? AND p.cert_no = ?", (r.KIND_CODE.get(c[0], c[0]), c[1])
        ),
    )
    out["practitioner"] = {"replica": summary_ms(a), "raw": summary_ms(b)}
    name_sql = (
        p_sql + "WHERE p.name >= ? AND p.name < ? ORDER BY p.name, p.kind, p.cert_no "
        "LIMIT ? OFFSET ?"
    )

    def raw_name(n: str) -> list[Any]:
        return conn.execute(name_sql, (n, n + "\U0010ffff", r.PAGE, 0)).fetchall()

    a, b = paired(keys["names"], rep.by_name, raw_name)
    a2, b2 = paired(keys["two_char"], rep.by_name, raw_name)
    surnames = sorted({n[0] for n in keys["names"]})
    a1, b1 = paired(surnames, rep.by_name, raw_name)
    out["by_name"] = {
        "replica": summary_ms(a),
        "raw": summary_ms(b),
        "two_char_replica": summary_ms(a2),
        "two_char_raw": summary_ms(b2),
        "surname_only_replica": summary_ms(a1),
        "surname_only_raw": summary_ms(b1),
    }
    rep.close()
    conn.close()
    return out


def child(*args: str) -> tuple[dict[str, Any], float]:
    """Run bench._child; its JSON line and the wall time seen from here."""
    t0 = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "bench._child", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        raise RuntimeError(f"bench._child {args[0]} failed:\n{proc.stderr}")
    return json.loads(proc.stdout.strip().splitlines()[-1]), wall


def memory(path: Path, keys: dict[str, Any], work: Path) -> dict[str, Any]:
    """RSS of a process holding the replica after a few hundred lookups."""
    doc = {
        "id_hashes": [h.hex() for h in keys["id_hashes"][:150]],
        "certs": keys["certs"][:150],
        "names": keys["names"][:100],
    }
    keys_file = work / "memory-keys.json"
    keys_file.write_text(json.dumps(doc, ensure_ascii=False), "utf-8")
    result, _ = child("memory", str(path), str(keys_file))
    return result


def verify_inprocess(home: Any, text: str, rec: dict[str, Any], n: int) -> dict[str, Any]:
    """verify_payload (decode, signature, replica checks) against the bare signature check."""
    from kiosk.verify import Context, verify_payload
    from wire import codec
    from wire.keys import public_from_spki, verify

    trust, replica = home.trust_list(), home.replica()
    now = dt.datetime.now(dt.UTC)
    full = Context(at=now, institution=rec["institution"], id_number=rec["id_number"].upper())
    bare = Context(at=now)
    cred = codec.decode(text)
    key = trust.key(next(k.kid for k in trust.keys if k.role == "issuer"))
    public = public_from_spki(key.spki)
    results = [verify_payload(text, c, trust, replica) for c in (full, bare)]
    verdicts = {r.verdict.value for r in results}
    codes = sorted({code for r in results for code in r.codes})
    keys = list(range(n))
    a, b = paired(
        keys,
        lambda _: verify_payload(text, full, trust, replica),
        lambda _: verify(public, cred.signature, cred.signed_bytes),
    )
    a2, _ = paired(keys, lambda _: verify_payload(text, bare, trust, replica), lambda _: None)
    replica.close()
    return {
        "full": summary_ms(a),
        "bare": summary_ms(a2),
        "signature": summary_ms(b),
        "verdicts": sorted(verdicts),
        "codes": codes,
    }


def verify_cli(home: Path, text: str, n: int) -> dict[str, Any]:
    """`python main.py verify … --json` from a cold process against `python -c pass`."""
    env = {k: v for k, v in os.environ.items() if k != "YANZHAO_HOME"}
    cli = [
        sys.executable,
        str(ROOT / "main.py"),
        "verify",
        "--home",
        str(home),
        "--payload",
        text,
        "--json",
    ]
    base = [sys.executable, "-c", "pass"]
    a: list[float] = []
    b: list[float] = []
    verdict = None
    for _ in range(n):
        for cmd, acc in ((base, b), (cli, a)):
            t0 = time.perf_counter()
            proc = subprocess.run(
                cmd, cwd=ROOT, env=env, capture_output=True, text=True, check=False
            )
            acc.append(time.perf_counter() - t0)
            if cmd is cli:
                if proc.returncode not in (0, 1, 2):
                    raise RuntimeError(f"verify CLI failed ({proc.returncode}): {proc.stderr}")
                verdict = json.loads(proc.stdout)["verdict"]
    return {
        "cli_median_s": statistics.median(a),
        "cli_max_s": max(a),
        "python_pass_median_s": statistics.median(b),
        "n": n,
        "verdict": verdict,
    }


def cp_baselines(src: Path, work: Path, reps: int) -> dict[str, Any]:
    """`cp` of the installed replica, and cp followed by fsync of the copy (medians)."""
    plain: list[float] = []
    synced: list[float] = []
    dst = src.parent / "bench-copy.db"
    for _ in range(reps):
        for acc, fsync in ((plain, False), (synced, True)):
            os.sync()  # no writeback of the copy before competes
            t0 = time.perf_counter()
            subprocess.run(["cp", str(src), str(dst)], check=True)
            if fsync:
                fd = os.open(dst, os.O_RDONLY)
                os.fsync(fd)
                os.close(fd)
            acc.append(time.perf_counter() - t0)
            dst.unlink()
    return {
        "cp_s": statistics.median(plain),
        "cp_fsync_s": statistics.median(synced),
        "bytes": src.stat().st_size,
        "reps": reps,
    }


def zstd_baseline(src: Path, work: Path) -> float:
    """zstd level 3 (publish's own settings) of the replica file: seconds."""
    import zstandard

    dst = work / "zstd-baseline.zst"
    t0 = time.perf_counter()
    cctx = zstandard.ZstdCompressor(level=3, threads=-1, write_checksum=True)
    with src.open("rb") as fin, dst.open("wb") as fout:
        cctx.copy_stream(fin, fout, size=src.stat().st_size)
    seconds = time.perf_counter() - t0
    dst.unlink()
    return seconds
