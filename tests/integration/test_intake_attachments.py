"""Evidence files on a real SQLite store, through intake's API and pages: attached and read
back with an attachments grant (as resolution issues it), stored encrypted, refused with
field errors when they are not what a complaint keeps, and gone at an erasure."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from services.intake.bootstrap import bootstrap
from services.resolution.bootstrap import bootstrap as resolution_bootstrap
from services.resolution.service import ResolutionService
from shared.auth import Principal, Role, issue_contact_grant
from shared.contracts.envelope import EventEnvelope
from shared.contracts.intake import COMPLAINT_ATTACHMENT_ADDED, COMPLAINT_REGISTERED
from shared.runtime import ServiceRuntime
from shared.settings import Settings
from shared.web.pages import TOKEN_COOKIE
from tests.integration.test_intake_erasure import close_case

AGENT = Principal(user="amy", role=Role.AGENT)
OWNER = Principal(user="olga", role=Role.OWNER)
ADMIN = Principal(user="root", role=Role.ADMIN)
PHOTO = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(range(256)) * 40


@pytest.fixture
async def intake(make_settings: Callable[..., Settings]) -> AsyncIterator[ServiceRuntime]:
    runtime = bootstrap(make_settings())
    await runtime.store.open()
    try:
        yield runtime
    finally:
        await runtime.store.close()


def api(runtime: ServiceRuntime, who: Principal) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=runtime.app),
        base_url="http://intake",
        headers={"Authorization": f"Bearer {runtime.tokens.issue(who)}"},
    )


def grant(runtime: ServiceRuntime, who: Principal, complaint_id: str, purpose: Any) -> str:
    return issue_contact_grant(runtime.tokens, who, complaint_id=complaint_id, purpose=purpose)


async def complaint(runtime: ServiceRuntime, phone: str = "13812345678") -> str:
    body = {
        "channel": "hotline",
        "customer": {"name": "张伟", "phone": phone},
        "content": "车门有划痕，交车时没发现。",
    }
    async with api(runtime, AGENT) as http:
        created = await http.post("/complaints", json=body)
    assert created.status_code == 201, created.text
    return str(created.json()["id"])


async def announced(runtime: ServiceRuntime) -> list[EventEnvelope]:
    """The attachments intake announced (in its outbox: the relay is not running here)."""
    pending = [EventEnvelope.from_bytes(m.value) for m in await runtime.store.pending_outbox(100)]
    return [event for event in pending if event.type == COMPLAINT_ATTACHMENT_ADDED]


async def attach(
    runtime: ServiceRuntime, who: Principal, complaint_id: str, data: bytes, name: str, **kw: Any
) -> httpx.Response:
    with_grant = kw.get("with_grant") or grant(runtime, who, complaint_id, "attachments")
    async with api(runtime, who) as http:
        return await http.post(
            f"/complaints/{complaint_id}/attachments",
            data={"grant": with_grant},
            files={"file": (name, data, kw.get("content_type", "image/jpeg"))},
        )


async def test_an_owner_attaches_a_photo_and_reads_it_back(intake: ServiceRuntime) -> None:
    complaint_id = await complaint(intake)
    added = await attach(intake, OWNER, complaint_id, PHOTO, "../划痕 照片.JPG")
    assert added.status_code == 201, added.text
    info = added.json()
    assert (info["filename"], info["content_type"], info["size"]) == (
        "划痕 照片.jpg",
        "image/jpeg",
        len(PHOTO),
    )
    assert (info["uploaded_by"], info["uploaded_role"]) == ("olga", "owner")

    ticket = grant(intake, OWNER, complaint_id, "attachments")
    async with api(intake, OWNER) as http:
        listed = await http.post(
            f"/complaints/{complaint_id}/attachments/list", json={"grant": ticket}
        )
        got = await http.post(
            f"/complaints/{complaint_id}/attachments/{info['id']}", json={"grant": ticket}
        )
    assert [a["id"] for a in listed.json()] == [info["id"]]
    assert got.status_code == 200 and got.content == PHOTO
    assert got.headers["content-type"] == "image/jpeg"
    assert got.headers["x-content-type-options"] == "nosniff"
    assert got.headers["cache-control"] == "no-store"
    assert got.headers["content-disposition"] == (
        "attachment; filename=\"attachment.jpg\"; filename*=UTF-8''"
        "%E5%88%92%E7%97%95%20%E7%85%A7%E7%89%87.jpg"
    )

    with sqlite3.connect(intake.settings.sqlite_path("intake")) as raw:
        [(sealed,)] = raw.execute("SELECT content FROM attachments").fetchall()
    assert PHOTO[:64] not in sealed and bytes(range(256)) not in sealed  # encrypted at rest


async def test_no_grant_no_file_and_each_grant_opens_only_its_own(intake: ServiceRuntime) -> None:
    complaint_id = await complaint(intake)
    other_id = await complaint(intake, phone="13900001111")
    refused = [
        await attach(intake, OWNER, complaint_id, PHOTO, "a.jpg",
                     with_grant=grant(intake, OWNER, complaint_id, "contact")),
        await attach(intake, OWNER, complaint_id, PHOTO, "a.jpg",
                     with_grant=grant(intake, OWNER, other_id, "attachments")),
        await attach(intake, OWNER, complaint_id, PHOTO, "a.jpg",
                     with_grant=intake.tokens.issue(OWNER)),
    ]  # fmt: skip
    assert [r.status_code for r in refused] == [403, 403, 403]
    quality = Principal(user="q", role=Role.QUALITY)
    by_quality = await attach(intake, quality, complaint_id, PHOTO, "a.jpg")
    assert (by_quality.status_code, by_quality.json()["code"]) == (403, "role_not_allowed")
    async with api(intake, OWNER) as http:
        listed = await http.post(
            f"/complaints/{complaint_id}/attachments/list",
            json={"grant": grant(intake, OWNER, complaint_id, "messages")},
        )
    assert listed.status_code == 403


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"MZ\x90\x00" + b"\x00" * 64, "attachment_type"),  # a program called photo.jpg
        (b"", "attachment_empty"),
        (PHOTO[:16] + b"\x00" * (10 * 2**20), "attachment_too_large"),
    ],
)
async def test_a_file_a_complaint_does_not_keep_is_422_on_the_file(
    intake: ServiceRuntime, data: bytes, code: str
) -> None:
    complaint_id = await complaint(intake)
    refused = await attach(intake, AGENT, complaint_id, data, "photo.jpg")
    assert refused.status_code == 422, refused.text
    [error] = refused.json()["errors"]
    assert (error["path"], error["type"]) == ("body.file", code)
    ticket = grant(intake, AGENT, complaint_id, "attachments")
    async with api(intake, AGENT) as http:
        listed = await http.post(
            f"/complaints/{complaint_id}/attachments/list", json={"grant": ticket}
        )
    assert listed.json() == []  # nothing half-kept
    assert await announced(intake) == []  # nor half-published


async def test_an_erasure_takes_the_files_and_no_more_can_be_added(intake: ServiceRuntime) -> None:
    complaint_id = await complaint(intake)
    assert (await attach(intake, AGENT, complaint_id, PHOTO, "a.jpg")).status_code == 201
    await close_case(intake, complaint_id, datetime.now(UTC))
    async with api(intake, ADMIN) as http:
        erased = await http.post("/erasures", json={"phone": "13812345678"})
    assert erased.status_code == 200, erased.text
    again = await attach(intake, AGENT, complaint_id, PHOTO, "b.jpg")
    assert (again.status_code, again.json()["code"]) == (409, "personal_data_erased")
    ticket = grant(intake, AGENT, complaint_id, "attachments")
    async with api(intake, AGENT) as http:
        listed = await http.post(
            f"/complaints/{complaint_id}/attachments/list", json={"grant": ticket}
        )
    assert listed.json() == []


async def test_the_attachments_page_lists_uploads_and_downloads_with_the_grant(
    intake: ServiceRuntime,
) -> None:
    complaint_id = await complaint(intake)
    ticket = grant(intake, OWNER, complaint_id, "attachments")
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=intake.app),
        base_url="http://intake",
        cookies={TOKEN_COOKIE: intake.tokens.issue(OWNER)},
    ) as browser:
        empty = await browser.post(
            f"/ui/complaints/{complaint_id}/attachments", data={"grant": ticket}
        )
        assert empty.status_code == 200 and "还没有附件" in empty.text
        assert empty.headers["cache-control"] == "no-store"
        uploaded = await browser.post(
            f"/ui/complaints/{complaint_id}/attachments/upload",
            data={"grant": ticket},
            files={"file": ("发票.pdf", b"%PDF-1.7\n" + b"0" * 100, "application/pdf")},
        )
        assert uploaded.status_code == 200 and "data-added" in uploaded.text
        [attachment_id] = re.findall(r'data-attachment="([^"]+)"', uploaded.text)
        refused = await browser.post(
            f"/ui/complaints/{complaint_id}/attachments/upload",
            data={"grant": ticket},
            files={"file": ("x.jpg", b"GIF89a" + b"0" * 10, "image/jpeg")},
        )
        assert refused.status_code == 422 and "只能上传照片" in refused.text
        got = await browser.post(
            f"/ui/complaints/{complaint_id}/attachments/{attachment_id}", data={"grant": ticket}
        )
        assert got.status_code == 200 and got.content.startswith(b"%PDF-1.7")
        assert got.headers["content-type"] == "application/pdf"
        link = await browser.get(f"/ui/complaints/{complaint_id}/attachments")
        assert link.status_code == 303  # a grant is posted, never carried in a link


async def test_the_case_hears_of_each_file_but_not_its_name(
    intake: ServiceRuntime, make_settings: Callable[..., Settings], tmp_path: Path
) -> None:
    """Intake's own events, as they sit in its outbox, applied by resolution: the case page
    counts the evidence by kind and its timeline records it; a delivery twice changes
    nothing."""
    complaint_id = await complaint(intake)
    for name, data in (("张伟 划痕.jpg", PHOTO), ("张伟 发票.pdf", b"%PDF-1.7\n" + b"0" * 99)):
        assert (await attach(intake, OWNER, complaint_id, data, name)).status_code == 201
    events = [EventEnvelope.from_bytes(m.value) for m in await intake.store.pending_outbox(100)]
    added = await announced(intake)
    assert [e.payload["kind"] for e in added] == ["photo", "document"]
    assert all("张伟" not in e.model_dump_json() for e in added)  # names stay at intake
    assert {e.actor.id for e in added} == {"olga"}

    resolution = resolution_bootstrap(make_settings(data_dir=tmp_path / "resolution"))
    await resolution.store.open()
    try:
        service: ResolutionService = resolution.app.state.service
        [registered] = [e for e in events if e.type == COMPLAINT_REGISTERED]
        await service.on_complaint_registered(registered)
        assert [await service.on_attachment_added(e) for e in added] == [True, True]
        assert not await service.on_attachment_added(added[0])  # delivered again
        case = await service.get_case(complaint_id)
        assert case is not None and [n.kind.value for n in case.evidence] == ["photo", "document"]
        quality = Principal(user="qa", role=Role.QUALITY)  # sees that there is evidence
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=resolution.app),
            base_url="http://resolution",
            cookies={TOKEN_COOKIE: resolution.tokens.issue(quality)},
        ) as browser:
            page = await browser.get(f"/ui/cases/{complaint_id}")
        assert page.status_code == 200, page.text
        assert 'data-evidence-count="2"' in page.text
        assert "照片 1、单据 1" in page.text
        assert page.text.count('data-step="evidence_added"') == 2
    finally:
        await resolution.store.close()


async def test_the_agent_who_recorded_it_attaches_the_customers_papers_at_once(
    intake: ServiceRuntime,
) -> None:
    """Right after the form: the result page opens the complaint's attachments for the agent
    who recorded it (intake's own grant, for them alone); nobody else can use it."""
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=intake.app),
        base_url="http://intake",
        cookies={TOKEN_COOKIE: intake.tokens.issue(AGENT)},
    ) as browser:
        fields = {
            "channel": "walk_in",
            "customer.name": "李娜",
            "customer.phone": "139 1111 2222",
            "content": "交车时发现车门有划痕，我带了照片和交车单。",
        }
        result = await browser.post("/ui/complaints/new", data=fields)
        assert result.status_code == 200 and "data-attach-now" in result.text
        assert result.headers["cache-control"] == "no-store"
        complaint_id = re.search(r"/ui/complaints/([^/]+)/attachments", result.text)
        ticket = re.search(r'data-attach-now>\s*<input type="hidden" name="grant" value="([^"]+)"',
                           result.text)  # fmt: skip
        assert complaint_id and ticket
        opened = await browser.post(
            f"/ui/complaints/{complaint_id.group(1)}/attachments", data={"grant": ticket.group(1)}
        )
        assert opened.status_code == 200 and "data-upload" in opened.text
        uploaded = await browser.post(
            f"/ui/complaints/{complaint_id.group(1)}/attachments/upload",
            data={"grant": ticket.group(1)},
            files={"file": ("交车单.pdf", b"%PDF-1.7\n" + b"0" * 100, "application/pdf")},
        )
        assert uploaded.status_code == 200 and "data-added" in uploaded.text
        follow_up = await browser.post(
            "/ui/complaints/new", data={**fields, "content": fields["content"] + "请尽快回复。"}
        )  # the same customer's open complaint: linked to it, so no grant for its files
        assert follow_up.status_code == 200 and "已作为跟进并入原投诉" in follow_up.text
        assert "data-attach-now" not in follow_up.text
    someone_else = await attach(
        intake, OWNER, complaint_id.group(1), PHOTO, "x.jpg", with_grant=ticket.group(1)
    )
    assert someone_else.status_code == 403  # the grant is the agent's own
    assert someone_else.json()["code"] == "grant_invalid"
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=intake.app),
        base_url="http://intake",
        cookies={TOKEN_COOKIE: intake.tokens.issue(OWNER)},
    ) as owner_browser:
        refused = await owner_browser.post(
            f"/ui/complaints/{complaint_id.group(1)}/attachments", data={"grant": ticket.group(1)}
        )
    assert refused.status_code == 403 and "请回到案件页面重新打开" in refused.text


async def test_files_kept_before_the_announcement_are_announced_once_after_an_upgrade(
    make_settings: Callable[..., Settings],
) -> None:
    """A file of an older intake (no ``announced`` column, no event): the next start announces
    it, once, even on a second start."""
    settings = make_settings()
    runtime = bootstrap(settings)
    await runtime.store.open()
    try:
        complaint_id = await complaint(runtime)
        assert (await attach(runtime, OWNER, complaint_id, PHOTO, "a.jpg")).status_code == 201
    finally:
        await runtime.store.close()
    with sqlite3.connect(settings.sqlite_path("intake")) as raw:  # as the older version left it
        raw.executescript(
            "DROP INDEX attachments_unannounced;"
            "CREATE TABLE old AS SELECT id, complaint_id, uploaded_at, doc, content"
            " FROM attachments; DROP TABLE attachments; ALTER TABLE old RENAME TO attachments;"
            f"DELETE FROM outbox WHERE event_type = '{COMPLAINT_ATTACHMENT_ADDED}';"
        )
    for start, expected in ((1, 1), (2, 0)):
        runtime = bootstrap(settings)
        await runtime.store.open()
        try:
            assert await runtime.app.state.attachments.announce_backlog() == expected, start
            [event] = await announced(runtime)  # still the one, after the second start
            assert event.payload["kind"] == "photo" and event.complaint_id == complaint_id
        finally:
            await runtime.store.close()


async def test_trouble_announcing_older_files_never_stops_intake_from_starting(
    intake: ServiceRuntime, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken(limit: int) -> list[Any]:
        raise ValueError("a stored description no longer reads")

    monkeypatch.setattr(intake.store, "unannounced_attachments", broken)
    assert await intake.app.state.attachments.announce_backlog() == 0
