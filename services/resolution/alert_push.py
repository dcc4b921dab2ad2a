"""Staff alerts pushed where staff actually look: a WeChat Work (企业微信) group robot, or a
JSON webhook of the dealership's own.

The inbox (``domain.alerts``) is read when someone next opens a page; a head in a meeting
learns of the 90 % warning only if it reaches their phone. Each alert the sweeper keeps is
pushed once, by a periodic job: claimed first (two instances never send the same one),
tried again with backoff while the robot is down, given up after a few tries or when it
is too old to be news. Pushing never holds up the sweep, and a failed push loses nothing:
the alert is still in the inbox.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

import httpx
import structlog

from services.resolution.domain.alerts import Alert
from services.resolution.domain.case import CaseStatus
from services.resolution.domain.milestones import REGULATOR_CLOCKS
from services.resolution.domain.staff import StaffMember, shown_name
from services.resolution.store import ResolutionStore
from shared.clock import Clock
from shared.vocab import Accountable, CaseStage, Language
from shared.web.i18n import code_label, translate

log = structlog.get_logger(__name__)

_BACKOFF = (timedelta(seconds=30), timedelta(minutes=2), timedelta(minutes=10))
MAX_TRIES = 5
_SEND_TIMEOUT = timedelta(seconds=30)
_LEASE = timedelta(minutes=2)
"""Longer than any one send may take (``_SEND_TIMEOUT``), so no other instance claims an
alert while it is being sent."""
_BATCH = 50


class PushError(RuntimeError):
    """The robot or webhook did not take the alert (its status or error code, never the
    text: it names customers' tickets)."""


class AlertSender(Protocol):
    async def send(self, alert: Alert, text: str, mentions: list[str]) -> None:
        """Hand the alert over, or PushError."""
        ...


@dataclass(frozen=True)
class WeComRobotSender:
    """A WeChat Work group robot (``https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…``):
    a text message that @-mentions the owner (their login is their WeChat Work user id) or
    nobody. The robot answers 200 with ``errcode`` 0 when it took the message."""

    url: str
    timeout_seconds: float = 10.0

    async def send(self, alert: Alert, text: str, mentions: list[str]) -> None:
        body = {"msgtype": "text", "text": {"content": text, "mentioned_list": mentions}}
        answer = await _post(self.url, body, {}, self.timeout_seconds)
        try:
            code = answer.json().get("errcode", 0)
        except (ValueError, AttributeError):
            code = 0  # a proxy in front of the robot may answer without a body
        if code != 0:
            raise PushError(f"robot refused: errcode {code}")


@dataclass(frozen=True)
class JsonWebhookSender:
    """POSTs ``{"alert": {...}, "text", "mentions"}`` with ``Idempotency-Key`` (the alert's
    id) and, when a token is set, ``Authorization: Bearer <token>``; a 2xx takes it."""

    url: str
    token: str | None = None
    timeout_seconds: float = 10.0

    async def send(self, alert: Alert, text: str, mentions: list[str]) -> None:
        headers = {"Idempotency-Key": alert.id}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        body = {"alert": alert.model_dump(mode="json"), "text": text, "mentions": mentions}
        await _post(self.url, body, headers, self.timeout_seconds)


async def _post(
    url: str, body: Mapping[str, object], headers: dict[str, str], timeout: float
) -> httpx.Response:
    try:
        async with httpx.AsyncClient(timeout=timeout) as client:
            answer = await client.post(url, json=body, headers=headers)
    except httpx.HTTPError as exc:
        raise PushError(f"unreachable: {type(exc).__name__}") from exc
    if not answer.is_success:
        raise PushError(f"answered {answer.status_code}")
    return answer


_REGULATOR_MILESTONES = frozenset(m.value for m in REGULATOR_CLOCKS)
"""The agency's answer date is the deadline these are about, not the loop's."""


def alert_text(
    alert: Alert,
    staff: list[StaffMember],
    *,
    case_due: datetime | None,
    language: Language,
    zone: ZoneInfo,
    public_url: str | None,
) -> str:
    """A line a person reads on their phone: what, which ticket, whose, the case's 48-hour
    deadline (dealership time), and the link to the case."""
    what = translate(f"step.sla_{alert.milestone}", language)
    if alert.stage:
        what += f" · {code_label(CaseStage, alert.stage, language)}"
    parts = [f"【{translate('alerts.push_title', language)}】{alert.ticket_no} {what}"]
    if alert.owner:
        parts.append(f"{translate('field.owner', language)} {shown_name(staff, alert.owner)}")
    if alert.milestone in _REGULATOR_MILESTONES:
        answer = (alert.deadline_at or alert.due_at).astimezone(zone).strftime("%m-%d %H:%M")
        parts.append(f"{translate('queue.regulator_due', language)} {answer}")
    if case_due is not None:
        due = case_due.astimezone(zone).strftime("%m-%d %H:%M")
        parts.append(f"{translate('alerts.case_due', language)} {due}")
    line = " · ".join(parts)
    if public_url:
        line += f"\n{public_url.rstrip('/')}/resolution/ui/cases/{alert.complaint_id}"
    return line


class AlertPusher:
    """Pushes each kept alert once (see the module's docstring)."""

    def __init__(
        self,
        *,
        store: ResolutionStore,
        clock: Clock,
        sender: AlertSender,
        language: Language,
        zone: ZoneInfo,
        public_url: str | None,
        window: timedelta,
    ) -> None:
        self._zone = zone
        self._store = store
        self._clock = clock
        self._sender = sender
        self._language = language
        self._public_url = public_url
        self._window = window

    async def push_due(self) -> int:
        """Try every alert whose push is due once; how many were pushed."""
        now = self._clock.now()
        if skipped := await self._store.skip_alert_pushes(now - self._window, now=now):
            log.info("alerts too old to push, kept in the inbox only", n=skipped)
        due = await self._store.alerts_to_push(now, since=now - self._window, limit=_BATCH)
        if not due:
            return 0
        staff = await self._store.staff()
        pushed = 0
        for alert in due:
            claimed_at = self._clock.now()  # each its own lease: earlier sends took time
            lease = claimed_at + _LEASE
            tries = await self._store.claim_alert_push(alert.id, now=claimed_at, until=lease)
            if tries is None:
                continue  # another instance has it, or it was settled meanwhile
            pushed += await self._push(alert, staff, tries, lease)
        return pushed

    async def _push(
        self, alert: Alert, staff: list[StaffMember], tries: int, lease: datetime
    ) -> int:
        try:  # whatever goes wrong counts as a try: MAX_TRIES holds
            case = await self._store.get_case(alert.complaint_id)
            open_case = case is not None and case.status is not CaseStatus.CLOSED
            text = alert_text(
                alert,
                staff,
                case_due=case.due_at if open_case and case else None,
                language=self._language,
                zone=self._zone,
                public_url=self._public_url,
            )
            mentions = [alert.owner] if alert.notify is Accountable.OWNER and alert.owner else []
            async with asyncio.timeout(_SEND_TIMEOUT.total_seconds()):  # inside the lease
                await self._sender.send(alert, text, mentions)
        except Exception as exc:  # the robot's trouble never stops the others
            reason = str(exc) if isinstance(exc, PushError) else type(exc).__name__
            again = tries + 1 < MAX_TRIES
            retry_at = self._clock.now() + _BACKOFF[min(tries, len(_BACKOFF) - 1)]
            await self._settle(
                alert, lease, pushed_at=None, retry_at=retry_at if again else None, error=reason
            )
            log.warning("alert push failed", alert=alert.id, error=reason, given_up=not again)
            return 0
        await self._settle(alert, lease, pushed_at=self._clock.now(), retry_at=None, error="")
        return 1

    async def _settle(
        self,
        alert: Alert,
        lease: datetime,
        *,
        pushed_at: datetime | None,
        retry_at: datetime | None,
        error: str,
    ) -> None:
        held = await self._store.settle_alert_push(
            alert.id, lease=lease, pushed_at=pushed_at, retry_at=retry_at, error=error
        )
        if not held:  # another instance claimed it meanwhile: its outcome stands
            log.warning("alert push outlived its lease", alert=alert.id, pushed=bool(pushed_at))
