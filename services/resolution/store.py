"""Resolution's store: cases, with SQLite and MongoDB adapters."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from datetime import datetime
from typing import Any, Protocol

import aiosqlite

from services.resolution.domain.alerts import Alert, Reader, inbox_filter
from services.resolution.domain.case import Case, CaseStatus, CauseSuggestion, CustomerNotice
from services.resolution.domain.staff import StaffMember
from shared.contracts.envelope import EventEnvelope
from shared.errors import ConflictError
from shared.settings import Settings
from shared.storage.base import OpenableStore
from shared.storage.mongo import MongoStore, MongoTx
from shared.storage.sqlite import SqliteStore, sortable_instant


class ResolutionUnitOfWork(Protocol):
    async def claim(self, consumer: str, event_id: str) -> bool:
        """Record an incoming event as applied; False if it already was."""
        ...

    async def get_case(self, complaint_id: str) -> Case | None: ...

    async def add_case(self, case: Case) -> None: ...

    async def save_case(self, case: Case) -> None:
        """Replace the case; ConflictError when someone else saved a newer version first."""
        ...

    async def add_events(self, events: Sequence[EventEnvelope]) -> None: ...

    async def forget_published_events(self, complaint_id: str) -> None:
        """Delete the complaint's events already published (an erasure keeps no copy)."""
        ...

    async def save_suggestion(self, complaint_id: str, suggestion: CauseSuggestion) -> None:
        """Analytics' prediction, kept beside the case: it never moves the case's version,
        so it cannot turn a user's step into a conflict."""
        ...

    async def add_alerts(self, alerts: Sequence[Alert]) -> None:
        """Keep the milestones just fired as alerts (an id seen before is kept as it was)."""
        ...

    async def put_staff(self, member: StaffMember) -> None:
        """Add a person, or replace what the directory says of them (with the alerts their
        leaving raises, in one write)."""
        ...

    async def add_notice(self, complaint_id: str, notice: CustomerNotice) -> None:
        """What became of a message to the customer; kept beside the case like a suggestion
        (never moving its version), once per message."""
        ...


class ResolutionStore(OpenableStore, Protocol):
    def unit_of_work(self) -> AbstractAsyncContextManager[ResolutionUnitOfWork]: ...

    async def get_case(self, complaint_id: str) -> Case | None: ...

    async def count_cases(self) -> int: ...

    async def open_cases(self, *, after: str | None = None, limit: int = 500) -> list[Case]:
        """Cases not closed, in complaint id order after ``after``: a page of a batch job
        over every open case (keyset paging: a page is not shifted by cases that change)."""
        ...

    async def due_cases(self, now: datetime, limit: int = 100) -> list[Case]:
        """Cases whose next SLA deadline has come (an indexed query)."""
        ...

    async def notices_of(self, complaint_id: str) -> list[CustomerNotice]:
        """The case's customer messages as settled, oldest first."""
        ...

    async def staff(self) -> list[StaffMember]:
        """The whole staff directory (a dealership's: tens of people), by login."""
        ...

    async def alerts_for(
        self, reader: Reader, *, unread_only: bool = False, limit: int = 100
    ) -> list[Alert]:
        """The alerts addressed to ``reader`` (``domain.alerts``), newest first."""
        ...

    async def mark_alert_read(self, alert_id: str, *, by: str, at: datetime) -> Alert | None:
        """The alert, marked read (the first reading stands); None if there is none."""
        ...

    async def get_alert(self, alert_id: str) -> Alert | None: ...

    async def count_unread_alerts(self, reader: Reader) -> int:
        """How many of ``reader``'s alerts are not marked read."""
        ...

    async def mark_all_alerts_read(self, reader: Reader, *, at: datetime) -> int:
        """Mark every unread alert told to ``reader`` (``domain.alerts.told``) read; how many."""
        ...

    async def purge_read_alerts(self, read_before: datetime, limit: int = 1000) -> int:
        """Delete up to ``limit`` alerts read before ``read_before``; how many."""
        ...

    async def alerts_to_push(self, now: datetime, *, since: datetime, limit: int) -> list[Alert]:
        """Alerts not pushed yet whose next try has come, fired since ``since``, oldest
        first."""
        ...

    async def claim_alert_push(
        self, alert_id: str, *, now: datetime, until: datetime
    ) -> int | None:
        """Take the alert's push until ``until`` (no other instance sends it meanwhile):
        how many tries it had before, or None when it is not due or someone else has it."""
        ...

    async def settle_alert_push(
        self,
        alert_id: str,
        *,
        lease: datetime,
        pushed_at: datetime | None,
        retry_at: datetime | None,
        error: str,
    ) -> bool:
        """One try done: pushed (``pushed_at``), to try again at ``retry_at``, or given up
        (neither); counts the try. Only while the claim that ran ``until=lease`` still holds
        (False otherwise): a send that outlived its lease cannot overwrite what the
        instance that claimed it next recorded."""
        ...

    async def skip_alert_pushes(self, before: datetime, *, now: datetime) -> int:
        """Give up pushing alerts fired before ``before`` (news too old to interrupt anyone
        with, e.g. a backlog from before pushing was set up); how many. Not one being sent
        right now (its lease runs past ``now``): its sender records how that went."""
        ...

    async def list_cases(
        self,
        *,
        owner: str | None = None,
        department: str | None = None,
        statuses: Sequence[CaseStatus] | None = None,
        limit: int = 200,
        include_unassigned: bool = False,
        call_owed: bool = False,
        newest_first: bool = False,
        offset: int = 0,
    ) -> list[Case]:
        """Cases matching every given filter, the most urgent deadline first.

        ``include_unassigned``: with a department, also the open cases no department holds
        yet (registered or triaged) that this department's head may have to assign: those
        whose complaint names this department, and those that name none.
        ``call_owed``: only closed, remedied cases whose 3-day call has not reached the
        customer since the latest resolution (``domain.milestones.follow_up_due``).
        ``newest_first``: the latest registered first (a history, not a work list: it does
        not move when a case is reopened); ``offset`` skips that many, for the next page.
        """
        ...


UNASSIGNED_STATUSES = (CaseStatus.REGISTERED, CaseStatus.TRIAGED)
"""A case waits in these for a department head to name its department and owner."""


# -- SQLite --------------------------------------------------------------------------


class _SqliteUnitOfWork:
    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn

    async def claim(self, consumer: str, event_id: str) -> bool:
        return await SqliteStore.claim_inbox(self._conn, consumer, event_id)

    async def get_case(self, complaint_id: str) -> Case | None:
        return await _sqlite_get_case(self._conn, complaint_id)

    async def add_case(self, case: Case) -> None:
        await self._conn.execute(
            "INSERT INTO cases (complaint_id, case_id, status, due_at, version, doc,"
            " next_deadline_at, registered_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                case.complaint_id,
                case.case_id,
                case.status.value,
                case.due_at.isoformat(),
                case.version,
                case.model_dump_json(),
                _deadline(case),
                sortable_instant(case.registered_at),
            ),
        )

    async def save_case(self, case: Case) -> None:
        cursor = await self._conn.execute(
            "UPDATE cases SET status = ?, due_at = ?, version = ?, doc = ?, next_deadline_at = ?"
            " WHERE complaint_id = ? AND version = ?",
            (
                case.status.value,
                case.due_at.isoformat(),
                case.version,
                case.model_dump_json(),
                _deadline(case),
                case.complaint_id,
                case.version - 1,
            ),
        )
        if cursor.rowcount != 1:
            raise ConflictError(f"case {case.case_id} was changed meanwhile", code="case_changed")

    async def add_events(self, events: Sequence[EventEnvelope]) -> None:
        await SqliteStore.add_outbox(self._conn, events)

    async def forget_published_events(self, complaint_id: str) -> None:
        await SqliteStore.forget_published(self._conn, complaint_id)

    async def save_suggestion(self, complaint_id: str, suggestion: CauseSuggestion) -> None:
        await self._conn.execute(
            "INSERT INTO suggestions (complaint_id, suggestion) VALUES (?, ?)"
            " ON CONFLICT (complaint_id) DO UPDATE SET suggestion = excluded.suggestion",
            (complaint_id, suggestion.model_dump_json()),
        )

    async def add_notice(self, complaint_id: str, notice: CustomerNotice) -> None:
        await self._conn.execute(
            "INSERT OR IGNORE INTO notices (request_id, complaint_id, at, doc) VALUES (?, ?, ?, ?)",
            (
                notice.request_id,
                complaint_id,
                sortable_instant(notice.at),
                notice.model_dump_json(),
            ),
        )

    async def put_staff(self, member: StaffMember) -> None:
        await self._conn.execute(
            "INSERT INTO staff (user, doc) VALUES (?, ?)"
            " ON CONFLICT (user) DO UPDATE SET doc = excluded.doc",
            (member.user, member.model_dump_json()),
        )

    async def add_alerts(self, alerts: Sequence[Alert]) -> None:
        await self._conn.executemany(
            "INSERT OR IGNORE INTO alerts (id, notify, owner, department, at, read_at, doc,"
            " push_next_at) VALUES (?, ?, ?, ?, ?, NULL, ?, ?)",
            [
                (
                    a.id,
                    a.notify.value,
                    a.owner,
                    a.department,
                    sortable_instant(a.at),
                    a.model_dump_json(),
                    sortable_instant(a.at),  # to push at once, where pushing is set up
                )
                for a in alerts
            ],
        )


_CASES = "SELECT doc, suggestion FROM cases LEFT JOIN suggestions USING (complaint_id)"
"""Every read of a case brings its suggestion along."""


def _sqlite_case(row: Any) -> Case:
    case = Case.model_validate_json(row["doc"])
    if row["suggestion"]:
        case = case.model_copy(
            update={"suggestion": CauseSuggestion.model_validate_json(row["suggestion"])}
        )
    return case


def _deadline(case: Case) -> str | None:
    return sortable_instant(case.next_deadline_at) if case.next_deadline_at else None


async def _sqlite_get_case(conn: aiosqlite.Connection, complaint_id: str) -> Case | None:
    cursor = await conn.execute(f"{_CASES} WHERE complaint_id = ?", (complaint_id,))
    row = await cursor.fetchone()
    return _sqlite_case(row) if row else None


class SqliteResolutionStore(SqliteStore):
    schema = (
        """
        CREATE TABLE IF NOT EXISTS cases (
            complaint_id TEXT PRIMARY KEY,
            case_id TEXT NOT NULL UNIQUE,
            status TEXT NOT NULL,
            due_at TEXT NOT NULL,
            version INTEGER NOT NULL,
            doc TEXT NOT NULL
        )
        """,
        "CREATE INDEX IF NOT EXISTS cases_due ON cases (status, due_at)",
        "CREATE TABLE IF NOT EXISTS suggestions (complaint_id TEXT PRIMARY KEY,"
        " suggestion TEXT NOT NULL)",
        "CREATE TABLE IF NOT EXISTS notices (request_id TEXT PRIMARY KEY,"
        " complaint_id TEXT NOT NULL, at TEXT NOT NULL, doc TEXT NOT NULL)",
        "CREATE INDEX IF NOT EXISTS notices_by_case ON notices (complaint_id, at)",
        "CREATE TABLE IF NOT EXISTS staff (user TEXT PRIMARY KEY, doc TEXT NOT NULL)",
        "CREATE TABLE IF NOT EXISTS alerts (id TEXT PRIMARY KEY, notify TEXT NOT NULL,"
        " owner TEXT, department TEXT, at TEXT NOT NULL, read_at TEXT, doc TEXT NOT NULL)",
        "CREATE INDEX IF NOT EXISTS alerts_inbox ON alerts (notify, owner, department, at)",
        "CREATE INDEX IF NOT EXISTS alerts_read ON alerts (read_at)",
    )
    added_columns = (
        "ALTER TABLE cases ADD COLUMN next_deadline_at TEXT",
        # alerts kept before pushing existed have no push_next_at: never pushed (no flood)
        "ALTER TABLE alerts ADD COLUMN push_next_at TEXT",
        "ALTER TABLE alerts ADD COLUMN pushed_at TEXT",
        "ALTER TABLE alerts ADD COLUMN push_attempts INTEGER NOT NULL DEFAULT 0",
        "ALTER TABLE alerts ADD COLUMN push_error TEXT",
        "ALTER TABLE cases ADD COLUMN registered_at TEXT",  # filled in by open()
    )
    indexes = (
        "CREATE INDEX IF NOT EXISTS cases_next_deadline ON cases (next_deadline_at)",
        "CREATE INDEX IF NOT EXISTS alerts_to_push ON alerts (push_next_at)",
        "CREATE INDEX IF NOT EXISTS cases_registered ON cases (registered_at, complaint_id)",
    )

    async def open(self) -> None:
        await super().open()
        for statement in self.indexes:
            await self.conn.execute(statement)
        await self._fill_registered_at()

    async def _fill_registered_at(self) -> None:
        """Cases kept before the history was ordered by registration get the column once."""
        cursor = await self.conn.execute(
            "SELECT complaint_id, json_extract(doc, '$.registered_at') AS registered"
            " FROM cases WHERE registered_at IS NULL"
        )
        rows = [
            (sortable_instant(datetime.fromisoformat(r["registered"])), r["complaint_id"])
            for r in await cursor.fetchall()
        ]
        if rows:
            async with self.transaction() as conn:
                await conn.executemany(
                    "UPDATE cases SET registered_at = ? WHERE complaint_id = ?", rows
                )

    async def due_cases(self, now: datetime, limit: int = 100) -> list[Case]:
        cursor = await self.conn.execute(
            f"{_CASES} WHERE next_deadline_at IS NOT NULL AND next_deadline_at <= ?"
            " ORDER BY next_deadline_at LIMIT ?",
            (sortable_instant(now), limit),
        )
        return [_sqlite_case(row) for row in await cursor.fetchall()]

    async def notices_of(self, complaint_id: str) -> list[CustomerNotice]:
        cursor = await self.conn.execute(
            "SELECT doc FROM notices WHERE complaint_id = ? ORDER BY at, rowid", (complaint_id,)
        )
        return [CustomerNotice.model_validate_json(r["doc"]) for r in await cursor.fetchall()]

    async def staff(self) -> list[StaffMember]:
        cursor = await self.conn.execute("SELECT doc FROM staff ORDER BY user")
        return [StaffMember.model_validate_json(r["doc"]) for r in await cursor.fetchall()]

    async def alerts_for(
        self, reader: Reader, *, unread_only: bool = False, limit: int = 100
    ) -> list[Alert]:
        where = inbox_filter(reader)
        if where is None:
            return []
        clauses = [f"{column} = ?" for column in where]  # columns from domain.alerts, not input
        if unread_only:
            clauses.append("read_at IS NULL")
        cursor = await self.conn.execute(
            f"SELECT doc FROM alerts WHERE {' AND '.join(clauses) or '1 = 1'}"
            " ORDER BY at DESC, rowid DESC LIMIT ?",
            (*where.values(), limit),
        )
        return [Alert.model_validate_json(r["doc"]) for r in await cursor.fetchall()]

    async def count_unread_alerts(self, reader: Reader) -> int:
        where = inbox_filter(reader)
        if where is None:
            return 0
        clauses = [*(f"{column} = ?" for column in where), "read_at IS NULL"]
        cursor = await self.conn.execute(
            f"SELECT COUNT(*) FROM alerts WHERE {' AND '.join(clauses)}", tuple(where.values())
        )
        row = await cursor.fetchone()
        return int(row[0]) if row else 0

    async def mark_all_alerts_read(self, reader: Reader, *, at: datetime) -> int:
        where = inbox_filter(reader, own_only=True)
        if where is None:
            return 0
        clauses = [*(f"{column} = ?" for column in where), "read_at IS NULL"]
        async with self.transaction() as conn:
            cursor = await conn.execute(
                f"SELECT id, doc FROM alerts WHERE {' AND '.join(clauses)}", tuple(where.values())
            )
            rows = await cursor.fetchall()
            marked = [
                Alert.model_validate_json(r["doc"]).model_copy(
                    update={"read_at": at, "read_by": reader.user}
                )
                for r in rows
            ]
            await conn.executemany(
                "UPDATE alerts SET read_at = ?, doc = ? WHERE id = ?",
                [(sortable_instant(at), a.model_dump_json(), a.id) for a in marked],
            )
        return len(marked)

    async def purge_read_alerts(self, read_before: datetime, limit: int = 1000) -> int:
        async with self.transaction() as conn:
            cursor = await conn.execute(
                "DELETE FROM alerts WHERE id IN (SELECT id FROM alerts"
                " WHERE read_at IS NOT NULL AND read_at < ? LIMIT ?)",
                (sortable_instant(read_before), limit),
            )
        return int(cursor.rowcount)

    async def alerts_to_push(self, now: datetime, *, since: datetime, limit: int) -> list[Alert]:
        cursor = await self.conn.execute(
            "SELECT doc FROM alerts WHERE push_next_at IS NOT NULL AND push_next_at <= ?"
            " AND pushed_at IS NULL AND at >= ? ORDER BY at, id LIMIT ?",
            (sortable_instant(now), sortable_instant(since), limit),
        )
        return [Alert.model_validate_json(r["doc"]) for r in await cursor.fetchall()]

    async def claim_alert_push(
        self, alert_id: str, *, now: datetime, until: datetime
    ) -> int | None:
        async with self.transaction() as conn:
            cursor = await conn.execute(
                "UPDATE alerts SET push_next_at = ? WHERE id = ? AND pushed_at IS NULL"
                " AND push_next_at IS NOT NULL AND push_next_at <= ? RETURNING push_attempts",
                (sortable_instant(until), alert_id, sortable_instant(now)),
            )
            row = await cursor.fetchone()
        return int(row[0]) if row else None

    async def settle_alert_push(
        self,
        alert_id: str,
        *,
        lease: datetime,
        pushed_at: datetime | None,
        retry_at: datetime | None,
        error: str,
    ) -> bool:
        async with self.transaction() as conn:
            cursor = await conn.execute(
                "UPDATE alerts SET pushed_at = ?, push_next_at = ?, push_error = ?,"
                " push_attempts = push_attempts + 1"
                " WHERE id = ? AND pushed_at IS NULL AND push_next_at = ?",
                (
                    sortable_instant(pushed_at) if pushed_at else None,
                    sortable_instant(retry_at) if retry_at else None,
                    error or None,
                    alert_id,
                    sortable_instant(lease),
                ),
            )
            return cursor.rowcount == 1

    async def skip_alert_pushes(self, before: datetime, *, now: datetime) -> int:
        async with self.transaction() as conn:
            cursor = await conn.execute(
                "UPDATE alerts SET push_next_at = NULL, push_error = 'too_old'"
                " WHERE push_next_at IS NOT NULL AND push_next_at <= ? AND pushed_at IS NULL"
                " AND at < ?",
                (sortable_instant(now), sortable_instant(before)),
            )
        return int(cursor.rowcount)

    async def get_alert(self, alert_id: str) -> Alert | None:
        cursor = await self.conn.execute("SELECT doc FROM alerts WHERE id = ?", (alert_id,))
        row = await cursor.fetchone()
        return Alert.model_validate_json(row["doc"]) if row else None

    async def mark_alert_read(self, alert_id: str, *, by: str, at: datetime) -> Alert | None:
        async with self.transaction() as conn:
            cursor = await conn.execute("SELECT doc FROM alerts WHERE id = ?", (alert_id,))
            row = await cursor.fetchone()
            if row is None:
                return None
            alert = Alert.model_validate_json(row["doc"])
            if alert.read_at is None:
                alert = alert.model_copy(update={"read_at": at, "read_by": by})
                await conn.execute(
                    "UPDATE alerts SET read_at = ?, doc = ? WHERE id = ?",
                    (sortable_instant(at), alert.model_dump_json(), alert_id),
                )
            return alert

    @asynccontextmanager
    async def unit_of_work(self) -> AsyncIterator[ResolutionUnitOfWork]:
        async with self.transaction() as conn:
            yield _SqliteUnitOfWork(conn)

    async def get_case(self, complaint_id: str) -> Case | None:
        return await _sqlite_get_case(self.conn, complaint_id)

    async def count_cases(self) -> int:
        cursor = await self.conn.execute("SELECT COUNT(*) FROM cases")
        row = await cursor.fetchone()
        return int(row[0]) if row else 0

    async def open_cases(self, *, after: str | None = None, limit: int = 500) -> list[Case]:
        clause, params = ("AND complaint_id > ?", [after]) if after is not None else ("", [])
        cursor = await self.conn.execute(
            f"{_CASES} WHERE status != ? {clause} ORDER BY complaint_id LIMIT ?",
            (CaseStatus.CLOSED.value, *params, limit),
        )
        return [_sqlite_case(row) for row in await cursor.fetchall()]

    async def list_cases(
        self,
        *,
        owner: str | None = None,
        department: str | None = None,
        statuses: Sequence[CaseStatus] | None = None,
        limit: int = 200,
        include_unassigned: bool = False,
        call_owed: bool = False,
        newest_first: bool = False,
        offset: int = 0,
    ) -> list[Case]:
        clauses, params = ["1 = 1"], []
        if call_owed:
            clauses.append(_SQLITE_CALL_OWED)
            params.append(CaseStatus.CLOSED.value)
        if owner:
            clauses.append("json_extract(doc, '$.owner') = ?")
            params.append(owner)
        if department and include_unassigned:
            waiting = ", ".join(f"'{s.value}'" for s in UNASSIGNED_STATUSES)
            clauses.append(
                "(json_extract(doc, '$.department') = ? OR"
                f" (json_extract(doc, '$.department') IS NULL AND status IN ({waiting})"
                " AND coalesce(json_extract(doc, '$.target_department'), ?) = ?))"
            )
            params.extend((department, department, department))
        elif department:
            clauses.append("json_extract(doc, '$.department') = ?")
            params.append(department)
        if statuses:
            clauses.append(f"status IN ({', '.join('?' for _ in statuses)})")
            params.extend(s.value for s in statuses)
        cursor = await self.conn.execute(
            f"{_CASES} WHERE {' AND '.join(clauses)}"
            f" ORDER BY {'registered_at DESC' if newest_first else 'due_at'}, complaint_id"
            " LIMIT ? OFFSET ?",
            (*params, limit, offset),
        )
        return [_sqlite_case(row) for row in await cursor.fetchall()]


_SQLITE_CALL_OWED = (
    "status = ? AND json_extract(doc, '$.resolved_at') IS NOT NULL"
    " AND json_extract(doc, '$.erased_at') IS NULL"
    " AND (json_extract(doc, '$.follow_up_call_at') IS NULL"
    " OR julianday(json_extract(doc, '$.follow_up_call_at'))"
    " < julianday(json_extract(doc, '$.resolved_at')))"
)
"""``domain.milestones.follow_up_due`` in SQL (julianday: the instants' offsets may differ)."""

# -- MongoDB -------------------------------------------------------------------------


def _bson_instant(instant: datetime) -> datetime:
    """As BSON keeps it (whole milliseconds), so a lease written can be matched again."""
    return instant.replace(microsecond=instant.microsecond // 1000 * 1000)


def _case_from_doc(
    doc: dict[str, object] | None, suggestion: dict[str, object] | None = None
) -> Case | None:
    if doc is None:
        return None
    doc = dict(doc)
    doc["complaint_id"] = doc.pop("_id")
    if suggestion is not None:
        doc["suggestion"] = suggestion["suggestion"]
    return Case.model_validate(doc)


async def _mongo_cases(db: Any, docs: list[dict[str, Any]]) -> list[Case]:
    """Cases with their suggestions (kept in their own collection)."""
    ids = [doc["_id"] for doc in docs]
    found = {s["_id"]: s async for s in db.suggestions.find({"_id": {"$in": ids}})}
    return [c for doc in docs if (c := _case_from_doc(doc, found.get(doc["_id"]))) is not None]


class _MongoUnitOfWork:
    def __init__(self, tx: MongoTx) -> None:
        self._tx = tx

    async def claim(self, consumer: str, event_id: str) -> bool:
        return await MongoStore.claim_inbox(self._tx, consumer, event_id)

    async def get_case(self, complaint_id: str) -> Case | None:
        doc = await self._tx.db.cases.find_one({"_id": complaint_id}, session=self._tx.session)
        suggestion = await self._tx.db.suggestions.find_one(
            {"_id": complaint_id}, session=self._tx.session
        )
        return _case_from_doc(doc, suggestion)

    async def add_case(self, case: Case) -> None:
        doc = case.model_dump(mode="python")
        doc["_id"] = doc.pop("complaint_id")
        await self._tx.db.cases.insert_one(doc, session=self._tx.session)

    async def save_case(self, case: Case) -> None:
        doc = case.model_dump(mode="python", exclude={"suggestion"})
        doc["_id"] = doc.pop("complaint_id")
        result = await self._tx.db.cases.replace_one(
            {"_id": doc["_id"], "version": case.version - 1}, doc, session=self._tx.session
        )
        if result.matched_count != 1:
            raise ConflictError(f"case {case.case_id} was changed meanwhile", code="case_changed")

    async def add_events(self, events: Sequence[EventEnvelope]) -> None:
        await MongoStore.add_outbox(self._tx, events)

    async def forget_published_events(self, complaint_id: str) -> None:
        await MongoStore.forget_published(self._tx, complaint_id)

    async def save_suggestion(self, complaint_id: str, suggestion: CauseSuggestion) -> None:
        await self._tx.db.suggestions.replace_one(
            {"_id": complaint_id},
            {"suggestion": suggestion.model_dump(mode="python")},
            upsert=True,
            session=self._tx.session,
        )

    async def add_notice(self, complaint_id: str, notice: CustomerNotice) -> None:
        await self._tx.db.notices.update_one(  # an upsert: a duplicate key aborts a transaction
            {"_id": notice.request_id},
            {"$setOnInsert": {"complaint_id": complaint_id, **notice.model_dump(mode="python")}},
            upsert=True,
            session=self._tx.session,
        )

    async def put_staff(self, member: StaffMember) -> None:
        await self._tx.db.staff.replace_one(
            {"_id": member.user},
            member.model_dump(mode="json"),
            upsert=True,
            session=self._tx.session,
        )

    async def add_alerts(self, alerts: Sequence[Alert]) -> None:
        for alert in alerts:  # upserts: a duplicate key would abort the transaction
            doc = alert.model_dump(mode="python")
            doc.update(notify=alert.notify.value, push_next_at=alert.at, pushed_at=None)
            doc.update(push_attempts=0, push_error=None)
            await self._tx.db.alerts.update_one(
                {"_id": alert.id}, {"$setOnInsert": doc}, upsert=True, session=self._tx.session
            )


class MongoResolutionStore(MongoStore):
    async def due_cases(self, now: datetime, limit: int = 100) -> list[Case]:
        cursor = (
            self.db.cases.find({"next_deadline_at": {"$ne": None, "$lte": now}})
            .sort("next_deadline_at", 1)
            .limit(limit)
        )
        return await _mongo_cases(self.db, [doc async for doc in cursor])

    async def create_indexes(self) -> None:
        await self.db.cases.create_index("next_deadline_at")
        await self.db.cases.create_index("case_id", unique=True)
        await self.db.cases.create_index([("status", 1), ("due_at", 1)])
        await self.db.cases.create_index([("registered_at", -1), ("_id", 1)])
        await self.db.notices.create_index([("complaint_id", 1), ("at", 1)])
        await self.db.alerts.create_index(
            [("notify", 1), ("owner", 1), ("department", 1), ("at", -1)]
        )
        await self.db.alerts.create_index("read_at")
        await self.db.alerts.create_index("push_next_at")

    async def notices_of(self, complaint_id: str) -> list[CustomerNotice]:
        cursor = self.db.notices.find({"complaint_id": complaint_id}, {"_id": 0, "complaint_id": 0})
        return [CustomerNotice.model_validate(doc) async for doc in cursor.sort("at", 1)]

    async def staff(self) -> list[StaffMember]:
        cursor = self.db.staff.find({}, {"_id": 0}).sort("user", 1)
        return [StaffMember.model_validate(doc) async for doc in cursor]

    async def alerts_for(
        self, reader: Reader, *, unread_only: bool = False, limit: int = 100
    ) -> list[Alert]:
        where = inbox_filter(reader)
        if where is None:
            return []
        selector: dict[str, object] = dict(where)
        if unread_only:
            selector["read_at"] = None
        cursor = self.db.alerts.find(selector, {"_id": 0}).sort([("at", -1), ("_id", -1)])
        cursor = cursor.limit(limit)
        return [Alert.model_validate(doc) async for doc in cursor]

    async def count_unread_alerts(self, reader: Reader) -> int:
        where = inbox_filter(reader)
        if where is None:
            return 0
        return int(await self.db.alerts.count_documents({**where, "read_at": None}))

    async def mark_all_alerts_read(self, reader: Reader, *, at: datetime) -> int:
        where = inbox_filter(reader, own_only=True)
        if where is None:
            return 0
        result = await self.db.alerts.update_many(
            {**where, "read_at": None}, {"$set": {"read_at": at, "read_by": reader.user}}
        )
        return int(result.modified_count)

    async def purge_read_alerts(self, read_before: datetime, limit: int = 1000) -> int:
        cursor = self.db.alerts.find({"read_at": {"$ne": None, "$lt": read_before}}, {"_id": 1})
        ids = [doc["_id"] async for doc in cursor.limit(limit)]
        if not ids:
            return 0
        result = await self.db.alerts.delete_many({"_id": {"$in": ids}})
        return int(result.deleted_count)

    async def alerts_to_push(self, now: datetime, *, since: datetime, limit: int) -> list[Alert]:
        selector = {"push_next_at": {"$ne": None, "$lte": now}, "pushed_at": None}
        cursor = self.db.alerts.find({**selector, "at": {"$gte": since}}, {"_id": 0})
        cursor = cursor.sort([("at", 1), ("id", 1)]).limit(limit)
        return [Alert.model_validate(doc) async for doc in cursor]

    async def claim_alert_push(
        self, alert_id: str, *, now: datetime, until: datetime
    ) -> int | None:
        before = await self.db.alerts.find_one_and_update(
            {"_id": alert_id, "pushed_at": None, "push_next_at": {"$ne": None, "$lte": now}},
            {"$set": {"push_next_at": _bson_instant(until)}},
            projection={"push_attempts": 1},
        )
        return int(before.get("push_attempts", 0)) if before else None

    async def settle_alert_push(
        self,
        alert_id: str,
        *,
        lease: datetime,
        pushed_at: datetime | None,
        retry_at: datetime | None,
        error: str,
    ) -> bool:
        held = {"_id": alert_id, "pushed_at": None, "push_next_at": _bson_instant(lease)}
        result = await self.db.alerts.update_one(
            held,
            {
                "$set": {
                    "pushed_at": pushed_at,
                    "push_next_at": retry_at,
                    "push_error": error or None,
                },
                "$inc": {"push_attempts": 1},
            },
        )
        return result.modified_count == 1

    async def skip_alert_pushes(self, before: datetime, *, now: datetime) -> int:
        result = await self.db.alerts.update_many(
            {"push_next_at": {"$ne": None, "$lte": now}, "pushed_at": None, "at": {"$lt": before}},
            {"$set": {"push_next_at": None, "push_error": "too_old"}},
        )
        return int(result.modified_count)

    async def get_alert(self, alert_id: str) -> Alert | None:
        doc = await self.db.alerts.find_one({"_id": alert_id}, {"_id": 0})
        return Alert.model_validate(doc) if doc else None

    async def mark_alert_read(self, alert_id: str, *, by: str, at: datetime) -> Alert | None:
        await self.db.alerts.update_one(
            {"_id": alert_id, "read_at": None}, {"$set": {"read_at": at, "read_by": by}}
        )
        return await self.get_alert(alert_id)

    @asynccontextmanager
    async def unit_of_work(self) -> AsyncIterator[ResolutionUnitOfWork]:
        async with self.transaction() as tx:
            yield _MongoUnitOfWork(tx)

    async def get_case(self, complaint_id: str) -> Case | None:
        return _case_from_doc(
            await self.db.cases.find_one({"_id": complaint_id}),
            await self.db.suggestions.find_one({"_id": complaint_id}),
        )

    async def count_cases(self) -> int:
        return await self.db.cases.count_documents({})

    async def open_cases(self, *, after: str | None = None, limit: int = 500) -> list[Case]:
        selector: dict[str, object] = {"status": {"$ne": CaseStatus.CLOSED.value}}
        if after is not None:
            selector["_id"] = {"$gt": after}
        cursor = self.db.cases.find(selector).sort("_id", 1).limit(limit)
        return await _mongo_cases(self.db, [doc async for doc in cursor])

    async def list_cases(
        self,
        *,
        owner: str | None = None,
        department: str | None = None,
        statuses: Sequence[CaseStatus] | None = None,
        limit: int = 200,
        include_unassigned: bool = False,
        call_owed: bool = False,
        newest_first: bool = False,
        offset: int = 0,
    ) -> list[Case]:
        conditions: list[dict[str, object]] = []
        if owner:
            conditions.append({"owner": owner})
        if department and include_unassigned:
            conditions.append(
                {
                    "$or": [
                        {"department": department},
                        {
                            "department": None,
                            "status": {"$in": [s.value for s in UNASSIGNED_STATUSES]},
                            "target_department": {"$in": [None, department]},
                        },
                    ]
                }
            )
        elif department:
            conditions.append({"department": department})
        if statuses:
            conditions.append({"status": {"$in": [s.value for s in statuses]}})
        if call_owed:
            conditions.append(_MONGO_CALL_OWED)
        selector = {"$and": conditions} if conditions else {}
        order = [("registered_at", -1) if newest_first else ("due_at", 1), ("_id", 1)]
        cursor = self.db.cases.find(selector).sort(order).skip(offset).limit(limit)
        return await _mongo_cases(self.db, [doc async for doc in cursor])


_MONGO_CALL_OWED: dict[str, object] = {
    "status": CaseStatus.CLOSED.value,
    "resolved_at": {"$ne": None},
    "erased_at": None,
    "$or": [
        {"follow_up_call_at": None},
        {"$expr": {"$lt": ["$follow_up_call_at", "$resolved_at"]}},
    ],
}


def create_resolution_store(settings: Settings) -> ResolutionStore:
    if settings.uses_mongo:
        return MongoResolutionStore(
            settings.mongo_url,
            settings.mongo_database("resolution"),
            timeout_seconds=settings.startup_timeout,
        )
    return SqliteResolutionStore(settings.sqlite_path("resolution"))
