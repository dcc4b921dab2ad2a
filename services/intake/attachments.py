"""Attaching evidence to a complaint, and reading it back (``domain.attachments``)."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Awaitable, Callable
from functools import partial
from typing import TypeVar
from uuid import uuid4

import structlog

from services.intake.domain.attachments import (
    AttachmentInfo,
    checked_type,
    clean_filename,
    evidence_kind,
)
from services.intake.store import IntakeStore
from shared.clock import Clock
from shared.contracts.envelope import Actor, EventEnvelope, new_event
from shared.contracts.intake import COMPLAINT_ATTACHMENT_ADDED, ComplaintAttachmentAdded
from shared.crypto import FieldCipher
from shared.errors import (
    ConflictError,
    FieldValueError,
    InvalidValueError,
    NotFoundError,
    TransientStoreError,
)

_ATTEMPTS = 3
_T = TypeVar("_T")
log = structlog.get_logger(__name__)


SERVICE = "intake"


class Attachments:
    def __init__(
        self,
        *,
        store: IntakeStore,
        clock: Clock,
        cipher: FieldCipher,
        on_commit: Callable[[], None] = lambda: None,
    ) -> None:
        self._store = store
        self._clock = clock
        self._cipher = cipher
        self._on_commit = on_commit

    async def attach(
        self, complaint_id: str, *, filename: str | None, data: bytes, user: str, role: str
    ) -> AttachmentInfo:
        """Keep the file with the complaint, encrypted, and announce it to the case in the same
        write; 404 for no complaint, 409 once its customer was erased, 422 on ``body.file``
        for a file it does not take."""
        info = await _retried(lambda: self._attach_once(complaint_id, filename, data, user, role))
        self._on_commit()
        return info

    async def _attach_once(
        self, complaint_id: str, filename: str | None, data: bytes, user: str, role: str
    ) -> AttachmentInfo:
        async with self._store.unit_of_work() as uow:
            stored = await uow.get_complaint(complaint_id)
            if stored is None:
                raise NotFoundError(f"no complaint {complaint_id}")
            if stored.erased_at is not None:
                raise ConflictError(
                    f"the personal data of {stored.ticket_no} was erased",
                    code="personal_data_erased",
                )
            try:
                content_type = checked_type(
                    data, attached_already=await uow.reserve_attachment(complaint_id)
                )
            except InvalidValueError as exc:
                raise FieldValueError(("body", "file"), exc) from exc
            info = AttachmentInfo(
                id=str(uuid4()),
                complaint_id=complaint_id,
                filename=clean_filename(filename, content_type),
                content_type=content_type,
                size=len(data),
                sha256=hashlib.sha256(data).hexdigest(),
                uploaded_by=user,
                uploaded_role=role,
                uploaded_at=self._clock.now(),
            )
            await uow.add_attachment(info, self._cipher.encrypt_bytes(data))
            await uow.add_events([_added_event(info, stored.ticket_no)])
        return info

    async def announce_backlog(self, page: int = 200) -> int:
        """Announce the files kept before intake announced them (once, at start), so their
        cases count them too; how many. A file of a complaint gone or erased meanwhile is
        only marked. A convenience for the case page: trouble here is logged and intake
        starts all the same (the next start tries again)."""
        announced = 0
        try:
            while backlog := await self._store.unannounced_attachments(page):
                for info in backlog:
                    announced += await _retried(partial(self._announce_once, info))
        except Exception as exc:  # never keep intake from starting
            log.warning("older attachments not announced", error=str(exc), announced=announced)
        if announced:
            self._on_commit()
        return announced

    async def _announce_once(self, info: AttachmentInfo) -> int:
        async with self._store.unit_of_work() as uow:
            if not await uow.mark_attachment_announced(info.id):
                return 0  # another instance did, meanwhile
            stored = await uow.get_complaint(info.complaint_id)
            if stored is None or stored.erased_at is not None:
                return 0
            await uow.add_events([_added_event(info, stored.ticket_no)])
            return 1

    async def of(self, complaint_id: str) -> list[AttachmentInfo]:
        if await self._store.get_complaint(complaint_id) is None:
            raise NotFoundError(f"no complaint {complaint_id}")
        return await self._store.attachments_of(complaint_id)

    async def content(self, complaint_id: str, attachment_id: str) -> tuple[AttachmentInfo, bytes]:
        found = await self._store.attachment(complaint_id, attachment_id)
        if found is None:
            raise NotFoundError(f"no attachment {attachment_id} on complaint {complaint_id}")
        info, sealed = found
        return info, self._cipher.decrypt_bytes(sealed)


async def _retried(action: Callable[[], Awaitable[_T]]) -> _T:
    """Tried again on a write conflict: an erasure, another upload or another instance at the
    same moment."""
    for attempt in range(_ATTEMPTS):
        try:
            return await action()
        except TransientStoreError:
            if attempt == _ATTEMPTS - 1:
                raise
            await asyncio.sleep(0.01 * 2**attempt)
    raise AssertionError("unreachable")  # pragma: no cover


def _added_event(info: AttachmentInfo, ticket_no: str) -> EventEnvelope:
    return new_event(
        payload=ComplaintAttachmentAdded(
            complaint_id=info.complaint_id,
            ticket_no=ticket_no,
            attachment_id=info.id,
            kind=evidence_kind(info.content_type),
            content_type=info.content_type,
            size=info.size,
            added_at=info.uploaded_at,
            added_by=info.uploaded_by,
            added_role=info.uploaded_role,
        ),
        event_type=COMPLAINT_ATTACHMENT_ADDED,
        complaint_id=info.complaint_id,
        actor=Actor(id=info.uploaded_by, role=info.uploaded_role),
        producer=SERVICE,
        occurred_at=info.uploaded_at,
    )
