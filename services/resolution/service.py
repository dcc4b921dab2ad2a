"""Resolution use cases: open a case for each registered complaint, exactly once."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from uuid import NAMESPACE_URL, uuid4, uuid5

import structlog

from services.resolution.domain.alerts import (
    OWNER_LEFT_ALERT,
    REOPENED_ALERT,
    Alert,
    addressee,
    told,
)
from services.resolution.domain.alerts import Reader as AlertReader
from services.resolution.domain.approvals import DEFAULT_SECOND_APPROVAL_ABOVE
from services.resolution.domain.case import (
    Actor as CaseActor,
)
from services.resolution.domain.case import (
    Assign,
    Case,
    CaseStatus,
    CauseSuggestion,
    CommandBase,
    CustomerNotice,
    Step,
    TimelineEntry,
    add_evidence,
    add_follow_up,
    called_back,
    check_contact,
    decide,
    open_case,
)
from services.resolution.domain.erasure import erase_personal_data, without_quotes
from services.resolution.domain.loop import current_round, reopens
from services.resolution.domain.messages import customer_message
from services.resolution.domain.milestones import (
    DueMilestone,
    Milestone,
    due_milestones,
    follow_up_deadline,
    next_deadline,
    superseded,
)
from services.resolution.domain.sla import SlaPolicy
from services.resolution.domain.staff import (
    StaffMember,
    departed,
    no_longer_owns,
    owner_problem,
    shown_name,
    stops_owning,
)
from services.resolution.domain.stages import stage_account
from services.resolution.store import ResolutionStore
from shared.calendar import promised_by
from shared.clock import Clock
from shared.contracts.analytics import CausePredicted
from shared.contracts.envelope import Actor, EventEnvelope, new_event
from shared.contracts.intake import (
    ComplaintAttachmentAdded,
    ComplaintErased,
    ComplaintRegistered,
    ComplaintUpdated,
)
from shared.contracts.notifications import (
    NOTIFICATION_REQUESTED,
    NotificationRequested,
    NotificationSettled,
)
from shared.contracts.resolution import (
    CASE_CLOSED,
    CASE_OPENED,
    CASE_REOPENED,
    SLA_EVENTS,
    STEP_EVENTS,
    CaseOpened,
    CaseSlaMilestone,
    CaseStepTaken,
    StageTime,
)
from shared.errors import (
    ConflictError,
    FieldValueError,
    ForbiddenError,
    NotFoundError,
    TransientStoreError,
)
from shared.vocab import Accountable, CaseStage, Language

SERVICE = "resolution"
OPEN_STATUSES = [s for s in CaseStatus if s is not CaseStatus.CLOSED]
_EVERY_CASE = 100_000
"""More open cases than one person could ever hold."""
log = structlog.get_logger(__name__)


class ResolutionService:
    def __init__(
        self,
        *,
        store: ResolutionStore,
        clock: Clock,
        sla_hours: float,
        second_approval_above: Decimal = DEFAULT_SECOND_APPROVAL_ABOVE,
        policy: SlaPolicy | None = None,
        dealer_name: str = "",
        on_commit: Callable[[], None] = lambda: None,
    ) -> None:
        self._dealer_name = dealer_name
        self._store = store
        self._clock = clock
        self._sla_hours = sla_hours
        self._second_approval_above = second_approval_above
        self._on_commit = on_commit
        self._policy = policy or SlaPolicy(resolve_hours=sla_hours)
        self._rescheduled = False

    async def on_complaint_registered(self, event: EventEnvelope) -> bool:
        """Open the case; False when this event (or this complaint) was seen before."""
        complaint = event.payload_as(ComplaintRegistered)
        async with self._store.unit_of_work() as uow:
            if not await uow.claim(SERVICE, event.event_id):
                return False
            if await uow.get_case(complaint.complaint_id) is not None:
                return False  # a re-registration of the same complaint opens nothing new
            now = self._clock.now()
            case = self._scheduled(
                open_case(complaint, case_id=str(uuid4()), now=now, sla_hours=self._sla_hours),
                now,
            )
            await uow.add_case(case)
            await uow.add_events([_opened_event(case, cause=event)])
        return True

    async def on_complaint_updated(self, event: EventEnvelope) -> bool:
        """A follow-up of the customer reaches the case that owns the complaint."""
        update = event.payload_as(ComplaintUpdated)
        async with self._store.unit_of_work() as uow:
            if not await uow.claim(SERVICE, event.event_id):
                return False
            case = await uow.get_case(update.complaint_id)
            if case is None:
                # events of one complaint share a partition, so the case exists unless the
                # registration itself was dead-lettered: then this one is poison too
                raise LookupError(f"no case for complaint {update.complaint_id} to update")
            await uow.save_case(add_follow_up(case, update))
        return True

    async def on_attachment_added(self, event: EventEnvelope) -> bool:
        """A file was attached at intake: the case lists it (the file stays there)."""
        added = event.payload_as(ComplaintAttachmentAdded)
        async with self._store.unit_of_work() as uow:
            if not await uow.claim(SERVICE, event.event_id):
                return False
            case = await uow.get_case(added.complaint_id)
            if case is None:  # as for an update: the registration itself was dead-lettered
                raise LookupError(f"no case for complaint {added.complaint_id} to attach to")
            updated = add_evidence(case, added)
            if updated == case:
                return False
            await uow.save_case(updated)
        return True

    async def on_complaint_erased(self, event: EventEnvelope) -> bool:
        """Intake erased the complaint's personal data: the case drops its copies too, its
        events already sent leave the outbox, and nobody is told (the customer asked, or the
        law says so). False when already done."""
        erased = event.payload_as(ComplaintErased)
        async with self._store.unit_of_work() as uow:
            if not await uow.claim(SERVICE, event.event_id):
                return False
            case = await uow.get_case(erased.complaint_id)
            if case is None:
                # as for an update: the registration was dead-lettered, so this one is kept
                # beside it, and replaying both in order erases the case it opens
                raise LookupError(f"no case for complaint {erased.complaint_id} to erase")
            await uow.forget_published_events(erased.complaint_id)
            updated = erase_personal_data(case, erased)
            changed = updated != case  # unchanged: erased before, by another event
            if changed:
                await uow.save_case(updated)
                if updated.suggestion is not None:  # kept beside the case: erase it there
                    await uow.save_suggestion(updated.complaint_id, updated.suggestion)
        await self._store.forget_deleted()
        return changed

    @property
    def policy(self) -> SlaPolicy:
        return self._policy

    def on_commit(self, callback: Callable[[], None]) -> None:
        """Called after each committed command (the relay publishes at once)."""
        self._on_commit = callback

    async def take_step(
        self,
        complaint_id: str,
        step: Step,
        command: CommandBase,
        *,
        actor: CaseActor,
        expected_version: int | None = None,
    ) -> Case:
        """One command on one case: decided, saved (optimistically) and published together.

        Someone the directory says has left takes no step, whatever token they still hold."""
        staff = await self._refuse_departed(actor)
        async with self._store.unit_of_work() as uow:
            case = await uow.get_case(complaint_id)
            if case is None:
                raise NotFoundError(f"no case for complaint {complaint_id}")
            if actor.role == "owner" and no_longer_owns(staff, actor.user, _department_of(case)):
                raise ForbiddenError(  # moved on: the case waits for its head to reassign it
                    f"{actor.user} no longer works for this case's department",
                    code="staff_moved",
                    user=actor.user,
                )
            if expected_version is not None and case.version != expected_version:
                raise ConflictError(
                    f"the case is at version {case.version}, not {expected_version}:"
                    " reload it and try again",
                    code="case_changed",
                )
            now = self._clock.now()
            updated = self._scheduled(
                decide(
                    case,
                    step,
                    command,
                    actor=actor,
                    now=now,
                    second_approval_above=self._second_approval_above,
                ),
                now,
            )
            if isinstance(command, Assign) and (  # after decide: 404, 409 and 403 come first
                refused := owner_problem(staff, command.department, command.owner)
            ):
                raise FieldValueError(("body", "owner"), refused)
            await uow.save_case(updated)
            events = _step_events(
                updated,
                step,
                actor=actor,
                now=now,
                policy=self._policy,
                dealer=self._dealer_name,
                owner_name=shown_name(staff, updated.owner),  # only (re)assignment names them
            )
            await uow.add_events(events)
            if reopens(updated.timeline[-1]):
                alert = _head_alert(
                    updated,
                    REOPENED_ALERT,
                    alert_id=events[0].event_id,
                    policy=self._policy,
                    now=now,
                )
                await uow.add_alerts([alert])
        self._on_commit()
        return updated

    async def staff(self) -> list[StaffMember]:
        return await self._store.staff()

    async def alerts_for(
        self, reader: AlertReader, *, unread_only: bool = False, limit: int = 100
    ) -> list[Alert]:
        return await self._store.alerts_for(reader, unread_only=unread_only, limit=limit)

    async def unread_alerts(self, reader: AlertReader) -> int:
        return await self._store.count_unread_alerts(reader)

    async def mark_all_alerts_read(self, reader: AlertReader) -> int:
        return await self._store.mark_all_alerts_read(reader, at=self._clock.now())

    async def mark_alert_read(self, alert_id: str, reader: AlertReader) -> Alert:
        """Marked read by whoever it was addressed to (the first reading stands)."""
        alert = await self._store.get_alert(alert_id)
        if alert is None:
            raise NotFoundError(f"no alert {alert_id}")
        if not told(alert, reader):  # an administrator reads every inbox, clears none
            raise ForbiddenError("this alert was addressed to someone else", code="not_your_alert")
        marked = await self._store.mark_alert_read(alert_id, by=reader.user, at=self._clock.now())
        if marked is None:  # read long ago and purged meanwhile
            raise NotFoundError(f"no alert {alert_id}")
        return marked

    async def purge_read_alerts(self, *, keep: timedelta, batch: int = 1000) -> int:
        """Delete the alerts read more than ``keep`` ago, a batch at a time; how many. An
        inbox is for what still needs doing: what was read is history the case's timeline
        keeps, and a table that only grows slows every page. Unread alerts stay."""
        cutoff = self._clock.now() - keep
        purged = 0
        while deleted := await self._store.purge_read_alerts(cutoff, batch):
            purged += deleted
        if purged:
            log.info("read alerts purged", n=purged)
        return purged

    async def put_staff(self, member: StaffMember) -> StaffMember:
        """Someone who leaves, or moves to another department, leaves their open cases to
        its head: one alert per case, in the same write as the directory's change."""
        before = next((m for m in await self._store.staff() if m.user == member.user), None)
        held: list[Case] = []
        if stops_owning(before, member):
            held = await self._store.list_cases(
                owner=member.user, statuses=OPEN_STATUSES, limit=_EVERY_CASE
            )
        now = self._clock.now()
        async with self._store.unit_of_work() as uow:
            await uow.put_staff(member)
            await uow.add_alerts(
                [
                    _head_alert(
                        case,
                        OWNER_LEFT_ALERT,
                        # the same change made twice at once raises one alert per case
                        alert_id=str(
                            uuid5(NAMESPACE_URL, f"owner-left/{case.case_id}/{case.version}")
                        ),
                        policy=self._policy,
                        now=now,
                    )
                    for case in held
                ]
            )
        if held:
            log.info("owner left their cases to the head", user=member.user, cases=len(held))
        return member

    async def sweep(self, limit: int = 100) -> int:
        """Fire every SLA milestone that has come, once; returns how many fired.

        Safe to run after a restart and on several instances at once: a milestone is
        recorded on the case in the same write as its event, under the case's version.
        """
        if not self._rescheduled:
            await self.reschedule_open_cases()
        now = self._clock.now()
        fired = 0
        staff = await self._store.staff()  # reminders for who left or moved: their head
        for due in await self._store.due_cases(now, limit):
            try:
                async with self._store.unit_of_work() as uow:
                    case = await uow.get_case(due.complaint_id)
                    if case is None:
                        continue
                    milestones = _routed(due_milestones(case, self._policy, now), case, staff)
                    silent = superseded(milestones, case.sla_fired)
                    updated = self._scheduled(_fire(case, milestones, silent, now), now)
                    if updated == case:
                        continue
                    if updated.version == case.version:  # only the next deadline moved
                        updated = updated.model_copy(update={"version": case.version + 1})
                    await uow.save_case(updated)
                    sent = [m for m in milestones if m.key not in silent]
                    events = _milestone_events(updated, sent, now)
                    await uow.add_events(events)
                    await uow.add_alerts([_alert(event) for event in events])
            except (ConflictError, TransientStoreError):
                continue  # someone else moved the case; the next sweep looks again
            fired += len(sent)
        if fired:
            self._on_commit()
        return fired

    async def reschedule_open_cases(self, page: int = 500) -> int:
        """Recompute each open case's next SLA deadline and due time, once per start: after
        an upgrade that adds a milestone, or a change of the SLA settings, the stored ones
        may be late or missing, and a case nobody looks at would never be warned. Reads the
        open cases a page at a time; returns how many moved."""
        now = self._clock.now()
        moved, after = 0, None
        while cases := await self._store.open_cases(after=after, limit=page):
            after = cases[-1].complaint_id
            for case in cases:
                try:
                    moved += await self._reschedule(case, now)
                except Exception:  # one unreadable case must not stop every sweep
                    log.exception("could not reschedule a case", complaint=case.complaint_id)
        self._rescheduled = True  # every page read: a failure is tried again next sweep
        if moved:
            log.info("SLA deadlines rescheduled", cases=moved)
        return moved

    async def _reschedule(self, case: Case, now: datetime) -> int:
        updated = self._scheduled(case, now)
        if (updated.next_deadline_at, updated.due_at) == (case.next_deadline_at, case.due_at):
            return 0
        try:
            async with self._store.unit_of_work() as uow:
                await uow.save_case(updated.model_copy(update={"version": case.version + 1}))
        except (ConflictError, TransientStoreError):
            return 0  # moved by a step meanwhile, which rescheduled it
        return 1

    def _scheduled(self, case: Case, now: datetime) -> Case:
        """The case with its next SLA deadline (on hold, only the customer's news can fall
        due; resuming schedules the rest again) and the due time of its current round, by
        which queues are sorted."""
        upcoming = next_deadline(case, self._policy, now)
        due = case.due_at  # on hold it would move every moment: set again on resuming
        if case.status is not CaseStatus.ON_HOLD:
            due = current_round(case).deadlines(self._policy, now).due_at.astimezone(UTC)
        return case.model_copy(
            update={
                "next_deadline_at": upcoming.astimezone(UTC) if upcoming else None,
                "due_at": due,  # stored as text in UTC: one offset sorts right
            }
        )

    async def list_cases(
        self,
        *,
        owner: str | None = None,
        department: str | None = None,
        statuses: list[CaseStatus] | None = None,
        limit: int = 200,
        include_unassigned: bool = False,
        call_owed: bool = False,
        newest_first: bool = False,
        offset: int = 0,
    ) -> list[Case]:
        return await self._store.list_cases(
            owner=owner,
            department=department,
            statuses=statuses,
            limit=limit,
            include_unassigned=include_unassigned,
            call_owed=call_owed,
            newest_first=newest_first,
            offset=offset,
        )

    async def on_cause_predicted(self, event: EventEnvelope) -> bool:
        """Analytics' predicted cause becomes the investigator's suggestion on the case."""
        prediction = event.payload_as(CausePredicted)
        async with self._store.unit_of_work() as uow:
            if not await uow.claim(SERVICE, event.event_id):
                return False
            case = await uow.get_case(prediction.complaint_id)
            if case is None:
                raise LookupError(f"no case for complaint {prediction.complaint_id} to suggest to")
            suggestion = CauseSuggestion(
                causes=prediction.causes,
                primary_cause=prediction.primary_cause,
                confidence=prediction.confidence,
                model_version=prediction.model_version,
                explanation=prediction.explanation,
                evidence=prediction.evidence,
            )
            if case.erased_at is not None:  # a late prediction must not bring the words back
                suggestion = without_quotes(suggestion)
            await uow.save_suggestion(prediction.complaint_id, suggestion)
        return True

    async def on_notification_settled(self, event: EventEnvelope) -> bool:
        """Intake's gateway reported what became of a message to the customer. Kept even
        before the case exists: the acknowledgement may be settled before resolution has
        read the registration (another topic), and a notice needs nothing from the case."""
        settled = event.payload_as(NotificationSettled)
        notice = CustomerNotice(
            request_id=settled.request_id,
            purpose=settled.purpose,
            medium=settled.medium,
            status=settled.status,
            attempts=settled.attempts,
            at=event.occurred_at,
            reason=settled.reason,
            step=settled.step,
        )
        async with self._store.unit_of_work() as uow:
            if not await uow.claim(SERVICE, event.event_id):
                return False
            await uow.add_notice(settled.complaint_id, notice)
        return True

    async def notices_of(self, complaint_id: str) -> list[CustomerNotice]:
        return await self._store.notices_of(complaint_id)

    @property
    def second_approval_above(self) -> Decimal:
        """Remedies above this amount also need a general manager's approval."""
        return self._second_approval_above

    async def _refuse_departed(self, actor: CaseActor) -> list[StaffMember]:
        """The staff directory, unless it says ``actor`` has left (403 ``staff_inactive``,
        whatever token they still hold): a leaver neither works cases nor reads customers'
        numbers."""
        staff = await self._store.staff()
        if actor.user in departed(staff):
            raise ForbiddenError(
                f"{actor.user} no longer works here", code="staff_inactive", user=actor.user
            )
        return staff

    async def check_contact(self, complaint_id: str, actor: CaseActor) -> Case:
        """The case, if ``actor`` may contact its customer (StepRefusedError otherwise)."""
        await self._refuse_departed(actor)
        case = await self.get_case(complaint_id)
        check_contact(case, actor)
        return case

    async def get_case(self, complaint_id: str) -> Case:
        case = await self._store.get_case(complaint_id)
        if case is None:
            raise NotFoundError(f"no case for complaint {complaint_id}")
        return case


def _opened_event(case: Case, *, cause: EventEnvelope) -> EventEnvelope:
    return new_event(
        payload=CaseOpened(
            complaint_id=case.complaint_id,
            case_id=case.case_id,
            status=case.status.value,
            opened_at=case.opened_at,
            due_at=case.due_at,
        ),
        event_type=CASE_OPENED,
        complaint_id=case.complaint_id,
        actor=Actor.service(SERVICE),
        producer=SERVICE,
        occurred_at=case.opened_at,
        cause=cause,
    )


def _step_events(
    case: Case,
    step: Step,
    *,
    actor: CaseActor,
    now: datetime,
    policy: SlaPolicy,
    dealer: str,
    owner_name: str,
) -> list[EventEnvelope]:
    entry = case.timeline[-1]
    closing = entry.to_status is CaseStatus.CLOSED and entry.from_status is not CaseStatus.CLOSED
    reopening = entry.from_status is CaseStatus.CLOSED and entry.to_status is not CaseStatus.CLOSED
    payload = CaseStepTaken(
        complaint_id=case.complaint_id,
        case_id=case.case_id,
        ticket_no=case.ticket_no,
        step=step.value,
        from_status=entry.from_status.value,
        to_status=entry.to_status.value,
        actor=actor.user,
        role=actor.role,
        at=now,
        note=entry.note,
        department=case.department.value if case.department else None,
        owner=case.owner,
        escalation_level=case.escalation_level,
        causes=[c.value for c in case.causes],
        primary_cause=case.primary_cause.value if case.primary_cause else None,
        remedy_types=list(case.remedy.types) if case.remedy else [],
        remedy_amount=str(case.remedy.amount) if case.remedy else None,
        satisfaction=case.satisfaction,
        waiting_for=case.holds[-1].waiting_for.value if step is Step.PUT_ON_HOLD else None,
        touchpoint=case.touchpoint,
        responsible_staff=case.responsible_staff,
        follow_up_due_at=follow_up_deadline(case),
        follow_up_call_at=case.follow_up_call_at if called_back(case) else None,
        follow_up_satisfaction=case.follow_up_satisfaction if called_back(case) else None,
        stage_times=_stage_times(case, policy, now) if closing else [],
    )
    who = Actor(id=actor.user, role=actor.role)
    events = [
        new_event(
            payload=payload,
            event_type=STEP_EVENTS[step.value],
            complaint_id=case.complaint_id,
            actor=who,
            producer=SERVICE,
            occurred_at=now,
        )
    ]
    language: Language = "en" if case.language == "en" else "zh"
    message = customer_message(
        step,
        entry.from_status,
        entry.to_status,
        ticket=case.ticket_no,
        owner=owner_name,
        note=entry.note,
        language=language,
        promise=promised_by(
            current_round(case).deadlines(policy, now).due_at,
            hours=policy.resolve_hours,
            calendar=policy.calendar,
            zone=policy.zone,
            language=language,
        ),
        dealer=dealer,
    )
    if message is not None:
        purpose, text = message
        events.append(
            new_event(
                payload=NotificationRequested(
                    complaint_id=case.complaint_id,
                    ticket_no=case.ticket_no,
                    purpose=purpose,
                    medium="as_registered",
                    language=language,
                    recipient_masked="complainant",
                    text=text,
                    step=step.value,
                ),
                event_type=NOTIFICATION_REQUESTED,
                complaint_id=case.complaint_id,
                actor=who,
                producer=SERVICE,
                occurred_at=now,
                cause=events[0],
            )
        )
    if closing or reopening:
        events.append(
            new_event(
                payload=payload,
                event_type=CASE_CLOSED if closing else CASE_REOPENED,
                complaint_id=case.complaint_id,
                actor=who,
                producer=SERVICE,
                occurred_at=now,
                cause=events[0],
            )
        )
    return events


def _fire(case: Case, milestones: list[DueMilestone], silent: set[str], now: datetime) -> Case:
    """Record every milestone as fired; the timeline shows those that were sent."""
    if not milestones:
        return case
    level = case.escalation_level
    entries = list(case.timeline)
    for due in milestones:
        if due.key in silent:
            continue
        if due.milestone is Milestone.BREACH:
            level = max(level, 1 if due.round == 1 else 2)  # a reopened case: the GM
        elif due.milestone is Milestone.GM_ESCALATION:
            level = max(level, 2)
        entries.append(
            TimelineEntry(
                at=now,
                actor="sla",
                role="system",
                step=f"sla_{due.milestone.value}",
                from_status=case.status,
                to_status=case.status,
                note=f"{due.stage + ' ' if due.stage else ''}due {due.deadline_at.isoformat()};"
                f" {due.notify} notified",
                department=case.department.value if case.department else None,
                stage=due.stage,
                round=due.round,
            )
        )
    return case.model_copy(
        update={
            "sla_fired": [*case.sla_fired, *(m.key for m in milestones)],
            "escalation_level": level,
            "timeline": entries,
            "version": case.version + 1,
        }
    )


def _stage_times(case: Case, policy: SlaPolicy, now: datetime) -> list[StageTime]:
    """The case's time per stage and department, for reports: an overrun is charged to the
    department that held the stage last."""
    account = stage_account(case, policy, now)
    overrun = {clock.stage for clock in account.clocks if clock.over}
    seconds: dict[tuple[CaseStage, str | None], float] = {}
    for charge in account.charges:
        key = (charge.stage, charge.department)
        seconds[key] = seconds.get(key, 0.0) + charge.spent.total_seconds()
    return [
        StageTime(
            stage=stage.value,
            department=department,
            seconds=round(total),
            over=stage in overrun and account.last_holders.get(stage) == department,
        )
        for (stage, department), total in seconds.items()
    ]


def _department_of(case: Case) -> str | None:
    """The case's department, or before assignment the one the complaint is about."""
    department = case.department or case.target_department
    return department.value if department else None


def _head_alert(
    case: Case, milestone: str, *, alert_id: str, policy: SlaPolicy, now: datetime
) -> Alert:
    """Not a deadline but news its head must act on at once: a dissatisfied customer
    reopened the case one level up (``REOPENED_ALERT``), or its owner left or moved
    (``OWNER_LEFT_ALERT``) and someone else must take it before the clock runs out."""
    loop = current_round(case)
    return Alert(
        id=alert_id,
        complaint_id=case.complaint_id,
        ticket_no=case.ticket_no,
        milestone=milestone,
        notify=addressee(Accountable.DEPARTMENT_HEAD, case.owner, _department_of(case)),
        owner=case.owner,
        department=_department_of(case),
        due_at=loop.deadlines(policy, now).due_at,
        at=now,
        round=loop.number,
    )


def _routed(
    milestones: list[DueMilestone], case: Case, staff: list[StaffMember]
) -> list[DueMilestone]:
    """Each milestone addressed to who can act on it (an owner who left or moved: their
    head), so the event on the bus, the timeline and the alert all name the same one."""
    routed = []
    for due in milestones:
        department = due.department or _department_of(case)
        notify = addressee(
            Accountable(due.notify),
            case.owner,
            department,
            owner_gone=no_longer_owns(staff, case.owner, department),
        )
        routed.append(replace(due, notify=notify.value))
    return routed


def _alert(event: EventEnvelope) -> Alert:
    """The milestone event (already addressed: ``_routed``) as its addressee's alert."""
    milestone = event.payload_as(CaseSlaMilestone)
    return Alert(
        id=event.event_id,
        complaint_id=milestone.complaint_id,
        ticket_no=milestone.ticket_no,
        milestone=milestone.milestone,
        notify=Accountable(milestone.notify),
        owner=milestone.owner,
        department=milestone.department,
        due_at=milestone.due_at,
        deadline_at=milestone.deadline_at,
        at=event.occurred_at,
        stage=milestone.stage,
        round=milestone.round,
    )


def _milestone_events(
    case: Case, milestones: list[DueMilestone], now: datetime
) -> list[EventEnvelope]:
    return [
        new_event(
            payload=CaseSlaMilestone(
                complaint_id=case.complaint_id,
                case_id=case.case_id,
                ticket_no=case.ticket_no,
                milestone=due.milestone.value,
                stage=due.stage,
                round=due.round,
                due_at=due.due_at,
                deadline_at=due.deadline_at,
                notify=due.notify,
                owner=case.owner,
                department=due.department or _department_of(case),
                escalation_level=case.escalation_level,
            ),
            event_type=SLA_EVENTS[due.milestone.value],
            complaint_id=case.complaint_id,
            actor=Actor.service(SERVICE),
            producer=SERVICE,
            occurred_at=now,
        )
        for due in milestones
    ]
