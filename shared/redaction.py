"""Personal numbers written into free text, masked before the text travels.

Customers write their phone, ID card number or email into the complaint itself ("联系电话：
138 1122 3344"). The structured fields are encrypted and masked; the same numbers in the
words must not reach events, other services' stores or pages in clear. Masks keep the same
shape as the structured ones (``138****3344``), so a reader still sees that a number was
given. Full-width digits count as digits (NFKC is what people type on Chinese keyboards).
"""

from __future__ import annotations

import re
import unicodedata

_D = "[0-9\uff10-\uff19]"
_SEP = "[ \\-\u3000\uff0d]?"
_MOBILE = rf"(?:(?:\+|\uff0b)?86{_SEP})?[1\uff11][3-9\uff13-\uff19]{_D}(?:{_SEP}{_D}{{4}}){{2}}"
_LANDLINE = rf"[0\uff10]{_D}{{2,3}}{_SEP}{_D}{{7,8}}"
_ID_NUMBER = rf"{_D}{{17}}[0-9\uff10-\uff19xX\uff38\uff58]|{_D}{{15}}"
_EMAIL = r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}"
_PATTERN = re.compile(
    rf"(?<![0-9\uff10-\uff19A-Za-z])(?P<id>{_ID_NUMBER})(?![0-9\uff10-\uff19A-Za-z])"
    rf"|(?<![0-9\uff10-\uff19])(?P<phone>{_MOBILE}|{_LANDLINE})(?![0-9\uff10-\uff19])"
    rf"|(?P<email>{_EMAIL})"
)


def _digits(text: str) -> str:
    return "".join(ch for ch in unicodedata.normalize("NFKC", text) if ch.isalnum())


def _mask(match: re.Match[str]) -> str:
    if match.group("email"):
        local, _, domain = match.group("email").partition("@")
        return f"{local[:1]}***@{domain}"
    value = _digits(match.group(0))
    if match.group("id"):
        return f"{value[:4]}{'*' * (len(value) - 8)}{value[-4:]}"
    value = value.removeprefix("86") if len(value) > 11 else value
    return f"{value[:3]}****{value[-4:]}"


def redact(text: str) -> str:
    """``text`` with every phone number, ID card number and email address masked."""
    return _PATTERN.sub(_mask, text)


def has_personal_numbers(text: str) -> bool:
    return _PATTERN.search(text) is not None
