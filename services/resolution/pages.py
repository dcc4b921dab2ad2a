"""Resolution's pages for owners, heads and the general manager: the queue with its SLA
countdown, the case with its timeline and a form per next step, the approval inbox.

Each form posts to the step's JSON route in process; a 409 (not now), 403 (not yours) or
422 (a field) comes back as a message on the same page.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any, Literal, get_args, get_origin
from urllib.parse import quote, urlencode

import httpx
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import FormData

from services.resolution.alert_routes import ALERTED_ROLES
from services.resolution.domain.case import COMMANDS, CONTACT_STEPS, OWNER_STEPS, RemedyType
from services.resolution.domain.staff import LOGIN_PATTERN, StaffMember, no_longer_owns
from services.resolution.domain.workflow import CaseStatus, Step
from services.resolution.routes import APPROVER_ROLES, READER_ROLES
from shared.auth import GrantPurpose, Principal, Role
from shared.vocab import (
    Cause,
    Department,
    ErasureReason,
    EvidenceKind,
    HoldReason,
    Language,
    Touchpoint,
)
from shared.web.i18n import code_label, translate
from shared.web.pages import (
    Pages,
    SignInRequiredError,
    check,
    field_errors,
    language_of,
    page_user,
    problem_message,
    service_api,
)

router = APIRouter(prefix="/ui", include_in_schema=False)
pages = Pages(Path(__file__).parent / "templates")
Reader = Annotated[Principal, Depends(page_user(*READER_ROLES))]
Approver = Annotated[Principal, Depends(page_user(*APPROVER_ROLES))]

REMEDY_TYPES: list[str] = list(get_args(RemedyType))
_CONTACT = CONTACT_STEPS
_OWNER = frozenset({*OWNER_STEPS, *CONTACT_STEPS})
_OFFERED: dict[Role, frozenset[Step]] = {
    Role.AGENT: frozenset({Step.TRIAGE, *_CONTACT}),
    Role.OWNER: _OWNER,
    Role.DEPARTMENT_HEAD: frozenset(Step),
    Role.GENERAL_MANAGER: frozenset(Step),
    Role.ADMIN: frozenset(Step),
    Role.QUALITY: frozenset(),
}
"""Which steps a role is offered; the API still decides (first-person responsibility)."""

_STATUS_ORDER = {status.value: index for index, status in enumerate(CaseStatus)}
_URGENCY_ORDER = {"critical": 0, "high": 1, "normal": 2}
_FINISHED = {"resolved", "awaiting_feedback", "closed"}
_REFUSALS = {403: "error.forbidden", 409: "error.conflict", 404: "error.not_found"}
SORTS = ("due", "urgency", "status", "registered", "ticket")
QUEUE_LIMIT = 500
"""Cases one queue page asks for (the API's maximum)."""
HISTORY_PAGE = 100
"""Cases per page of the "all" scope (a history, newest first)."""


def offered_steps(case: dict[str, Any], principal: Principal) -> list[str]:
    """The case's allowed next steps this user may be offered, in the workflow's order."""
    mine = _OFFERED[principal.role]
    if principal.role is Role.OWNER and case.get("owner") != principal.user:
        mine = frozenset(_CONTACT)
    return [step for step in case.get("allowed_steps", []) if step in mine]


_MISSED = frozenset({"failed", "expired"})
_TALKED = frozenset({"record_contact", "record_feedback", "record_follow_up_call"})


def missed_notices(case: dict[str, Any], notices: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The messages that should have gone out and did not, since anyone last talked to the
    customer: the owner should call. Not those nobody could send (no address, erased)."""
    at = datetime.fromisoformat
    talked = [at(e["at"]) for e in case.get("timeline", []) if e.get("step") in _TALKED]
    since = max(talked, default=None)
    return [n for n in notices if n["status"] in _MISSED and (since is None or at(n["at"]) > since)]


def assignable_departments(principal: Principal) -> list[Department]:
    """Where this user may assign a case: a head only into their own department (the API's
    rule), the general manager and an admin anywhere."""
    if principal.role is Role.DEPARTMENT_HEAD and principal.department is not None:
        return [principal.department]
    return list(Department)


def may_contact(case: dict[str, Any], principal: Principal) -> bool:
    """Whether to offer the customer's number; the grant route still decides. Not once the
    customer's personal data is erased: there is no number left to show."""
    if case.get("erased_at"):
        return False
    if principal.role is Role.OWNER:
        return bool(case.get("owner") == principal.user)
    if principal.role is Role.DEPARTMENT_HEAD:
        mine = principal.department.value if principal.department else None
        return mine is not None and case.get("department") == mine
    return principal.role in (Role.AGENT, Role.GENERAL_MANAGER)


def step_body(step: Step, form: FormData) -> dict[str, Any]:
    """A step's form as the JSON its route takes, field by field of its command."""
    body: dict[str, Any] = {}
    for name, info in COMMANDS[step].model_fields.items():
        values = [v.strip() for v in form.getlist(name) if isinstance(v, str)]
        if get_origin(info.annotation) is list:
            body[name] = [v for v in values if v]
        elif values and values[0]:
            flag = info.annotation is bool or get_origin(info.annotation) is Literal
            body[name] = values[0] == "true" if flag else values[0]
    return body


def sort_cases(cases: list[dict[str, Any]], key: str, descending: bool) -> list[dict[str, Any]]:
    """The queue in the order asked; by SLA the most pressing first, finished cases last."""

    def due(case: dict[str, Any]) -> tuple[int, int]:
        return (case["status"] in _FINISHED, int(case["sla"]["seconds_left"]))

    keys: dict[str, Any] = {
        "due": due,
        "urgency": lambda c: (_URGENCY_ORDER.get(c["urgency"], 9), due(c)),
        "status": lambda c: (_STATUS_ORDER.get(c["status"], 99), due(c)),
        "registered": lambda c: c["registered_at"],
        "ticket": lambda c: c["ticket_no"],
    }
    return sorted(cases, key=keys[key], reverse=descending)


@router.get("/cases", response_class=HTMLResponse)
async def queue(
    request: Request,
    principal: Reader,
    sort: str = "",
    order: str = "",
    scope: str = "open",
    page: Annotated[int, Query(ge=0, le=10_000)] = 0,
) -> Response:
    history = scope not in ("open", "follow_up")  # every case, closed ones too
    sort = sort if sort in SORTS else "registered" if history else "due"
    order = order if order in ("asc", "desc") else "desc" if history else "asc"
    params: dict[str, Any] = {"limit": QUEUE_LIMIT}
    if scope == "open":  # asked of the store: closed cases must not crowd out open ones
        params["status"] = [s.value for s in CaseStatus if s is not CaseStatus.CLOSED]
    elif scope == "follow_up":
        params["follow_up_due"] = "true"
    else:  # the newest first, a page at a time (one more to know a next page exists)
        params.update(order="newest", limit=HISTORY_PAGE + 1, offset=page * HISTORY_PAGE)
    async with service_api(request) as api:
        response = check(await api.get("/cases", params=params))
        staff = await _staff(api)
        waiting = await api.get("/alerts/unread")
    unread = int(waiting.json()["unread"]) if waiting.status_code == 200 else 0
    cases: list[dict[str, Any]] = response.json()
    more = history and len(cases) > HISTORY_PAGE
    cases = cases[:HISTORY_PAGE] if history else cases
    if scope == "follow_up":  # closed and remedied, the 3-day call not made: soonest first
        cases.sort(key=lambda case: str(case["follow_up_due_at"]))
    if scope != "follow_up":
        cases = sort_cases(cases, sort, order == "desc")

    def sort_link(key: str) -> str:
        flip = "desc" if key == sort and order == "asc" else "asc"
        return "?" + urlencode({"sort": key, "order": flip, "scope": scope, "page": page})

    def page_link(to: int) -> str:
        return "?" + urlencode({"sort": sort, "order": order, "scope": scope, "page": to})

    title = {
        Role.OWNER: "nav.my_cases",
        Role.DEPARTMENT_HEAD: "nav.department_cases",
    }.get(principal.role, "nav.cases")
    return pages.render(
        request,
        "resolution/queue.html",
        principal=principal,
        cases=cases,
        sort=sort,
        order=order,
        scope=scope,
        sorts=SORTS,
        sort_link=sort_link,
        page=page if history else 0,
        more=more,
        page_link=page_link,
        title=title,
        names=_names(staff),
        owner_left=_owner_left(staff),
        unread_alerts=unread,
    )


async def _staff(api: httpx.AsyncClient) -> list[dict[str, Any]]:
    """The staff directory (empty when it cannot be read)."""
    staff = await api.get("/staff")
    return list(staff.json()) if staff.status_code == 200 else []


def _names(staff: list[dict[str, Any]]) -> dict[str, str]:
    """Login → the directory's name, to show people by name (their login on hover)."""
    return {m["user"]: m["name"] for m in staff}


def _evidence_counts(case: dict[str, Any]) -> list[tuple[str, int]]:
    """How many files of each kind the complaint has, photos first (the vocabulary's order)."""
    kinds = [note.get("kind") for note in case.get("evidence", [])]
    return [(kind.value, kinds.count(kind.value)) for kind in EvidenceKind if kind.value in kinds]


def _owner_left(staff: list[dict[str, Any]]) -> Callable[[dict[str, Any]], bool]:
    """Whether an open case's owner left or moved department: flagged for its head to
    reassign."""
    members = [StaffMember.model_validate(m) for m in staff]

    def left(case: dict[str, Any]) -> bool:
        if case.get("status") == CaseStatus.CLOSED.value:
            return False
        return no_longer_owns(members, case.get("owner"), case.get("department"))

    return left


async def _owner_choices(
    api: httpx.AsyncClient, staff: list[dict[str, Any]], language: Language
) -> list[tuple[str, str]]:
    """(login, label) of the people to suggest as owner: the staff directory's active
    people, or, while it has none, those who own cases now (a typo then finds no one)."""
    active = [m for m in staff if m.get("active", True)]
    if active:
        return [
            (m["user"], _staff_label(m, language))
            for m in sorted(active, key=lambda m: (m["department"] or "", m["user"]))
        ]
    queue = await api.get("/cases", params={"limit": 200})
    if queue.status_code != 200:
        return []
    return [(o, o) for o in sorted({c["owner"] for c in queue.json() if c.get("owner")})]


def _staff_label(member: dict[str, Any], language: Language) -> str:
    parts = [member["name"], member.get("title") or ""]
    if member.get("department"):
        parts.append(code_label(Department, member["department"], language))
    return " · ".join(p for p in parts if p)


async def _case_page(
    request: Request,
    principal: Principal,
    complaint_id: str,
    *,
    failed: str = "",
    message: str = "",
    errors: dict[str, str] | None = None,
    values: dict[str, Any] | None = None,
    status_code: int = 200,
) -> Response:
    async with service_api(request) as api:
        response = check(await api.get(f"/cases/{complaint_id}"))
        sent = await api.get(f"/cases/{complaint_id}/notices")
        staff = await _staff(api)
        owners: list[tuple[str, str]] = []
        if response.status_code == 200 and {"assign", "reassign"} & set(
            offered_steps(response.json(), principal)
        ):
            owners = await _owner_choices(api, staff, language_of(request))
    if response.status_code == 404:
        return pages.render(
            request,
            "message.html",
            principal=principal,
            status_code=404,
            title="error.not_found",
            detail=response.json().get("detail", ""),
            back=f"{request.scope.get('root_path', '')}/ui/cases",
        )
    case = response.json()
    notices = sent.json() if sent.status_code == 200 else []
    steps = offered_steps(case, principal)
    return pages.render(
        request,
        "resolution/case.html",
        principal=principal,
        status_code=status_code,
        case=case,
        steps=steps,
        known_owners=owners,
        names=_names(staff),
        owner_left=_owner_left(staff),
        notices=notices,
        missed=missed_notices(case, notices),
        evidence=_evidence_counts(case),
        may_contact=may_contact(case, principal),
        erasure_reason=code_label(ErasureReason, case.get("erasure_reason"), language_of(request)),
        done=request.query_params.get("done", ""),
        failed=failed,
        message=message,
        errors=errors or {},
        values=values or {},
        assignable=assignable_departments(principal),
        causes=list(Cause),
        touchpoints=list(Touchpoint),
        hold_reasons=list(HoldReason),
        remedy_types=REMEDY_TYPES,
        refusal=_REFUSALS.get(status_code, "error.invalid"),
    )


@router.get("/cases/{complaint_id}", response_class=HTMLResponse)
async def case_detail(request: Request, principal: Reader, complaint_id: str) -> Response:
    return await _case_page(request, principal, complaint_id)


@router.post("/cases/{complaint_id}/contact", response_class=HTMLResponse)
async def contact_customer(request: Request, principal: Reader, complaint_id: str) -> Response:
    """A grant to see the customer's number, then a confirmation that posts it to intake:
    the number is shown by the service that holds it, and each view is recorded there."""
    return await _grant_page(request, principal, complaint_id, "contact")


@router.post("/cases/{complaint_id}/messages", response_class=HTMLResponse)
async def read_messages(request: Request, principal: Reader, complaint_id: str) -> Response:
    """The messages' texts are intake's: a grant (whoever may contact the customer may read
    what they were told), then a form that posts it there."""
    return await _grant_page(request, principal, complaint_id, "messages")


async def _grant_page(
    request: Request, principal: Principal, complaint_id: str, target: GrantPurpose
) -> Response:
    """A grant from the API, in a form that posts it to intake's ``target`` page (never in
    a link, never cached); a refusal is shown on the case page."""
    async with service_api(request) as api:
        response = check(
            await api.post(f"/cases/{complaint_id}/contact_grant", params={"purpose": target})
        )
    if response.status_code != 200:
        return await _case_page(
            request,
            principal,
            complaint_id,
            failed=target,
            message=problem_message(response.json(), language_of(request)),
            status_code=response.status_code,
        )
    page = pages.render(
        request,
        "resolution/contact.html",
        principal=principal,
        complaint_id=complaint_id,
        ticket_no=request.query_params.get("ticket", ""),
        grant=response.json()["grant"],
        target=target,
    )
    page.headers["Cache-Control"] = "no-store"
    return page


@router.post("/cases/{complaint_id}/attachments", response_class=HTMLResponse)
async def open_attachments(request: Request, principal: Reader, complaint_id: str) -> Response:
    """The files are intake's: a grant (whoever may contact the customer may see and add
    them), then a form that posts it there."""
    return await _grant_page(request, principal, complaint_id, "attachments")


async def back_to_case(request: Request, complaint_id: str) -> Response:
    """A grant is never in a link: reloading a grant page (or switching language) goes
    back to the case."""
    root = request.scope.get("root_path", "")
    return RedirectResponse(f"{root}/ui/cases/{complaint_id}", status_code=303)


for _target in get_args(GrantPurpose):
    router.add_api_route(f"/cases/{{complaint_id}}/{_target}", back_to_case, methods=["GET"])


@router.post("/cases/{complaint_id}/{step}", response_class=HTMLResponse)
async def take_step(request: Request, principal: Reader, complaint_id: str, step: Step) -> Response:
    form = await request.form()
    headers = {}
    version = form.get("version")
    if isinstance(version, str) and version.isdigit():
        headers["If-Match"] = version
    async with service_api(request) as api:
        response = await api.post(
            f"/cases/{complaint_id}/{step.value}", json=step_body(step, form), headers=headers
        )
    if response.status_code == 401:
        raise SignInRequiredError
    back = form.get("back")
    root = request.scope.get("root_path", "")
    if response.status_code == 200:
        query = urlencode({"done": step.value, "ticket": response.json()["ticket_no"]})
        target = (
            f"{root}/ui/approvals" if back == "approvals" else f"{root}/ui/cases/{complaint_id}"
        )
        return RedirectResponse(f"{target}?{query}", status_code=303)
    problem = response.json()
    language = language_of(request)
    errors = field_errors(problem, language) if response.status_code == 422 else {}
    message = "" if errors and "" not in errors else problem_message(problem, language)
    if back == "approvals":
        return await _approvals_page(
            request,
            principal,
            failed=complaint_id,
            message=message or "; ".join(errors.values()),
            status_code=response.status_code,
        )
    values = {key: form.getlist(key) for key in form}
    return await _case_page(
        request,
        principal,
        complaint_id,
        failed=step.value,
        message=message,
        errors=errors,
        values=values,
        status_code=response.status_code,
    )


async def _approvals_page(
    request: Request,
    principal: Principal,
    *,
    failed: str = "",
    message: str = "",
    status_code: int = 200,
) -> Response:
    async with service_api(request) as api:
        response = check(await api.get("/approvals"))
        staff = await _staff(api)
    return pages.render(
        request,
        "resolution/approvals.html",
        principal=principal,
        status_code=status_code,
        cases=response.json(),
        names=_names(staff),
        failed=failed,
        message=message,
        done=request.query_params.get("done", ""),
        done_ticket=request.query_params.get("ticket", ""),
    )


@router.get("/approvals", response_class=HTMLResponse)
async def approvals(request: Request, principal: Approver) -> Response:
    return await _approvals_page(request, principal)


StaffKeeper = Annotated[
    Principal, Depends(page_user(Role.DEPARTMENT_HEAD, Role.GENERAL_MANAGER, Role.ADMIN))
]


async def _staff_page(
    request: Request,
    principal: Principal,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    message: str = "",
    status_code: int = 200,
) -> Response:
    async with service_api(request) as api:
        members = check(await api.get("/staff")).json()
    editing = request.query_params.get("edit")
    if values is None:
        found = next((m for m in members if m["user"] == editing), None)
        values = _staff_values(found) if found else {}
    if principal.role is Role.DEPARTMENT_HEAD and not values.get("department"):
        values = {
            **values,
            "department": principal.department.value if principal.department else "",
        }
    return pages.render(
        request,
        "resolution/staff.html",
        principal=principal,
        status_code=status_code,
        members=members,
        departments=assignable_departments(principal),
        values=values,
        errors=errors or {},
        message=message,
        done=request.query_params.get("done", ""),
    )


def _staff_values(member: dict[str, Any]) -> dict[str, str]:
    return {
        "user": member["user"],
        "name": member["name"],
        "title": member.get("title") or "",
        "department": member.get("department") or "",
        "active": "true" if member.get("active", True) else "false",
    }


@router.get("/staff", response_class=HTMLResponse)
async def staff_directory(request: Request, principal: StaffKeeper) -> Response:
    return await _staff_page(request, principal)


@router.post("/staff", response_class=HTMLResponse)
async def save_staff(request: Request, principal: StaffKeeper) -> Response:
    form = await request.form()
    values = {
        key: str(form.get(key) or "").strip() for key in ("user", "name", "title", "department")
    }
    values["active"] = "true" if form.get("active") == "true" else "false"
    body = {
        "name": values["name"],
        "title": values["title"],
        "department": values["department"] or None,
        "active": values["active"] == "true",
    }
    user = values["user"]
    if not re.fullmatch(LOGIN_PATTERN, user):
        text = translate("staff.login_needed", language_of(request))
        return await _staff_page(
            request, principal, values=values, errors={"user": text}, status_code=422
        )
    async with service_api(request) as api:
        response = await api.put(f"/staff/{quote(user, safe='')}", json=body)
    if response.status_code == 401:
        raise SignInRequiredError
    if response.status_code == 200:
        root = request.scope.get("root_path", "")
        return RedirectResponse(f"{root}/ui/staff?{urlencode({'done': user})}", status_code=303)
    problem = response.json()
    language = language_of(request)
    errors = field_errors(problem, language) if response.status_code == 422 else {}
    message = "" if errors and "" not in errors else problem_message(problem, language)
    return await _staff_page(
        request,
        principal,
        values=values,
        errors=errors,
        message=message,
        status_code=response.status_code,
    )


Alerted = Annotated[Principal, Depends(page_user(*ALERTED_ROLES))]


@router.get("/alerts", response_class=HTMLResponse)
async def alerts(
    request: Request, principal: Alerted, every: Annotated[str, Query(alias="all")] = ""
) -> Response:
    show_all = bool(every)
    async with service_api(request) as api:
        listed = check(await api.get("/alerts", params={"unread": str(not show_all).lower()}))
        unread = check(await api.get("/alerts/unread")).json()["unread"]
        staff = await _staff(api)
    return pages.render(
        request,
        "resolution/alerts.html",
        principal=principal,
        alerts=listed.json(),
        unread=unread,
        names=_names(staff),
        show_all=show_all,
        message="",
    )


@router.post("/alerts/read", response_class=HTMLResponse)
async def read_all_alerts(request: Request, principal: Alerted) -> Response:
    async with service_api(request) as api:
        check(await api.post("/alerts/read"))
    root = request.scope.get("root_path", "")
    return RedirectResponse(f"{root}/ui/alerts", status_code=303)


@router.post("/alerts/{alert_id}/read", response_class=HTMLResponse)
async def read_alert(request: Request, principal: Alerted, alert_id: str) -> Response:
    async with service_api(request) as api:
        check(await api.post(f"/alerts/{quote(alert_id, safe='')}/read"))
    root = request.scope.get("root_path", "")
    return RedirectResponse(f"{root}/ui/alerts", status_code=303)
