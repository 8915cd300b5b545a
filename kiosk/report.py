"""Inspection reports: the roster of people checked at one institution, as HTML and CSV.

A report may be opened in a browser or a spreadsheet by someone who trusts it, so nothing a
forger controls goes in: a credential that failed its cryptographic checks contributes no
name or number, every HTML value is escaped, and no CSV cell can start a formula.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import hmac
import html
import io
import os
import re
from dataclasses import dataclass, field, replace
from pathlib import Path

from domain.timeutil import CHINA, china_time
from domain.types import TYPE_OF_KIND, IdCheck, Institution, Reason, Verification
from kiosk.messages import VERDICT_LABELS, reworded
from kiosk.verify import trusted

UNVERIFIED = "未核验 (unverified)"
# Characters that make a spreadsheet read a cell as a formula (OWASP "CSV injection"), plus
# their full-width forms, which a Chinese input method types.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")
COLOURS = {"valid": "#1b7f3b", "warning": "#a86a00", "invalid": "#b3261e"}
# What a licence type code is called, in Chinese and English.
TYPE_LABELS = {"P": ("医师", "Physician"), "N": ("护士", "Nurse"), "I": ("机构", "Institution")}


def type_label(code: str, lang: str | None = None) -> str:
    """A licence type for people: 医师 / Physician …; both languages when `lang` is None; an
    unknown code as it is."""
    if code not in TYPE_LABELS:
        return code
    zh, en = TYPE_LABELS[code]
    return {"zh": zh, "en": en}.get(lang or "", f"{zh} {en}")


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
    # Who was checked, so that a second check of the same person replaces the first:
    # "P:<cert no.>" for a licence whose holder is known; "" (never merged) for an
    # unverified credential, whose content cannot be trusted to name anyone.
    key: str = ""
    times: int = 1  # how often this person was checked during the inspection
    serial: int = 0  # the order checks were added to the inspection (1, 2, …)
    causes: tuple[Reason, ...] = ()  # the reasons themselves, worded again on F9

    def reasons_in(self, lang: str) -> tuple[str, ...]:
        """The reasons worded in `lang` (the sentences they were checked in, if not kept)."""
        return tuple(reworded(r, lang) for r in self.causes) if self.causes else self.reasons

    @classmethod
    def of(cls, at: dt.datetime, v: Verification) -> Check:
        """The roster line of a verification: an unsigned credential's content stays out; a
        check by ID number (no credential) is named by the registry's record."""
        p = v.practitioner
        if v.credential is None and p is not None:
            reasons = tuple(r.message for r in v.reasons)
            kind = TYPE_OF_KIND[p.kind]
            return cls(
                at,
                p.name,
                kind,
                p.cert_no,
                v.verdict.value,
                v.codes,
                reasons,
                f"{kind}:{p.cert_no}",
                causes=v.reasons,
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
            f"{lic.type}:{lic.no}" if lic else "",
            causes=v.reasons,
        )


def checks_of(
    at: dt.datetime, result: IdCheck, mask: str, not_found: str, key: str = ""
) -> list[Check]:
    """The roster lines of a check by ID number: one per licence found, or one line named
    `not_found` under the masked number (`key` tells that person from others with the same
    mask; without one, the line is never merged)."""
    if result.results:
        return [Check.of(at, v) for v in result.results]
    codes = tuple(r.code for r in result.reasons)
    messages = tuple(r.message for r in result.reasons)
    verdict = result.verdict.value
    return [Check(at, not_found, "", mask, verdict, codes, messages, key, causes=result.reasons)]


@dataclass
class Inspection:
    """An inspection in progress."""

    institution: Institution
    officer: str
    started: dt.datetime
    checks: list[Check] = field(default_factory=list)  # one per person, latest last
    serial: int = 0  # the serial of the latest check added
    # Keys person_key's hashes for this inspection alone; never written anywhere.
    salt: bytes = field(default_factory=lambda: os.urandom(16), repr=False)

    def person_key(self, id_number: str) -> str:
        """The key of someone known only by an ID number (nobody found under it): tells one
        number from another in this inspection without keeping the number itself."""
        digest = hmac.new(self.salt, id_number.encode(), hashlib.sha256).hexdigest()
        return f"id:{digest[:24]}"

    def add(self, check: Check) -> tuple[Check, Check | None]:
        """Add a check to the roster. A person already on it is not counted again: their
        latest result replaces the earlier one, which it counts as one more check.

        Returns:
            The line as added (numbered, with how often the person was checked) and the line
            it replaced, if any.
        """
        self.serial += 1
        old = next((c for c in self.checks if check.key and c.key == check.key), None)
        if old is not None:
            self.checks.remove(old)
        line = replace(check, times=(old.times + 1) if old else 1, serial=self.serial)
        self.checks.append(line)
        return line, old

    def counts(self) -> dict[str, int]:
        """How many people ended with each verdict (a person checked twice counts once, by
        the latest result)."""
        out = {"valid": 0, "warning": 0, "invalid": 0}
        for c in self.checks:
            out[c.verdict] += 1
        return out

    def scans(self) -> int:
        """How many checks were made in all, repeated ones included."""
        return sum(c.times for c in self.checks)


HEADER = [
    "时间 time",
    "姓名 name",
    "类型 type",
    "证书编码 number",
    "结论 verdict",
    "代码 codes",
    "原因 reasons",
    "核验次数 checks",
]


def _row(c: Check) -> list[str]:
    zh, en = VERDICT_LABELS[next(v for v in VERDICT_LABELS if v.value == c.verdict)]
    return [
        china_time(c.at, "%Y-%m-%d %H:%M:%S"),
        c.name,
        type_label(c.type),
        c.no,
        f"{zh} {en}",
        " ".join(c.codes),
        "；".join(c.reasons),
        str(c.times),
    ]


def csv_cell(value: str) -> str:
    """A cell a spreadsheet shows as text: one that could start a formula gets a leading '."""
    return "'" + value if value.startswith(FORMULA_START) else value


def to_csv(ins: Inspection) -> str:
    """The roster as CSV (UTF-8 with BOM so spreadsheet programs read Chinese)."""
    buf = io.StringIO()
    w = csv.writer(buf)
    rows = [
        ["机构 institution", ins.institution.name, ins.institution.reg_no, ins.institution.address],
        ["检查人 officer", ins.officer, "开始 started", ins.started.astimezone(CHINA).isoformat()],
        ["人数 people", str(len(ins.checks)), "核验次数 checks", str(ins.scans())],
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
地址 Address: {e(ins.institution.address)}<br>
检查人 Officer: {e(ins.officer or "—")}<br>
时间 Time: {e(china_time(ins.started, "%Y-%m-%d %H:%M"))} – {e(china_time(ended, "%H:%M"))}<br>
人数 People: {len(ins.checks)}（核验 {ins.scans()} 次 checks）<br>
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
