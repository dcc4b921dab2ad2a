"""Property tests of the identifiers intake validates: VIN, plate, ID card number, email."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from services.intake.domain.validators import (
    _VIN_VALUES,
    normalize_email,
    normalize_id_number,
    normalize_plate,
    normalize_vin,
    vin_check_digit,
)

VIN_CHARS = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789"


@st.composite
def chinese_vins(draw: st.DrawFn) -> str:
    body = draw(st.text(alphabet=VIN_CHARS, min_size=16, max_size=16))
    vin = "L" + body[:7] + "0" + body[7:15]
    return vin[:8] + vin_check_digit(vin) + vin[9:]


@given(chinese_vins())
def test_a_vin_with_its_check_digit_is_accepted_in_any_case(vin: str) -> None:
    assert normalize_vin(vin.lower()) == vin
    assert normalize_vin(f" {vin[:8]} {vin[8:]} ") == vin


@given(chinese_vins(), st.integers(min_value=1, max_value=16), st.sampled_from(VIN_CHARS))
def test_one_mistyped_character_of_a_chinese_vin_is_caught(
    vin: str, position: int, replacement: str
) -> None:
    assume(position != 8)  # the check digit itself
    assume(_VIN_VALUES[replacement] != _VIN_VALUES[vin[position]])
    typo = vin[:position] + replacement + vin[position + 1 :]
    with pytest.raises(ValueError, match="check digit"):
        normalize_vin(typo)


@pytest.mark.parametrize("bad", ["LSVAA4182E212345", "LSVAA4182E21234511", "LSVAA4182E212345I"])
def test_vin_length_and_letters(bad: str) -> None:
    with pytest.raises(ValueError):
        normalize_vin(bad)


def test_a_european_vin_needs_no_check_digit() -> None:
    assert normalize_vin("WVWZZZ1JZXW000001") == "WVWZZZ1JZXW000001"


PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"


@given(
    st.sampled_from(PROVINCES),
    st.sampled_from(LETTERS),
    st.text(alphabet=LETTERS + "0123456789", min_size=5, max_size=5),
)
def test_ordinary_plates(province: str, letter: str, rest: str) -> None:
    plate = province + letter + rest
    assert normalize_plate(plate) == plate
    assert normalize_plate(f"{province}{letter}·{rest.lower()}") == plate


@given(
    st.sampled_from(PROVINCES),
    st.sampled_from(LETTERS),
    st.sampled_from("DF"),
    st.integers(min_value=0, max_value=99999),
)
def test_new_energy_plates(province: str, letter: str, kind: str, number: int) -> None:
    small = f"{province}{letter}{kind}{number % 10}{number:04d}"[:8]
    assert normalize_plate(small) == small
    large = f"{province}{letter}{number:05d}{kind}"
    assert normalize_plate(large) == large


@pytest.mark.parametrize("bad", ["京A1234", "京I12345", "XA12345", "京A123456", "京AO2345"])
def test_bad_plates(bad: str) -> None:
    with pytest.raises(ValueError):
        normalize_plate(bad)


ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


@given(
    st.dates(min_value=date(1900, 1, 1), max_value=date(2099, 12, 31)),
    st.integers(min_value=0, max_value=999),
    st.integers(100000, 659999),
)
def test_id_numbers_with_a_valid_birth_date_and_check_digit(
    birth: date, serial: int, region: int
) -> None:
    body = f"{region:06d}{birth:%Y%m%d}{serial:03d}"
    check = "10X98765432"[sum(int(d) * w for d, w in zip(body, ID_WEIGHTS, strict=True)) % 11]
    assert normalize_id_number((body + check).lower()) == body + check
    wrong = "0" if check != "0" else "1"
    with pytest.raises(ValueError, match="check digit"):
        normalize_id_number(body + wrong)


def test_id_number_with_an_impossible_birth_date() -> None:
    with pytest.raises(ValueError, match="birth date"):
        normalize_id_number("110105194902300021")


def test_email_keeps_the_local_part_and_lowers_the_domain() -> None:
    assert normalize_email(" Zhang.Wei@Example.CN ") == "Zhang.Wei@example.cn"
    for bad in ("zhang", "a@b", "a b@c.cn", "<a@b.cn>"):
        with pytest.raises(ValueError):
            normalize_email(bad)
