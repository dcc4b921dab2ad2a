"""Validators that know Chinese contact data."""

from __future__ import annotations

import re
from datetime import date

from shared.errors import InvalidValueError

_SEPARATORS = re.compile(r"[\s\-()]")
_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_LANDLINE = re.compile(r"^0\d{2,3}\d{7,8}$")


def normalize_phone(raw: str) -> str:
    """A mainland mobile (11 digits) or landline (area code + number), digits only.

    Accepts the forms agents type: spaces, dashes, brackets, a ``+86`` or ``0086`` prefix.
    """
    digits = _SEPARATORS.sub("", raw.strip())
    if digits.startswith("+86"):
        digits = digits[3:]
    elif digits.startswith("0086"):
        digits = digits[4:]
    if _MOBILE.fullmatch(digits) or _LANDLINE.fullmatch(digits):
        return digits
    raise InvalidValueError(
        "phone",
        "not a mainland China phone number: expected an 11-digit mobile (1xx xxxx xxxx)"
        " or a landline with area code (0xx-xxxxxxxx)",
    )


_VIN_VALUES = {
    **{str(d): d for d in range(10)},
    **dict(zip("ABCDEFGH", range(1, 9), strict=True)),
    **dict(zip("JKLMN", range(1, 6), strict=True)),
    "P": 7,
    "R": 9,
    **dict(zip("STUVWXYZ", range(2, 10), strict=True)),
}
_VIN_WEIGHTS = (8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2)
_VIN = re.compile(r"^[A-HJ-NPR-Z0-9]{17}$")
# Check digit in position 9 is mandatory for China (GB 16735, WMI starting with L)
# and North America (WMI 1-5); other markets may use that position freely.
_VIN_CHECKED_REGIONS = frozenset("L12345")


def vin_check_digit(vin: str) -> str:
    total = sum(_VIN_VALUES[char] * weight for char, weight in zip(vin, _VIN_WEIGHTS, strict=True))
    remainder = total % 11
    return "X" if remainder == 10 else str(remainder)


def normalize_vin(raw: str) -> str:
    """17 characters, no I, O or Q; the check digit verified where the market requires it."""
    vin = raw.strip().upper().replace(" ", "")
    if len(vin) != 17:
        raise InvalidValueError(
            "vin_length", f"a VIN has 17 characters, this one has {len(vin)}", length=len(vin)
        )
    if not _VIN.fullmatch(vin):
        raise InvalidValueError(
            "vin_characters", "a VIN uses only digits and capital letters other than I, O and Q"
        )
    if vin[0] in _VIN_CHECKED_REGIONS and vin[8] != vin_check_digit(vin):
        raise InvalidValueError(
            "vin_check_digit",
            f"VIN check digit (9th character) should be {vin_check_digit(vin)}, not {vin[8]}:"
            " the VIN was probably mistyped",
            expected=vin_check_digit(vin),
            found=vin[8],
        )
    return vin


_PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
_PLATE_LETTER = "A-HJ-NP-Z"
_PLATE = re.compile(
    rf"^[{_PROVINCES}][{_PLATE_LETTER}]"
    rf"(?:[{_PLATE_LETTER}0-9]{{4}}[{_PLATE_LETTER}0-9挂学警港澳]"  # ordinary: 5 characters
    rf"|[DF][{_PLATE_LETTER}0-9]\d{{4}}"  # new-energy small car: D/F + 5
    rf"|\d{{5}}[DF])$"  # new-energy large vehicle: 5 digits + D/F
)


def normalize_plate(raw: str) -> str:
    """A mainland plate such as 京A12345, 粤B·D12345 or 沪A12345F (no I or O)."""
    plate = re.sub(r"[\s·•\-]", "", raw.strip()).upper()
    if not _PLATE.fullmatch(plate):
        raise InvalidValueError(
            "plate",
            "not a mainland China plate: expected province + letter + 5 characters"
            " (7 with a new-energy plate), e.g. 京A12345 or 粤BD12345",
        )
    return plate


_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_ID = re.compile(r"^\d{17}[\dX]$")


def normalize_id_number(raw: str) -> str:
    """A resident identity card number (GB 11643): 18 characters, birth date, check digit."""
    number = raw.strip().upper().replace(" ", "")
    if not _ID.fullmatch(number):
        raise InvalidValueError(
            "id_number_format", "an ID card number has 17 digits and a final digit or X"
        )
    try:
        date.fromisoformat(f"{number[6:10]}-{number[10:12]}-{number[12:14]}")
    except ValueError as exc:
        raise InvalidValueError(
            "id_number_birth_date", "the ID card number does not contain a valid birth date"
        ) from exc
    expected = _ID_CHECK[sum(int(d) * w for d, w in zip(number, _ID_WEIGHTS, strict=False)) % 11]
    if number[17] != expected:
        raise InvalidValueError(
            "id_number_check_digit",
            "the ID card number's check digit does not match: probably mistyped",
        )
    return number


_EMAIL = re.compile(r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$")


def normalize_email(raw: str) -> str:
    address = raw.strip()
    if len(address) > 254 or not _EMAIL.fullmatch(address):
        raise InvalidValueError("email", "not an email address")
    local, _, domain = address.rpartition("@")
    return f"{local}@{domain.lower()}"
