"""Headless-core benchmark (issue 2): `python -m bench.core --scale N [--quick] [--out F]`.

Builds (or reuses from bench/out/) a world of N practitioners, publishes it, syncs a fresh
home from the bundle folder, measures lookups, memory, verification and the cold CLI, then
publishes the next export (100,000 changed / 5,000 deleted at province scale and above,
proportionally fewer below) and measures the delta sync. Publish, memory and every timed sync
run in a process of their own (bench._child), as on a kiosk. Every figure has a baseline
measured in the same run. Prints a Markdown table and writes the figures as JSON.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import sqlite3
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench import _measure as m
from bench import _sync as s
from bench import _world as w

OUT = Path(__file__).resolve().parent / "out"
QUICK_SCALE = 3_000
DELTA_ROUNDS = 3  # below national scale; a national home is too large to copy nine times
# Peak disk use per practitioner with a photo each, measured at 700k (world cache, two
# snapshots, the home's replica, its cp baseline, publish's work files): about 30 kB.
DISK_PER_PRACTITIONER = 30_000
FIGURES = (
    "snapshot_install",
    "snapshot_install_fsync",
    "delta_sync",
    "delta_sync_warm",
    "delta_sync_seq",
    "lookup_id_p50",
    "lookup_id_p99",
    "lookup_cert_p50",
    "lookup_cert_p99",
    "name_search_p99",
    "replica_rss",
    "verify_p50",
    "verify_sm2_p50",
    "verify_cli_cold",
    "publish_time",
    "publish_peak_rss",
    "publish_delta_time",
    "publish_delta_peak_rss",
)


def _log(msg: str) -> None:
    sys.stderr.write(f"[bench.core {time.strftime('%H:%M:%S')}] {msg}\n")
    sys.stderr.flush()


def _fig(
    fid: str,
    label: str,
    target: str,
    measured: float,
    unit: str,
    baseline: float,
    baseline_label: str,
    holds: bool | None,
    note: str = "",
) -> dict[str, Any]:
    return {
        "id": fid,
        "figure": label,
        "target": target,
        "measured": measured,
        "unit": unit,
        "baseline": baseline,
        "baseline_label": baseline_label,
        "ratio": measured / baseline if baseline else float("inf"),
        "holds": holds,
        "note": note,
    }


def _machine() -> dict[str, Any]:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        "?",
    )
    import psutil

    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "ram_gib": round(psutil.virtual_memory().total / 2**30, 1),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "kernel": platform.release(),
    }


def _publish(world: w.World, export: Path, bundle: Path) -> dict[str, Any]:
    doc, wall = m.child(
        "publish",
        str(export),
        str(world.trust),
        str(world.keys / "publisher.pem"),
        str(bundle),
        str(world.id_key),
    )
    doc["wall_s"] = wall
    return doc


def sm2_verify(n: int) -> dict[str, Any]:
    """SM2 (SM3, default ID) signature check of a credential-sized Sig_structure, paired with
    Ed25519's in the same run (issue 22: ≤ 2 ms p50, as for the other algorithms)."""
    from seed import keys as keytool
    from wire.keys import sign, verify

    data = bytes(range(256)) * 2  # a Sig_structure is a few hundred bytes
    sm2_key, ed_key = keytool.generate("SM2"), keytool.generate("Ed25519")
    sm2_sig, ed_sig = sign(sm2_key, data), sign(ed_key, data)
    sm2_pub, ed_pub = sm2_key.public_key(), ed_key.public_key()
    assert verify(sm2_pub, sm2_sig, data) and verify(ed_pub, ed_sig, data)
    a, b = m.paired(
        list(range(n)),
        lambda _: verify(sm2_pub, sm2_sig, data),
        lambda _: verify(ed_pub, ed_sig, data),
    )
    return {"sm2": m.summary_ms(a), "ed25519": m.summary_ms(b)}


def run(
    scale: int, work: Path, cache: Path, *, quick: bool, photo_fraction: float, profile: bool
) -> dict[str, Any]:
    """Build or reuse the world, run every measurement, return the report document."""
    from db import store

    started = time.perf_counter()
    world = w.obtain(cache, scale, photo_fraction=photo_fraction, log=_log)
    bundle, root_pub = work / "bundle", world.keys / "root.pub.pem"
    r: dict[str, Any] = {"world": world.facts}
    _log("publishing export 1")
    r["publish"] = _publish(world, world.export1, bundle)
    _log(f"published in {r['publish']['seconds']:.1f} s; snapshot sync")
    reps = 3 if scale <= 100_000 else 1
    syncs = []
    for i in range(reps):
        s.settle()
        syncs.append(m.child("sync", str(work / f"home-{i}"), str(bundle), str(root_pub))[0])
    for i in range(1, reps):
        shutil.rmtree(work / f"home-{i}")
    r["snapshot_syncs"] = syncs
    home = work / "home-0"
    installed = store.current(home / "replica")
    assert installed is not None and all(x["method"] == "snapshot" for x in syncs)
    r["cp"] = m.cp_baselines(installed, work, 3)
    r["zstd_baseline_s"] = m.zstd_baseline(installed, work)
    _log(f"snapshot sync {syncs[0]['seconds']:.2f} s, cp {r['cp']['cp_s']:.2f} s; lookups")
    n = 300 if quick else 3000
    keys = m.sample_keys(installed, n)
    r["lookups"] = m.lookups(installed, keys)
    r["memory"] = m.memory(installed, keys, work)
    from kiosk.home import Home

    text, rec = w.payload(world, dt.datetime.now(dt.UTC))
    r["verify"] = m.verify_inprocess(Home(home), text, rec, 200 if quick else 2000)
    r["verify_sm2"] = sm2_verify(200 if quick else 2000)
    r["verify_cli"] = m.verify_cli(home, text, 3 if quick else 10)
    _log("publishing export 2 (with delta)")
    r["publish_delta"] = _publish(world, world.export2, bundle)
    dname = r["publish_delta"]["delta"]
    r["delta_parse"] = s.delta_parse(bundle, dname)

    # Each case syncs a fresh copy of the home at sequence 1, its replica evicted from the page
    # cache, then made cold, cached page by page, or read through; the cases take turns, and
    # each figure is the median of its rounds: one sync on this host's disk and memory varies
    # by a quarter from one minute to the next.
    def cold(replica: Path) -> None:
        r["delta_cold"] = "dropped" if s.drop_page_cache() else "as publish left it"
        # The disk's pace at this moment, read from the snapshot file (not the replica): the
        # cold figure depends on it more than on anything of ours.
        r.setdefault("disk_reads_per_s", []).append(
            s.random_reads(max(bundle.glob("snapshot-*.db.zst")))
        )

    # How each case's copy is made ready: cold; cached page by page; read through sequentially
    # (which caches it in large folios).
    cases = {
        "delta_sync": cold,
        "delta_sync_warm": lambda replica: r.setdefault("warm_read_s", []).append(s.warm(replica)),
        "delta_sync_seq": lambda replica: r.setdefault("seq_read_s", []).append(
            s.read_through(replica)
        ),
    }
    runs: dict[str, list[dict[str, Any]]] = {name: [] for name in cases}
    for i in range(DELTA_ROUNDS if scale < w.NATIONAL else 1):
        for name, make_ready in cases.items():
            copy, replica = s.fresh_copy(home, work / "home-delta")
            make_ready(replica)
            _log(f"{name}, round {i + 1}")
            runs[name].append(m.child("delta", str(copy), str(bundle))[0])
    shutil.rmtree(work / "home-delta", ignore_errors=True)
    for name, done in runs.items():
        r[name] = sorted(done, key=lambda x: x["seconds"])[len(done) // 2] | {
            "rounds": [x["seconds"] for x in done]
        }
    if profile:
        shutil.copytree(home, work / "home-profile")
        _log("delta sync again under cProfile")
        r["delta_profile"] = s.profiled(work / "home-profile", bundle)
    r["total_s"] = time.perf_counter() - started
    return r


def _rounds(run: dict[str, Any]) -> str:
    rounds = run["rounds"]
    if len(rounds) == 1:
        return "one round"
    return f"median of {len(rounds)} rounds: " + ", ".join(f"{x:.2f}" for x in rounds) + " s"


def figures(r: dict[str, Any], scale: int) -> list[dict[str, Any]]:
    """The figure rows, each with target, baseline, ratio and whether it holds."""
    snap = min(x["seconds"] for x in r["snapshot_syncs"])
    cp, cpf = r["cp"]["cp_s"], r["cp"]["cp_fsync_s"]
    lk, mem, v = r["lookups"], r["memory"], r["verify"]
    big = scale >= w.PROVINCE
    d_target = "≤ 20 s (national)" if scale >= w.NATIONAL else "≤ 3 s (province 700k)"
    d_limit = 20.0 if scale >= w.NATIONAL else 3.0
    ch, de = r["world"]["changes"], r["world"]["deletes"]
    ratio2 = lambda a, b: a / b <= 2.0  # noqa: E731
    pub, pubd = r["publish"], r["publish_delta"]
    extrap = w.NATIONAL / scale
    rows = [
        # Issue 2 sets this figure for the national snapshot; below it, it is informative (a
        # province's 2.3 GB cp can finish in the page cache in 0.6 s, before any disk write).
        _fig(
            "snapshot_install",
            "Snapshot install from a local folder",
            "≤ 4× cp (national)",
            snap,
            "s",
            cp,
            "cp of the installed replica",
            snap <= 4 * cp if scale >= w.NATIONAL else None,
        ),
        _fig(
            "snapshot_install_fsync",
            "Snapshot install vs cp + fsync",
            "(≤ 4×, informative)",
            snap,
            "s",
            cpf,
            "cp + fsync of the copy",
            snap <= 4 * cpf,
        ),
        _fig(
            "delta_sync",
            f"Delta sync: {ch:,} changed, {de:,} deleted (page cache "
            f"{r.get('delta_cold', 'as publish left it')})",
            d_target,
            r["delta_sync"]["seconds"],
            "s",
            r["delta_parse"]["seconds"],
            "decompress + parse the delta only",
            r["delta_sync"]["seconds"] <= d_limit if big else None,
            ("" if big else "scaled-down delta; target applies at 700k / national; ")
            + _rounds(r["delta_sync"])
            + "; disk just before: "
            + "/".join(f"{x:,.0f}" for x in r["disk_reads_per_s"])
            + " random reads/s",
        ),
        _fig(
            "delta_sync_warm",
            "Delta sync, replica file in the page cache",
            d_target,
            r["delta_sync_warm"]["seconds"],
            "s",
            r["delta_parse"]["seconds"],
            "decompress + parse the delta only",
            r["delta_sync_warm"]["seconds"] <= d_limit if big else None,
            _rounds(r["delta_sync_warm"]),
        ),
        _fig(
            "delta_sync_seq",
            "Delta sync, replica file read through sequentially first (large folios)",
            f"({d_target}, informative)",
            r["delta_sync_seq"]["seconds"],
            "s",
            r["delta_parse"]["seconds"],
            "decompress + parse the delta only",
            None,
            _rounds(r["delta_sync_seq"]),
        ),
        _fig(
            "lookup_id_p50",
            "Lookup by ID hash (by_id_hash), p50",
            "≤ 2× raw sqlite3",
            lk["by_id_hash"]["replica"]["p50_ms"],
            "ms",
            lk["by_id_hash"]["raw"]["p50_ms"],
            "raw sqlite3, same statements",
            ratio2(lk["by_id_hash"]["replica"]["p50_ms"], lk["by_id_hash"]["raw"]["p50_ms"]),
        ),
        _fig(
            "lookup_id_p99",
            "Lookup by ID hash, p99",
            "≤ 1 ms",
            lk["by_id_hash"]["replica"]["p99_ms"],
            "ms",
            lk["by_id_hash"]["raw"]["p99_ms"],
            "raw sqlite3 p99",
            lk["by_id_hash"]["replica"]["p99_ms"] <= 1.0,
        ),
        _fig(
            "lookup_cert_p50",
            "Lookup by certificate (practitioner), p50",
            "≤ 2× raw sqlite3",
            lk["practitioner"]["replica"]["p50_ms"],
            "ms",
            lk["practitioner"]["raw"]["p50_ms"],
            "raw sqlite3, same statements",
            ratio2(lk["practitioner"]["replica"]["p50_ms"], lk["practitioner"]["raw"]["p50_ms"]),
        ),
        _fig(
            "lookup_cert_p99",
            "Lookup by certificate, p99",
            "≤ 1 ms",
            lk["practitioner"]["replica"]["p99_ms"],
            "ms",
            lk["practitioner"]["raw"]["p99_ms"],
            "raw sqlite3 p99",
            lk["practitioner"]["replica"]["p99_ms"] <= 1.0,
        ),
        _fig(
            "name_search_p99",
            "Name search first page (by_name, incl. 2-char), p99",
            "≤ 5 ms",
            lk["by_name"]["replica"]["p99_ms"],
            "ms",
            lk["by_name"]["raw"]["p99_ms"],
            "raw sqlite3 p99",
            lk["by_name"]["replica"]["p99_ms"] <= 5.0,
            f"2-char names p99 {lk['by_name']['two_char_replica']['p99_ms']:.2f} ms",
        ),
        _fig(
            "replica_rss",
            "RSS: open replica + a few hundred lookups",
            "< 150 MB",
            mem["rss_after_mib"],
            "MiB",
            mem["rss_before_mib"],
            "same process before opening",
            mem["rss_after_mib"] * 1.048576 < 150,
            f"peak {mem['peak_rss_mib']:.0f} MiB",
        ),
        _fig(
            "verify_p50",
            "verify_payload in-process (full context), p50",
            "≤ 2 ms",
            v["full"]["p50_ms"],
            "ms",
            v["signature"]["p50_ms"],
            "Ed25519 signature check alone",
            v["full"]["p50_ms"] <= 2.0,
            f"without ID/institution {v['bare']['p50_ms']:.2f} ms",
        ),
        _fig(
            "verify_sm2_p50",
            "SM2 signature check (SM3, default ID), in-process p50",
            "≤ 2 ms",
            r["verify_sm2"]["sm2"]["p50_ms"],
            "ms",
            r["verify_sm2"]["ed25519"]["p50_ms"],
            "Ed25519 signature check, same run",
            r["verify_sm2"]["sm2"]["p50_ms"] <= 2.0,
            f"p99 {r['verify_sm2']['sm2']['p99_ms']:.2f} ms",
        ),
        _fig(
            "verify_cli_cold",
            "verify CLI, cold process (median)",
            "≤ 0.5 s",
            r["verify_cli"]["cli_median_s"],
            "s",
            r["verify_cli"]["python_pass_median_s"],
            "python -c pass",
            r["verify_cli"]["cli_median_s"] <= 0.5,
        ),
        _fig(
            "publish_time",
            "Publish export 1 (snapshot)",
            "national < 10 min",
            pub["seconds"],
            "s",
            r["zstd_baseline_s"],
            "zstd -3 of the replica alone",
            None,
            f"×{extrap:.1f} linear → {pub['seconds'] * extrap / 60:.1f} min national "
            "(extrapolated)",
        ),
        _fig(
            "publish_peak_rss",
            "Publish export 1, peak RSS",
            "national < 2 GB",
            pub["peak_rss_mib"],
            "MiB",
            pub["rss_before_mib"],
            "same process before publish",
            None if scale < w.NATIONAL else pub["peak_rss_mib"] * 1.048576 < 2000,
        ),
        _fig(
            "publish_delta_time",
            "Publish export 2 (snapshot + delta)",
            "national < 10 min",
            pubd["seconds"],
            "s",
            r["zstd_baseline_s"],
            "zstd -3 of the replica alone",
            None,
            f"→ {pubd['seconds'] * extrap / 60:.1f} min national (extrapolated)",
        ),
        _fig(
            "publish_delta_peak_rss",
            "Publish export 2, peak RSS",
            "national < 2 GB",
            pubd["peak_rss_mib"],
            "MiB",
            pubd["rss_before_mib"],
            "same process before publish",
            None if scale < w.NATIONAL else pubd["peak_rss_mib"] * 1.048576 < 2000,
        ),
    ]
    if scale >= w.NATIONAL:
        for row in rows:
            if row["id"] in ("publish_time", "publish_delta_time"):
                row["holds"] = row["measured"] < 600
    return rows


def _num(x: float, unit: str) -> str:
    return f"{x:,.0f} {unit}" if x >= 100 else f"{x:.3g} {unit}"


def table(rows: list[dict[str, Any]]) -> str:
    """The figures as a Markdown table."""
    out = [
        "| Figure | Target | Measured | Baseline | Ratio | Holds? |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for f in rows:
        holds = {True: "yes", False: "**no**", None: "n/a"}[f["holds"]]
        note = f" ({f['note']})" if f["note"] else ""
        out.append(
            f"| {f['figure']}{note} | {f['target']} | {_num(f['measured'], f['unit'])} | "
            f"{_num(f['baseline'], f['unit'])} ({f['baseline_label']}) | "
            f"{f['ratio']:.2f}× | {holds} |"
        )
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    """Command line: run the benchmark, print the table, write the JSON."""
    p = argparse.ArgumentParser(prog="python -m bench.core", description=__doc__.splitlines()[0])
    p.add_argument("--scale", type=int, default=None, help="practitioners (default 700,000)")
    p.add_argument(
        "--quick", action="store_true", help=f"{QUICK_SCALE:,} practitioners, in a temp dir"
    )
    p.add_argument("--out", type=Path, default=OUT / "core.json")
    p.add_argument("--cache", type=Path, default=None, help="where worlds are cached (bench/out)")
    p.add_argument("--photo-fraction", type=float, default=1.0)
    p.add_argument("--profile", action="store_true", help="also profile the delta sync")
    p.add_argument("--keep", action="store_true", help="keep the run folder (bundle, home)")
    p.add_argument("--force", action="store_true", help="run even if the disk looks too small")
    a = p.parse_args(argv)
    scale = a.scale or (QUICK_SCALE if a.quick else w.PROVINCE)
    need = scale * DISK_PER_PRACTITIONER * max(a.photo_fraction, 0.2)
    free = shutil.disk_usage(OUT.parent).free
    if need > free and not a.force:
        _log(
            f"needs about {need / 1e9:.0f} GB of disk, {free / 1e9:.0f} GB free: "
            "free space, lower --photo-fraction, or pass --force"
        )
        return 2
    if not a.quick:
        OUT.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="bench-core-", dir=None if a.quick else OUT))
    cache = a.cache or (tmp if a.quick else OUT)
    load = os.getloadavg()
    try:
        r = run(
            scale,
            tmp / "run",
            cache,
            quick=a.quick,
            photo_fraction=a.photo_fraction,
            profile=a.profile,
        )
    finally:
        if not a.keep:
            shutil.rmtree(tmp, ignore_errors=True)
    machine = _machine() | {"load_at_start": load, "load_at_end": os.getloadavg()}
    rows = figures(r, scale)
    doc = {
        "scale": scale,
        "quick": a.quick,
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "command": "python -m bench.core " + " ".join(argv if argv is not None else sys.argv[1:]),
        "machine": machine,
        "figures": rows,
        "raw": r,
    }
    a.out.parent.mkdir(parents=True, exist_ok=True)
    a.out.write_text(json.dumps(doc, ensure_ascii=False, indent=2, default=str), "utf-8")
    print(table(rows))
    print(f"\n{scale:,} practitioners; {r['total_s']:.0f} s; JSON in {a.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
