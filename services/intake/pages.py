"""Intake's pages for agents: the complaint form, the open-complaint warning, search; and
the customer's contact details for whoever resolution lets call them.

They post to intake's own JSON API, so its validation (422 with field paths) is what
the agent sees next to each field.
"""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any, Literal, get_args
from urllib.parse import quote
from uuid import uuid4

import httpx
from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import FormData, UploadFile

from services.intake.domain.attachments import ALLOWED_TYPES, MAX_BYTES
from services.intake.routes import CONTACT_ROLES, ERASER_ROLES, RECORDER_ROLES
from shared.auth import GrantPurpose, Principal, issue_contact_grant
from shared.vocab import AGENT_CHANNELS, Channel, Demand, Department, TargetKind
from shared.web.pages import (
    Pages,
    check,
    field_errors,
    language_of,
    page_user,
    problem_message,
    service_api,
)

router = APIRouter(prefix="/ui", include_in_schema=False)
pages = Pages(Path(__file__).parent / "templates")
Recorder = Annotated[Principal, Depends(page_user(*RECORDER_ROLES))]
Contacter = Annotated[Principal, Depends(page_user(*CONTACT_ROLES))]
Eraser = Annotated[Principal, Depends(page_user(*ERASER_ROLES))]

FORM_CHANNELS = [channel for channel in Channel if channel in AGENT_CHANNELS]
SEARCH_KEYS = ("ticket", "phone", "vin", "plate")


def submission_key(user: str, submission: str, body: dict[str, Any]) -> str:
    """The form's idempotency key: a refresh or a double click sends the same form again and
    gets the first registration back (no "follow-up", no second text to the customer); the
    same form edited into another complaint (Back, change, send) is a new one. Hashed, as a
    header carries ASCII only and user names may be Chinese."""
    typed = json.dumps(body, ensure_ascii=False, sort_keys=True)
    digest = hashlib.sha256(f"{user}\n{submission.strip()}\n{typed}".encode()).hexdigest()
    return f"form:{digest[:40]}"


def complaint_body(form: FormData) -> dict[str, Any]:
    """The agent form as the JSON the API takes; empty optional fields are left out."""

    def value(name: str) -> str:
        raw = form.get(name)
        return raw.strip() if isinstance(raw, str) else ""

    customer = {"name": value("customer.name")}
    if value("customer.phone"):
        customer["phone"] = value("customer.phone")
    vehicle = {
        key: value(f"vehicle.{key}") for key in ("vin", "plate", "model") if value(f"vehicle.{key}")
    }
    body: dict[str, Any] = {
        "channel": value("channel"),
        "customer": customer,
        "vehicle": vehicle,
        "content": value("content"),
        "demands": [d for d in form.getlist("demands") if isinstance(d, str)],
        "marked_urgent": form.get("marked_urgent") == "true",
    }
    if value("demand_note"):
        body["demand_note"] = value("demand_note")
    if value("follow_up_of"):  # the open complaint the agent chose under the phone
        body["follow_up_of"] = value("follow_up_of")
    target = {key: value(f"target.{key}") for key in ("department", "staff_name")}
    # the object of the complaint (登记表: 投诉对象), when known; a name or a department
    # typed without choosing the kind says the kind
    kind = value("target.kind") or (
        "staff" if target["staff_name"] else "department" if target["department"] else ""
    )
    if kind:
        body["target"] = {"kind": kind, **{k: v for k, v in target.items() if v}}
    return body


def _form_page(
    request: Request,
    principal: Principal,
    *,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    values = values or {"channel": Channel.HOTLINE.value, "demands": []}
    if not values.get("submission"):
        values["submission"] = uuid4().hex
    return pages.render(
        request,
        "intake/form.html",
        principal=principal,
        status_code=status_code,
        values=values,
        errors=errors or {},
        channels=FORM_CHANNELS,
        demands=list(Demand),
        target_kinds=list(TargetKind),
        departments=list(Department),
    )


@router.get("/complaints/new", response_class=HTMLResponse)
async def new_complaint(request: Request, principal: Recorder) -> Response:
    return _form_page(request, principal)


@router.post("/complaints/new", response_class=HTMLResponse)
async def submit_complaint(request: Request, principal: Recorder) -> Response:
    form = await request.form()
    values: dict[str, Any] = {key: form.get(key) for key in form}
    values["demands"] = form.getlist("demands")
    body = complaint_body(form)
    submission = form.get("submission")
    headers = {}
    if isinstance(submission, str) and submission.strip():
        headers["Idempotency-Key"] = submission_key(principal.user, submission, body)
    async with service_api(request) as api:
        response = check(await api.post("/complaints", json=body, headers=headers))
    if response.status_code == 422:
        return _form_page(
            request,
            principal,
            values=values,
            errors=field_errors(response.json(), language_of(request)),
            status_code=422,
        )
    if response.status_code >= 400:
        detail = problem_message(response.json(), language_of(request))
        return _form_page(request, principal, values=values, errors={"": detail}, status_code=400)
    registration = response.json()
    page = pages.render(
        request,
        "intake/registered.html",
        principal=principal,
        registration=registration,
        attach_grant=_registrar_grant(request, principal, registration),
    )
    page.headers["Cache-Control"] = "no-store"  # it holds the grant
    return page


REGISTRAR_ATTACH_TTL = timedelta(minutes=30)
"""Time for the agent who just recorded a complaint to add the photos and papers the
customer brought to the counter, before the case's own grants take over."""


def _registrar_grant(
    request: Request, principal: Principal, registration: dict[str, Any]
) -> str | None:
    """Intake's own decision, for the one person who recorded the complaint, right then: they
    hold its evidence. Not when the text became a follow-up of an earlier complaint (that
    one's case grants it), nor for a replayed submission; anyone else gets an attachments
    grant from the case page."""
    if principal.role not in CONTACT_ROLES or registration.get("outcome") != "registered":
        return None
    return issue_contact_grant(
        request.app.state.tokens,
        principal,
        complaint_id=registration["id"],
        purpose="attachments",
        ttl=REGISTRAR_ATTACH_TTL,
    )


@router.get("/complaints/open-check", response_class=HTMLResponse)
async def open_check(request: Request, principal: Recorder) -> Response:
    """The htmx fragment under the customer's phone: the open complaints of this customer
    (by phone) or of this car (by VIN, once all 17 characters are typed), so the agent can
    tell the caller about them and, when the call is about one of them, choose to add it to
    that one as a follow-up (``follow_up_of``) instead of registering the matter again. The
    choice already made (``follow_up_of`` in the query) stays chosen."""
    phone = request.query_params.get("customer.phone", "").strip()
    vin = request.query_params.get("vehicle.vin", "").strip()
    chosen = request.query_params.get("follow_up_of", "").strip().upper()
    lookups = {"phone": phone if len(phone) >= 7 else "", "vin": vin if len(vin) == 17 else ""}
    found: dict[str, dict[str, Any]] = {}
    async with service_api(request) as api:
        for key, value in lookups.items():
            if not value:
                continue
            response = check(await api.get("/complaints", params={key: value, "limit": 10}))
            if response.status_code != 200:  # not a valid number or VIN yet: nothing to say
                continue
            for complaint in response.json():
                if complaint.get("open", True):
                    found.setdefault(complaint["id"], {**complaint, "matched": []})
                    found[complaint["id"]]["matched"].append(key)
    return pages.render(
        request,
        "intake/_open_warning.html",
        principal=principal,
        found=list(found.values()),
        chosen=chosen,
    )


@router.get("/search", response_class=HTMLResponse)
async def search(
    request: Request, principal: Recorder, by: str = "ticket", q: str = ""
) -> Response:
    by = by if by in SEARCH_KEYS else "ticket"
    results: list[dict[str, Any]] | None = None
    error = ""
    if q.strip():
        async with service_api(request) as api:
            response = check(await api.get("/complaints", params={by: q.strip()}))
        if response.status_code == 200:
            results = response.json()
        else:
            error = next(
                iter(field_errors(response.json(), language_of(request), prefix="query.").values()),
                "",
            )
    return pages.render(
        request,
        "intake/search.html",
        principal=principal,
        by=by,
        q=q,
        keys=SEARCH_KEYS,
        results=results,
        error=error,
    )


@router.post("/complaints/{complaint_id}/erase", response_class=HTMLResponse)
async def erase(request: Request, principal: Eraser, complaint_id: str) -> Response:
    """An administrator erases a closed complaint's personal data; the search shows it so."""
    ticket = (await request.form()).get("ticket_no")
    ticket_no = ticket if isinstance(ticket, str) else ""
    async with service_api(request) as api:
        response = check(await api.post("/erasures", json={"ticket_no": ticket_no}))
    search = f"{request.scope.get('root_path', '')}/ui/search?by=ticket&q={quote(ticket_no)}"
    if response.status_code != 200:
        return _refusal(request, principal, response, "erasure.erase", back=search)
    return RedirectResponse(search, status_code=303)


@router.post("/complaints/{complaint_id}/contact", response_class=HTMLResponse)
async def contact(request: Request, principal: Contacter, complaint_id: str) -> Response:
    """The customer's number, shown to the holder of a grant from the case page."""
    return await _with_grant(
        request, principal, complaint_id, "contact", "intake/contact.html", "step.contact"
    )


@router.post("/complaints/{complaint_id}/messages", response_class=HTMLResponse)
async def messages(request: Request, principal: Contacter, complaint_id: str) -> Response:
    """What the customer was sent, with a grant from the case page: the texts a person must
    post by hand (Weibo, a regulator's platform) and those being retried."""
    return await _with_grant(
        request, principal, complaint_id, "messages", "intake/messages.html", "messages.title"
    )


async def _with_grant(
    request: Request,
    principal: Principal,
    complaint_id: str,
    what: Literal["contact", "messages"],
    template: str,
    title: str,
) -> Response:
    """Post the case page's grant to the API; its answer as ``template`` (``what`` in the
    context), never cached, or the refusal with a way back to the case."""
    grant = (await request.form()).get("grant")
    async with service_api(request) as api:
        response = check(
            await api.post(
                f"/complaints/{complaint_id}/{what}",
                json={"grant": grant if isinstance(grant, str) else ""},
            )
        )
    case_page = f"/resolution/ui/cases/{complaint_id}"
    if response.status_code != 200:
        return _refusal(request, principal, response, title, back=case_page)
    page = pages.render(
        request, template, principal=principal, case_page=case_page, **{what: response.json()}
    )
    page.headers["Cache-Control"] = "no-store"
    return page


@router.post("/complaints/{complaint_id}/attachments", response_class=HTMLResponse)
async def attachments(request: Request, principal: Contacter, complaint_id: str) -> Response:
    """The complaint's files, with a grant from the case page: each to download, and a form
    to attach another (the grant goes along, hidden)."""
    grant = _posted_grant(await request.form())
    return await _attachments_page(request, principal, complaint_id, grant)


@router.post("/complaints/{complaint_id}/attachments/upload", response_class=HTMLResponse)
async def upload_attachment(request: Request, principal: Contacter, complaint_id: str) -> Response:
    form = await request.form()
    grant, file = _posted_grant(form), form.get("file")
    if not isinstance(file, UploadFile) or not file.filename:
        return await _attachments_page(request, principal, complaint_id, grant, failed="form")
    async with service_api(request) as api:
        sent = check(
            await api.post(
                f"/complaints/{complaint_id}/attachments",
                data={"grant": grant},
                files={"file": (file.filename, await file.read(), file.content_type)},
            )
        )
    if sent.status_code != 201:
        language = language_of(request)
        problem = sent.json()
        message = field_errors(problem, language).get("file") or problem_message(problem, language)
        return await _attachments_page(
            request, principal, complaint_id, grant, message=message, status_code=sent.status_code
        )
    return await _attachments_page(request, principal, complaint_id, grant, added=sent.json())


@router.post("/complaints/{complaint_id}/attachments/{attachment_id}")
async def download_attachment(
    request: Request, principal: Contacter, complaint_id: str, attachment_id: str
) -> Response:
    grant = _posted_grant(await request.form())
    async with service_api(request) as api:
        found = check(
            await api.post(
                f"/complaints/{complaint_id}/attachments/{quote(attachment_id, safe='')}",
                json={"grant": grant},
            )
        )
    if found.status_code != 200:
        return await _attachments_page(
            request,
            principal,
            complaint_id,
            grant,
            message=problem_message(found.json(), language_of(request)),
            status_code=found.status_code,
        )
    kept = ("content-type", "content-disposition", "x-content-type-options", "cache-control")
    return Response(found.content, headers={k: v for k, v in found.headers.items() if k in kept})


def _refusal(
    request: Request, principal: Principal, refused: httpx.Response, title: str, *, back: str
) -> Response:
    """The API's refusal as a page in the user's language, with a way back."""
    return pages.render(
        request,
        "message.html",
        principal=principal,
        status_code=refused.status_code,
        title=title,
        detail=problem_message(refused.json(), language_of(request)),
        back=back,
    )


def _posted_grant(form: FormData) -> str:
    grant = form.get("grant")
    return grant if isinstance(grant, str) else ""


async def _attachments_page(
    request: Request,
    principal: Principal,
    complaint_id: str,
    grant: str,
    *,
    added: dict[str, Any] | None = None,
    failed: str = "",
    message: str = "",
    status_code: int = 200,
) -> Response:
    async with service_api(request) as api:
        listed = check(
            await api.post(f"/complaints/{complaint_id}/attachments/list", json={"grant": grant})
        )
    case_page = f"/resolution/ui/cases/{complaint_id}"
    if listed.status_code != 200:
        return _refusal(request, principal, listed, "attachments.title", back=case_page)
    page = pages.render(
        request,
        "intake/attachments.html",
        principal=principal,
        status_code=status_code,
        complaint_id=complaint_id,
        attachments=listed.json(),
        grant=grant,
        case_page=case_page,
        added=added,
        failed=failed,
        message=message,
        allowed=", ".join(ALLOWED_TYPES),
        max_mib=MAX_BYTES // 2**20,
    )
    page.headers["Cache-Control"] = "no-store"
    return page


async def back_to_case(complaint_id: str) -> Response:
    """Opening a grant page's address again (or switching language) goes back to the case:
    a grant is posted on purpose, never carried in a link."""
    return RedirectResponse(f"/resolution/ui/cases/{complaint_id}", status_code=303)


for _target in get_args(GrantPurpose):
    router.add_api_route(f"/complaints/{{complaint_id}}/{_target}", back_to_case, methods=["GET"])
