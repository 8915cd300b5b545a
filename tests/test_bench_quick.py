"""The core benchmark harness runs end to end in quick mode and reports every figure.

Nothing here is about time: the figures themselves are for BENCHMARKS.md, measured by
`make bench` on the reference machine.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

from bench import core


def test_quick_core_benchmark_reports_every_figure(tmp_path: Path) -> None:
    out = tmp_path / "core.json"
    assert core.main(["--quick", "--out", str(out)]) == 0
    doc = json.loads(out.read_text("utf-8"))
    assert doc["scale"] == core.QUICK_SCALE and doc["quick"] is True
    rows = {f["id"]: f for f in doc["figures"]}
    assert set(rows) == set(core.FIGURES)
    for fid, f in rows.items():
        for field in ("measured", "baseline", "ratio"):
            value = f[field]
            assert isinstance(value, (int, float)) and math.isfinite(value), (fid, field, value)
        assert f["holds"] in (True, False, None), fid
        assert f["target"] and f["unit"], fid
    raw = doc["raw"]
    assert raw["delta_sync"]["method"] == "delta"
    assert all(s["method"] == "snapshot" for s in raw["snapshot_syncs"])
    assert raw["verify"]["verdicts"] == ["valid"], raw["verify"]["codes"]
    assert raw["verify_cli"]["verdict"] == "valid"


def test_quick_audit_benchmark_reports_its_figures(tmp_path: Path) -> None:
    from bench import audit

    out = tmp_path / "audit.json"
    assert audit.main(["--records", "100", "--n", "20", "--out", str(out)]) == 0
    doc = json.loads(out.read_text("utf-8"))
    assert doc["chain_intact"] and doc["chain_records"] >= 100
    for key in ("verify_recorded", "verify_alone", "chained_append", "plain_insert"):
        assert doc[key]["n"] == 20 and math.isfinite(doc[key]["p50_ms"])
