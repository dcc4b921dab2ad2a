"""Analytics' store: pre-aggregated counters, with SQLite and MongoDB adapters."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from shared.settings import Settings
from shared.storage.base import OpenableStore
from shared.storage.mongo import MongoStore
from shared.storage.sqlite import SqliteStore


class AnalyticsStore(OpenableStore, Protocol):
    async def apply_increments(
        self, *, consumer: str, event_id: str, increments: Mapping[str, int]
    ) -> bool:
        """Add the increments once per event id; False when the event was applied before."""
        ...

    async def counters(self) -> dict[str, int]: ...


class SqliteAnalyticsStore(SqliteStore):
    schema = (
        "CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL)",
    )

    async def apply_increments(
        self, *, consumer: str, event_id: str, increments: Mapping[str, int]
    ) -> bool:
        async with self.transaction() as conn:
            if not await self.claim_inbox(conn, consumer, event_id):
                return False
            await conn.executemany(
                "INSERT INTO counters (name, value) VALUES (?, ?)"
                " ON CONFLICT (name) DO UPDATE SET value = value + excluded.value",
                list(increments.items()),
            )
        return True

    async def counters(self) -> dict[str, int]:
        cursor = await self.conn.execute("SELECT name, value FROM counters")
        return {row["name"]: int(row["value"]) for row in await cursor.fetchall()}


class MongoAnalyticsStore(MongoStore):
    async def apply_increments(
        self, *, consumer: str, event_id: str, increments: Mapping[str, int]
    ) -> bool:
        async with self.transaction() as tx:
            if not await self.claim_inbox(tx, consumer, event_id):
                return False
            for name, value in increments.items():
                await tx.db.counters.update_one(
                    {"_id": name}, {"$inc": {"value": value}}, upsert=True, session=tx.session
                )
        return True

    async def counters(self) -> dict[str, int]:
        return {doc["_id"]: int(doc["value"]) async for doc in self.db.counters.find({})}


def create_analytics_store(settings: Settings) -> AnalyticsStore:
    if settings.uses_mongo:
        return MongoAnalyticsStore(
            settings.mongo_url,
            settings.mongo_database("analytics"),
            timeout_seconds=settings.startup_timeout,
        )
    return SqliteAnalyticsStore(settings.sqlite_path("analytics"))
