import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lib import gb11643

areas = st.from_regex(r"[1-9]\d{5}", fullmatch=True)
births = st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2025, 12, 31))
seqs = st.integers(min_value=0, max_value=999)


@pytest.mark.parametrize("value", ["11010519491231002X", "440524188001010014"])
def test_the_standards_examples_are_valid(value):
    assert gb11643.is_valid(value)


@given(areas, births, seqs)
def test_every_made_id_parses_back_to_its_birth_date_and_sex(area, birth, seq):
    value = gb11643.make(area, birth, seq)
    number, parsed_birth, sex = gb11643.parse(value)
    assert number == value and parsed_birth == birth
    assert sex == ("M" if seq % 2 else "F")


@given(areas, births, seqs, st.integers(min_value=0, max_value=16), st.integers(min_value=1, max_value=9))
def test_changing_any_one_digit_breaks_the_checksum(area, birth, seq, position, delta):
    value = gb11643.make(area, birth, seq)
    digit = (int(value[position]) + delta) % 10
    broken = value[:position] + str(digit) + value[position + 1 :]
    # A changed digit may also make the date impossible; either way it is refused.
    assert not gb11643.is_valid(broken)


@given(areas, births, seqs)
def test_a_wrong_check_character_is_refused_with_a_reason(area, birth, seq):
    value = gb11643.make(area, birth, seq)
    wrong = next(c for c in "0123456789X" if c != value[-1])
    with pytest.raises(gb11643.InvalidID, match="check character"):
        gb11643.parse(value[:17] + wrong)


@pytest.mark.parametrize(
    "value, words",
    [
        ("1101051949123100", "18 characters"),
        ("11010519491331002X", "not a real date"),
        ("A1010519491231002X", "17 digits"),
    ],
)
def test_malformed_ids_say_what_is_wrong(value, words):
    with pytest.raises(gb11643.InvalidID, match=words):
        gb11643.parse(value)


def test_a_birth_date_in_the_future_is_refused():
    value = gb11643.make("110105", dt.date(2030, 1, 1), 11)
    with pytest.raises(gb11643.InvalidID, match="not possible"):
        gb11643.parse(value, today=dt.date(2026, 11, 22))


def test_lower_case_x_and_spaces_are_accepted():
    assert gb11643.parse(" 11010519491231002x ")[0] == "11010519491231002X"


def test_masks_keep_six_and_four():
    assert gb11643.mask("11010519491231002X") == "110105********002X"
    assert gb11643.mask_phone("13812345678") == "138****5678"
