"""Analytics' store: complaint facts, the cube, models, alerts and prevention actions.

SQLite and MongoDB adapters; both pass the same contract suite. Facts, cube deltas,
inbox and outbox of one event are written in one transaction.
"""

from __future__ import annotations

import asyncio
import gc
from collections.abc import AsyncIterator, Callable, Iterator, Mapping, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager, contextmanager
from dataclasses import dataclass
from datetime import datetime
from itertools import islice
from operator import itemgetter
from typing import Any, Protocol

import aiosqlite
from pymongo import ASCENDING, DESCENDING, UpdateOne

from services.analytics.domain.cube import ANY, MEASURES, Cell, Measures
from services.analytics.domain.facts import ComplaintFact
from services.analytics.domain.prevention import PreventionAction
from services.analytics.domain.reports import Filters, PeriodRange, key_match
from services.analytics.domain.trends import Spike
from shared.contracts.envelope import EventEnvelope
from shared.errors import ConflictError
from shared.settings import Settings
from shared.storage.base import OpenableStore
from shared.storage.mongo import MongoStore, MongoTx
from shared.storage.sqlite import SqliteStore

GROUP_COLUMNS = ("period", "department", "channel", "cause", "value")


CountFact = Callable[[ComplaintFact, dict[Cell, Measures]], object]
"""Adds what one complaint counts in to the given cells (the domain's ``contributions`` in
a time zone, ``into`` those cells)."""
_RECOMPUTE_BATCH = 10_000
"""Facts read, and their cells merged, per round trip while recomputing the cube."""
_RECOMPUTE_CACHE_KIB = 256 * 1024
"""SQLite's page cache while it recomputes the cube (then back to the default)."""


@dataclass(frozen=True, slots=True)
class StoredModel:
    version: str
    created_at: datetime
    active: bool
    trained_on: dict[str, int]
    metrics: dict[str, float]


@dataclass(frozen=True, slots=True)
class StoredAlert:
    spike: Spike
    raised_at: datetime


class AnalyticsUnitOfWork(Protocol):
    async def claim(self, consumer: str, event_id: str) -> bool: ...

    async def get_fact(self, complaint_id: str) -> ComplaintFact | None: ...

    async def save_fact(self, fact: ComplaintFact) -> None: ...

    async def add_to_cube(self, delta: Mapping[Cell, Measures]) -> None: ...

    async def add_counters(self, increments: Mapping[str, int]) -> None: ...

    async def add_events(self, events: Sequence[EventEnvelope]) -> None: ...

    async def forget_published_events(self, complaint_id: str) -> None:
        """Delete the complaint's events already published (an erasure keeps no copy)."""
        ...

    async def remember_erased_example(self, complaint_id: str) -> bool:
        """Record that this complaint's words, which may have taught a model, were erased;
        False when already recorded. Kept over rebuilds, so a replayed erasure counts once."""
        ...

    async def add_alert(self, spike: Spike, raised_at: datetime) -> bool:
        """False when this bucket already alerted this week."""
        ...

    async def save_action(self, action: PreventionAction) -> None:
        """Insert or replace; ConflictError when someone saved a newer version first."""
        ...


class AnalyticsStore(OpenableStore, Protocol):
    def unit_of_work(self) -> AbstractAsyncContextManager[AnalyticsUnitOfWork]: ...

    async def counters(self) -> dict[str, int]: ...

    async def get_fact(self, complaint_id: str) -> ComplaintFact | None: ...

    async def sum_cells(
        self,
        ranges: Sequence[PeriodRange],
        *,
        dimension: str,
        group_by: Sequence[str],
        filters: Filters,
        measures: Sequence[str] = MEASURES,
    ) -> dict[tuple[str, ...], Measures]:
        """Measures summed per ``group_by`` key over the cells of the ranges; only
        ``measures`` are summed (the others are 0): a histogram needs counts only, and each
        sum costs time on every cell read."""
        ...

    async def confirmations(self, limit: int = 100_000) -> list[ComplaintFact]:
        """Facts whose cause an investigator confirmed, newest first."""
        ...

    async def count_confirmations(self) -> int: ...

    async def save_model(self, stored: StoredModel, blob: bytes) -> None:
        """Keep a new model version; when ``stored.active``, it becomes the only active one.
        ConflictError when the version exists (another instance trained it meanwhile)."""
        ...

    async def activate_model(self, version: str) -> bool: ...

    async def delete_models(self, versions: Sequence[str]) -> int:
        """Delete these versions unless active; how many went."""
        ...

    async def active_model(self) -> tuple[StoredModel, bytes] | None: ...

    async def get_model(self, version: str) -> tuple[StoredModel, bytes] | None: ...

    async def active_model_version(self) -> str | None: ...

    async def list_models(self) -> list[StoredModel]: ...

    async def list_alerts(
        self, limit: int = 200, *, bucket: tuple[str, str] | None = None
    ) -> list[StoredAlert]:
        """Newest first; ``bucket`` (dimension, value): only that bucket's, so a head's own
        alerts are not crowded out of the limit by the whole dealership's."""
        ...

    async def get_action(self, action_id: str) -> PreventionAction | None: ...

    async def list_actions(self) -> list[PreventionAction]: ...

    async def reset_read_models(self, consumer: str, *, keep_counters: Sequence[str] = ()) -> None:
        """Forget facts, cube, counters (but ``keep_counters``) and the consumer's inbox
        (before a rebuild), in one step: no crash leaves a kept counter lost."""
        ...

    async def cube_layout(self) -> str | None:
        """What the stored cube was computed with (None: not recorded, an older store)."""
        ...

    async def has_facts(self) -> bool:
        """Whether any complaint is stored (a recompute of none takes no time)."""
        ...

    async def recompute_cube(self, count_fact: CountFact, layout: str) -> int:
        """Replace the cube by the sum of every stored fact's cells, then record ``layout``;
        returns how many facts were read. Run before consuming: events folded meanwhile
        would be counted twice or lost."""
        ...


def _measures(row: Any, measures: Sequence[str] = MEASURES) -> Measures:
    """From a SQLite row or a MongoDB document with one field per (summed) measure."""
    values: dict[str, Any] = {m: (float if m == "cost" else int)(row[m] or 0) for m in measures}
    return Measures(**values)


def _checked_measures(measures: Sequence[str]) -> Sequence[str]:
    unknown = set(measures) - set(MEASURES)
    if unknown or "n" not in measures:  # n tells an empty range from a zero
        raise ValueError(f"cannot sum {sorted(unknown) or measures}")
    return measures


def _check_group(group_by: Sequence[str]) -> None:
    unknown = set(group_by) - set(GROUP_COLUMNS)
    if unknown:
        raise ValueError(f"cannot group by {sorted(unknown)}")


# -- SQLite --------------------------------------------------------------------------

_MAX_LOOKUPS = 400
"""Periods looked up one by one in a sum; a longer range (a day series over years) scans."""

_CUBE_KEY = ("grain", "dimension", "period", "department", "channel", "cause", "value")
_CUBE_UPSERT = (
    "INSERT INTO cube (grain, period, department, channel, cause, dimension, value, "
    + ", ".join(MEASURES)
    + ") VALUES ("
    + ", ".join("?" * (7 + len(MEASURES)))
    + f") ON CONFLICT ({', '.join(_CUBE_KEY)}) DO UPDATE SET "
    + ", ".join(f"{m} = {m} + excluded.{m}" for m in MEASURES)
)


class _SqliteUnitOfWork:
    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn

    async def claim(self, consumer: str, event_id: str) -> bool:
        return await SqliteStore.claim_inbox(self._conn, consumer, event_id)

    async def get_fact(self, complaint_id: str) -> ComplaintFact | None:
        return await _sqlite_fact(self._conn, complaint_id)

    async def save_fact(self, fact: ComplaintFact) -> None:
        await self._conn.execute(
            "INSERT INTO facts (complaint_id, confirmed, doc) VALUES (?, ?, ?)"
            " ON CONFLICT (complaint_id) DO UPDATE SET confirmed = excluded.confirmed,"
            " doc = excluded.doc",
            (fact.complaint_id, int(bool(fact.confirmed_causes)), fact.model_dump_json()),
        )

    async def add_to_cube(self, delta: Mapping[Cell, Measures]) -> None:
        await self._conn.executemany(
            _CUBE_UPSERT, [(*cell, *measures.values()) for cell, measures in delta.items()]
        )

    async def add_counters(self, increments: Mapping[str, int]) -> None:
        await self._conn.executemany(
            "INSERT INTO counters (name, value) VALUES (?, ?)"
            " ON CONFLICT (name) DO UPDATE SET value = value + excluded.value",
            list(increments.items()),
        )

    async def add_events(self, events: Sequence[EventEnvelope]) -> None:
        await SqliteStore.add_outbox(self._conn, events)

    async def forget_published_events(self, complaint_id: str) -> None:
        await SqliteStore.forget_published(self._conn, complaint_id)

    async def remember_erased_example(self, complaint_id: str) -> bool:
        cursor = await self._conn.execute(
            "INSERT OR IGNORE INTO erased_examples (complaint_id) VALUES (?)", (complaint_id,)
        )
        return cursor.rowcount == 1

    async def add_alert(self, spike: Spike, raised_at: datetime) -> bool:
        cursor = await self._conn.execute(
            "INSERT OR IGNORE INTO alerts (week, dimension, value, raised_at, doc)"
            " VALUES (?, ?, ?, ?, ?)",
            (
                spike.week,
                spike.dimension,
                spike.value,
                raised_at.isoformat(),
                spike.model_dump_json(),
            ),
        )
        return cursor.rowcount == 1

    async def save_action(self, action: PreventionAction) -> None:
        if action.version == 1:
            await self._conn.execute(
                "INSERT INTO actions (id, version, doc) VALUES (?, ?, ?)",
                (action.id, action.version, action.model_dump_json()),
            )
            return
        cursor = await self._conn.execute(
            "UPDATE actions SET version = ?, doc = ? WHERE id = ? AND version = ?",
            (action.version, action.model_dump_json(), action.id, action.version - 1),
        )
        if cursor.rowcount != 1:
            raise ConflictError(
                f"prevention action {action.id} was changed meanwhile", code="action_changed"
            )


async def _sqlite_fact(conn: aiosqlite.Connection, complaint_id: str) -> ComplaintFact | None:
    cursor = await conn.execute("SELECT doc FROM facts WHERE complaint_id = ?", (complaint_id,))
    row = await cursor.fetchone()
    return ComplaintFact.model_validate_json(row["doc"]) if row else None


class SqliteAnalyticsStore(SqliteStore):
    schema = (
        "CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL)",
        "CREATE TABLE IF NOT EXISTS facts (complaint_id TEXT PRIMARY KEY,"
        " confirmed INTEGER NOT NULL DEFAULT 0, doc TEXT NOT NULL)",
        "CREATE INDEX IF NOT EXISTS facts_confirmed ON facts (confirmed)",
        "CREATE TABLE IF NOT EXISTS cube (grain TEXT NOT NULL, period TEXT NOT NULL,"
        " department TEXT NOT NULL, channel TEXT NOT NULL, cause TEXT NOT NULL,"
        " dimension TEXT NOT NULL, value TEXT NOT NULL, "
        + ", ".join(
            f"{m} {'REAL' if m == 'cost' else 'INTEGER'} NOT NULL DEFAULT 0" for m in MEASURES
        )
        + f", PRIMARY KEY ({', '.join(_CUBE_KEY)}))"
        " WITHOUT ROWID",
        "CREATE TABLE IF NOT EXISTS models (version TEXT PRIMARY KEY, created_at TEXT NOT NULL,"
        " active INTEGER NOT NULL, trained_on TEXT NOT NULL, metrics TEXT NOT NULL,"
        " blob BLOB NOT NULL)",
        "CREATE TABLE IF NOT EXISTS alerts (week TEXT NOT NULL, dimension TEXT NOT NULL,"
        " value TEXT NOT NULL, raised_at TEXT NOT NULL, doc TEXT NOT NULL,"
        " PRIMARY KEY (week, dimension, value))",
        "CREATE TABLE IF NOT EXISTS actions (id TEXT PRIMARY KEY, version INTEGER NOT NULL,"
        " doc TEXT NOT NULL)",
        "CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL)",
        # ids only (no personal data); not a read model: a rebuild keeps it
        "CREATE TABLE IF NOT EXISTS erased_examples (complaint_id TEXT PRIMARY KEY)",
    )
    added_columns = tuple(  # the 3-day call's measures (cube schema 3), the reopen rate's base (6)
        f"ALTER TABLE cube ADD COLUMN {m} INTEGER NOT NULL DEFAULT 0"
        for m in ("call_due", "called", "called_late", "call_sat_n", "call_sat_sum", "concluded")
    )

    @asynccontextmanager
    async def unit_of_work(self) -> AsyncIterator[AnalyticsUnitOfWork]:
        async with self.transaction() as conn:
            yield _SqliteUnitOfWork(conn)

    async def counters(self) -> dict[str, int]:
        cursor = await self.conn.execute("SELECT name, value FROM counters")
        return {row["name"]: int(row["value"]) for row in await cursor.fetchall()}

    async def get_fact(self, complaint_id: str) -> ComplaintFact | None:
        return await _sqlite_fact(self.conn, complaint_id)

    async def sum_cells(
        self,
        ranges: Sequence[PeriodRange],
        *,
        dimension: str,
        group_by: Sequence[str],
        filters: Filters,
        measures: Sequence[str] = MEASURES,
    ) -> dict[tuple[str, ...], Measures]:
        _check_group(group_by)
        keys = key_match(dimension, filters, group_by)
        where = [f"{column} = ?" for column in keys.equal]
        where += [f"{column} != '{ANY}'" for column in keys.not_rolled_up]
        columns = ", ".join(group_by)
        select = f"{columns}, " if group_by else ""
        sums = ", ".join(f"SUM({m}) AS {m}" for m in _checked_measures(measures))
        totals: dict[tuple[str, ...], Measures] = {}
        for period_range in ranges:
            periods = period_range.periods()
            if not periods:
                continue
            if len(periods) <= _MAX_LOOKUPS:  # each period's cells by key, not a scan
                in_range = f"period IN ({', '.join('?' * len(periods))})"
            else:  # years of days: a scan, and within any SQLite's limit on parameters
                in_range, periods = "period BETWEEN ? AND ?", [periods[0], periods[-1]]
            sql = (
                f"SELECT {select}{sums} FROM cube WHERE grain = ? AND dimension = ?"
                f" AND {in_range}{''.join(' AND ' + w for w in where)}"
            )
            if group_by:
                sql += f" GROUP BY {columns}"
            params = [period_range.grain, dimension, *periods, *keys.equal.values()]
            cursor = await self.conn.execute(sql, params)
            for row in await cursor.fetchall():
                if row["n"] is None:
                    continue
                key = tuple(str(row[c]) for c in group_by)
                summed = _measures(row, measures)
                totals[key] = totals[key] + summed if key in totals else summed
        return totals

    async def confirmations(self, limit: int = 100_000) -> list[ComplaintFact]:
        cursor = await self.conn.execute(
            "SELECT doc FROM facts WHERE confirmed = 1 ORDER BY rowid DESC LIMIT ?", (limit,)
        )
        return [ComplaintFact.model_validate_json(row["doc"]) for row in await cursor.fetchall()]

    async def count_confirmations(self) -> int:
        cursor = await self.conn.execute("SELECT COUNT(*) FROM facts WHERE confirmed = 1")
        row = await cursor.fetchone()
        return int(row[0]) if row else 0

    async def save_model(self, stored: StoredModel, blob: bytes) -> None:
        import json

        async with self.transaction() as conn:
            cursor = await conn.execute("SELECT 1 FROM models WHERE version = ?", (stored.version,))
            if await cursor.fetchone() is not None:
                raise ConflictError(f"model version {stored.version} exists")
            if stored.active:
                await conn.execute("UPDATE models SET active = 0")
            await conn.execute(
                "INSERT INTO models (version, created_at, active, trained_on, metrics, blob)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (
                    stored.version,
                    stored.created_at.isoformat(),
                    int(stored.active),
                    json.dumps(stored.trained_on),
                    json.dumps(stored.metrics),
                    blob,
                ),
            )

    async def activate_model(self, version: str) -> bool:
        async with self.transaction() as conn:
            cursor = await conn.execute("SELECT 1 FROM models WHERE version = ?", (version,))
            if await cursor.fetchone() is None:
                return False
            await conn.execute("UPDATE models SET active = (version = ?)", (version,))
        return True

    async def delete_models(self, versions: Sequence[str]) -> int:
        if not versions:
            return 0
        marks = ", ".join("?" * len(versions))
        async with self.transaction() as conn:
            cursor = await conn.execute(
                f"DELETE FROM models WHERE active = 0 AND version IN ({marks})", tuple(versions)
            )
            return cursor.rowcount

    async def active_model(self) -> tuple[StoredModel, bytes] | None:
        cursor = await self.conn.execute("SELECT * FROM models WHERE active = 1 LIMIT 1")
        row = await cursor.fetchone()
        return (_stored_model(row), bytes(row["blob"])) if row else None

    async def get_model(self, version: str) -> tuple[StoredModel, bytes] | None:
        cursor = await self.conn.execute("SELECT * FROM models WHERE version = ?", (version,))
        row = await cursor.fetchone()
        return (_stored_model(row), bytes(row["blob"])) if row else None

    async def active_model_version(self) -> str | None:
        cursor = await self.conn.execute("SELECT version FROM models WHERE active = 1 LIMIT 1")
        row = await cursor.fetchone()
        return str(row["version"]) if row else None

    async def list_models(self) -> list[StoredModel]:
        cursor = await self.conn.execute(
            "SELECT version, created_at, active, trained_on, metrics FROM models"
            " ORDER BY created_at DESC, version DESC"
        )
        return [_stored_model(row) for row in await cursor.fetchall()]

    async def list_alerts(
        self, limit: int = 200, *, bucket: tuple[str, str] | None = None
    ) -> list[StoredAlert]:
        where, params = ("WHERE dimension = ? AND value = ?", bucket) if bucket else ("", ())
        cursor = await self.conn.execute(
            f"SELECT raised_at, doc FROM alerts {where} ORDER BY raised_at DESC LIMIT ?",
            (*params, limit),
        )
        return [
            StoredAlert(
                Spike.model_validate_json(row["doc"]), datetime.fromisoformat(row["raised_at"])
            )
            for row in await cursor.fetchall()
        ]

    async def get_action(self, action_id: str) -> PreventionAction | None:
        cursor = await self.conn.execute("SELECT doc FROM actions WHERE id = ?", (action_id,))
        row = await cursor.fetchone()
        return PreventionAction.model_validate_json(row["doc"]) if row else None

    async def list_actions(self) -> list[PreventionAction]:
        cursor = await self.conn.execute("SELECT doc FROM actions ORDER BY rowid DESC")
        return [PreventionAction.model_validate_json(r["doc"]) for r in await cursor.fetchall()]

    async def reset_read_models(self, consumer: str, *, keep_counters: Sequence[str] = ()) -> None:
        async with self.transaction() as conn:
            for table in ("facts", "cube"):
                await conn.execute(f"DELETE FROM {table}")
            kept = ", ".join("?" * len(keep_counters))
            await conn.execute(
                f"DELETE FROM counters WHERE name NOT IN ({kept})", tuple(keep_counters)
            )
            await conn.execute("DELETE FROM inbox WHERE consumer = ?", (consumer,))
            # a rebuild folds in its own process's time zone: the next start recomputes
            await conn.execute("DELETE FROM meta WHERE name = 'cube_layout'")

    async def cube_layout(self) -> str | None:
        cursor = await self.conn.execute("SELECT value FROM meta WHERE name = 'cube_layout'")
        row = await cursor.fetchone()
        return str(row["value"]) if row else None

    async def has_facts(self) -> bool:
        cursor = await self.conn.execute("SELECT 1 FROM facts LIMIT 1")
        return await cursor.fetchone() is not None

    async def recompute_cube(self, count_fact: CountFact, layout: str) -> int:
        read, after = 0, 0
        async with self.transaction() as conn, _page_cache(conn, _RECOMPUTE_CACHE_KIB):
            await conn.execute("DELETE FROM cube")  # in one transaction: reports never see half
            while True:
                cursor = await conn.execute(
                    "SELECT rowid, doc FROM facts WHERE rowid > ? ORDER BY rowid LIMIT ?",
                    (after, _RECOMPUTE_BATCH),
                )
                rows = list(await cursor.fetchall())
                if not rows:
                    break
                docs = [r["doc"] for r in rows]
                parse = ComplaintFact.model_validate_json
                cells = await asyncio.to_thread(_cells_of_docs, count_fact, parse, docs)
                await _SqliteUnitOfWork(conn).add_to_cube(cells)
                read, after = read + len(rows), rows[-1]["rowid"]
            await conn.execute(
                "INSERT INTO meta (name, value) VALUES ('cube_layout', ?)"
                " ON CONFLICT (name) DO UPDATE SET value = excluded.value",
                (layout,),
            )
        return read


@asynccontextmanager
async def _page_cache(conn: aiosqlite.Connection, kib: int) -> AsyncIterator[None]:
    """A larger page cache for one long write: the default 2 MiB spills the same dirty
    cube pages to the WAL again and again while a recompute rewrites the whole cube."""
    cursor = await conn.execute("PRAGMA cache_size")
    row = await cursor.fetchone()
    await conn.execute(f"PRAGMA cache_size = -{int(kib)}")
    try:
        yield
    finally:
        await conn.execute(f"PRAGMA cache_size = {int(row[0]) if row else -2000}")


def _cells_of_docs(
    count_fact: CountFact, parse: Callable[[Any], ComplaintFact], docs: Sequence[Any]
) -> dict[Cell, Measures]:
    """Stored facts (parsed by ``parse``) added up into cells; CPU work, done off the event
    loop, which other services of the same process share while they start.

    In the order of the SQLite cube's key, so its upserts walk the B-tree instead of
    jumping about in it. Cyclic garbage collection pauses meanwhile: it would traverse the
    batch's hundreds of thousands of new cells again and again (a third of the CPU time),
    and this code makes no cycles. The pause is the whole process's (intake and resolution
    may be serving beside it): their cyclic garbage waits for the end of the batch, seconds
    at a time, and is collected between batches."""
    cells: dict[Cell, Measures] = {}
    with _gc_paused():
        for doc in docs:
            count_fact(parse(doc), cells)
        return {c: cells[c] for c in sorted(cells, key=_KEY_ORDER) if not cells[c].is_zero}


_KEY_ORDER = itemgetter(*(Cell._fields.index(f) for f in _CUBE_KEY))
"""A cell's fields in the order of the SQLite cube's primary key."""


@contextmanager
def _gc_paused() -> Iterator[None]:
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _stored_model(row: Any) -> StoredModel:
    import json

    created = row["created_at"]
    return StoredModel(
        version=str(row["version"]),
        created_at=created if isinstance(created, datetime) else datetime.fromisoformat(created),
        active=bool(row["active"]),
        trained_on=row["trained_on"]
        if isinstance(row["trained_on"], dict)
        else json.loads(row["trained_on"]),
        metrics=row["metrics"] if isinstance(row["metrics"], dict) else json.loads(row["metrics"]),
    )


# -- MongoDB -------------------------------------------------------------------------


_CUBE_INDEX = [("grain", ASCENDING), ("dimension", ASCENDING), ("period", ASCENDING)]


def _cell_id(cell: Cell) -> str:
    return "\x1f".join(cell)


def _cube_upsert(cell: Cell, measures: Measures) -> UpdateOne:
    return UpdateOne(
        {"_id": _cell_id(cell)},
        {
            "$setOnInsert": cell._asdict(),
            "$inc": dict(zip(MEASURES, measures.values(), strict=True)),
        },
        upsert=True,
    )


class _MongoUnitOfWork:
    def __init__(self, tx: MongoTx) -> None:
        self._tx = tx

    async def claim(self, consumer: str, event_id: str) -> bool:
        return await MongoStore.claim_inbox(self._tx, consumer, event_id)

    async def get_fact(self, complaint_id: str) -> ComplaintFact | None:
        doc = await self._tx.db.facts.find_one({"_id": complaint_id}, session=self._tx.session)
        return ComplaintFact.model_validate(doc["fact"]) if doc else None

    async def save_fact(self, fact: ComplaintFact) -> None:
        await self._tx.db.facts.replace_one(
            {"_id": fact.complaint_id},
            {"fact": fact.model_dump(mode="json"), "confirmed": bool(fact.confirmed_causes)},
            upsert=True,
            session=self._tx.session,
        )

    async def add_to_cube(self, delta: Mapping[Cell, Measures]) -> None:
        if delta:
            await self._tx.db.cube.bulk_write(
                [_cube_upsert(cell, m) for cell, m in delta.items()], session=self._tx.session
            )

    async def add_counters(self, increments: Mapping[str, int]) -> None:
        for name, value in increments.items():
            await self._tx.db.counters.update_one(
                {"_id": name}, {"$inc": {"value": value}}, upsert=True, session=self._tx.session
            )

    async def add_events(self, events: Sequence[EventEnvelope]) -> None:
        await MongoStore.add_outbox(self._tx, events)

    async def forget_published_events(self, complaint_id: str) -> None:
        await MongoStore.forget_published(self._tx, complaint_id)

    async def remember_erased_example(self, complaint_id: str) -> bool:
        # an upsert, not an insert: a duplicate-key error would abort the transaction
        result = await self._tx.db.erased_examples.update_one(
            {"_id": complaint_id},
            {"$setOnInsert": {"erased": True}},
            upsert=True,
            session=self._tx.session,
        )
        return result.upserted_id is not None

    async def add_alert(self, spike: Spike, raised_at: datetime) -> bool:
        key = f"{spike.week}:{spike.dimension}:{spike.value}"
        if await self._tx.db.alerts.find_one({"_id": key}, session=self._tx.session):
            return False
        await self._tx.db.alerts.insert_one(
            {"_id": key, "raised_at": raised_at, "spike": spike.model_dump(mode="json")},
            session=self._tx.session,
        )
        return True

    async def save_action(self, action: PreventionAction) -> None:
        doc = {"version": action.version, "action": action.model_dump(mode="json")}
        if action.version == 1:
            await self._tx.db.actions.insert_one(
                {"_id": action.id, "created_at": action.created_at, **doc}, session=self._tx.session
            )
            return
        result = await self._tx.db.actions.update_one(
            {"_id": action.id, "version": action.version - 1},
            {"$set": doc},
            session=self._tx.session,
        )
        if result.matched_count != 1:
            raise ConflictError(
                f"prevention action {action.id} was changed meanwhile", code="action_changed"
            )


async def _serialize_model_writes(tx: MongoTx) -> None:
    """Every transaction that changes which model is active writes this one document, so two
    of them at once conflict (one is retried or refused) and never leave two active models."""
    await tx.db.model_writes.update_one(
        {"_id": "active"}, {"$inc": {"writes": 1}}, upsert=True, session=tx.session
    )


class MongoAnalyticsStore(MongoStore):
    async def create_indexes(self) -> None:
        await self.db.cube.create_index(_CUBE_INDEX)
        await self.db.facts.create_index("confirmed")
        await self.db.models.create_index("active")
        await self.db.alerts.create_index([("raised_at", DESCENDING)])

    @asynccontextmanager
    async def unit_of_work(self) -> AsyncIterator[AnalyticsUnitOfWork]:
        async with self.transaction() as tx:
            yield _MongoUnitOfWork(tx)

    async def counters(self) -> dict[str, int]:
        return {doc["_id"]: int(doc["value"]) async for doc in self.db.counters.find({})}

    async def get_fact(self, complaint_id: str) -> ComplaintFact | None:
        doc = await self.db.facts.find_one({"_id": complaint_id})
        return ComplaintFact.model_validate(doc["fact"]) if doc else None

    async def sum_cells(
        self,
        ranges: Sequence[PeriodRange],
        *,
        dimension: str,
        group_by: Sequence[str],
        filters: Filters,
        measures: Sequence[str] = MEASURES,
    ) -> dict[tuple[str, ...], Measures]:
        _check_group(group_by)
        keys = key_match(dimension, filters, group_by)
        extra: dict[str, Any] = {
            **keys.equal,
            **{column: {"$ne": ANY} for column in keys.not_rolled_up},
        }
        totals: dict[tuple[str, ...], Measures] = {}
        for period_range in ranges:
            match = {
                "grain": period_range.grain,
                "dimension": dimension,
                "period": {"$in": period_range.periods()},
                **extra,
            }
            group: dict[str, Any] = {"_id": {c: f"${c}" for c in group_by}}
            group.update({m: {"$sum": f"${m}"} for m in _checked_measures(measures)})
            async for doc in await self.db.cube.aggregate([{"$match": match}, {"$group": group}]):
                key = tuple(str(doc["_id"][c]) for c in group_by)
                summed = _measures(doc, measures)
                totals[key] = totals[key] + summed if key in totals else summed
        return totals

    async def confirmations(self, limit: int = 100_000) -> list[ComplaintFact]:
        cursor = self.db.facts.find({"confirmed": True}).sort("_id", DESCENDING).limit(limit)
        return [ComplaintFact.model_validate(doc["fact"]) async for doc in cursor]

    async def count_confirmations(self) -> int:
        return await self.db.facts.count_documents({"confirmed": True})

    async def save_model(self, stored: StoredModel, blob: bytes) -> None:
        async with self.transaction() as tx:
            if await tx.db.models.find_one({"_id": stored.version}, session=tx.session):
                raise ConflictError(f"model version {stored.version} exists")
            await _serialize_model_writes(tx)
            if stored.active:
                await tx.db.models.update_many({}, {"$set": {"active": False}}, session=tx.session)
            await tx.db.models.insert_one(
                {
                    "_id": stored.version,
                    "version": stored.version,
                    "created_at": stored.created_at,
                    "active": stored.active,
                    "trained_on": stored.trained_on,
                    "metrics": stored.metrics,
                    "blob": blob,
                },
                session=tx.session,
            )

    async def activate_model(self, version: str) -> bool:
        async with self.transaction() as tx:
            if await tx.db.models.find_one({"_id": version}, session=tx.session) is None:
                return False
            await _serialize_model_writes(tx)
            await tx.db.models.update_many({}, {"$set": {"active": False}}, session=tx.session)
            await tx.db.models.update_one(
                {"_id": version}, {"$set": {"active": True}}, session=tx.session
            )
        return True

    async def delete_models(self, versions: Sequence[str]) -> int:
        if not versions:
            return 0
        async with self.transaction() as tx:
            await _serialize_model_writes(tx)  # an activation meanwhile conflicts
            result = await tx.db.models.delete_many(
                {"_id": {"$in": list(versions)}, "active": False}, session=tx.session
            )
            return result.deleted_count

    async def active_model(self) -> tuple[StoredModel, bytes] | None:
        doc = await self.db.models.find_one({"active": True})
        return (_stored_model(doc), bytes(doc["blob"])) if doc else None

    async def get_model(self, version: str) -> tuple[StoredModel, bytes] | None:
        doc = await self.db.models.find_one({"_id": version})
        return (_stored_model(doc), bytes(doc["blob"])) if doc else None

    async def active_model_version(self) -> str | None:
        doc = await self.db.models.find_one({"active": True}, {"version": 1})
        return str(doc["version"]) if doc else None

    async def list_models(self) -> list[StoredModel]:
        cursor = self.db.models.find({}, {"blob": 0}).sort(
            [("created_at", DESCENDING), ("version", DESCENDING)]
        )
        return [_stored_model(doc) async for doc in cursor]

    async def list_alerts(
        self, limit: int = 200, *, bucket: tuple[str, str] | None = None
    ) -> list[StoredAlert]:
        query = {"spike.dimension": bucket[0], "spike.value": bucket[1]} if bucket else {}
        cursor = self.db.alerts.find(query).sort("raised_at", DESCENDING).limit(limit)
        return [
            StoredAlert(Spike.model_validate(doc["spike"]), doc["raised_at"])
            async for doc in cursor
        ]

    async def get_action(self, action_id: str) -> PreventionAction | None:
        doc = await self.db.actions.find_one({"_id": action_id})
        return PreventionAction.model_validate(doc["action"]) if doc else None

    async def list_actions(self) -> list[PreventionAction]:
        cursor = self.db.actions.find({}).sort("created_at", DESCENDING)
        return [PreventionAction.model_validate(doc["action"]) async for doc in cursor]

    async def reset_read_models(self, consumer: str, *, keep_counters: Sequence[str] = ()) -> None:
        for name in ("facts", "cube"):
            await self.db[name].delete_many({})
        await self.db.counters.delete_many({"_id": {"$nin": list(keep_counters)}})
        await self.db.inbox.delete_many({"_id": {"$regex": f"^{consumer}:"}})
        await self.db.meta.delete_one({"_id": "cube_layout"})  # see the SQLite adapter

    async def cube_layout(self) -> str | None:
        doc = await self.db.meta.find_one({"_id": "cube_layout"})
        return str(doc["value"]) if doc else None

    async def has_facts(self) -> bool:
        return await self.db.facts.find_one({}, {"_id": 1}) is not None

    async def recompute_cube(self, count_fact: CountFact, layout: str) -> int:
        """Built aside in ``cube_next`` and renamed over the cube (a whole cube outgrows one
        transaction), so reports never see half of it; the layout is recorded last, so an
        interrupted run is done again at the next start. One analytics writer at a time:
        instances of other code must be stopped first."""
        await self.db.meta.delete_one({"_id": "cube_layout"})
        shadow = self.db.cube_next
        await shadow.drop()
        await shadow.create_index(_CUBE_INDEX)
        read, batch = 0, []

        async def fold(docs: list[Any]) -> int:
            parse = ComplaintFact.model_validate
            await _add_cells(
                shadow, await asyncio.to_thread(_cells_of_docs, count_fact, parse, docs)
            )
            return len(docs)

        async for doc in self.db.facts.find({}).sort("_id", ASCENDING):
            batch.append(doc["fact"])
            if len(batch) == _RECOMPUTE_BATCH:
                read, batch = read + await fold(batch), []
        read += await fold(batch) if batch else 0
        await shadow.rename("cube", dropTarget=True)
        await self.db.meta.replace_one({"_id": "cube_layout"}, {"value": layout}, upsert=True)
        return read


async def _add_cells(collection: Any, cells: Mapping[Cell, Measures]) -> None:
    """In chunks: one bulk of a whole batch's upserts would hold hundreds of MB."""
    items = iter(cells.items())
    while chunk := [_cube_upsert(cell, m) for cell, m in islice(items, 10_000)]:
        await collection.bulk_write(chunk)


def create_analytics_store(settings: Settings) -> AnalyticsStore:
    if settings.uses_mongo:
        return MongoAnalyticsStore(
            settings.mongo_url,
            settings.mongo_database("analytics"),
            timeout_seconds=settings.startup_timeout,
        )
    return SqliteAnalyticsStore(settings.sqlite_path("analytics"))
