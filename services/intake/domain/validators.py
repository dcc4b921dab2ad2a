"""Validators that know Chinese contact data."""

from __future__ import annotations

import re

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
    raise ValueError(
        "not a mainland China phone number: expected an 11-digit mobile (1xx xxxx xxxx)"
        " or a landline with area code (0xx-xxxxxxxx)"
    )
