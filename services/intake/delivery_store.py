"""Where intake keeps its deliveries (``domain.delivery``), in SQLite and in MongoDB.

Every change after a delivery is added is a compare-and-set on its attempt count while it
is pending: a lease (its own small transaction) and the outcome of that attempt (in the
unit of work, with its event). So a sender that outlived its lease cannot overwrite what
the sender that took over recorded. Those changes never write the text or the recipient:
an erasure that blanked them meanwhile stays.
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
    "CREATE TABLE IF NOT EXISTS delivery_state (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
)

_KEPT = ("text", "recipient_masked")
"""What only adding and erasing write."""
_STARTED = "started_at"


def _due(delivery: Delivery) -> str | None:
    due = delivery.next_attempt_at
    return sortable_instant(due) if due else None


async def sqlite_add(conn: aiosqlite.Connection, delivery: Delivery) -> None:
    await conn.execute(
        "INSERT OR IGNORE INTO deliveries"
        " (request_id, complaint_id, requested_at, attempts, next_attempt_at, doc)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (
            delivery.request_id,
            delivery.complaint_id,
            sortable_instant(delivery.requested_at),
            delivery.attempts,
            _due(delivery),
            delivery.model_dump_json(),
        ),
    )


async def sqlite_swap(conn: aiosqlite.Connection, held: Delivery, after: Delivery) -> bool:
    """``after`` if the delivery is still pending at ``held``'s attempt; whether it was."""
    keep = ", ".join(f"'$.{field}', json_extract(doc, '$.{field}')" for field in _KEPT)
    cursor = await conn.execute(
        f"UPDATE deliveries SET attempts = ?, next_attempt_at = ?, doc = json_set(?, {keep})"
        " WHERE request_id = ? AND attempts = ? AND next_attempt_at IS NOT NULL",
        (after.attempts, _due(after), after.model_dump_json(), held.request_id, held.attempts),
    )
    return bool(cursor.rowcount == 1)


async def sqlite_erase_texts(conn: aiosqlite.Connection, complaint_id: str) -> None:
    await conn.execute(
        "UPDATE deliveries SET doc = json_set(doc, '$.text', ?, '$.recipient_masked', ?)"
        " WHERE complaint_id = ?",
        (ERASED_TEXT, ERASED_TEXT, complaint_id),
    )


async def sqlite_due(conn: aiosqlite.Connection, now: datetime, limit: int) -> list[Delivery]:
    cursor = await conn.execute(
        "SELECT doc FROM deliveries WHERE next_attempt_at <= ? ORDER BY next_attempt_at LIMIT ?",
        (sortable_instant(now), limit),
    )
    return [Delivery.model_validate_json(row["doc"]) for row in await cursor.fetchall()]


async def sqlite_of(conn: aiosqlite.Connection, complaint_id: str) -> list[Delivery]:
    cursor = await conn.execute(
        "SELECT doc FROM deliveries WHERE complaint_id = ? ORDER BY requested_at, rowid",
        (complaint_id,),
    )
    return [Delivery.model_validate_json(row["doc"]) for row in await cursor.fetchall()]


async def sqlite_started(conn: aiosqlite.Connection, now: datetime) -> datetime:
    """In a transaction of its own (the caller's)."""
    await conn.execute(
        "INSERT OR IGNORE INTO delivery_state (key, value) VALUES (?, ?)",
        (_STARTED, now.isoformat()),
    )
    cursor = await conn.execute("SELECT value FROM delivery_state WHERE key = ?", (_STARTED,))
    row = await cursor.fetchone()
    assert row is not None
    return datetime.fromisoformat(row["value"])


# -- MongoDB ---------------------------------------------------------------------------


def _doc(delivery: Delivery) -> dict[str, Any]:
    return {"_id": delivery.request_id, **delivery.model_dump(mode="python")}


def _delivery(doc: dict[str, Any]) -> Delivery:
    return Delivery.model_validate({k: v for k, v in doc.items() if k != "_id"})


def _held(delivery: Delivery) -> dict[str, Any]:
    return {
        "_id": delivery.request_id,
        "attempts": delivery.attempts,
        "next_attempt_at": {"$ne": None},
    }


def _changes(delivery: Delivery) -> dict[str, Any]:
    return {k: v for k, v in _doc(delivery).items() if k not in ("_id", *_KEPT)}


async def mongo_add(tx: MongoTx, delivery: Delivery) -> None:
    await tx.db.deliveries.update_one(  # an upsert: a duplicate key would abort the transaction
        {"_id": delivery.request_id},
        {"$setOnInsert": _doc(delivery)},
        upsert=True,
        session=tx.session,
    )


async def mongo_finish(tx: MongoTx, held: Delivery, outcome: Delivery) -> bool:
    found = await tx.db.deliveries.update_one(
        _held(held), {"$set": _changes(outcome)}, session=tx.session
    )
    return found.matched_count == 1


async def mongo_erase_texts(tx: MongoTx, complaint_id: str) -> None:
    await tx.db.deliveries.update_many(
        {"complaint_id": complaint_id},
        {"$set": {field: ERASED_TEXT for field in _KEPT}},
        session=tx.session,
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


async def mongo_lease(db: AsyncDatabase[Any], held: Delivery, after: Delivery) -> bool:
    found = await db.deliveries.update_one(_held(held), {"$set": _changes(after)})
    return found.matched_count == 1


async def mongo_of(db: AsyncDatabase[Any], complaint_id: str) -> list[Delivery]:
    cursor = db.deliveries.find({"complaint_id": complaint_id})
    return [_delivery(doc) async for doc in cursor.sort([("requested_at", ASCENDING)])]


async def mongo_started(db: AsyncDatabase[Any], now: datetime) -> datetime:
    await db.delivery_state.update_one(
        {"_id": _STARTED}, {"$setOnInsert": {"value": now}}, upsert=True
    )
    found = await db.delivery_state.find_one({"_id": _STARTED})
    assert found is not None
    value: datetime = found["value"]
    return value
