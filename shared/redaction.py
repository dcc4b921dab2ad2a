"""Personal numbers written into free text, masked before the text travels.

Customers write their phone, ID card number or email into the complaint itself ("联系电话：
138 1122 3344"). The structured fields are encrypted and masked; the same numbers in the
words must not reach events, other services' stores or pages in clear. Masks keep the same
shape as the structured ones (``138****3344``), so a reader still sees that a number was
given.

What is masked is what is unmistakably personal: a reference number that merely looks like
one (an 18-digit order number, a policy number starting with 0, the digits at the end of a
VIN) must survive, since the masked text is all most readers get. So an ID number needs a
plausible birth date, a landline a separator after its area code or a word like 电话 before
it, and no number is taken out of a longer run of letters and digits.
"""

from __future__ import annotations

import re

_ASCII = str.maketrans(
    "０１２３４５６７８９＋－（）．　ｘＸ",
    "0123456789+-(). xX",
)
"""Full-width forms as typed on Chinese keyboards, one character for one, so positions in
the translated copy are positions in the original."""

_NOT_AFTER_WORD = r"(?<![A-Za-z0-9])"
_NO_DIGIT_NEXT = r"(?![0-9])"
_MOBILE = r"(?:(?:\+|00)86[ -]?)?1[3-9][0-9](?:[ .-]?[0-9]{4}){2}"
_LANDLINE = r"(?:\(0[0-9]{2,3}\) ?|0[0-9]{2,3}[ -])[0-9]{3,4}[ -]?[0-9]{4}"
_ID_NUMBER = (
    r"[0-9]{6}(?:18|19|20)[0-9]{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01])[0-9]{3}[0-9xX]"
)
_EMAIL = r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}"
_PATTERN = re.compile(
    rf"{_NOT_AFTER_WORD}(?P<id>{_ID_NUMBER})(?![A-Za-z0-9])"
    rf"|{_NOT_AFTER_WORD}(?P<phone>{_MOBILE}|{_LANDLINE}){_NO_DIGIT_NEXT}"
    rf"|(?P<email>{_EMAIL})"
)
_CUED_LANDLINE = re.compile(
    r"(?:电话|座机|固话|手机|号码|联系方式|tel|phone)[:：\s]{0,3}"
    rf"{_NOT_AFTER_WORD}(?P<phone>0[0-9]{{9,11}}){_NO_DIGIT_NEXT}",
    re.IGNORECASE,
)
"""A landline written without separators is told from an order number only by its cue."""


def _mask(kind: str, value: str) -> str:
    if kind == "email":
        local, _, domain = value.partition("@")
        return f"{local[:1]}***@{domain}"
    digits = "".join(ch for ch in value if ch.isdigit() or ch in "xX")
    if kind == "id":
        return f"{digits[:4]}{'*' * (len(digits) - 8)}{digits[-4:]}"
    for prefix in ("0086", "86"):
        if len(digits) > 11 and digits.startswith(prefix) and digits[len(prefix)] == "1":
            digits = digits[len(prefix) :]
    return f"{digits[:3]}****{digits[-4:]}"


def _spans(text: str) -> list[tuple[int, int, str]]:
    """(start, end, mask) of every personal number, found on the half-width copy."""
    plain = text.translate(_ASCII)
    found: list[tuple[int, int, str]] = []
    for match in _PATTERN.finditer(plain):
        kind = match.lastgroup or "phone"
        found.append((match.start(), match.end(), _mask(kind, match.group(0))))
    for match in _CUED_LANDLINE.finditer(plain):
        start, end = match.span("phone")
        if not any(s < end and start < e for s, e, _ in found):
            found.append((start, end, _mask("phone", match.group("phone"))))
    return sorted(found)


def redact(text: str) -> str:
    """``text`` with every phone number, ID card number and email address masked."""
    parts, last = [], 0
    for start, end, mask in _spans(text):
        parts += [text[last:start], mask]
        last = end
    return "".join([*parts, text[last:]])


def has_personal_numbers(text: str) -> bool:
    return bool(_spans(text))
