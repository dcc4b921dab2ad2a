"""The message gateway: where intake hands a customer message over for sending.

Dealerships send SMS, WeChat template messages and e-mail through a gateway of their own
or their group's (Aliyun SMS, Tencent Cloud SMS, an e-mail relay...). Intake speaks one
small HTTP contract to it, :class:`WebhookSender`; without a configured gateway nothing is
sent and each message is only recorded, which the pages say plainly.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import httpx

from services.intake.domain.delivery import Delivery


class SendError(RuntimeError):
    """The gateway did not take the message; ``permanent`` when trying again cannot help
    (it refused the message or the address), not when it was down or slow. The message
    names what happened, never the customer's address or the text."""

    def __init__(self, reason: str, *, permanent: bool) -> None:
        super().__init__(reason)
        self.permanent = permanent


class MessageSender(Protocol):
    async def send(self, delivery: Delivery, address: str) -> str:
        """Hand the message over; the gateway's reference for it, or SendError."""
        ...


@dataclass(frozen=True)
class WebhookSender:
    """POSTs each message as JSON to ``url``: ``{"idempotency_key", "medium", "to",
    "text", "language", "ticket_no", "purpose"}``, with ``Authorization: Bearer <token>``
    when a token is set. A 2xx accepts it (its JSON ``id``, if any, is the reference); a
    4xx refuses it for good; anything else, or no answer, is tried again later. The same
    ``idempotency_key`` comes again only for the same message."""

    url: str
    token: str | None = None
    timeout_seconds: float = 10.0

    async def send(self, delivery: Delivery, address: str) -> str:
        headers = {"Idempotency-Key": delivery.request_id}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        body = {
            "idempotency_key": delivery.request_id,
            "medium": delivery.medium,
            "to": address,
            "text": delivery.text,
            "language": delivery.language,
            "ticket_no": delivery.ticket_no,
            "purpose": delivery.purpose,
        }
        try:
            async with httpx.AsyncClient(timeout=self.timeout_seconds) as client:
                answer = await client.post(self.url, json=body, headers=headers)
        except httpx.HTTPError as exc:  # its name only: a message may quote the request
            raise SendError(f"gateway unreachable: {type(exc).__name__}", permanent=False) from exc
        if answer.is_success:
            return _reference(answer) or delivery.request_id
        permanent = 400 <= answer.status_code < 500 and answer.status_code not in (408, 429)
        # the status only: a gateway's words often echo the number it was given
        raise SendError(f"gateway answered {answer.status_code}", permanent=permanent)


def _reference(answer: httpx.Response) -> str | None:
    try:
        found = answer.json()
    except ValueError:
        return None
    reference = found.get("id") if isinstance(found, dict) else None
    return str(reference) if reference is not None else None
