"""What SQLite deleted stays deleted in the files: the write-ahead log is truncated after an
erasure (a reader holding it prevents that, and the store says so), and a file written
before deleted rows were zeroed is rewritten once without its free space."""

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


async def test_a_file_from_before_zeroing_deletes_is_rewritten_once(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    with sqlite3.connect(path) as db:  # as an older version wrote it, secure_delete off
        db.execute("PRAGMA secure_delete=OFF")
        db.execute("CREATE TABLE words (text TEXT)")
        db.executemany("INSERT INTO words VALUES (?)", [("张伟的车发动机异响",), ("kept",)])
        db.commit()
        db.execute("DELETE FROM words WHERE text != 'kept'")
        db.commit()
    assert "张伟".encode() in path.read_bytes()

    store = SqliteStore(path)
    await store.open()
    wal = path.with_name(path.name + "-wal")
    assert wal.stat().st_size == 0  # the old pages do not wait in the log either
    await store.close()
    assert "张伟".encode() not in path.read_bytes()
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT text FROM words").fetchall() == [("kept",)]
        (done,) = db.execute("SELECT COUNT(*) FROM steps_done").fetchone()
    assert done == 1

    reopened = SqliteStore(path)
    with capture_logs() as logs:
        await reopened.open()
        await reopened.close()
    assert not any("rewriting" in e["event"] for e in logs)  # once only
