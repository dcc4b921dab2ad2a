"""Evidence attached to a complaint: the photo of the scratch, the invoice, the recording of
the call — what an investigator needs beside the customer's words.

A file is taken only when its bytes are what they claim (a "photo" that is really a
program is refused), it is small enough to keep and to open on a phone, and the complaint
has room for it. Its name is cleaned of paths and control characters; the bytes are kept
encrypted, like the customer's phone, and go with the rest at an erasure.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime

from pydantic import BaseModel, ConfigDict

from shared.errors import InvalidValueError
from shared.vocab import EvidenceKind

MAX_BYTES = 10 * 1024 * 1024
"""10 MiB: a phone photo, a scanned invoice, a short clip."""
MAX_PER_COMPLAINT = 20
MAX_NAME = 120

_SIGNATURES: dict[str, tuple[tuple[int, bytes], ...]] = {
    "image/jpeg": ((0, b"\xff\xd8\xff"),),
    "image/png": ((0, b"\x89PNG\r\n\x1a\n"),),
    "image/webp": ((0, b"RIFF"), (8, b"WEBP")),
    "image/heic": ((4, b"ftypheic"),),
    "application/pdf": ((0, b"%PDF-"),),
    "audio/mpeg": ((0, b"ID3"),),
    "audio/wav": ((0, b"RIFF"), (8, b"WAVE")),
    "audio/mp4": ((4, b"ftypM4A"),),
    "video/mp4": ((4, b"ftyp"),),  # a dashcam or phone clip (isom, mp42, ...): checked last
}
"""What each kept type starts with (every part at its offset)."""
ALLOWED_TYPES = tuple(_SIGNATURES)
_EXTENSIONS = {
    "image/jpeg": ".jpg",
    "image/png": ".png",
    "image/webp": ".webp",
    "image/heic": ".heic",
    "application/pdf": ".pdf",
    "audio/mpeg": ".mp3",
    "audio/wav": ".wav",
    "audio/mp4": ".m4a",
    "video/mp4": ".mp4",
}
_MP3_FRAME = (b"\xff\xfb", b"\xff\xf3", b"\xff\xf2")
"""An MP3 without an ID3 tag starts with a frame header."""
_HEIF_BRANDS = (b"heic", b"heix", b"mif1", b"msf1")


class AttachmentInfo(BaseModel):
    """One attached file, without its bytes."""

    model_config = ConfigDict(frozen=True)

    id: str
    complaint_id: str
    filename: str
    content_type: str
    size: int
    sha256: str
    uploaded_by: str
    uploaded_role: str
    uploaded_at: datetime


def sniff(data: bytes) -> str | None:
    """The kept type the bytes are, by their signature; None for anything else."""
    if data[4:8] == b"ftyp" and data[8:12] in _HEIF_BRANDS:
        return "image/heic"
    if data[:2] in _MP3_FRAME:
        return "audio/mpeg"
    for content_type, parts in _SIGNATURES.items():
        if all(data[offset : offset + len(magic)] == magic for offset, magic in parts):
            return content_type
    return None


def evidence_kind(content_type: str) -> EvidenceKind:
    """How the case page counts a kept type: photos, documents, recordings, videos."""
    major = content_type.split("/", 1)[0]
    return {
        "image": EvidenceKind.PHOTO,
        "audio": EvidenceKind.RECORDING,
        "video": EvidenceKind.VIDEO,
    }.get(major, EvidenceKind.DOCUMENT)


def checked_type(data: bytes, *, attached_already: int) -> str:
    """The file's content type, or why it is not taken (``InvalidValueError``)."""
    if attached_already >= MAX_PER_COMPLAINT:
        raise InvalidValueError(
            "attachment_limit",
            f"a complaint keeps at most {MAX_PER_COMPLAINT} files",
            max_files=str(MAX_PER_COMPLAINT),
        )
    if not data:
        raise InvalidValueError("attachment_empty", "the file is empty")
    if len(data) > MAX_BYTES:
        raise InvalidValueError(
            "attachment_too_large",
            f"the file is larger than {MAX_BYTES // (1024 * 1024)} MiB",
            max_mib=str(MAX_BYTES // (1024 * 1024)),
        )
    found = sniff(data)
    if found is None:
        raise InvalidValueError(
            "attachment_type",
            "only photos (JPEG, PNG, WebP, HEIC), PDF documents, recordings (MP3, WAV, M4A) and"
            " MP4 clips are kept",
        )
    return found


_UNSAFE = re.compile(r"[\x00-\x1f\x7f/\\:*?\"<>|]+")


def clean_filename(name: str | None, content_type: str) -> str:
    """The name to show and to save as: no folders, no control or reserved characters, not
    too long, and the extension the content really has."""
    base = unicodedata.normalize("NFC", (name or "").replace("\\", "/").rsplit("/", 1)[-1])
    base = "".join(c for c in base if unicodedata.category(c) not in ("Cc", "Cf"))  # no U+202E
    stem = _UNSAFE.sub("_", base.rsplit(".", 1)[0] if "." in base else base).strip(" ._")
    extension = _EXTENSIONS[content_type]
    return (stem or "attachment")[: MAX_NAME - len(extension)] + extension
