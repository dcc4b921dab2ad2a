"""MongoDB base adapter (PyMongo's async API): one database per service.

State, outbox and inbox documents are written in one multi-document transaction,
which needs a replica set (docker-compose runs a one-node one).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from bson import ObjectId
from pymongo import ASCENDING, AsyncMongoClient
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import PyMongoError

from shared.contracts.envelope import EventEnvelope
from shared.errors import StartupError, TransientStoreError
from shared.storage.base import OutboxMessage

Document = dict[str, Any]


@dataclass(frozen=True, slots=True)
class MongoTx:
    """The database and the session every write of one transaction must use."""

    db: AsyncDatabase[Document]
    session: AsyncClientSession


class MongoStore:
    """Client, indexes, transactions, outbox and inbox on one MongoDB database."""

    def __init__(self, url: str, database: str, *, timeout_seconds: float = 10) -> None:
        self._url = url
        self._database_name = database
        self._timeout_ms = int(timeout_seconds * 1000)
        self._client: AsyncMongoClient[Document] | None = None

    async def open(self) -> None:
        client: AsyncMongoClient[Document] = AsyncMongoClient(
            self._url,
            serverSelectionTimeoutMS=self._timeout_ms,
            connectTimeoutMS=self._timeout_ms,
            tz_aware=True,
        )
        try:
            await client.admin.command("ping")
            self._client = client
            await self._create_indexes()
        except PyMongoError as exc:
            await client.close()
            self._client = None
            raise StartupError(f"cannot reach MongoDB at {_redact(self._url)}: {exc}") from exc

    async def _create_indexes(self) -> None:
        await self.db.outbox.create_index([("published", ASCENDING), ("_id", ASCENDING)])
        await self.db.outbox.create_index("event_id", unique=True)
        await self.db.outbox.create_index("key")
        await self.create_indexes()

    async def create_indexes(self) -> None:
        """Service stores add their own indexes here."""

    @property
    def client(self) -> AsyncMongoClient[Document]:
        if self._client is None:
            raise RuntimeError("store is not open")
        return self._client

    @property
    def db(self) -> AsyncDatabase[Document]:
        return self.client[self._database_name]

    async def close(self) -> None:
        if self._client is not None:
            await self._client.close()
            self._client = None

    async def forget_deleted(self) -> bool:
        """Nothing to do from here: WiredTiger reuses the blocks it freed in its own time;
        an operator runs ``compact`` (and rotates backups) where copies must go at once."""
        return True

    async def ping(self) -> None:
        await self.client.admin.command("ping")

    async def drop(self) -> None:
        """Remove the whole database; for tests."""
        await self.client.drop_database(self._database_name)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[MongoTx]:
        """One multi-document transaction; a write conflict surfaces as TransientStoreError."""
        try:
            async with self.client.start_session() as session, await session.start_transaction():
                yield MongoTx(self.db, session)
        except PyMongoError as exc:
            if exc.has_error_label("TransientTransactionError") or exc.has_error_label(
                "UnknownTransactionCommitResult"
            ):
                raise TransientStoreError(str(exc)) from exc
            raise

    # -- outbox -----------------------------------------------------------------

    @staticmethod
    async def add_outbox(tx: MongoTx, events: Sequence[EventEnvelope]) -> None:
        if not events:
            return
        docs = []
        for event in events:
            message = OutboxMessage.from_event(event)
            docs.append(
                {
                    "_id": ObjectId(),
                    "event_id": message.event_id,
                    "event_type": message.event_type,
                    "topic": message.topic,
                    "key": message.key,
                    "value": message.value,
                    "published": False,
                    "created_at": datetime.now(UTC),
                }
            )
        await tx.db.outbox.insert_many(docs, session=tx.session)

    @staticmethod
    async def forget_published(tx: MongoTx, key: str) -> int:
        """Delete the published events of one complaint (their key), so an erasure leaves no
        copy of its words in the outbox; those not sent yet still go out, and are deleted
        once sent (``mark_published``). How many were deleted now."""
        result = await tx.db.outbox.delete_many({"published": True, "key": key}, session=tx.session)
        await tx.db.outbox.update_many(
            {"published": False, "key": key},
            {"$set": {"forget_when_sent": True}},
            session=tx.session,
        )
        return result.deleted_count

    async def pending_outbox(self, limit: int) -> list[OutboxMessage]:
        cursor = self.db.outbox.find({"published": False}).sort("_id", ASCENDING).limit(limit)
        return [
            OutboxMessage(
                position=str(doc["_id"]),
                event_id=doc["event_id"],
                topic=doc["topic"],
                key=doc["key"],
                value=bytes(doc["value"]),
                event_type=doc["event_type"],
            )
            async for doc in cursor
        ]

    async def mark_published(self, positions: Sequence[str]) -> None:
        if positions:
            ids = [ObjectId(p) for p in positions]
            # one transaction: an erasure in between either deletes it as published or
            # flags it here, and no crash between the two leaves a flagged row sent and kept
            async with self.transaction() as tx:
                await tx.db.outbox.update_many(
                    {"_id": {"$in": ids}}, {"$set": {"published": True}}, session=tx.session
                )
                await tx.db.outbox.delete_many(
                    {"_id": {"$in": ids}, "forget_when_sent": True}, session=tx.session
                )

    async def requeue_since(self, cutoff: datetime) -> int:
        result = await self.db.outbox.update_many(
            {"published": True, "created_at": {"$gte": cutoff}}, {"$set": {"published": False}}
        )
        return result.modified_count

    async def purge_published(self, before: datetime) -> int:
        result = await self.db.outbox.delete_many(  # an erased complaint's: whatever its age
            {
                "published": True,
                "$or": [{"created_at": {"$lt": before}}, {"forget_when_sent": True}],
            }
        )
        return result.deleted_count

    async def count_pending_outbox(self) -> int:
        return await self.db.outbox.count_documents({"published": False})

    # -- inbox ------------------------------------------------------------------

    @staticmethod
    async def claim_inbox(tx: MongoTx, consumer: str, event_id: str) -> bool:
        """Record the event as applied; False when it already was (a redelivery)."""
        key = f"{consumer}:{event_id}"
        if await tx.db.inbox.find_one({"_id": key}, session=tx.session) is not None:
            return False
        await tx.db.inbox.insert_one(
            {"_id": key, "processed_at": datetime.now(UTC)}, session=tx.session
        )
        return True


def _redact(url: str) -> str:
    """Hide credentials in a MongoDB URL before it reaches a log or an error line."""
    scheme, sep, rest = url.partition("://")
    if not sep or "@" not in rest:
        return url
    return f"{scheme}://***@{rest.split('@', 1)[1]}"
