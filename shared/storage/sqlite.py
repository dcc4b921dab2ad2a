"""SQLite base adapter: one file per service, WAL, one writer at a time.

Each service store subclasses :class:`SqliteStore` and adds its own tables; the
outbox and inbox tables and their helpers live here so every service gets the
same at-least-once guarantees.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path

import aiosqlite
import structlog

from shared.contracts.envelope import EventEnvelope
from shared.errors import StartupError
from shared.storage.base import OutboxMessage

log = structlog.get_logger(__name__)

_REWRITTEN = "rewritten_without_free_space"

_BASE_SCHEMA = (
    """
    CREATE TABLE IF NOT EXISTS outbox (
        position INTEGER PRIMARY KEY AUTOINCREMENT,
        event_id TEXT NOT NULL UNIQUE,
        event_type TEXT NOT NULL,
        topic TEXT NOT NULL,
        key TEXT NOT NULL,
        value BLOB NOT NULL,
        published INTEGER NOT NULL DEFAULT 0,
        forget_when_sent INTEGER NOT NULL DEFAULT 0,
        created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
    )
    """,
    "CREATE INDEX IF NOT EXISTS outbox_pending ON outbox (published, position)",
    "CREATE INDEX IF NOT EXISTS outbox_by_key ON outbox (key)",
    """
    CREATE TABLE IF NOT EXISTS steps_done (
        name TEXT PRIMARY KEY,
        done_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
    )
    """,
    """
    CREATE TABLE IF NOT EXISTS inbox (
        consumer TEXT NOT NULL,
        event_id TEXT NOT NULL,
        processed_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
        PRIMARY KEY (consumer, event_id)
    )
    """,
)


_BASE_ADDED_COLUMNS = ("ALTER TABLE outbox ADD COLUMN forget_when_sent INTEGER NOT NULL DEFAULT 0",)


class SqliteStore:
    """Connection, schema, transactions, outbox and inbox on one SQLite file."""

    schema: Sequence[str] = ()
    added_columns: Sequence[str] = ()
    """``ALTER TABLE … ADD COLUMN`` statements for files made by an older version."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._conn: aiosqlite.Connection | None = None
        self._write_lock = asyncio.Lock()

    @property
    def path(self) -> Path:
        return self._path

    async def open(self) -> None:
        try:
            self._path.parent.mkdir(parents=True, exist_ok=True)
            new_file = not self._path.exists()
            conn = await aiosqlite.connect(self._path, isolation_level=None)
            conn.row_factory = aiosqlite.Row
            await conn.execute("PRAGMA journal_mode=WAL")
            await conn.execute("PRAGMA synchronous=NORMAL")
            await conn.execute("PRAGMA foreign_keys=ON")
            await conn.execute("PRAGMA busy_timeout=5000")
            # deleted and overwritten rows are zeroed, not left in free space: erased
            # personal data must not be recoverable from the file
            await conn.execute("PRAGMA secure_delete=ON")
            for statement in (*_BASE_SCHEMA, *self.schema):
                await conn.execute(statement)
            for statement in (*_BASE_ADDED_COLUMNS, *self.added_columns):
                try:
                    await conn.execute(statement)
                except sqlite3.OperationalError as exc:
                    if "duplicate column" not in str(exc):
                        raise
            rewritten = await self._rewrite_once_without_free_space(conn, new_file=new_file)
        except (OSError, sqlite3.Error) as exc:
            raise StartupError(f"cannot open SQLite database {self._path}: {exc}") from exc
        self._conn = conn
        if rewritten:
            await self.forget_deleted()  # the old pages are in the log until it is truncated

    async def _rewrite_once_without_free_space(
        self, conn: aiosqlite.Connection, *, new_file: bool
    ) -> bool:
        """A file written before ``secure_delete`` was on may keep deleted rows (erased
        personal data) in its free pages: rewritten once, it keeps none. Whether it was."""
        cursor = await conn.execute("SELECT 1 FROM steps_done WHERE name = ?", (_REWRITTEN,))
        if await cursor.fetchone() is not None:
            return False
        if not new_file:
            log.info("rewriting the database without its free space, once", path=str(self._path))
            await conn.execute("VACUUM")
        await conn.execute("INSERT INTO steps_done (name) VALUES (?)", (_REWRITTEN,))
        return not new_file

    @property
    def conn(self) -> aiosqlite.Connection:
        if self._conn is None:
            raise RuntimeError("store is not open")
        return self._conn

    async def close(self) -> None:
        if self._conn is not None:
            await self._conn.close()
            self._conn = None

    async def ping(self) -> None:
        await self.conn.execute("SELECT 1")

    async def forget_deleted(self) -> bool:
        # secure_delete zeroes the file's pages once they are checkpointed; the log keeps
        # the old page images until it is truncated, which a reader still in the log (a
        # backup, an operator's sqlite3 shell) prevents beyond the busy timeout: say so
        async with self._write_lock:
            cursor = await self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            row = await cursor.fetchone()
        if row is None or not row[0]:
            return True
        log.warning(
            "write-ahead log not truncated: a reader holds it; what was erased stays in it"
            " until the next checkpoint",
            path=str(self.path),
        )
        return False

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """One atomic write: state, outbox and inbox commit together or not at all."""
        async with self._write_lock:
            conn = self.conn
            await conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                await conn.execute("ROLLBACK")
                raise
            else:
                await conn.execute("COMMIT")

    # -- outbox -----------------------------------------------------------------

    @staticmethod
    async def add_outbox(conn: aiosqlite.Connection, events: Sequence[EventEnvelope]) -> None:
        rows = []
        for event in events:
            message = OutboxMessage.from_event(event)
            rows.append(
                (message.event_id, message.event_type, message.topic, message.key, message.value)
            )
        await conn.executemany(
            "INSERT INTO outbox (event_id, event_type, topic, key, value) VALUES (?, ?, ?, ?, ?)",
            rows,
        )

    @staticmethod
    async def forget_published(conn: aiosqlite.Connection, key: str) -> int:
        """Delete the published events of one complaint (their key), so an erasure leaves no
        copy of its words in the outbox; those not sent yet still go out, and are deleted
        once sent (``mark_published``). How many were deleted now."""
        cursor = await conn.execute("DELETE FROM outbox WHERE published = 1 AND key = ?", (key,))
        await conn.execute(
            "UPDATE outbox SET forget_when_sent = 1 WHERE published = 0 AND key = ?", (key,)
        )
        return cursor.rowcount

    async def pending_outbox(self, limit: int) -> list[OutboxMessage]:
        cursor = await self.conn.execute(
            "SELECT position, event_id, event_type, topic, key, value FROM outbox"
            " WHERE published = 0 ORDER BY position LIMIT ?",
            (limit,),
        )
        rows = await cursor.fetchall()
        return [
            OutboxMessage(
                position=str(row["position"]),
                event_id=row["event_id"],
                topic=row["topic"],
                key=row["key"],
                value=bytes(row["value"]),
                event_type=row["event_type"],
            )
            for row in rows
        ]

    async def mark_published(self, positions: Sequence[str]) -> None:
        if not positions:
            return
        rows = [(int(p),) for p in positions]
        async with self.transaction() as conn:
            await conn.executemany("UPDATE outbox SET published = 1 WHERE position = ?", rows)
            cursor = await conn.executemany(
                "DELETE FROM outbox WHERE position = ? AND forget_when_sent = 1", rows
            )
            forgotten = cursor.rowcount
        if forgotten > 0:
            await self.forget_deleted()

    async def requeue_since(self, cutoff: datetime) -> int:
        async with self.transaction() as conn:
            cursor = await conn.execute(
                "UPDATE outbox SET published = 0 WHERE published = 1 AND created_at >= ?",
                (_created_at(cutoff),),
            )
            return cursor.rowcount

    async def purge_published(self, before: datetime) -> int:
        async with self.transaction() as conn:
            cursor = await conn.execute(
                # an erased complaint's event goes whatever its age
                "DELETE FROM outbox WHERE published = 1"
                " AND (created_at < ? OR forget_when_sent = 1)",
                (_created_at(before),),
            )
            return cursor.rowcount

    async def count_pending_outbox(self) -> int:
        cursor = await self.conn.execute("SELECT COUNT(*) FROM outbox WHERE published = 0")
        row = await cursor.fetchone()
        return int(row[0]) if row else 0

    # -- inbox ------------------------------------------------------------------

    @staticmethod
    async def claim_inbox(conn: aiosqlite.Connection, consumer: str, event_id: str) -> bool:
        """Record the event as applied; False when it already was (a redelivery)."""
        cursor = await conn.execute(
            "INSERT OR IGNORE INTO inbox (consumer, event_id) VALUES (?, ?)",
            (consumer, event_id),
        )
        return cursor.rowcount == 1


def _created_at(instant: datetime) -> str:
    """The outbox's ``created_at`` form (milliseconds, as SQLite's ``%f`` writes them)."""
    return instant.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")[:-4] + "Z"


def sortable_instant(instant: datetime) -> str:
    """A fixed-width UTC text form, so SQLite compares instants as strings correctly."""
    return instant.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
