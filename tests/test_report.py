"""Inspection reports: no unsigned content, no spreadsheet formulas, everything HTML-escaped."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest

from domain import timeutil
from domain.types import Credential, IdCheck, Institution, Licence, Reason, Verdict, Verification
from kiosk import report
from kiosk.messages import reason_class, reason_text
from kiosk.report import UNVERIFIED, Check, Inspection
from kiosk.verify import CRYPTO_CODES

AT = dt.datetime(2026, 11, 20, 2, 30, tzinfo=dt.UTC)
FORMULA = '=HYPERLINK("http://x","y")'


def _institution(name: str = "测试医院", reg_no: str = "TEST0001") -> Institution:
    return Institution(
        reg_no=reg_no,
        name=name,
        category="综合医院",
        address="测试路 1 号",
        region="410000",
        legal_rep=None,
        principal="测试",
        subjects=("内科",),
        valid_from=None,
        valid_until="2030-01-01",
        status="active",
        authority="410000",
        authority_name="测试卫健委",
        issued_on="2020-01-01",
        version=1,
    )


def _verification(name: str, no: str = "TEST-0001", codes: tuple[str, ...] = ()) -> Verification:
    """A physician's verification with these reason codes (none: valid and trusted)."""
    licence = Licence(
        type="P", no=no, version=1, name=name, issuer_name="测试卫健委", issued_on="2026-01-01"
    )
    cred = Credential(
        alg=-8,
        kid=b"\0" * 8,
        iss="410000",
        iat=0,
        exp=None,
        licence=licence,
        signed_bytes=b"",
        signature=b"",
    )
    reasons = tuple(Reason(c, reason_class(c), reason_text(c, detail="x")) for c in codes)
    verdict = Verdict.INVALID if reasons else Verdict.VALID
    return Verification(verdict, reasons, cred, None)


def _inspection(*verifications: Verification, officer: str = "检查员") -> Inspection:
    ins = Inspection(_institution(), officer, AT)
    for v in verifications:
        ins.add(Check.of(AT, v))
    return ins


def _cells(text: str) -> list[list[str]]:
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


@pytest.mark.parametrize("code", sorted(CRYPTO_CODES))
def test_a_forged_credential_contributes_nothing_of_its_own(code: str) -> None:
    """A credential that failed a cryptographic check: its name and number stay out of the
    roster, the CSV and the HTML; it is listed as unverified."""
    forged = _verification(FORMULA, no="=1+1", codes=(code,))
    check = Check.of(AT, forged)
    assert (check.name, check.no, check.type) == (UNVERIFIED, "—", "")
    assert check.verdict == "invalid" and check.codes == (code,)
    ins = _inspection(forged)
    for text in (report.to_csv(ins), report.to_html(ins, AT)):
        assert "HYPERLINK" not in text and "=1+1" not in text
    row = _cells(report.to_csv(ins))[-1]
    assert row[1:4] == [UNVERIFIED, "", "—"]


def test_a_credential_that_could_not_be_decoded_is_unverified() -> None:
    check = Check.of(AT, Verification(Verdict.INVALID, (), None, None))
    assert (check.name, check.no) == (UNVERIFIED, "—")


@pytest.mark.parametrize(
    "name", ["-2+3", "@SUM(A1)", "+1", FORMULA, "\t=1+1", "\r=1+1", "＝1+1", "＠SUM(A1)"]
)
def test_a_trusted_name_that_could_start_a_formula_is_escaped_in_csv(name: str) -> None:
    """OWASP's rule: a cell that begins with = + - @ tab or CR gets a leading single quote."""
    trusted = _verification(name, no=name)
    assert Check.of(AT, trusted).name == name  # a signed name is reported as it is
    row = _cells(report.to_csv(_inspection(trusted)))[-1]
    assert row[1] == "'" + name and row[3] == "'" + name


def test_every_csv_cell_is_escaped_and_plain_ones_are_untouched() -> None:
    ins = Inspection(_institution("=cmd|' /C calc'!A0", "-1"), "@officer", AT)
    ins.add(Check.of(AT, _verification("张三", no="110-1")))
    rows = _cells(report.to_csv(ins))
    assert rows[0] == ["机构 institution", "'=cmd|' /C calc'!A0", "'-1", "测试路 1 号"]
    assert rows[1][1] == "'@officer"
    assert rows[-1][1:4] == ["张三", "医师 Physician", "110-1"]
    starts = tuple("=+-@\t\r")
    assert not [c for row in rows for c in row if c.startswith(starts)]


def test_html_escapes_every_value() -> None:
    hostile = "<script>alert('x')</script>\"&"
    ins = Inspection(_institution(hostile, hostile), hostile, AT)
    ins.add(Check(AT, hostile, hostile, hostile, "valid", (hostile,), (hostile,)))
    page = report.to_html(ins, AT)
    assert "<script>" not in page and hostile not in page
    escaped = "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;&quot;&amp;"
    # title, heading, reg. no., officer; then name, type, number, codes, reasons
    assert page.count(escaped) == 9 and "地址 Address: 测试路 1 号" in page


def test_html_escapes_a_trusted_name() -> None:
    page = report.to_html(_inspection(_verification("<script>alert(1)</script>")), AT)
    assert "<script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_html_escapes_the_attribute_value(monkeypatch: pytest.MonkeyPatch) -> None:
    """The verdict colour is the one value inside an attribute: escaped like the rest."""
    monkeypatch.setitem(report.COLOURS, "valid", '"><script>x</script>')
    page = report.to_html(_inspection(_verification("张三")), AT)
    assert "<script>" not in page
    assert 'style="color:&quot;&gt;&lt;script&gt;x&lt;/script&gt;;' in page


def test_times_are_china_time() -> None:
    """The roster, the CSV and the HTML say the time as China's clocks show it (UTC+8),
    whatever the kiosk machine's own zone."""
    ins = _inspection(_verification("张三"))
    assert timeutil.china_time(AT) == "10:30:00"  # 02:30 UTC
    assert _cells(report.to_csv(ins))[-1][0] == "2026-11-20 10:30:00"
    assert "2026-11-20 10:30 – 10:30" in report.to_html(ins, AT)


@pytest.mark.parametrize(
    ("code", "zh", "en"),
    [("P", "医师", "Physician"), ("N", "护士", "Nurse"), ("I", "机构", "Institution")],
)
def test_the_type_is_named(code: str, zh: str, en: str) -> None:
    """Never a bare P/N: the roster's language, or both in a report."""
    assert report.type_label(code, "zh") == zh and report.type_label(code, "en") == en
    assert report.type_label(code) == f"{zh} {en}"
    assert report.type_label("") == ""


def test_a_person_checked_twice_counts_once_by_the_latest_result() -> None:
    """The same licence checked again replaces the earlier line (its latest verdict counts)
    and is counted as checked twice; another person is another line."""
    ins = Inspection(_institution(), "检查员", AT)
    first, none = ins.add(Check.of(AT, _verification("张三", codes=("SUSPENDED",))))
    assert none is None and first.times == 1
    ins.add(Check.of(AT, _verification("李四", no="TEST-0002")))
    later = AT + dt.timedelta(minutes=5)
    again, replaced = ins.add(Check.of(later, _verification("张三")))
    assert replaced == first and again.times == 2 and again.serial == 3
    assert [(c.name, c.verdict, c.times) for c in ins.checks] == [
        ("李四", "valid", 1),
        ("张三", "valid", 2),
    ]
    assert ins.counts() == {"valid": 2, "warning": 0, "invalid": 0} and ins.scans() == 3
    rows = _cells(report.to_csv(ins))
    assert rows[2] == ["人数 people", "2", "核验次数 checks", "3"]
    assert [r[1] for r in rows[4:]] == ["李四", "张三"] and rows[-1][-1] == "2"
    page = report.to_html(ins, later)
    assert "人数 People: 2（核验 3 次 checks）" in page and "有效 2 · 注意 0 · 无效 0" in page


def test_unverified_credentials_are_never_merged() -> None:
    """A forged credential names nobody: two of them are two lines."""
    ins = Inspection(_institution(), "检查员", AT)
    for _ in range(2):
        ins.add(Check.of(AT, _verification("伪造", codes=("BAD_SIGNATURE",))))
    assert [c.times for c in ins.checks] == [1, 1] and ins.counts()["invalid"] == 2


def test_people_not_found_are_told_apart_by_their_number() -> None:
    """Nobody found under an ID number: the same number twice is one person; two numbers
    with the same mask are two. The key keeps no number."""
    ins = Inspection(_institution(), "检查员", AT)
    nobody = IdCheck(
        Verdict.INVALID, (), (Reason("NOT_IN_REGISTRY", reason_class("NOT_IN_REGISTRY"), "x"),)
    )
    one, same_mask = "TEST-NUMBER-ONE", "TEST-NUMBER-TWO"  # stand-ins: the key takes any text
    for number in (one, one, same_mask):
        key = ins.person_key(number)
        assert number not in key
        for check in report.checks_of(AT, nobody, "TES***********-ONE", "查无此人", key):
            ins.add(check)
    assert [c.times for c in ins.checks] == [2, 1]
    assert ins.person_key(one) == ins.person_key(one) != ins.person_key(same_mask)
