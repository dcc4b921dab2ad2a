"""Where intake keeps its deliveries (``domain.delivery``), in SQLite and in MongoDB.

Writes that must commit with the inbox or the outbox go through the unit of work
(``store``); a lease is its own small transaction, a compare-and-set on the attempt count,
so two senders never send the same delivery at once.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import aiosqlite
from pymongo import ASCENDING
from pymongo.asynchronous.database import AsyncDatabase

from services.intake.domain.delivery import ERASED_TEXT, Delivery
from shared.storage.mongo import MongoTx
from shared.storage.sqlite import sortable_instant

SQLITE_SCHEMA = (
    """
    CREATE TABLE IF NOT EXISTS deliveries (
        request_id TEXT PRIMARY KEY,
        complaint_id TEXT NOT NULL,
        requested_at TEXT NOT NULL,
        attempts INTEGER NOT NULL,
        next_attempt_at TEXT,
        doc TEXT NOT NULL
    )
    """,
    "CREATE INDEX IF NOT EXISTS deliveries_due ON deliveries (next_attempt_at)"
    " WHERE next_attempt_at IS NOT NULL",
    "CREATE INDEX IF NOT EXISTS deliveries_by_complaint ON deliveries (complaint_id, requested_at)",
)


def _row(delivery: Delivery) -> tuple[Any, ...]:
    due = delivery.next_attempt_at
    return (
        delivery.complaint_id,
        sortable_instant(delivery.requested_at),
        delivery.attempts,
        sortable_instant(due) if due else None,
        delivery.model_dump_json(),
        delivery.request_id,
    )


async def sqlite_add(conn: aiosqlite.Connection, delivery: Delivery) -> None:
    await conn.execute(
        "INSERT OR IGNORE INTO deliveries"
        " (complaint_id, requested_at, attempts, next_attempt_at, doc, request_id)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        _row(delivery),
    )


async def sqlite_save(conn: aiosqlite.Connection, delivery: Delivery) -> None:
    await conn.execute(
        "UPDATE deliveries SET complaint_id = ?, requested_at = ?, attempts = ?,"
        " next_attempt_at = ?, doc = ? WHERE request_id = ?",
        _row(delivery),
    )


async def sqlite_erase_texts(conn: aiosqlite.Connection, complaint_id: str) -> None:
    await conn.execute(
        "UPDATE deliveries SET doc = json_set(doc, '$.text', ?) WHERE complaint_id = ?",
        (ERASED_TEXT, complaint_id),
    )


async def sqlite_due(conn: aiosqlite.Connection, now: datetime, limit: int) -> list[Delivery]:
    cursor = await conn.execute(
        "SELECT doc FROM deliveries WHERE next_attempt_at <= ? ORDER BY next_attempt_at LIMIT ?",
        (sortable_instant(now), limit),
    )
    return [Delivery.model_validate_json(row["doc"]) for row in await cursor.fetchall()]


async def sqlite_lease(conn: aiosqlite.Connection, before: Delivery, after: Delivery) -> bool:
    """In a transaction of its own (the caller's)."""
    due = after.next_attempt_at
    cursor = await conn.execute(
        "UPDATE deliveries SET attempts = ?, next_attempt_at = ?, doc = ?"
        " WHERE request_id = ? AND attempts = ? AND next_attempt_at IS NOT NULL",
        (
            after.attempts,
            sortable_instant(due) if due else None,
            after.model_dump_json(),
            before.request_id,
            before.attempts,
        ),
    )
    return bool(cursor.rowcount == 1)


async def sqlite_of(conn: aiosqlite.Connection, complaint_id: str) -> list[Delivery]:
    cursor = await conn.execute(
        "SELECT doc FROM deliveries WHERE complaint_id = ? ORDER BY requested_at, rowid",
        (complaint_id,),
    )
    return [Delivery.model_validate_json(row["doc"]) for row in await cursor.fetchall()]


# -- MongoDB ---------------------------------------------------------------------------


def _doc(delivery: Delivery) -> dict[str, Any]:
    return {"_id": delivery.request_id, **delivery.model_dump(mode="python")}


def _delivery(doc: dict[str, Any]) -> Delivery:
    return Delivery.model_validate({k: v for k, v in doc.items() if k != "_id"})


async def mongo_add(tx: MongoTx, delivery: Delivery) -> None:
    await tx.db.deliveries.update_one(  # an upsert: a duplicate key would abort the transaction
        {"_id": delivery.request_id},
        {"$setOnInsert": _doc(delivery)},
        upsert=True,
        session=tx.session,
    )


async def mongo_save(tx: MongoTx, delivery: Delivery) -> None:
    await tx.db.deliveries.replace_one(
        {"_id": delivery.request_id}, _doc(delivery), session=tx.session
    )


async def mongo_erase_texts(tx: MongoTx, complaint_id: str) -> None:
    await tx.db.deliveries.update_many(
        {"complaint_id": complaint_id}, {"$set": {"text": ERASED_TEXT}}, session=tx.session
    )


async def mongo_indexes(db: AsyncDatabase[Any]) -> None:
    await db.deliveries.create_index(
        "next_attempt_at", partialFilterExpression={"next_attempt_at": {"$type": "date"}}
    )
    await db.deliveries.create_index([("complaint_id", ASCENDING), ("requested_at", ASCENDING)])


async def mongo_due(db: AsyncDatabase[Any], now: datetime, limit: int) -> list[Delivery]:
    cursor = db.deliveries.find({"next_attempt_at": {"$ne": None, "$lte": now}})
    cursor = cursor.sort("next_attempt_at", ASCENDING).limit(limit)
    return [_delivery(doc) async for doc in cursor]


async def mongo_lease(db: AsyncDatabase[Any], before: Delivery, after: Delivery) -> bool:
    held = {"_id": before.request_id, "attempts": before.attempts, "next_attempt_at": {"$ne": None}}
    return await db.deliveries.find_one_and_replace(held, _doc(after)) is not None


async def mongo_of(db: AsyncDatabase[Any], complaint_id: str) -> list[Delivery]:
    cursor = db.deliveries.find({"complaint_id": complaint_id})
    return [_delivery(doc) async for doc in cursor.sort([("requested_at", ASCENDING)])]
