"""Where intake keeps attached files (``domain.attachments``), in SQLite and in MongoDB:
the description beside the encrypted bytes, one row or document per file (at most
``MAX_BYTES`` plus Fernet's overhead, inside MongoDB's 16 MiB document limit)."""

from __future__ import annotations

from typing import Any

import aiosqlite
from bson import Binary
from pymongo import ASCENDING
from pymongo.asynchronous.database import AsyncDatabase

from services.intake.domain.attachments import AttachmentInfo
from shared.storage.mongo import MongoTx
from shared.storage.sqlite import sortable_instant

SQLITE_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS attachments (id TEXT PRIMARY KEY, complaint_id TEXT NOT NULL,"
    " uploaded_at TEXT NOT NULL, doc TEXT NOT NULL, content BLOB NOT NULL)",
    "CREATE INDEX IF NOT EXISTS attachments_by_complaint"
    " ON attachments (complaint_id, uploaded_at)",
)


SQLITE_ADDED_COLUMNS = (
    # files kept before they were announced on the bus: 0 until announced once
    "ALTER TABLE attachments ADD COLUMN announced INTEGER NOT NULL DEFAULT 0",
    "CREATE INDEX IF NOT EXISTS attachments_unannounced ON attachments (uploaded_at)"
    " WHERE announced = 0",
)


async def sqlite_add(conn: aiosqlite.Connection, info: AttachmentInfo, sealed: bytes) -> None:
    """Announced in the same unit of work (``announced`` = 1)."""
    await conn.execute(
        "INSERT INTO attachments (id, complaint_id, uploaded_at, doc, content, announced)"
        " VALUES (?, ?, ?, ?, ?, 1)",
        (
            info.id,
            info.complaint_id,
            sortable_instant(info.uploaded_at),
            info.model_dump_json(),
            sealed,
        ),
    )


async def sqlite_unannounced(conn: aiosqlite.Connection, limit: int) -> list[AttachmentInfo]:
    cursor = await conn.execute(
        "SELECT doc FROM attachments WHERE announced = 0 ORDER BY uploaded_at, id LIMIT ?",
        (limit,),
    )
    return [AttachmentInfo.model_validate_json(r["doc"]) for r in await cursor.fetchall()]


async def sqlite_mark_announced(conn: aiosqlite.Connection, attachment_id: str) -> bool:
    cursor = await conn.execute(
        "UPDATE attachments SET announced = 1 WHERE id = ? AND announced = 0", (attachment_id,)
    )
    return cursor.rowcount == 1


async def sqlite_count(conn: aiosqlite.Connection, complaint_id: str) -> int:
    cursor = await conn.execute(
        "SELECT COUNT(*) FROM attachments WHERE complaint_id = ?", (complaint_id,)
    )
    row = await cursor.fetchone()
    return int(row[0]) if row else 0


async def sqlite_erase(conn: aiosqlite.Connection, complaint_id: str) -> None:
    await conn.execute("DELETE FROM attachments WHERE complaint_id = ?", (complaint_id,))


async def sqlite_of(conn: aiosqlite.Connection, complaint_id: str) -> list[AttachmentInfo]:
    cursor = await conn.execute(
        "SELECT doc FROM attachments WHERE complaint_id = ? ORDER BY uploaded_at, id",
        (complaint_id,),
    )
    return [AttachmentInfo.model_validate_json(r["doc"]) for r in await cursor.fetchall()]


async def sqlite_content(
    conn: aiosqlite.Connection, complaint_id: str, attachment_id: str
) -> tuple[AttachmentInfo, bytes] | None:
    cursor = await conn.execute(
        "SELECT doc, content FROM attachments WHERE complaint_id = ? AND id = ?",
        (complaint_id, attachment_id),
    )
    row = await cursor.fetchone()
    if row is None:
        return None
    return AttachmentInfo.model_validate_json(row["doc"]), bytes(row["content"])


async def mongo_add(tx: MongoTx, info: AttachmentInfo, sealed: bytes) -> None:
    doc = {
        "_id": info.id,
        **info.model_dump(mode="python"),
        "content": Binary(sealed),
        "announced": True,  # in the same transaction
    }
    await tx.db.attachments.insert_one(doc, session=tx.session)


async def mongo_unannounced(db: AsyncDatabase[Any], limit: int) -> list[AttachmentInfo]:
    """Files kept before they were announced have no ``announced`` field."""
    cursor = db.attachments.find({"announced": {"$ne": True}}, {"_id": 0, "content": 0})
    cursor = cursor.sort([("uploaded_at", ASCENDING), ("id", ASCENDING)]).limit(limit)
    return [AttachmentInfo.model_validate(doc) async for doc in cursor]


async def mongo_mark_announced(tx: MongoTx, attachment_id: str) -> bool:
    result = await tx.db.attachments.update_one(
        {"_id": attachment_id, "announced": {"$ne": True}},
        {"$set": {"announced": True}},
        session=tx.session,
    )
    return result.modified_count == 1


async def mongo_erase(tx: MongoTx, complaint_id: str) -> None:
    await tx.db.attachments.delete_many({"complaint_id": complaint_id}, session=tx.session)


async def mongo_of(db: AsyncDatabase[Any], complaint_id: str) -> list[AttachmentInfo]:
    cursor = db.attachments.find({"complaint_id": complaint_id}, {"_id": 0, "content": 0})
    cursor = cursor.sort([("uploaded_at", ASCENDING), ("id", ASCENDING)])
    return [AttachmentInfo.model_validate(doc) async for doc in cursor]


async def mongo_content(
    db: AsyncDatabase[Any], complaint_id: str, attachment_id: str
) -> tuple[AttachmentInfo, bytes] | None:
    doc = await db.attachments.find_one({"_id": attachment_id, "complaint_id": complaint_id})
    if doc is None:
        return None
    sealed = bytes(doc.pop("content"))
    doc.pop("_id")
    return AttachmentInfo.model_validate(doc), sealed


async def mongo_indexes(db: AsyncDatabase[Any]) -> None:
    await db.attachments.create_index([("complaint_id", ASCENDING), ("uploaded_at", ASCENDING)])
    await db.attachments.create_index("announced")  # the start's look for older files
