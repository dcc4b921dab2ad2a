"""Complaints sent to the dealership's mailbox, as raw RFC 5322 messages.

Chinese mail still arrives in GB2312/GBK, often mislabelled, so charsets are decoded leniently.
"""

from __future__ import annotations

import email
import email.policy
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from email.errors import HeaderParseError, MessageError
from email.header import decode_header
from email.message import EmailMessage, MIMEPart
from email.utils import getaddresses, parsedate_to_datetime
from html.parser import HTMLParser

from pydantic import Field, field_validator

from services.intake.domain.channels._common import ChannelPayload, clip, language_from_tag
from services.intake.domain.record import CustomerIn, RecordDraft
from services.intake.domain.validators import normalize_email, normalize_phone
from shared.vocab import Channel, Language

MAX_CONTENT = 5000
MAX_NAME = 50
MAX_ID = 200
MAX_RAW = 2_000_000

# GB2312 labels routinely carry GBK characters; GB18030 decodes all of them.
_CHARSET_ALIASES = {
    "gb2312": "gb18030",
    "gb_2312-80": "gb18030",
    "euc-cn": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "cp936": "gb18030",
    "ks_c_5601-1987": "cp949",
}


class EmailPayload(ChannelPayload):
    """The message as the mail gateway delivers it: its raw source."""

    raw: str = Field(max_length=MAX_RAW, description="The RFC 5322 message source.")

    @field_validator("raw")
    @classmethod
    def _readable(cls, value: str) -> str:
        try:
            parse_email(value)  # ValueError with the reason, reported at loc ("raw",)
        except MessageError as exc:
            raise ValueError(f"not a readable email message: {exc}") from exc
        return value


@dataclass(frozen=True)
class ParsedEmail:
    name: str
    address: str
    content: str
    phone: str | None
    message_id: str | None
    sent_at: datetime | None
    language: Language | None


def decode_bytes(data: bytes, charset: str | None) -> str:
    """Bytes in the declared charset; when that is wrong or unknown, UTF-8, then GB18030."""
    declared = (charset or "utf-8").strip().strip('"').lower()
    for candidate in (_CHARSET_ALIASES.get(declared, declared), "utf-8", "gb18030"):
        try:
            return data.decode(candidate)
        except (LookupError, UnicodeDecodeError):
            continue
    return data.decode("utf-8", errors="replace")


def decode_words(value: str) -> str:
    """A header value with its RFC 2047 encoded-words decoded."""
    try:
        words = decode_header(value)
    except HeaderParseError:  # a broken encoded-word: keep the header as written
        return " ".join(value.split())
    pieces: list[str] = []
    for chunk, charset in words:
        if isinstance(chunk, str):
            pieces.append(chunk)
        elif charset is None:
            pieces.append(chunk.decode("raw-unicode-escape"))
        else:
            pieces.append(decode_bytes(chunk, charset))
    return " ".join("".join(pieces).split())


def raw_header(message: EmailMessage, name: str) -> str | None:
    """The header as written, so its encoded-words are decoded by us, not the policy."""
    for key, value in message.raw_items():
        if key.lower() == name.lower():
            return str(value)
    return None


def part_text(part: MIMEPart) -> str:
    payload = part.get_payload()
    if not isinstance(payload, str):
        return ""
    encoding = str(part.get("Content-Transfer-Encoding", "7bit")).strip().lower()
    if encoding in {"7bit", "8bit", "binary"} and not payload.isascii():
        return payload  # already text: whoever gave us the source decoded it
    data = part.get_payload(decode=True)
    if not isinstance(data, bytes):
        return ""
    return decode_bytes(data, part.get_content_charset())


class _TextOfHtml(HTMLParser):
    """The visible text of an HTML body, quoted (blockquote) parts left out."""

    _SKIP = frozenset({"script", "style", "head", "title", "blockquote"})
    _BLOCK = frozenset({"p", "div", "br", "li", "tr", "table", "h1", "h2", "h3", "h4", "hr"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.chunks: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._SKIP:
            self._skipping += 1
        elif tag in self._BLOCK:
            self.chunks.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._SKIP:
            self._skipping = max(0, self._skipping - 1)
        elif tag in self._BLOCK:
            self.chunks.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.chunks.append(data)


def html_to_text(html: str) -> str:
    parser = _TextOfHtml()
    parser.feed(html)
    parser.close()
    lines = (" ".join(line.split()) for line in "".join(parser.chunks).splitlines())
    return "\n".join(line for line in lines if line)


def body_text(message: EmailMessage) -> str:
    """The text/plain body, else the text of the HTML body."""
    plain = message.get_body(preferencelist=("plain",))
    if isinstance(plain, MIMEPart):
        text = part_text(plain)
        if text.strip():
            return text.replace("\r\n", "\n").replace("\r", "\n")
    html = message.get_body(preferencelist=("html",))
    if isinstance(html, MIMEPart):
        return html_to_text(part_text(html))
    return ""


_REPLY_HEADER = re.compile(
    r"^\s*(?:On\s.{1,200}\swrote:"
    r"|在\s?.{1,200}写道[:：]"
    r"|-{2,}\s*(?:Original Message|Forwarded message)\s*-{2,}"
    r"|-{2,}\s*(?:原始邮件|邮件原件|转发邮件)\s*-{2,}"
    r"|_{20,})\s*$",
    re.IGNORECASE,
)
_SENT_FROM = re.compile(
    r"^\s*(?:发自我的|来自我的|Sent from my\s|Get Outlook for\s)", re.IGNORECASE
)
_SIGNATURE = re.compile(r"^--\s?$")
_MOBILE = re.compile(r"(?<![\d+])(?:(?:\+|00)?86[\s-]?)?(1[3-9]\d)[\s-]?(\d{4})[\s-]?(\d{4})(?!\d)")


def own_lines(body: str) -> list[str]:
    """The sender's own lines: quoted (``>``) lines and everything after a reply header dropped."""
    lines: list[str] = []
    for line in body.splitlines():
        if _REPLY_HEADER.match(line):
            break
        if not line.lstrip().startswith(">"):
            lines.append(line.rstrip())
    return lines


def without_signature(lines: list[str]) -> str:
    kept: list[str] = []
    for line in lines:
        if _SIGNATURE.match(line) or _SENT_FROM.match(line):
            break
        kept.append(line)
    return "\n".join(kept).strip()


def find_mobile(text: str) -> str | None:
    for match in _MOBILE.finditer(text):
        try:
            return normalize_phone("".join(match.groups()))
        except ValueError:
            continue
    return None


_SUBJECT_PREFIX = re.compile(r"^\s*(?:re|fw|fwd|aw|回复|答复|转发)\s*[:：]\s*", re.IGNORECASE)


def clean_subject(subject: str) -> str:
    previous = None
    while previous != subject:
        previous, subject = subject, _SUBJECT_PREFIX.sub("", subject)
    return subject.strip()


def sender(message: EmailMessage) -> tuple[str, str]:
    """Display name (decoded; the mailbox name when there is none) and address of From."""
    raw_from = raw_header(message, "From")
    if not raw_from:
        raise ValueError("the message has no From header: there is no one to answer")
    addresses = [(n, a) for n, a in getaddresses([raw_from]) if "@" in a]
    if not addresses:
        raise ValueError("the From header has no email address")
    display, address = addresses[0]
    try:
        address = normalize_email(address)
    except ValueError as exc:
        raise ValueError(f"the From address {address!r} is not an email address") from exc
    name = clip(decode_words(display).strip("\"' "), MAX_NAME) or address.split("@")[0][:MAX_NAME]
    return name, address


def sent_at(message: EmailMessage) -> datetime | None:
    """The Date header; a date without zone (``-0000``) is taken as UTC; none or garbled → None."""
    value = raw_header(message, "Date")
    if not value:
        return None
    try:
        when = parsedate_to_datetime(value.strip())
    except (TypeError, ValueError, IndexError):
        return None
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)


def parse_email(raw: str) -> ParsedEmail:
    """Everything the record needs from a raw message; ValueError when it cannot be registered."""
    message = email.message_from_string(raw, policy=email.policy.default)
    if not isinstance(message, EmailMessage):  # pragma: no cover - policy.default guarantees it
        raise ValueError("not an email message")
    name, address = sender(message)
    lines = own_lines(body_text(message))
    body = without_signature(lines)
    if len(body) < 2:
        raise ValueError("the message has no body text of its own: nothing to register")
    subject = clean_subject(decode_words(raw_header(message, "Subject") or ""))
    content = clip(f"{subject}\n{body}" if subject else body, MAX_CONTENT)
    message_id = clip("".join((raw_header(message, "Message-ID") or "").split()), MAX_ID) or None
    return ParsedEmail(
        name=name,
        address=address,
        content=content,
        phone=find_mobile("\n".join(lines)),
        message_id=message_id,
        sent_at=sent_at(message),
        language=language_from_tag(raw_header(message, "Content-Language")),
    )


def to_draft(payload: EmailPayload) -> RecordDraft:
    parsed = parse_email(payload.raw)
    return RecordDraft(
        channel=Channel.EMAIL,
        customer=CustomerIn(name=parsed.name, email=parsed.address, phone=parsed.phone),
        content=parsed.content,
        language=parsed.language,
        received_at=parsed.sent_at,
        external_id=parsed.message_id,
    )
