"""What intake takes as evidence: the bytes decide the type, not the name or the browser;
empty, too large, too many or anything else is refused with a code; names are cleaned."""

from __future__ import annotations

import pytest

from services.intake.domain.attachments import (
    ALLOWED_TYPES,
    MAX_BYTES,
    MAX_PER_COMPLAINT,
    checked_type,
    clean_filename,
    evidence_kind,
    sniff,
)
from shared.errors import InvalidValueError
from shared.vocab import EvidenceKind

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 64
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n" + b"\x00" * 64
WAV = b"RIFF\x24\x00\x00\x00WAVEfmt " + b"\x00" * 64
M4A = b"\x00\x00\x00\x20ftypM4A \x00\x00\x00\x00" + b"\x00" * 64


@pytest.mark.parametrize(
    ("data", "kind"),
    [(JPEG, "image/jpeg"), (PNG, "image/png"), (PDF, "application/pdf"), (WAV, "audio/wav"),
     (M4A, "audio/mp4"), (b"ID3\x04\x00" + b"\x00" * 64, "audio/mpeg"),
     (b"RIFF\x00\x00\x00\x00WEBPVP8 " + b"\x00" * 64, "image/webp"),
     (b"\xff\xfb\x90\x64" + b"\x00" * 64, "audio/mpeg"),  # no ID3 tag
     (b"\x00\x00\x00\x18ftypmif1" + b"\x00" * 64, "image/heic"),
     (b"\x00\x00\x00\x18ftypheic" + b"\x00" * 64, "image/heic"),
     (b"\x00\x00\x00\x18ftypisom" + b"\x00" * 64, "video/mp4")],
)  # fmt: skip
def test_the_bytes_say_what_a_file_is(data: bytes, kind: str) -> None:
    assert sniff(data) == kind
    assert checked_type(data, attached_already=0) == kind


@pytest.mark.parametrize(
    ("data", "already", "code"),
    [
        (b"", 0, "attachment_empty"),
        (b"MZ\x90\x00" + b"\x00" * 64, 0, "attachment_type"),  # a Windows program
        (b"<html><script>alert(1)</script>", 0, "attachment_type"),
        (b"RIFF\x00\x00\x00\x00AVI LIST", 0, "attachment_type"),  # RIFF, but a video
        (JPEG + b"\x00" * MAX_BYTES, 0, "attachment_too_large"),
        (JPEG, MAX_PER_COMPLAINT, "attachment_limit"),
    ],
)
def test_what_is_not_taken_says_why(data: bytes, already: int, code: str) -> None:
    with pytest.raises(InvalidValueError) as refused:
        checked_type(data, attached_already=already)
    assert refused.value.code == code


@pytest.mark.parametrize(
    ("name", "kind", "cleaned"),
    [
        ("划痕.jpg", "image/jpeg", "划痕.jpg"),
        ("../../etc/passwd", "application/pdf", "passwd.pdf"),
        ("C:\\Users\\王\\发票.PDF", "application/pdf", "发票.pdf"),
        ("invoice.exe", "image/png", "invoice.png"),  # the extension the bytes have
        ('bad"name<>|\x00.jpg', "image/jpeg", "bad_name.jpg"),
        ("", "audio/mpeg", "attachment.mp3"),
        ("gpj.\u202eexe.jpg", "image/jpeg", "gpj.exe.jpg"),  # no right-to-left trick
        (None, "image/png", "attachment.png"),
        ("a" * 300 + ".jpg", "image/jpeg", "a" * 116 + ".jpg"),
    ],
)
def test_names_are_cleaned_and_carry_the_real_extension(
    name: str | None, kind: str, cleaned: str
) -> None:
    assert clean_filename(name, kind) == cleaned


@pytest.mark.parametrize(
    ("method", "path", "upload"),
    [
        ("POST", "/complaints/c-1/attachments", True),
        ("POST", "/intake/ui/complaints/c-1/attachments/upload", True),
        ("GET", "/complaints/c-1/attachments", False),
        ("POST", "/ui/complaints/c-1/attachments", False),  # the list page takes a grant only
        ("POST", "/resolution/ui/cases/c-1/attachments", False),
        ("POST", "/complaints/c-1/attachments/list", False),
    ],
)
def test_only_the_two_upload_routes_take_large_bodies(method: str, path: str, upload: bool) -> None:
    from shared.web.limits import _UPLOADS

    assert (method == "POST" and _UPLOADS.search(path) is not None) is upload


def test_every_kept_type_is_counted_as_a_kind_of_evidence() -> None:
    kinds = {content_type: evidence_kind(content_type) for content_type in ALLOWED_TYPES}
    assert kinds["image/heic"] is kinds["image/png"] is EvidenceKind.PHOTO
    assert kinds["application/pdf"] is EvidenceKind.DOCUMENT
    assert kinds["audio/mpeg"] is kinds["audio/mp4"] is EvidenceKind.RECORDING
    assert kinds["video/mp4"] is EvidenceKind.VIDEO
