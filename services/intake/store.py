"""Intake's store: the interface the service needs, and its SQLite and MongoDB adapters.

Personal data is stored encrypted, with keyed hashes for look-ups (see ``shared.crypto``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol

import aiosqlite
from pydantic import BaseModel, ConfigDict, Field
from pymongo import ASCENDING, DESCENDING, ReturnDocument

from services.intake import attachment_store as attachments
from services.intake import delivery_store as deliveries
from services.intake.domain.attachments import AttachmentInfo
from services.intake.domain.delivery import Delivery
from services.intake.domain.record import FollowUp, TargetIn, VehicleIn
from shared.contracts.envelope import EventEnvelope
from shared.settings import Settings
from shared.storage.base import OpenableStore
from shared.storage.mongo import MongoStore, MongoTx
from shared.storage.sqlite import SqliteStore, sortable_instant
from shared.vocab import Channel, Demand, ErasureReason, Language, Urgency


class StoredComplaint(BaseModel):
    """A complaint as persisted: phone, email and ID number only encrypted, hashed, masked."""

    model_config = ConfigDict(frozen=True)

    id: str
    ticket_no: str
    channel: Channel
    customer_name: str
    customer_id: str | None = None
    wechat_openid: str | None = None
    phone_encrypted: str | None = None
    phone_hash: str | None = None
    phone_masked: str | None = None
    email_encrypted: str | None = None
    email_hash: str | None = None
    email_masked: str | None = None
    id_number_encrypted: str | None = None
    id_number_masked: str | None = None
    vehicle: VehicleIn = VehicleIn()
    target: TargetIn | None = None
    content: str
    """The customer's words with personal numbers masked (``shared.redaction``)."""
    sealed_words: list[str] = Field(default_factory=list)
    """Encrypted, the customer's texts as written (complaint, demand note, follow-ups) where
    masking changed them: for whoever may contact the customer."""
    demands: list[Demand] = Field(default_factory=list)
    demand_note: str | None = None
    language: Language
    urgency: Urgency
    urgency_reasons: list[str] = Field(default_factory=list)
    repeat_complainant: bool = False
    received_at: datetime
    registered_at: datetime
    external_id: str | None = None
    references: dict[str, str] = Field(default_factory=dict)
    follow_ups: list[FollowUp] = Field(default_factory=list)
    open: bool = True
    closed_at: datetime | None = None
    """When resolution closed its case: the retention period runs from then."""
    case_changed_at: datetime | None = None
    """The time of the last case.closed or case.reopened applied: an older one, replayed
    from the dead-letter topic after a newer, changes nothing."""
    erased_at: datetime | None = None
    """When the customer's personal data was erased; only the handling record is left."""
    erasure_reason: ErasureReason | None = None
    erased_by: str | None = None
    erasure_version: int = 0
    """``domain.erasure.ERASURE_VERSION`` of the erasure (0: erased before versions were
    recorded)."""

    @property
    def retain_from(self) -> datetime | None:
        """Where the retention period starts: the closing, or the registration for one closed
        before closing times were kept; None while open or once erased."""
        if self.open or self.erased_at is not None:
            return None
        return self.closed_at or self.registered_at


class ContactView(BaseModel):
    """Someone saw a customer's full contact details: kept for data-protection audits."""

    model_config = ConfigDict(frozen=True)

    complaint_id: str
    user: str
    role: str
    at: datetime


@dataclass(frozen=True)
class CustomerKeys:
    """Ways to recognise the same customer (or car) across channels."""

    phone_hash: str | None = None
    email_hash: str | None = None
    wechat_openid: str | None = None
    vin: str | None = None

    def any(self) -> bool:
        return any((self.phone_hash, self.email_hash, self.wechat_openid, self.vin))

    def recognise(self, complaint: StoredComplaint) -> bool:
        """Whether ``complaint`` is this customer's (or this car's): what ``complaints_of``
        finds, one complaint at a time."""
        return any(
            bool(mine) and mine == theirs
            for mine, theirs in (
                (self.phone_hash, complaint.phone_hash),
                (self.email_hash, complaint.email_hash),
                (self.wechat_openid, complaint.wechat_openid),
                (self.vin, complaint.vehicle.vin),
            )
        )


@dataclass(frozen=True)
class SearchQuery:
    ticket_no: str | None = None
    phone_hash: str | None = None
    vin: str | None = None
    plate: str | None = None
    limit: int = 50


class IntakeUnitOfWork(Protocol):
    async def claim(self, consumer: str, event_id: str) -> bool:
        """Record an incoming event as applied; False if it already was."""
        ...

    async def get_complaint(self, complaint_id: str) -> StoredComplaint | None: ...

    async def next_ticket_sequence(self, day: date) -> int: ...

    async def find_message(self, keys: Sequence[str]) -> StoredComplaint | None:
        """The complaint an already-seen message key (channel message id, idempotency key) made."""
        ...

    async def remember_messages(self, keys: Sequence[str], complaint_id: str) -> None: ...

    async def rekey_message(self, old: str, new: str) -> None:
        """The message known by ``old`` is known by ``new`` instead; none: nothing to do."""
        ...

    async def complaints_of(self, keys: CustomerKeys, since: datetime) -> list[StoredComplaint]: ...

    async def add_complaint(self, complaint: StoredComplaint) -> None: ...

    async def replace_complaint(self, complaint: StoredComplaint) -> None: ...

    async def add_events(self, events: Sequence[EventEnvelope]) -> None: ...

    async def forget_published_events(self, complaint_id: str) -> None:
        """Delete the complaint's events already published (an erasure keeps no copy)."""
        ...

    async def add_contact_view(self, view: ContactView) -> None: ...

    async def add_delivery(self, delivery: Delivery) -> None:
        """A new delivery; one already there for its request stays as it is."""
        ...

    async def finish_delivery(self, held: Delivery, outcome: Delivery) -> bool:
        """Record an attempt's outcome if the delivery is still pending at ``held``'s
        attempt (nobody took it over meanwhile); whether it was."""
        ...

    async def erase_delivery_texts(self, complaint_id: str) -> None:
        """The texts sent to an erased customer go too (they name them); the outcomes stay."""
        ...

    async def add_attachment(self, info: AttachmentInfo, sealed: bytes) -> None:
        """A file attached to the complaint (its bytes already encrypted)."""
        ...

    async def reserve_attachment(self, complaint_id: str) -> int:
        """How many files the complaint has, holding the complaint against an erasure until
        this unit commits (on MongoDB a write to its document, so the two conflict and one
        is tried again; SQLite writes one unit at a time)."""
        ...

    async def erase_attachments(self, complaint_id: str) -> None:
        """An erased customer's files go, description and bytes."""
        ...

    async def mark_attachment_announced(self, attachment_id: str) -> bool:
        """A file kept before files were announced now is; False when it was already (or is
        gone)."""
        ...


class IntakeStore(OpenableStore, Protocol):
    def unit_of_work(self) -> AbstractAsyncContextManager[IntakeUnitOfWork]:
        """Everything done through it commits together, or not at all."""
        ...

    async def get_complaint(self, complaint_id: str) -> StoredComplaint | None: ...

    async def search(self, query: SearchQuery) -> list[StoredComplaint]: ...

    async def count_complaints(self) -> int: ...

    async def retained_before(self, cutoff: datetime, limit: int) -> list[StoredComplaint]:
        """Closed, not yet erased complaints whose retention started before ``cutoff``,
        oldest first."""
        ...

    async def erased_before_version(self, version: int, limit: int) -> list[StoredComplaint]:
        """Complaints erased by an erasure older than ``version``."""
        ...

    async def due_deliveries(self, now: datetime, limit: int) -> list[Delivery]:
        """Deliveries whose next attempt is due, the longest waiting first."""
        ...

    async def lease_delivery(self, before: Delivery, after: Delivery) -> bool:
        """Store ``after`` if the delivery is still as ``before`` left it; whether it was."""
        ...

    async def deliveries_of(self, complaint_id: str) -> list[Delivery]:
        """What the complaint's customer was sent (or was to be), oldest first."""
        ...

    async def delivery_started(self, now: datetime) -> datetime:
        """When this store first delivered messages (``now`` the first time it is asked)."""
        ...

    async def contact_views(self, complaint_id: str, limit: int = 100) -> list[ContactView]:
        """Newest first."""
        ...

    async def attachments_of(self, complaint_id: str) -> list[AttachmentInfo]:
        """The complaint's files, oldest first (without their bytes)."""
        ...

    async def attachment(
        self, complaint_id: str, attachment_id: str
    ) -> tuple[AttachmentInfo, bytes] | None:
        """One file of the complaint, with its encrypted bytes."""
        ...

    async def unannounced_attachments(self, limit: int) -> list[AttachmentInfo]:
        """Files kept before intake announced them on the bus, oldest first."""
        ...


# -- SQLite --------------------------------------------------------------------------

_LOOKUP_COLUMNS = (
    "phone_hash",
    "email_hash",
    "wechat_openid",
    "vin",
    "plate",
    "retain_from",
    "erasure_version",
)
"""The columns that change with the document (an erasure clears the look-ups)."""
_SQLITE_COLUMNS = ", ".join(("id", "ticket_no", "registered_at", *_LOOKUP_COLUMNS, "doc"))


def _lookups(complaint: StoredComplaint) -> tuple[Any, ...]:
    retain_from = complaint.retain_from
    return (
        complaint.phone_hash,
        complaint.email_hash,
        complaint.wechat_openid,
        complaint.vehicle.vin,
        complaint.vehicle.plate,
        sortable_instant(retain_from) if retain_from else None,
        complaint.erasure_version if complaint.erased_at is not None else None,
        complaint.model_dump_json(),
    )


def _sqlite_row(complaint: StoredComplaint) -> tuple[Any, ...]:
    return (
        complaint.id,
        complaint.ticket_no,
        complaint.registered_at.isoformat(),
        *_lookups(complaint),
    )


async def _sqlite_select(
    conn: aiosqlite.Connection, where: str, params: Sequence[Any], limit: int = 1000
) -> list[StoredComplaint]:
    cursor = await conn.execute(
        f"SELECT doc FROM complaints WHERE {where} ORDER BY registered_at DESC LIMIT ?",
        (*params, limit),
    )
    return [StoredComplaint.model_validate_json(row["doc"]) for row in await cursor.fetchall()]


def _customer_clause(keys: CustomerKeys) -> tuple[str, list[Any]]:
    clauses, params = [], []
    for column, value in (
        ("phone_hash", keys.phone_hash),
        ("email_hash", keys.email_hash),
        ("wechat_openid", keys.wechat_openid),
        ("vin", keys.vin),
    ):
        if value:
            clauses.append(f"{column} = ?")
            params.append(value)
    return "(" + " OR ".join(clauses) + ")", params


class _SqliteUnitOfWork:
    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn

    async def claim(self, consumer: str, event_id: str) -> bool:
        return await SqliteStore.claim_inbox(self._conn, consumer, event_id)

    async def get_complaint(self, complaint_id: str) -> StoredComplaint | None:
        found = await _sqlite_select(self._conn, "id = ?", [complaint_id], limit=1)
        return found[0] if found else None

    async def next_ticket_sequence(self, day: date) -> int:
        cursor = await self._conn.execute(
            "INSERT INTO ticket_counters (day, last) VALUES (?, 1)"
            " ON CONFLICT (day) DO UPDATE SET last = last + 1 RETURNING last",
            (day.isoformat(),),
        )
        row = await cursor.fetchone()
        assert row is not None
        return int(row[0])

    async def find_message(self, keys: Sequence[str]) -> StoredComplaint | None:
        if not keys:
            return None
        marks = ", ".join("?" for _ in keys)
        found = await _sqlite_select(
            self._conn,
            f"id IN (SELECT complaint_id FROM message_keys WHERE key IN ({marks}))",
            list(keys),
            limit=1,
        )
        return found[0] if found else None

    async def remember_messages(self, keys: Sequence[str], complaint_id: str) -> None:
        await self._conn.executemany(
            "INSERT INTO message_keys (key, complaint_id) VALUES (?, ?)",
            [(key, complaint_id) for key in keys],
        )

    async def rekey_message(self, old: str, new: str) -> None:
        await self._conn.execute(
            "INSERT OR IGNORE INTO message_keys (key, complaint_id)"
            " SELECT ?, complaint_id FROM message_keys WHERE key = ?",
            (new, old),
        )
        await self._conn.execute("DELETE FROM message_keys WHERE key = ?", (old,))

    async def complaints_of(self, keys: CustomerKeys, since: datetime) -> list[StoredComplaint]:
        if not keys.any():
            return []
        clause, params = _customer_clause(keys)
        return await _sqlite_select(
            self._conn, f"{clause} AND registered_at >= ?", [*params, since.isoformat()]
        )

    async def add_complaint(self, complaint: StoredComplaint) -> None:
        row = _sqlite_row(complaint)
        marks = ", ".join("?" for _ in row)
        await self._conn.execute(
            f"INSERT INTO complaints ({_SQLITE_COLUMNS}) VALUES ({marks})", row
        )

    async def replace_complaint(self, complaint: StoredComplaint) -> None:
        assignments = ", ".join(f"{column} = ?" for column in (*_LOOKUP_COLUMNS, "doc"))
        await self._conn.execute(
            f"UPDATE complaints SET {assignments} WHERE id = ?",
            (*_lookups(complaint), complaint.id),
        )

    async def add_events(self, events: Sequence[EventEnvelope]) -> None:
        await SqliteStore.add_outbox(self._conn, events)

    async def forget_published_events(self, complaint_id: str) -> None:
        await SqliteStore.forget_published(self._conn, complaint_id)

    async def add_contact_view(self, view: ContactView) -> None:
        await self._conn.execute(
            "INSERT INTO contact_views (complaint_id, at, user, role) VALUES (?, ?, ?, ?)",
            (view.complaint_id, view.at.isoformat(), view.user, view.role),
        )

    async def add_delivery(self, delivery: Delivery) -> None:
        await deliveries.sqlite_add(self._conn, delivery)

    async def finish_delivery(self, held: Delivery, outcome: Delivery) -> bool:
        return await deliveries.sqlite_swap(self._conn, held, outcome)

    async def erase_delivery_texts(self, complaint_id: str) -> None:
        await deliveries.sqlite_erase_texts(self._conn, complaint_id)

    async def add_attachment(self, info: AttachmentInfo, sealed: bytes) -> None:
        await attachments.sqlite_add(self._conn, info, sealed)

    async def reserve_attachment(self, complaint_id: str) -> int:
        return await attachments.sqlite_count(self._conn, complaint_id)

    async def erase_attachments(self, complaint_id: str) -> None:
        await attachments.sqlite_erase(self._conn, complaint_id)

    async def mark_attachment_announced(self, attachment_id: str) -> bool:
        return await attachments.sqlite_mark_announced(self._conn, attachment_id)


_RETENTION_VERSION = 1
"""The file's ``user_version`` once every closed complaint has its ``retain_from``."""
_ERASURE_VERSION_COLUMN = 2
"""The file's ``user_version`` once every erased complaint has its ``erasure_version``."""


class SqliteIntakeStore(SqliteStore):
    schema = (
        """
        CREATE TABLE IF NOT EXISTS complaints (
            id TEXT PRIMARY KEY,
            ticket_no TEXT NOT NULL UNIQUE,
            phone_hash TEXT,
            email_hash TEXT,
            wechat_openid TEXT,
            vin TEXT,
            plate TEXT,
            registered_at TEXT NOT NULL,
            retain_from TEXT,
            erasure_version INTEGER,
            doc TEXT NOT NULL
        )
        """,
        "CREATE INDEX IF NOT EXISTS complaints_phone ON complaints (phone_hash, registered_at)",
        "CREATE INDEX IF NOT EXISTS complaints_email ON complaints (email_hash, registered_at)",
        "CREATE INDEX IF NOT EXISTS complaints_openid ON complaints (wechat_openid, registered_at)",
        "CREATE INDEX IF NOT EXISTS complaints_vin ON complaints (vin, registered_at)",
        "CREATE INDEX IF NOT EXISTS complaints_plate ON complaints (plate, registered_at)",
        "CREATE TABLE IF NOT EXISTS ticket_counters (day TEXT PRIMARY KEY, last INTEGER NOT NULL)",
        """
        CREATE TABLE IF NOT EXISTS message_keys (
            key TEXT PRIMARY KEY,
            complaint_id TEXT NOT NULL REFERENCES complaints (id)
        )
        """,
        """
        CREATE TABLE IF NOT EXISTS contact_views (
            complaint_id TEXT NOT NULL REFERENCES complaints (id),
            at TEXT NOT NULL,
            user TEXT NOT NULL,
            role TEXT NOT NULL
        )
        """,
        "CREATE INDEX IF NOT EXISTS contact_views_by_complaint ON contact_views (complaint_id, at)",
        *deliveries.SQLITE_SCHEMA,
        *attachments.SQLITE_SCHEMA,
    )
    added_columns = (
        "ALTER TABLE complaints ADD COLUMN retain_from TEXT",
        "CREATE INDEX IF NOT EXISTS complaints_retention ON complaints (retain_from)"
        " WHERE retain_from IS NOT NULL",
        "ALTER TABLE complaints ADD COLUMN erasure_version INTEGER",
        "CREATE INDEX IF NOT EXISTS complaints_erasure ON complaints (erasure_version)"
        " WHERE erasure_version IS NOT NULL",
        *attachments.SQLITE_ADDED_COLUMNS,
    )

    async def open(self) -> None:
        await super().open()
        await self._start_retention_of_closed()
        await self._record_erasure_versions()

    async def _start_retention_of_closed(self) -> None:
        """Once per file: complaints closed before closings were recorded start their
        retention period from their registration (``StoredComplaint.retain_from``)."""
        cursor = await self.conn.execute("PRAGMA user_version")
        row = await cursor.fetchone()
        if row is not None and int(row[0]) >= _RETENTION_VERSION:
            return
        async with self.transaction() as conn:
            cursor = await conn.execute("SELECT doc FROM complaints WHERE retain_from IS NULL")
            for found in await cursor.fetchall():
                complaint = StoredComplaint.model_validate_json(found["doc"])
                if complaint.retain_from is not None:
                    await _SqliteUnitOfWork(conn).replace_complaint(complaint)
            await conn.execute(f"PRAGMA user_version = {_RETENTION_VERSION}")

    async def _record_erasure_versions(self) -> None:
        """Once per file: complaints erased before the column existed get it from their
        document (0 for erasures older than versions), so the older ones are found."""
        cursor = await self.conn.execute("PRAGMA user_version")
        row = await cursor.fetchone()
        if row is not None and int(row[0]) >= _ERASURE_VERSION_COLUMN:
            return
        async with self.transaction() as conn:
            await conn.execute(
                "UPDATE complaints SET erasure_version ="
                " COALESCE(json_extract(doc, '$.erasure_version'), 0)"
                " WHERE erasure_version IS NULL"
                " AND json_extract(doc, '$.erased_at') IS NOT NULL"
            )
            await conn.execute(f"PRAGMA user_version = {_ERASURE_VERSION_COLUMN}")

    @asynccontextmanager
    async def unit_of_work(self) -> AsyncIterator[IntakeUnitOfWork]:
        async with self.transaction() as conn:
            yield _SqliteUnitOfWork(conn)

    async def get_complaint(self, complaint_id: str) -> StoredComplaint | None:
        found = await _sqlite_select(self.conn, "id = ?", [complaint_id], limit=1)
        return found[0] if found else None

    async def search(self, query: SearchQuery) -> list[StoredComplaint]:
        clauses, params = [], []
        for column, value in (
            ("ticket_no", query.ticket_no),
            ("phone_hash", query.phone_hash),
            ("vin", query.vin),
            ("plate", query.plate),
        ):
            if value:
                clauses.append(f"{column} = ?")
                params.append(value)
        if not clauses:
            return []
        return await _sqlite_select(self.conn, " AND ".join(clauses), params, query.limit)

    async def count_complaints(self) -> int:
        cursor = await self.conn.execute("SELECT COUNT(*) FROM complaints")
        row = await cursor.fetchone()
        return int(row[0]) if row else 0

    async def retained_before(self, cutoff: datetime, limit: int) -> list[StoredComplaint]:
        cursor = await self.conn.execute(
            "SELECT doc FROM complaints WHERE retain_from IS NOT NULL AND retain_from < ?"
            " ORDER BY retain_from LIMIT ?",
            (sortable_instant(cutoff), limit),
        )
        return [StoredComplaint.model_validate_json(row["doc"]) for row in await cursor.fetchall()]

    async def erased_before_version(self, version: int, limit: int) -> list[StoredComplaint]:
        return await _sqlite_select(self.conn, "erasure_version < ?", [version], limit)

    async def due_deliveries(self, now: datetime, limit: int) -> list[Delivery]:
        return await deliveries.sqlite_due(self.conn, now, limit)

    async def lease_delivery(self, before: Delivery, after: Delivery) -> bool:
        async with self.transaction() as conn:
            return await deliveries.sqlite_swap(conn, before, after)

    async def deliveries_of(self, complaint_id: str) -> list[Delivery]:
        return await deliveries.sqlite_of(self.conn, complaint_id)

    async def delivery_started(self, now: datetime) -> datetime:
        async with self.transaction() as conn:
            return await deliveries.sqlite_started(conn, now)

    async def contact_views(self, complaint_id: str, limit: int = 100) -> list[ContactView]:
        cursor = await self.conn.execute(
            "SELECT complaint_id, at, user, role FROM contact_views WHERE complaint_id = ?"
            " ORDER BY at DESC, rowid DESC LIMIT ?",
            (complaint_id, limit),
        )
        return [ContactView.model_validate(dict(row)) for row in await cursor.fetchall()]

    async def attachments_of(self, complaint_id: str) -> list[AttachmentInfo]:
        return await attachments.sqlite_of(self.conn, complaint_id)

    async def attachment(
        self, complaint_id: str, attachment_id: str
    ) -> tuple[AttachmentInfo, bytes] | None:
        return await attachments.sqlite_content(self.conn, complaint_id, attachment_id)

    async def unannounced_attachments(self, limit: int) -> list[AttachmentInfo]:
        return await attachments.sqlite_unannounced(self.conn, limit)


# -- MongoDB -------------------------------------------------------------------------


def _to_doc(complaint: StoredComplaint) -> dict[str, Any]:
    doc = complaint.model_dump(mode="python")
    doc["_id"] = doc.pop("id")
    doc["retain_from"] = complaint.retain_from  # derived, stored to be found by an index
    return doc


def _from_doc(doc: dict[str, Any]) -> StoredComplaint:
    doc = dict(doc)
    doc["id"] = doc.pop("_id")
    doc.pop("retain_from", None)
    return StoredComplaint.model_validate(doc)


def _customer_filter(keys: CustomerKeys) -> dict[str, Any]:
    alternatives = [
        {field: value}
        for field, value in (
            ("phone_hash", keys.phone_hash),
            ("email_hash", keys.email_hash),
            ("wechat_openid", keys.wechat_openid),
            ("vehicle.vin", keys.vin),
        )
        if value
    ]
    return {"$or": alternatives}


class _MongoUnitOfWork:
    def __init__(self, tx: MongoTx) -> None:
        self._tx = tx

    async def claim(self, consumer: str, event_id: str) -> bool:
        return await MongoStore.claim_inbox(self._tx, consumer, event_id)

    async def get_complaint(self, complaint_id: str) -> StoredComplaint | None:
        doc = await self._tx.db.complaints.find_one({"_id": complaint_id}, session=self._tx.session)
        return _from_doc(doc) if doc else None

    async def next_ticket_sequence(self, day: date) -> int:
        doc = await self._tx.db.ticket_counters.find_one_and_update(
            {"_id": day.isoformat()},
            {"$inc": {"last": 1}},
            upsert=True,
            return_document=ReturnDocument.AFTER,
            session=self._tx.session,
        )
        assert doc is not None
        return int(doc["last"])

    async def find_message(self, keys: Sequence[str]) -> StoredComplaint | None:
        if not keys:
            return None
        mark = await self._tx.db.message_keys.find_one(
            {"_id": {"$in": list(keys)}}, session=self._tx.session
        )
        if mark is None:
            return None
        doc = await self._tx.db.complaints.find_one(
            {"_id": mark["complaint_id"]}, session=self._tx.session
        )
        return _from_doc(doc) if doc else None

    async def remember_messages(self, keys: Sequence[str], complaint_id: str) -> None:
        if keys:
            await self._tx.db.message_keys.insert_many(
                [{"_id": key, "complaint_id": complaint_id} for key in keys],
                session=self._tx.session,
            )

    async def rekey_message(self, old: str, new: str) -> None:
        mark = await self._tx.db.message_keys.find_one_and_delete(
            {"_id": old}, session=self._tx.session
        )
        if mark is not None:
            await self._tx.db.message_keys.update_one(
                {"_id": new},
                {"$setOnInsert": {"complaint_id": mark["complaint_id"]}},
                upsert=True,
                session=self._tx.session,
            )

    async def complaints_of(self, keys: CustomerKeys, since: datetime) -> list[StoredComplaint]:
        if not keys.any():
            return []
        cursor = self._tx.db.complaints.find(
            {**_customer_filter(keys), "registered_at": {"$gte": since}},
            session=self._tx.session,
        ).sort("registered_at", DESCENDING)
        return [_from_doc(doc) async for doc in cursor]

    async def add_complaint(self, complaint: StoredComplaint) -> None:
        await self._tx.db.complaints.insert_one(_to_doc(complaint), session=self._tx.session)

    async def replace_complaint(self, complaint: StoredComplaint) -> None:
        await self._tx.db.complaints.replace_one(
            {"_id": complaint.id}, _to_doc(complaint), session=self._tx.session
        )

    async def add_events(self, events: Sequence[EventEnvelope]) -> None:
        await MongoStore.add_outbox(self._tx, events)

    async def forget_published_events(self, complaint_id: str) -> None:
        await MongoStore.forget_published(self._tx, complaint_id)

    async def add_contact_view(self, view: ContactView) -> None:
        await self._tx.db.contact_views.insert_one(view.model_dump(), session=self._tx.session)

    async def add_delivery(self, delivery: Delivery) -> None:
        await deliveries.mongo_add(self._tx, delivery)

    async def finish_delivery(self, held: Delivery, outcome: Delivery) -> bool:
        return await deliveries.mongo_finish(self._tx, held, outcome)

    async def erase_delivery_texts(self, complaint_id: str) -> None:
        await deliveries.mongo_erase_texts(self._tx, complaint_id)

    async def add_attachment(self, info: AttachmentInfo, sealed: bytes) -> None:
        await attachments.mongo_add(self._tx, info, sealed)

    async def reserve_attachment(self, complaint_id: str) -> int:
        await self._tx.db.complaints.update_one(
            {"_id": complaint_id}, {"$inc": {"attachment_writes": 1}}, session=self._tx.session
        )
        return int(
            await self._tx.db.attachments.count_documents(
                {"complaint_id": complaint_id}, session=self._tx.session
            )
        )

    async def erase_attachments(self, complaint_id: str) -> None:
        await attachments.mongo_erase(self._tx, complaint_id)

    async def mark_attachment_announced(self, attachment_id: str) -> bool:
        return await attachments.mongo_mark_announced(self._tx, attachment_id)


class MongoIntakeStore(MongoStore):
    async def create_indexes(self) -> None:
        complaints = self.db.complaints
        await complaints.create_index("ticket_no", unique=True)
        for field in ("phone_hash", "email_hash", "wechat_openid", "vehicle.vin", "vehicle.plate"):
            await complaints.create_index([(field, ASCENDING), ("registered_at", DESCENDING)])
        await self.db.contact_views.create_index([("complaint_id", ASCENDING), ("at", DESCENDING)])
        await deliveries.mongo_indexes(self.db)
        await attachments.mongo_indexes(self.db)
        await complaints.create_index(
            "retain_from", partialFilterExpression={"retain_from": {"$type": "date"}}
        )
        await complaints.create_index(
            "erasure_version", partialFilterExpression={"erased_at": {"$type": "date"}}
        )
        await complaints.update_many(  # closed before closings were recorded
            {"retain_from": {"$exists": False}, "open": False, "erased_at": None},
            [{"$set": {"retain_from": {"$ifNull": ["$closed_at", "$registered_at"]}}}],
        )

    @asynccontextmanager
    async def unit_of_work(self) -> AsyncIterator[IntakeUnitOfWork]:
        async with self.transaction() as tx:
            yield _MongoUnitOfWork(tx)

    async def get_complaint(self, complaint_id: str) -> StoredComplaint | None:
        doc = await self.db.complaints.find_one({"_id": complaint_id})
        return _from_doc(doc) if doc else None

    async def search(self, query: SearchQuery) -> list[StoredComplaint]:
        selector = {
            field: value
            for field, value in (
                ("ticket_no", query.ticket_no),
                ("phone_hash", query.phone_hash),
                ("vehicle.vin", query.vin),
                ("vehicle.plate", query.plate),
            )
            if value
        }
        if not selector:
            return []
        cursor = self.db.complaints.find(selector).sort("registered_at", DESCENDING)
        return [_from_doc(doc) async for doc in cursor.limit(query.limit)]

    async def count_complaints(self) -> int:
        return await self.db.complaints.count_documents({})

    async def retained_before(self, cutoff: datetime, limit: int) -> list[StoredComplaint]:
        cursor = self.db.complaints.find({"retain_from": {"$ne": None, "$lt": cutoff}})
        return [_from_doc(doc) async for doc in cursor.sort("retain_from", ASCENDING).limit(limit)]

    async def erased_before_version(self, version: int, limit: int) -> list[StoredComplaint]:
        # documents erased before versions were recorded have no erasure_version
        selector = {"erased_at": {"$type": "date"}, "erasure_version": {"$not": {"$gte": version}}}
        return [_from_doc(doc) async for doc in self.db.complaints.find(selector).limit(limit)]

    async def due_deliveries(self, now: datetime, limit: int) -> list[Delivery]:
        return await deliveries.mongo_due(self.db, now, limit)

    async def lease_delivery(self, before: Delivery, after: Delivery) -> bool:
        return await deliveries.mongo_lease(self.db, before, after)

    async def deliveries_of(self, complaint_id: str) -> list[Delivery]:
        return await deliveries.mongo_of(self.db, complaint_id)

    async def delivery_started(self, now: datetime) -> datetime:
        return await deliveries.mongo_started(self.db, now)

    async def contact_views(self, complaint_id: str, limit: int = 100) -> list[ContactView]:
        cursor = self.db.contact_views.find({"complaint_id": complaint_id}, {"_id": 0})
        cursor = cursor.sort([("at", DESCENDING), ("_id", DESCENDING)]).limit(limit)
        return [ContactView.model_validate(doc) async for doc in cursor]

    async def attachments_of(self, complaint_id: str) -> list[AttachmentInfo]:
        return await attachments.mongo_of(self.db, complaint_id)

    async def attachment(
        self, complaint_id: str, attachment_id: str
    ) -> tuple[AttachmentInfo, bytes] | None:
        return await attachments.mongo_content(self.db, complaint_id, attachment_id)

    async def unannounced_attachments(self, limit: int) -> list[AttachmentInfo]:
        return await attachments.mongo_unannounced(self.db, limit)


def create_intake_store(settings: Settings) -> IntakeStore:
    if settings.uses_mongo:
        return MongoIntakeStore(
            settings.mongo_url,
            settings.mongo_database("intake"),
            timeout_seconds=settings.startup_timeout,
        )
    return SqliteIntakeStore(settings.sqlite_path("intake"))
