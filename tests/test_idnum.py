"""GB 11643 ID numbers: the standard's worked examples, legacy upgrade, masking, hashing."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kiosk import idnum
from kiosk.errors import IdNumberError

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
    assert idnum.credential_hash(n, b"12345678") != idnum.credential_hash(n, b"87654321")


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
