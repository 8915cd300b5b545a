"""Inspection reports: the roster of people checked at one institution, as HTML and CSV."""

from __future__ import annotations

import csv
import datetime as dt
import html
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

from kiosk.domain import Institution, Verification
from kiosk.messages import VERDICT_LABELS
from kiosk.timeutil import CHINA


@dataclass(frozen=True, slots=True)
class Check:
    """One person checked during an inspection."""

    at: dt.datetime
    name: str
    type: str
    no: str
    verdict: str
    codes: tuple[str, ...]
    reasons: tuple[str, ...]

    @classmethod
    def of(cls, at: dt.datetime, v: Verification) -> Check:
        lic = v.credential.licence if v.credential else None
        return cls(
            at,
            lic.name if lic else "—",
            lic.type if lic else "",
            lic.no if lic else "",
            v.verdict.value,
            v.codes,
            tuple(r.message for r in v.reasons),
        )


@dataclass
class Inspection:
    """An inspection in progress."""

    institution: Institution
    officer: str
    started: dt.datetime
    checks: list[Check] = field(default_factory=list)

    def add(self, check: Check) -> None:
        """Add a check to the roster."""
        self.checks.append(check)

    def counts(self) -> dict[str, int]:
        """How many checks gave each verdict."""
        out = {"valid": 0, "warning": 0, "invalid": 0}
        for c in self.checks:
            out[c.verdict] += 1
        return out


HEADER = [
    "时间 time",
    "姓名 name",
    "类型 type",
    "证书编码 number",
    "结论 verdict",
    "代码 codes",
    "原因 reasons",
]


def _row(c: Check) -> list[str]:
    zh, en = VERDICT_LABELS[next(v for v in VERDICT_LABELS if v.value == c.verdict)]
    return [
        c.at.astimezone(CHINA).strftime("%Y-%m-%d %H:%M:%S"),
        c.name,
        c.type,
        c.no,
        f"{zh} {en}",
        " ".join(c.codes),
        "；".join(c.reasons),
    ]


def to_csv(ins: Inspection) -> str:
    """The roster as CSV (UTF-8 with BOM so spreadsheet programs read Chinese)."""
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["机构 institution", ins.institution.name, ins.institution.reg_no])
    w.writerow(
        ["检查人 officer", ins.officer, "开始 started", ins.started.astimezone(CHINA).isoformat()]
    )
    w.writerow(HEADER)
    for c in ins.checks:
        w.writerow(_row(c))
    return "\ufeff" + buf.getvalue()


def to_html(ins: Inspection, ended: dt.datetime) -> str:
    """The roster as a self-contained HTML page."""
    e = html.escape
    colours = {"valid": "#1b7f3b", "warning": "#a86a00", "invalid": "#b3261e"}
    rows = "\n".join(
        "<tr>"
        + "".join(f"<td>{e(x)}</td>" for x in _row(c)[:4])
        + f'<td style="color:{colours[c.verdict]};font-weight:bold">{e(_row(c)[4])}</td>'
        + "".join(f"<td>{e(x)}</td>" for x in _row(c)[5:])
        + "</tr>"
        for c in ins.checks
    )
    n = ins.counts()
    return f"""<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>检查报告 {e(ins.institution.name)}</title>
<style>body{{font-family:sans-serif;margin:2em}}table{{border-collapse:collapse}}
td,th{{border:1px solid #999;padding:4px 8px;text-align:left}}</style></head><body>
<h1>现场检查报告 Inspection report</h1>
<p>机构 Institution: <b>{e(ins.institution.name)}</b>（登记号 {e(ins.institution.reg_no)}）<br>
检查人 Officer: {e(ins.officer or "—")}<br>
时间 Time: {e(ins.started.astimezone(CHINA).strftime("%Y-%m-%d %H:%M"))} – {e(ended.astimezone(CHINA).strftime("%H:%M"))}<br>
结果 Results: 有效 {n["valid"]} · 注意 {n["warning"]} · 无效 {n["invalid"]}</p>
<table><tr>{"".join(f"<th>{e(h)}</th>" for h in HEADER)}</tr>
{rows}
</table></body></html>
"""


def save(ins: Inspection, folder: Path, ended: dt.datetime) -> tuple[Path, Path]:
    """Write the HTML and CSV reports into `folder`; returns their paths."""
    folder.mkdir(parents=True, exist_ok=True)
    safe = re.sub(r"[^0-9A-Za-z\u4e00-\u9fff]+", "-", ins.institution.name)[:40].strip("-")
    stem = f"{ended.astimezone(CHINA).strftime('%Y%m%d-%H%M%S')}-{safe}"
    html_path, csv_path = folder / f"{stem}.html", folder / f"{stem}.csv"
    html_path.write_text(to_html(ins, ended), "utf-8")
    csv_path.write_text(to_csv(ins), "utf-8")
    return html_path, csv_path


def listing(folder: Path) -> list[Path]:
    """Saved reports, newest first."""
    return sorted(folder.glob("*.html"), reverse=True) if folder.exists() else []
