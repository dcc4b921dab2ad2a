"""`complaints up` with a message gateway: the customer's acknowledgement and each piece of
news leave through it over the embedded Kafka broker, once each, and the case shows what
became of them — also when the system was killed in between."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from shared.broker.embedded import free_port
from shared.web.pages import TOKEN_COOKIE
from tests.support.gateway import Gateway, running_gateway
from tests.support.processes import CommandProcess, mint_token
from tests.support.waiting import eventually

PHONE = "13812345678"


@pytest.fixture
def gateway() -> Iterator[Gateway]:
    with running_gateway() as gateway:
        yield gateway


def start(data_dir: Path, port: int, gateway: Gateway) -> CommandProcess:
    process = CommandProcess(
        "up",
        "--port",
        str(port),
        "--data-dir",
        str(data_dir),
        env={
            "COMPLAINTS_LOG_LEVEL": "WARNING",
            "COMPLAINTS_MESSAGE_GATEWAY_URL": gateway.url,
            "COMPLAINTS_MESSAGE_SEND_SECONDS": "0.2",
        },
    )
    process.wait_for_line("Complaints is running")
    return process


def bearer(data_dir: Path, user: str, role: str, *extra: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {mint_token(data_dir, user, role, *extra)}"}


async def register(client: httpx.AsyncClient, agent: dict[str, str], n: int) -> str:
    body = {
        "channel": "hotline",
        "customer": {"name": f"客户{n}", "phone": f"1381234{n:04d}"},
        "content": "保养后发动机异响，要求检查。",
    }
    created = await client.post("/intake/complaints", json=body, headers=agent)
    assert created.status_code == 201, created.text
    return str(created.json()["id"])


async def notices(
    client: httpx.AsyncClient, who: dict[str, str], complaint_id: str
) -> list[dict[str, Any]]:
    found = await client.get(f"/resolution/cases/{complaint_id}/notices", headers=who)
    return list(found.json()) if found.status_code == 200 else []


async def test_messages_leave_once_each_and_the_case_shows_them(
    tmp_path: Path, gateway: Gateway
) -> None:
    port = free_port()
    process = start(tmp_path, port, gateway)
    agent = bearer(tmp_path, "amy", "agent")
    head = bearer(tmp_path, "hu", "department_head", "--department", "after_sales")
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
            complaint_id = await register(client, agent, 1)
            acknowledged = await eventually(
                lambda: notices(client, head, complaint_id),
                lambda found: len(found) == 1,
                what="the acknowledgement noted on the case",
            )
            assert [(n["purpose"], n["status"]) for n in acknowledged] == [
                ("acknowledgement", "sent")
            ]
            for step, body in (
                ("triage", {"valid": True}),
                ("assign", {"department": "after_sales", "owner": "olga"}),
            ):
                taken = await client.post(
                    f"/resolution/cases/{complaint_id}/{step}", json=body, headers=head
                )
                assert taken.status_code == 200, taken.text
            found = await eventually(
                lambda: notices(client, head, complaint_id),
                lambda found: len(found) == 2,
                what="the assignment's news noted on the case",
            )
            assert [n["purpose"] for n in found] == ["acknowledgement", "progress"]
            assert [m["to"] for m in gateway.received] == ["13812340001"] * 2
            assert len(set(gateway.keys)) == 2
            page = await client.get(
                f"/resolution/ui/cases/{complaint_id}",
                headers={"Cookie": f"{TOKEN_COOKIE}={head['Authorization'].split()[1]}"},
            )
            assert page.text.count('data-notice="sent"') == 2, page.text[:2000]
    finally:
        process.stop()


async def test_a_kill_before_sending_loses_no_message_and_sends_none_twice(
    tmp_path: Path, gateway: Gateway
) -> None:
    port = free_port()
    agent = bearer(tmp_path, "amy", "agent")
    quality = bearer(tmp_path, "quinn", "quality")
    process = start(tmp_path, port, gateway)
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
        try:
            ids = [await register(client, agent, n) for n in range(1, 6)]
        finally:
            process.kill()
        process = start(tmp_path, port, gateway)
        try:
            for complaint_id in ids:
                await eventually(
                    lambda: notices(client, quality, complaint_id),  # noqa: B023
                    lambda found: len(found) == 1,
                    timeout=240,  # a sender killed mid-attempt lets go after its lease
                    what=f"the acknowledgement of {complaint_id} settled",
                )
        finally:
            process.stop()
    sent_to = sorted({m["to"] for m in gateway.received})
    assert sent_to == [f"1381234{n:04d}" for n in range(1, 6)]
    assert len(set(gateway.keys)) == 5  # one request each; a repeat, if any, has the same key
