"""After an erasure the write-ahead log is truncated, so no old page image stays in it; a
reader holding the log (a backup, an operator's shell) prevents that, and the store says so
instead of claiming it forgot."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from structlog.testing import capture_logs

from shared.storage.sqlite import SqliteStore
from tests.support.events import complaint_registered


async def test_the_log_is_truncated_unless_a_reader_holds_it(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "store.db")
    await store.open()
    wal = store.path.with_name(store.path.name + "-wal")
    try:
        await store.conn.execute("PRAGMA busy_timeout=50")
        async with store.transaction() as conn:
            await SqliteStore.add_outbox(conn, [complaint_registered("c-1")])
        assert wal.stat().st_size > 0
        assert await store.forget_deleted() is True
        assert wal.stat().st_size == 0

        reader = sqlite3.connect(store.path, isolation_level=None)
        try:
            async with store.transaction() as conn:
                await SqliteStore.add_outbox(conn, [complaint_registered("c-2")])
            reader.execute("BEGIN")
            reader.execute("SELECT COUNT(*) FROM outbox").fetchone()  # holds a snapshot
            async with store.transaction() as conn:
                await SqliteStore.add_outbox(conn, [complaint_registered("c-3")])
            with capture_logs() as logs:
                assert await store.forget_deleted() is False
            assert [e["log_level"] for e in logs] == ["warning"]
            assert "not truncated" in logs[0]["event"]
            reader.execute("COMMIT")
        finally:
            reader.close()
        assert await store.forget_deleted() is True
        assert wal.stat().st_size == 0
    finally:
        await store.close()
