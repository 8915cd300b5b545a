"""GB 11643 ID numbers: the standard's worked examples, legacy upgrade, masking, hashing."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain import idnum
from domain.errors import IdNumberError

EXAMPLES = ["11010519491231002X", "440524188001010014", "510108197905126731", "440304199003072822"]


@pytest.mark.parametrize("number", EXAMPLES)
def test_worked_examples_are_valid(number: str) -> None:
    assert idnum.is_valid(number)
    assert idnum.is_valid(number.lower())


@pytest.mark.parametrize(
    ("number", "fragment"),
    [
        ("11010519491231002", "18位"),
        ("110105194912310021", "校验位"),
        ("110105194902310029", "日期"),
        ("01010519491231002X", "17位数字"),
        ("1101051949123100XX", "17位数字"),
    ],
)
def test_problems_are_named(number: str, fragment: str) -> None:
    why = idnum.problem(number)
    assert why is not None and fragment in why


def test_legacy_15_digit_numbers_are_upgraded() -> None:
    assert idnum.normalise("110105491231002") == "11010519491231002X"


def test_normalise_refuses_with_a_sentence() -> None:
    with pytest.raises(IdNumberError, match="check character"):
        idnum.normalise("110105194912310021")


def test_mask_and_hashes() -> None:
    n = EXAMPLES[0]
    assert idnum.mask(n) == "110***********002X"
    a, b = idnum.keyed_hash(n, b"k1"), idnum.keyed_hash(n, b"k2")
    assert len(a) == 16 and a != b


def _full_width(text: str) -> str:
    return "".join(chr(0xFF10 + int(c)) if c.isdigit() else "ｘ" for c in text)


@pytest.mark.parametrize("number", EXAMPLES)
def test_full_width_digits_and_x_are_normalised(number: str) -> None:
    """A Chinese input method types full-width digits (and ｘ): the same number."""
    typed = _full_width(number)
    assert typed != number
    assert idnum.normalise(typed) == number
    assert idnum.normalise("\u3000" + typed[:6] + " " + typed[6:]) == number
    assert idnum.problem(typed) is None


@pytest.mark.parametrize(
    "text",
    [
        "١١٠١٠٥١٩٤٩١٢٣١٠٠٢X",  # Arabic-Indic digits: isdigit() is True, int() works
        "1" + "".join(chr(0x660 + int(c)) for c in "1010519491231002") + "X",  # past the shape
        "11010519491231002\u0663",
        "1" * 10_000,
        "11010519491231002X\x00",
        "",
        "   ",
    ],
)
def test_anything_else_is_a_sentence_not_a_crash(text: str) -> None:
    with pytest.raises(IdNumberError):
        idnum.normalise(text)


@given(st.text(max_size=80))
def test_problem_and_normalise_never_raise_anything_else(text: str) -> None:
    why = idnum.problem(text)
    try:
        idnum.normalise(text)
    except IdNumberError as err:
        assert err.message and (why is not None or len(idnum.fold(text)) == 15)


@given(st.text(alphabet="0123456789", min_size=17, max_size=17))
def test_check_character_is_the_standards_mod_11_2(body: str) -> None:
    # GB 11643: weight of position i (1..17) is 2^(18-i) mod 11; check = (12 - sum mod 11) mod 11
    total = sum(int(c) * pow(2, 17 - i, 11) for i, c in enumerate(body))
    value = (12 - total % 11) % 11
    assert idnum.check_char(body) == ("X" if value == 10 else str(value))


@pytest.mark.parametrize(
    "body", ["1101051949123100", "1101051949123100２", "1101051949123100a", ""]
)
def test_check_character_wants_17_ascii_digits(body: str) -> None:
    with pytest.raises(ValueError, match="17 digits"):
        idnum.check_char(body)
