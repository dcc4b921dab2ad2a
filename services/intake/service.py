"""Intake use cases: register each complaint once, link follow-ups, acknowledge, look up."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from uuid import uuid4
from zoneinfo import ZoneInfo

import structlog

from services.intake.domain.acknowledgement import Acknowledgement, acknowledge
from services.intake.domain.erasure import (
    ERASED_NAME,
    ERASURE_VERSION,
    check_erasable,
    erased_by_an_older_version,
    kept_external_id,
    retention_cutoff,
)
from services.intake.domain.language import detect_language
from services.intake.domain.record import (
    Complaint,
    CustomerIn,
    FollowUp,
    RecordDraft,
    VehicleIn,
    format_ticket_no,
    received_time,
)
from services.intake.domain.repeats import (
    REPEAT_WINDOW,
    PriorComplaint,
    find_follow_up_target,
    is_repeat_complainant,
)
from services.intake.domain.urgency import assess_urgency
from services.intake.store import (
    ContactView,
    CustomerKeys,
    IntakeStore,
    IntakeUnitOfWork,
    SearchQuery,
    StoredComplaint,
)
from shared.calendar import BusinessCalendar, promised_by
from shared.clock import Clock
from shared.contracts.envelope import Actor, EventEnvelope, new_event
from shared.contracts.intake import (
    COMPLAINT_ERASED,
    COMPLAINT_REGISTERED,
    COMPLAINT_UPDATED,
    PERSONAL_REFERENCES,
    ComplaintErased,
    ComplaintRegistered,
    ComplaintUpdated,
)
from shared.contracts.notifications import (
    NOTIFICATION_REQUESTED,
    NotificationRequested,
    Purpose,
)
from shared.crypto import FieldCipher, mask_code, mask_email, mask_id_number, mask_phone, mask_plate
from shared.errors import (
    ConflictError,
    FieldValueError,
    InvalidValueError,
    NotFoundError,
    TransientStoreError,
)
from shared.redaction import redact
from shared.vocab import Channel, ErasureReason, Language, Urgency

SERVICE = "intake"
log = structlog.get_logger(__name__)
_ATTEMPTS = 5
"""Concurrent registrations of one customer may collide in the store; each is retried whole."""
_URGENCY_ORDER = (Urgency.NORMAL, Urgency.HIGH, Urgency.CRITICAL)
_EVER = datetime(1970, 1, 1, tzinfo=UTC)
_RETENTION_BATCH = 200
_RETENTION_BATCHES = 50
"""One retention run erases at most this many batches; the next run goes on."""


class Outcome(StrEnum):
    REGISTERED = "registered"
    LINKED = "linked"
    """A follow-up of an open complaint: no new case."""
    REPLAYED = "replayed"
    """The same message again: the existing record, nothing new published."""


@dataclass(frozen=True)
class Registration:
    outcome: Outcome
    complaint: Complaint
    acknowledgement: Acknowledgement | None


@dataclass(frozen=True)
class IntakePolicy:
    sla_hours: float
    dealer_name: str
    zone: ZoneInfo
    calendar: BusinessCalendar | None = None
    """Business hours, when the closed loop runs on them: the promised time must match the
    clock resolution keeps."""

    def promise(self, registered_at: datetime, language: Language) -> str:
        """By when the customer is promised an outcome (``shared.calendar.promised_by``)."""
        span = timedelta(hours=self.sla_hours)
        due = self.calendar.add(registered_at, span) if self.calendar else registered_at + span
        return promised_by(
            due, hours=self.sla_hours, calendar=self.calendar, zone=self.zone, language=language
        )


class IntakeService:
    def __init__(
        self,
        *,
        store: IntakeStore,
        clock: Clock,
        cipher: FieldCipher,
        policy: IntakePolicy,
        on_commit: Callable[[], None] = lambda: None,
    ) -> None:
        self._store = store
        self._clock = clock
        self._cipher = cipher
        self._policy = policy
        self._on_commit = on_commit

    # -- commands ----------------------------------------------------------------

    async def register(
        self,
        draft: RecordDraft,
        *,
        actor: Actor,
        idempotency_key: str | None = None,
        follow_up_of: str | None = None,
    ) -> Registration:
        """Record a complaint once; a re-delivered message returns what it made the first time.

        ``follow_up_of`` is the ticket number of the open complaint the agent says this call
        follows up: the text is linked to it, whatever its words (``_check_chosen_target``).
        Without it, a text close to an open complaint's of the last 7 days is linked."""
        for attempt in range(_ATTEMPTS):
            try:
                return await self._register_once(draft, actor, idempotency_key, follow_up_of)
            except TransientStoreError:
                if attempt == _ATTEMPTS - 1:
                    raise
                await asyncio.sleep(0.01 * 2**attempt)
        raise AssertionError("unreachable")  # pragma: no cover

    async def _register_once(
        self,
        given: RecordDraft,
        actor: Actor,
        idempotency_key: str | None,
        follow_up_of: str | None,
    ) -> Registration:
        message_keys = self._message_keys(given, idempotency_key)
        chosen = await self._complaint_id_of(follow_up_of) if follow_up_of else None
        draft = _redacted(given)  # numbers in the words travel masked; the originals are sealed
        sealed = [
            self._cipher.encrypt(original)
            for original, masked in (
                (given.content, draft.content),
                (given.demand_note, draft.demand_note),
            )
            if original and original != masked
        ]
        async with self._store.unit_of_work() as uow:
            seen = await uow.find_message(self._lookup_keys(given, message_keys))
            if seen is not None:
                return Registration(Outcome.REPLAYED, self._from_stored(seen), None)
            now = self._clock.now()
            keys = self._customer_keys(draft.customer, draft.vehicle.vin)
            if chosen is not None:
                stored = await uow.get_complaint(chosen)
                assert stored is not None  # complaints are never deleted
                _check_chosen_target(stored, keys)
                registration = await self._link(
                    uow, draft, stored, actor=actor, now=now, sealed=sealed
                )
            else:
                registration = await self._register_or_link(uow, draft, keys, actor, now, sealed)
            await uow.remember_messages(message_keys, registration.complaint.id)
        self._on_commit()
        return registration

    async def _register_or_link(
        self,
        uow: IntakeUnitOfWork,
        draft: RecordDraft,
        keys: CustomerKeys,
        actor: Actor,
        now: datetime,
        sealed: list[str],
    ) -> Registration:
        """No complaint chosen: a follow-up of the open complaint about a similar matter of the
        last 7 days (``domain.repeats``), or a new complaint."""
        priors = await uow.complaints_of(keys, now - REPEAT_WINDOW)
        target = find_follow_up_target(
            draft.content, draft.vehicle.vin, [_prior(p) for p in priors], now=now
        )
        if target is not None:
            stored = next(p for p in priors if p.id == target.id)
            return await self._link(uow, draft, stored, actor=actor, now=now, sealed=sealed)
        return await self._register_new(
            uow,
            draft,
            repeat=is_repeat_complainant([_prior(p) for p in priors], now=now),
            actor=actor,
            now=now,
            sealed=sealed,
        )

    async def _complaint_id_of(self, ticket_no: str) -> str:
        """The id of the complaint the agent chose by its ticket number; 422 at
        ``body.follow_up_of`` when there is none."""
        found = await self._store.search(SearchQuery(ticket_no=ticket_no, limit=1))
        if not found:
            raise FieldValueError(
                ("body", "follow_up_of"),
                InvalidValueError(
                    "follow_up_unknown", f"no complaint {ticket_no}", ticket_no=ticket_no
                ),
            )
        return found[0].id

    async def _register_new(
        self,
        uow: IntakeUnitOfWork,
        draft: RecordDraft,
        *,
        repeat: bool,
        actor: Actor,
        now: datetime,
        sealed: list[str],
    ) -> Registration:
        day = now.astimezone(self._policy.zone).date()
        ticket_no = format_ticket_no(day, await uow.next_ticket_sequence(day))
        assessment = assess_urgency(
            draft.content,
            channel=draft.channel,
            repeat_complainant=repeat,
            marked_urgent=draft.marked_urgent,
        )
        complaint = Complaint(
            id=str(uuid4()),
            ticket_no=ticket_no,
            channel=draft.channel,
            customer=draft.customer,
            vehicle=draft.vehicle,
            target=draft.target,
            content=draft.content,
            demands=draft.demands,
            demand_note=draft.demand_note,
            language=draft.language or detect_language(draft.content),
            urgency=assessment.urgency,
            urgency_reasons=list(assessment.reasons),
            repeat_complainant=repeat,
            received_at=received_time(draft.received_at, now),
            registered_at=now,
            external_id=draft.external_id,
            references=draft.references,
        )
        ack = self._acknowledge(complaint, follow_up=False)
        await uow.add_complaint(
            self._to_stored(complaint).model_copy(update={"sealed_words": sealed})
        )
        registered = self._event(
            COMPLAINT_REGISTERED, _registered_payload(complaint), complaint, actor, now
        )
        notify = self._event(
            NOTIFICATION_REQUESTED,
            self._notification(complaint, ack, "acknowledgement"),
            complaint,
            actor,
            now,
            cause=registered,
        )
        await uow.add_events([registered, notify])
        return Registration(Outcome.REGISTERED, complaint, ack)

    async def _link(
        self,
        uow: IntakeUnitOfWork,
        draft: RecordDraft,
        stored: StoredComplaint,
        *,
        actor: Actor,
        now: datetime,
        sealed: list[str],
    ) -> Registration:
        follow_up = FollowUp(
            channel=draft.channel,
            content=draft.content,
            received_at=received_time(draft.received_at, now),
            linked_at=now,
            external_id=draft.external_id,
        )
        assessment = assess_urgency(
            draft.content,
            channel=draft.channel,
            repeat_complainant=stored.repeat_complainant,
            marked_urgent=draft.marked_urgent,
        )
        urgency = max(stored.urgency, assessment.urgency, key=_URGENCY_ORDER.index)
        reasons = list(dict.fromkeys([*stored.urgency_reasons, *assessment.reasons]))
        updated = stored.model_copy(
            update={
                "follow_ups": [*stored.follow_ups, follow_up],
                "sealed_words": [*stored.sealed_words, *sealed],
                "urgency": urgency,
                "urgency_reasons": reasons,
            }
        )
        await uow.replace_complaint(updated)
        complaint = self._from_stored(updated)
        ack = self._acknowledge(complaint, follow_up=True)
        event = self._event(
            COMPLAINT_UPDATED,
            ComplaintUpdated(
                complaint_id=complaint.id,
                ticket_no=complaint.ticket_no,
                channel=draft.channel,
                content=draft.content,
                received_at=follow_up.received_at,
                urgency=urgency,
                urgency_reasons=reasons,
            ),
            complaint,
            actor,
            now,
        )
        notify = self._event(
            NOTIFICATION_REQUESTED,
            self._notification(complaint, ack, "follow_up_acknowledgement"),
            complaint,
            actor,
            now,
            cause=event,
        )
        await uow.add_events([event, notify])
        return Registration(Outcome.LINKED, complaint, ack)

    async def on_case_closed(self, event: EventEnvelope) -> bool:
        """A closed complaint no longer takes follow-ups: a new message opens a new case."""
        return await self._case_turned(event, open_=False)

    async def on_case_reopened(self, event: EventEnvelope) -> bool:
        """A closed case the customer was not satisfied with after all (the 3-day call) is
        open again: their next message is a follow-up of it, not a new complaint."""
        return await self._case_turned(event, open_=True)

    async def _case_turned(self, event: EventEnvelope, *, open_: bool) -> bool:
        """Apply a case's closing or reopening once, unless a later one was applied first."""
        async with self._store.unit_of_work() as uow:
            if not await uow.claim(SERVICE, event.event_id):
                return False
            stored = await uow.get_complaint(event.complaint_id)
            if stored is None:
                raise LookupError(f"{event.type} for unknown complaint {event.complaint_id}")
            if _newer(event, stored):  # stamped even when nothing changes: see _newer
                update: dict[str, object] = {"open": open_, "case_changed_at": event.occurred_at}
                if open_:
                    update["closed_at"] = None
                elif stored.open:
                    update["closed_at"] = event.occurred_at
                await uow.replace_complaint(stored.model_copy(update=update))
        return True

    async def erase(
        self, *, actor: Actor, phone: str | None = None, ticket_no: str | None = None
    ) -> list[Complaint]:
        """Erase a customer's personal data at their request: every complaint that has their
        phone (and those sharing an email or WeChat openid with one: the same customer in
        another channel), or one ticket. All of them or none (``domain.erasure``); each
        erased complaint is announced so resolution and analytics drop their copies.
        Returns the complaints now erased, those erased before included."""
        now = self._clock.now()
        ticket = None
        if ticket_no is not None:
            found = await self._store.search(SearchQuery(ticket_no=ticket_no, limit=1))
            if not found:
                raise NotFoundError(f"no complaint {ticket_no}")
            ticket = found[0].id
        async with self._store.unit_of_work() as uow:
            if ticket is not None:
                stored = await uow.get_complaint(ticket)
                assert stored is not None  # complaints are never deleted
                complaints = [stored]
            else:
                complaints = await self._customer_complaints(uow, phone or "")
                if not complaints:
                    raise NotFoundError("no complaint has this phone number")
            check_erasable([c.ticket_no for c in complaints if c.open])
            erased, newly = [], 0
            for stored in complaints:
                if stored.erased_at is None:
                    stored = await self._erase_one(
                        uow, stored, ErasureReason.CUSTOMER_REQUEST, now, actor
                    )
                    newly += 1
                erased.append(stored)
        self._on_commit()
        if newly:
            await self._store.forget_deleted()
        return [self._from_stored(stored) for stored in erased]

    async def erase_past_retention(self, days: int) -> int:
        """Erase closed complaints whose retention period is over; returns how many."""
        cutoff = retention_cutoff(self._clock.now(), days)
        if cutoff is None:
            return 0
        actor, total = Actor.service(SERVICE), 0
        for _ in range(_RETENTION_BATCHES):
            due = await self._store.retained_before(cutoff, _RETENTION_BATCH)
            async with self._store.unit_of_work() as uow:
                for found in due:
                    stored = await uow.get_complaint(found.id)
                    start = stored.retain_from if stored else None
                    if stored is None or start is None or start >= cutoff:
                        continue  # changed meanwhile
                    await self._erase_one(
                        uow, stored, ErasureReason.RETENTION, self._clock.now(), actor
                    )
                    total += 1
            self._on_commit()
            if len(due) < _RETENTION_BATCH:
                break
        if total:
            await self._store.forget_deleted()
        return total

    async def erase_again_where_older(self) -> int:
        """Erase again, with what the current version drops, the complaints an older version
        erased (their reason, time and author stay), and announce each again so resolution
        and analytics drop what they kept too. At start, before any event; returns how many."""
        actor, total, done = Actor.service(SERVICE), 0, -1
        while total > done:  # each batch erases again, or nothing is left
            done = total
            due = await self._store.erased_before_version(ERASURE_VERSION, _RETENTION_BATCH)
            async with self._store.unit_of_work() as uow:
                for found in due:
                    stored = await uow.get_complaint(found.id)
                    assert stored is not None  # complaints are never deleted
                    if not erased_by_an_older_version(stored.erased_at, stored.erasure_version):
                        continue
                    assert stored.erased_at is not None and stored.erasure_reason is not None
                    again = _erased(
                        stored, stored.erasure_reason, stored.erased_at, stored.erased_by
                    )
                    await self._write_erased(uow, stored, again, actor)
                    total += 1
            self._on_commit()
        if total:
            await self._store.forget_deleted()
            log.info("complaints erased by an older version erased again", n=total)
        return total

    async def _erase_one(
        self,
        uow: IntakeUnitOfWork,
        stored: StoredComplaint,
        reason: ErasureReason,
        at: datetime,
        actor: Actor,
    ) -> StoredComplaint:
        """A service erasing on its own (retention) is recorded as nobody's."""
        by = None if reason is ErasureReason.RETENTION else actor.id
        return await self._write_erased(uow, stored, _erased(stored, reason, at, by), actor)

    async def _write_erased(
        self, uow: IntakeUnitOfWork, stored: StoredComplaint, erased: StoredComplaint, actor: Actor
    ) -> StoredComplaint:
        """Rewrites the complaint without its customer, leaves no copy under its message ids
        or in the events already sent, and announces it."""
        await self._forget_message_id(uow, stored)
        await uow.forget_published_events(stored.id)
        await uow.erase_delivery_texts(stored.id)
        await uow.erase_attachments(stored.id)
        await uow.replace_complaint(erased)
        await uow.add_events([self._erasure_event(erased, actor)])
        return erased

    async def _customer_complaints(
        self, uow: IntakeUnitOfWork, phone: str
    ) -> list[StoredComplaint]:
        """The complaints of the customer with this phone, across their channels."""
        direct = await uow.complaints_of(
            CustomerKeys(phone_hash=self._cipher.lookup_hash(phone)), since=_EVER
        )
        found = {c.id: c for c in direct}
        for complaint in direct:
            keys = CustomerKeys(
                email_hash=complaint.email_hash, wechat_openid=complaint.wechat_openid
            )
            found.update({c.id: c for c in await uow.complaints_of(keys, since=_EVER)})
        return sorted(found.values(), key=lambda c: c.registered_at)

    def _erasure_event(self, stored: StoredComplaint, actor: Actor) -> EventEnvelope:
        assert stored.erased_at is not None and stored.erasure_reason is not None
        return new_event(
            payload=ComplaintErased(
                complaint_id=stored.id,
                ticket_no=stored.ticket_no,
                reason=stored.erasure_reason,
                erased_at=stored.erased_at,
            ),
            event_type=COMPLAINT_ERASED,
            complaint_id=stored.id,
            actor=actor,
            producer=SERVICE,
            occurred_at=stored.erased_at,
        )

    async def reveal_contact(
        self, complaint_id: str, *, user: str, role: str
    ) -> tuple[Complaint, list[str]]:
        """The complaint with its customer's contact details, and the customer's words with
        the numbers in them when masking changed them, after recording who saw them: the
        audit row is written first, so no one sees a number without a trace."""
        now = self._clock.now()
        async with self._store.unit_of_work() as uow:
            stored = await uow.get_complaint(complaint_id)
            if stored is None:
                raise NotFoundError(f"no complaint {complaint_id}")
            if stored.erased_at is not None:  # nothing left to show, so nothing to audit
                raise ConflictError(
                    f"the personal data of {stored.ticket_no} was erased",
                    code="personal_data_erased",
                )
            await uow.add_contact_view(
                ContactView(complaint_id=complaint_id, user=user, role=role, at=now)
            )
        return self._from_stored(stored), [self._cipher.decrypt(w) for w in stored.sealed_words]

    async def contact_views(self, complaint_id: str) -> list[ContactView]:
        await self.get(complaint_id)
        return await self._store.contact_views(complaint_id)

    # -- queries -----------------------------------------------------------------

    async def get(self, complaint_id: str) -> Complaint:
        stored = await self._store.get_complaint(complaint_id)
        if stored is None:
            raise NotFoundError(f"no complaint {complaint_id}")
        return self._from_stored(stored)

    async def search(
        self,
        *,
        ticket_no: str | None = None,
        phone: str | None = None,
        vin: str | None = None,
        plate: str | None = None,
        limit: int = 50,
    ) -> list[Complaint]:
        query = SearchQuery(
            ticket_no=ticket_no,
            phone_hash=self._cipher.lookup_hash(phone) if phone else None,
            vin=vin,
            plate=plate,
            limit=limit,
        )
        return [self._from_stored(found) for found in await self._store.search(query)]

    # -- helpers -----------------------------------------------------------------

    def _message_keys(self, draft: RecordDraft, idempotency_key: str | None) -> list[str]:
        """The keys a redelivered message is known by. A channel's message id is kept only
        as its keyed hash: it may name the customer's post or chat, and the key must outlive
        the erasure so a late redelivery is still recognised instead of registered again."""
        keys = []
        if draft.external_id:
            keys.append(self._message_key(draft.channel, draft.external_id))
        if idempotency_key:
            keys.append(f"idem:{idempotency_key}")
        return keys

    def _message_key(self, channel: Channel, external_id: str) -> str:
        return f"msg:{channel.value}:#{self._cipher.lookup_hash(external_id)}"

    @staticmethod
    def _legacy_message_key(channel: Channel, external_id: str) -> str:
        """How message ids were kept before they were hashed: still looked up, rekeyed on
        erasure."""
        return f"msg:{channel.value}:{external_id}"

    def _lookup_keys(self, draft: RecordDraft, keys: list[str]) -> list[str]:
        if not draft.external_id:
            return keys
        return [*keys, self._legacy_message_key(draft.channel, draft.external_id)]

    async def _forget_message_id(self, uow: IntakeUnitOfWork, stored: StoredComplaint) -> None:
        """Rekeys the message ids kept in the clear, the complaint's and its follow-ups', that
        the erasure drops."""
        messages = [(stored.channel, stored.external_id)]
        messages += [(f.channel, f.external_id) for f in stored.follow_ups]
        for channel, external_id in messages:
            if external_id and kept_external_id(channel, external_id) is None:
                await uow.rekey_message(
                    self._legacy_message_key(channel, external_id),
                    self._message_key(channel, external_id),
                )

    def _customer_keys(self, customer: CustomerIn, vin: str | None) -> CustomerKeys:
        return CustomerKeys(
            phone_hash=self._cipher.lookup_hash(customer.phone) if customer.phone else None,
            email_hash=self._cipher.lookup_hash(customer.email) if customer.email else None,
            wechat_openid=customer.wechat_openid,
            vin=vin,
        )

    def _acknowledge(self, complaint: Complaint, *, follow_up: bool) -> Acknowledgement:
        return acknowledge(
            channel=complaint.channel,
            language=complaint.language,
            name=complaint.customer.name,
            ticket_no=complaint.ticket_no,
            promise=self._policy.promise(complaint.registered_at, complaint.language),
            dealer=self._policy.dealer_name,
            has_phone=complaint.customer.phone is not None,
            has_email=complaint.customer.email is not None,
            follow_up=follow_up,
        )

    @staticmethod
    def _notification(
        complaint: Complaint, ack: Acknowledgement, purpose: Purpose
    ) -> NotificationRequested:
        customer = complaint.customer
        if ack.medium == "email" and customer.email:
            recipient = mask_email(customer.email)
        elif customer.phone:
            recipient = mask_phone(customer.phone)
        else:
            recipient = customer.wechat_openid or customer.customer_id or "-"
            recipient = mask_code(recipient) if len(recipient) > 4 else recipient
        return NotificationRequested(
            complaint_id=complaint.id,
            ticket_no=complaint.ticket_no,
            purpose=purpose,
            medium=ack.medium,
            language=ack.language,
            recipient_masked=recipient,
            text=ack.text,
        )

    @staticmethod
    def _event(
        event_type: str,
        payload: ComplaintRegistered | ComplaintUpdated | NotificationRequested,
        complaint: Complaint,
        actor: Actor,
        now: datetime,
        *,
        cause: EventEnvelope | None = None,
    ) -> EventEnvelope:
        return new_event(
            payload=payload,
            event_type=event_type,
            complaint_id=complaint.id,
            actor=actor,
            producer=SERVICE,
            occurred_at=now,
            cause=cause,
        )

    def _to_stored(self, complaint: Complaint) -> StoredComplaint:
        customer = complaint.customer
        encrypt, lookup = self._cipher.encrypt, self._cipher.lookup_hash
        return StoredComplaint(
            id=complaint.id,
            ticket_no=complaint.ticket_no,
            channel=complaint.channel,
            customer_name=customer.name,
            customer_id=customer.customer_id,
            wechat_openid=customer.wechat_openid,
            phone_encrypted=encrypt(customer.phone) if customer.phone else None,
            phone_hash=lookup(customer.phone) if customer.phone else None,
            phone_masked=mask_phone(customer.phone) if customer.phone else None,
            email_encrypted=encrypt(customer.email) if customer.email else None,
            email_hash=lookup(customer.email) if customer.email else None,
            email_masked=mask_email(customer.email) if customer.email else None,
            id_number_encrypted=encrypt(customer.id_number) if customer.id_number else None,
            id_number_masked=mask_id_number(customer.id_number) if customer.id_number else None,
            vehicle=complaint.vehicle,
            target=complaint.target,
            content=complaint.content,
            demands=complaint.demands,
            demand_note=complaint.demand_note,
            language=complaint.language,
            urgency=complaint.urgency,
            urgency_reasons=complaint.urgency_reasons,
            repeat_complainant=complaint.repeat_complainant,
            received_at=complaint.received_at,
            registered_at=complaint.registered_at,
            external_id=complaint.external_id,
            references=complaint.references,
            follow_ups=complaint.follow_ups,
        )

    def _from_stored(self, stored: StoredComplaint) -> Complaint:
        decrypt = self._cipher.decrypt
        customer = CustomerIn.model_construct(
            name=stored.customer_name,
            phone=decrypt(stored.phone_encrypted) if stored.phone_encrypted else None,
            customer_id=stored.customer_id,
            id_number=decrypt(stored.id_number_encrypted) if stored.id_number_encrypted else None,
            email=decrypt(stored.email_encrypted) if stored.email_encrypted else None,
            wechat_openid=stored.wechat_openid,
        )
        # an erased complaint has no way to reach anyone: read as stored, not validated
        build = Complaint.model_construct if stored.erased_at else Complaint
        return build(
            id=stored.id,
            ticket_no=stored.ticket_no,
            channel=stored.channel,
            customer=customer,
            vehicle=stored.vehicle,
            target=stored.target,
            content=stored.content,
            demands=stored.demands,
            demand_note=stored.demand_note,
            language=stored.language,
            urgency=stored.urgency,
            urgency_reasons=stored.urgency_reasons,
            repeat_complainant=stored.repeat_complainant,
            received_at=stored.received_at,
            registered_at=stored.registered_at,
            external_id=stored.external_id,
            references=stored.references,
            follow_ups=stored.follow_ups,
            open=stored.open,
            closed_at=stored.closed_at,
            erased_at=stored.erased_at,
            erasure_reason=stored.erasure_reason,
        )


def _erased(
    stored: StoredComplaint, reason: ErasureReason, at: datetime, by: str | None
) -> StoredComplaint:
    """The complaint without its customer: no name, contact, ID, car identity or words (the
    look-ups go too, so no search or repeat link finds them); dates, channel, urgency,
    demands, target and the references that do not point at the person stay for the
    dealership's records."""
    return stored.model_copy(
        update={
            "customer_name": ERASED_NAME,
            **dict.fromkeys(
                (
                    "customer_id",
                    "wechat_openid",
                    "phone_encrypted",
                    "phone_hash",
                    "phone_masked",
                    "email_encrypted",
                    "email_hash",
                    "email_masked",
                    "id_number_encrypted",
                    "id_number_masked",
                    "demand_note",
                )
            ),
            "vehicle": VehicleIn(model=stored.vehicle.model),
            "content": "",
            "external_id": kept_external_id(stored.channel, stored.external_id),
            "sealed_words": [],
            "follow_ups": [_erased_follow_up(f) for f in stored.follow_ups],
            "references": {
                k: v for k, v in stored.references.items() if k not in PERSONAL_REFERENCES
            },
            "erased_at": at,
            "erasure_reason": reason,
            "erased_by": by,
            "erasure_version": ERASURE_VERSION,
        }
    )


def _erased_follow_up(follow_up: FollowUp) -> FollowUp:
    kept = kept_external_id(follow_up.channel, follow_up.external_id)
    return follow_up.model_copy(update={"content": "", "external_id": kept})


def _redacted(draft: RecordDraft) -> RecordDraft:
    note = draft.demand_note
    return draft.model_copy(
        update={"content": redact(draft.content), "demand_note": redact(note) if note else note}
    )


def _check_chosen_target(stored: StoredComplaint, keys: CustomerKeys) -> None:
    """The complaint an agent chose takes the follow-up only while it is open (as for the
    automatic link: not once its case is closed, nor erased) and only if it is the caller's:
    the same phone, email, WeChat openid or VIN the automatic link looks for. Its age and
    words do not matter: the agent heard the customer. 409 otherwise."""
    if not stored.open or stored.erased_at is not None:
        raise ConflictError(
            f"{stored.ticket_no} is closed: it takes no more follow-ups; register a new complaint",
            code="follow_up_closed",
            ticket_no=stored.ticket_no,
        )
    if not keys.recognise(stored):
        raise ConflictError(
            f"{stored.ticket_no} is another customer's complaint: no phone, email, WeChat"
            " openid or VIN in common",
            code="follow_up_other_customer",
            ticket_no=stored.ticket_no,
        )


def _prior(stored: StoredComplaint) -> PriorComplaint:
    return PriorComplaint(
        id=stored.id,
        ticket_no=stored.ticket_no,
        content=stored.content,
        registered_at=stored.registered_at,
        vin=stored.vehicle.vin,
        open=stored.open,
    )


def _registered_payload(complaint: Complaint) -> ComplaintRegistered:
    target = complaint.target
    return ComplaintRegistered(
        complaint_id=complaint.id,
        ticket_no=complaint.ticket_no,
        channel=complaint.channel,
        received_at=complaint.received_at,
        registered_at=complaint.registered_at,
        customer_name=complaint.customer.name,
        phone_masked=mask_phone(complaint.customer.phone) if complaint.customer.phone else "",
        content=complaint.content,
        language=complaint.language,
        urgency=complaint.urgency,
        urgency_reasons=complaint.urgency_reasons,
        repeat_complainant=complaint.repeat_complainant,
        demands=complaint.demands,
        demand_note=complaint.demand_note,
        vehicle_model=complaint.vehicle.model,
        plate_masked=mask_plate(complaint.vehicle.plate) if complaint.vehicle.plate else None,
        target_kind=target.kind if target else None,
        target_department=target.department if target else None,
        target_staff=target.staff_name if target else None,
        references=complaint.references,
    )


def _newer(event: EventEnvelope, stored: StoredComplaint) -> bool:
    """The case event is not older than the last one applied (a replay out of order):
    every close and reopen stamps the time, even one that changes nothing, so a reopening
    dead-lettered before a later closing cannot open the complaint when replayed."""
    return stored.case_changed_at is None or event.occurred_at >= stored.case_changed_at
