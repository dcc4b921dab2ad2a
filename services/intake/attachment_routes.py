"""Attachments over HTTP. Who may see a complaint's files is who may contact its customer
(the case's owner, its head, the front desk, the general manager): resolution decides and
issues a grant for ``attachments``, as for the phone; intake only checks it."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, File, Form, Request, Response, UploadFile

from services.intake.attachments import Attachments
from services.intake.domain.attachments import MAX_BYTES, AttachmentInfo
from services.intake.routes import CONTACT_ROLES, ContactRequest, check_grant
from shared.auth import Principal, require_roles

router = APIRouter(tags=["attachments"])

Holder = Annotated[Principal, Depends(require_roles(*CONTACT_ROLES))]


def get_attachments(request: Request) -> Attachments:
    attachments: Attachments = request.app.state.attachments
    return attachments


Kept = Annotated[Attachments, Depends(get_attachments)]


def _check_grant(request: Request, grant: str, principal: Principal, complaint_id: str) -> None:
    check_grant(request, grant, principal, complaint_id, "attachments")


@router.post(
    "/complaints/{complaint_id}/attachments",
    status_code=201,
    summary="Attach a photo, a PDF or a recording (multipart: grant, file)",
    responses={
        403: {"description": "no valid grant for this complaint's attachments"},
        409: {"description": "the customer's personal data was erased"},
        422: {"description": "not a kept type, empty, too large, or too many files"},
    },
)
async def attach(
    complaint_id: str,
    request: Request,
    attachments: Kept,
    principal: Holder,
    grant: Annotated[str, Form(min_length=1, max_length=4096)],
    file: Annotated[UploadFile, File(description=f"At most {MAX_BYTES // 2**20} MiB.")],
) -> AttachmentInfo:
    _check_grant(request, grant, principal, complaint_id)
    data = await file.read(MAX_BYTES + 1)  # one byte more tells a file that is too large
    return await attachments.attach(
        complaint_id,
        filename=file.filename,
        data=data,
        user=principal.user,
        role=principal.role.value,
    )


@router.post(
    "/complaints/{complaint_id}/attachments/list",
    summary="The complaint's attachments (with a grant for them)",
)
async def list_attachments(
    complaint_id: str,
    body: ContactRequest,
    request: Request,
    response: Response,
    attachments: Kept,
    principal: Holder,
) -> list[AttachmentInfo]:
    _check_grant(request, body.grant, principal, complaint_id)
    response.headers["Cache-Control"] = "no-store"
    return await attachments.of(complaint_id)


@router.post(
    "/complaints/{complaint_id}/attachments/{attachment_id}",
    summary="One attachment's file (with a grant for them)",
    response_class=Response,
    responses={200: {"content": {"application/octet-stream": {}}}},
)
async def download(
    complaint_id: str,
    attachment_id: str,
    body: ContactRequest,
    request: Request,
    attachments: Kept,
    principal: Holder,
) -> Response:
    _check_grant(request, body.grant, principal, complaint_id)
    info, data = await attachments.content(complaint_id, attachment_id)
    return file_response(info, data)


def file_response(info: AttachmentInfo, data: bytes) -> Response:
    """The file as a download of its checked type: never rendered in the page's origin,
    never cached."""
    return Response(
        data,
        media_type=info.content_type,
        headers={
            "Content-Disposition": (
                f'attachment; filename="attachment{_extension(info.filename)}";'
                f" filename*=UTF-8''{quote(info.filename)}"
            ),
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "no-store",
        },
    )


def _extension(filename: str) -> str:
    """The cleaned name's extension (always ASCII: ``clean_filename`` set it), for the
    header's plain ``filename`` that older clients read."""
    return "." + filename.rsplit(".", 1)[-1] if "." in filename else ""
