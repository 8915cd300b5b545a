"""Inspection reports: the roster of people checked at one institution, as HTML and CSV.

A report may be opened in a browser or a spreadsheet by someone who trusts it, so nothing a
forger controls goes in: a credential that failed its cryptographic checks contributes no
name or number, every HTML value is escaped, and no CSV cell can start a formula.
"""

from __future__ import annotations

import csv
import datetime as dt
import html
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

from domain.timeutil import CHINA
from domain.types import TYPE_OF_KIND, IdCheck, Institution, Verification
from kiosk.messages import VERDICT_LABELS
from kiosk.verify import trusted

UNVERIFIED = "未核验 (unverified)"
# Characters that make a spreadsheet read a cell as a formula (OWASP "CSV injection"), plus
# their full-width forms, which a Chinese input method types.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")
COLOURS = {"valid": "#1b7f3b", "warning": "#a86a00", "invalid": "#b3261e"}


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
        """The roster line of a verification: an unsigned credential's content stays out; a
        check by ID number (no credential) is named by the registry's record."""
        p = v.practitioner
        if v.credential is None and p is not None:
            reasons = tuple(r.message for r in v.reasons)
            return cls(
                at, p.name, TYPE_OF_KIND[p.kind], p.cert_no, v.verdict.value, v.codes, reasons
            )
        lic = v.credential.licence if v.credential and trusted(v) else None
        return cls(
            at,
            lic.name if lic else UNVERIFIED,
            lic.type if lic else "",
            lic.no if lic else "—",
            v.verdict.value,
            v.codes,
            tuple(r.message for r in v.reasons),
        )


def checks_of(at: dt.datetime, result: IdCheck, mask: str, not_found: str) -> list[Check]:
    """The roster lines of a check by ID number: one per licence found, or one line named
    `not_found` under the masked number."""
    if result.results:
        return [Check.of(at, v) for v in result.results]
    codes = tuple(r.code for r in result.reasons)
    messages = tuple(r.message for r in result.reasons)
    return [Check(at, not_found, "", mask, result.verdict.value, codes, messages)]


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


def csv_cell(value: str) -> str:
    """A cell a spreadsheet shows as text: one that could start a formula gets a leading '."""
    return "'" + value if value.startswith(FORMULA_START) else value


def to_csv(ins: Inspection) -> str:
    """The roster as CSV (UTF-8 with BOM so spreadsheet programs read Chinese)."""
    buf = io.StringIO()
    w = csv.writer(buf)
    rows = [
        ["机构 institution", ins.institution.name, ins.institution.reg_no],
        ["检查人 officer", ins.officer, "开始 started", ins.started.astimezone(CHINA).isoformat()],
        HEADER,
        *(_row(c) for c in ins.checks),
    ]
    for row in rows:
        w.writerow([csv_cell(x) for x in row])
    return "\ufeff" + buf.getvalue()


def _html_row(c: Check) -> str:
    e = html.escape
    cells = _row(c)
    return (
        "<tr>"
        + "".join(f"<td>{e(x)}</td>" for x in cells[:4])
        + f'<td style="color:{e(COLOURS[c.verdict])};font-weight:bold">{e(cells[4])}</td>'
        + "".join(f"<td>{e(x)}</td>" for x in cells[5:])
        + "</tr>"
    )


def to_html(ins: Inspection, ended: dt.datetime) -> str:
    """The roster as a self-contained HTML page; every value in it is escaped."""
    e = html.escape
    rows = "\n".join(_html_row(c) for c in ins.checks)
    n = {k: e(str(v)) for k, v in ins.counts().items()}
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
