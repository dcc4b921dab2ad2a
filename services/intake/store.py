"""Intake's store: the interface the service needs, and its SQLite and MongoDB adapters."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from datetime import date, datetime
from typing import Protocol

import aiosqlite
from pydantic import BaseModel, ConfigDict
from pymongo import ReturnDocument

from shared.contracts.envelope import EventEnvelope
from shared.settings import Settings
from shared.storage.base import OpenableStore
from shared.storage.mongo import MongoStore, MongoTx
from shared.storage.sqlite import SqliteStore
from shared.vocab import Channel, Language, Urgency


class StoredComplaint(BaseModel):
    """A complaint as persisted: the phone only encrypted, plus a keyed hash to find it."""

    model_config = ConfigDict(frozen=True)

    id: str
    ticket_no: str
    channel: Channel
    customer_name: str
    phone_encrypted: str
    phone_hash: str
    phone_masked: str
    content: str
    language: Language
    urgency: Urgency
    received_at: datetime
    registered_at: datetime


class IntakeUnitOfWork(Protocol):
    async def next_ticket_sequence(self, day: date) -> int: ...

    async def add_complaint(self, complaint: StoredComplaint) -> None: ...

    async def add_events(self, events: Sequence[EventEnvelope]) -> None: ...


class IntakeStore(OpenableStore, Protocol):
    def unit_of_work(self) -> AbstractAsyncContextManager[IntakeUnitOfWork]:
        """Everything done through it commits together, or not at all."""
        ...

    async def get_complaint(self, complaint_id: str) -> StoredComplaint | None: ...


# -- SQLite --------------------------------------------------------------------------


class _SqliteUnitOfWork:
    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn

    async def next_ticket_sequence(self, day: date) -> int:
        cursor = await self._conn.execute(
            "INSERT INTO ticket_counters (day, last) VALUES (?, 1)"
            " ON CONFLICT (day) DO UPDATE SET last = last + 1 RETURNING last",
            (day.isoformat(),),
        )
        row = await cursor.fetchone()
        assert row is not None
        return int(row[0])

    async def add_complaint(self, complaint: StoredComplaint) -> None:
        await self._conn.execute(
            "INSERT INTO complaints (id, ticket_no, phone_hash, registered_at, doc)"
            " VALUES (?, ?, ?, ?, ?)",
            (
                complaint.id,
                complaint.ticket_no,
                complaint.phone_hash,
                complaint.registered_at.isoformat(),
                complaint.model_dump_json(),
            ),
        )

    async def add_events(self, events: Sequence[EventEnvelope]) -> None:
        await SqliteStore.add_outbox(self._conn, events)


class SqliteIntakeStore(SqliteStore):
    schema = (
        """
        CREATE TABLE IF NOT EXISTS complaints (
            id TEXT PRIMARY KEY,
            ticket_no TEXT NOT NULL UNIQUE,
            phone_hash TEXT NOT NULL,
            registered_at TEXT NOT NULL,
            doc TEXT NOT NULL
        )
        """,
        "CREATE INDEX IF NOT EXISTS complaints_phone ON complaints (phone_hash, registered_at)",
        "CREATE TABLE IF NOT EXISTS ticket_counters (day TEXT PRIMARY KEY, last INTEGER NOT NULL)",
    )

    @asynccontextmanager
    async def unit_of_work(self) -> AsyncIterator[IntakeUnitOfWork]:
        async with self.transaction() as conn:
            yield _SqliteUnitOfWork(conn)

    async def get_complaint(self, complaint_id: str) -> StoredComplaint | None:
        cursor = await self.conn.execute("SELECT doc FROM complaints WHERE id = ?", (complaint_id,))
        row = await cursor.fetchone()
        return StoredComplaint.model_validate_json(row["doc"]) if row else None


# -- MongoDB -------------------------------------------------------------------------


class _MongoUnitOfWork:
    def __init__(self, tx: MongoTx) -> None:
        self._tx = tx

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

    async def add_complaint(self, complaint: StoredComplaint) -> None:
        doc = complaint.model_dump(mode="python")
        doc["_id"] = doc.pop("id")
        await self._tx.db.complaints.insert_one(doc, session=self._tx.session)

    async def add_events(self, events: Sequence[EventEnvelope]) -> None:
        await MongoStore.add_outbox(self._tx, events)


class MongoIntakeStore(MongoStore):
    async def create_indexes(self) -> None:
        await self.db.complaints.create_index("ticket_no", unique=True)
        await self.db.complaints.create_index([("phone_hash", 1), ("registered_at", -1)])

    @asynccontextmanager
    async def unit_of_work(self) -> AsyncIterator[IntakeUnitOfWork]:
        async with self.transaction() as tx:
            yield _MongoUnitOfWork(tx)

    async def get_complaint(self, complaint_id: str) -> StoredComplaint | None:
        doc = await self.db.complaints.find_one({"_id": complaint_id})
        if doc is None:
            return None
        doc["id"] = doc.pop("_id")
        return StoredComplaint.model_validate(doc)


def create_intake_store(settings: Settings) -> IntakeStore:
    if settings.uses_mongo:
        return MongoIntakeStore(
            settings.mongo_url,
            settings.mongo_database("intake"),
            timeout_seconds=settings.startup_timeout,
        )
    return SqliteIntakeStore(settings.sqlite_path("intake"))
