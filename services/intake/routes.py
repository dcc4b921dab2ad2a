"""Intake HTTP routes: thin — validate, check the role, call the service."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import (
    APIRouter,
    Body,
    Depends,
    Header,
    Query,
    Request,
    Response,
    status,
)
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError, model_validator

from services.intake.delivery import MessageDelivery
from services.intake.domain.channels import ADAPTERS, NotAComplaint
from services.intake.domain.delivery import Delivery
from services.intake.domain.record import (
    Complaint,
    ComplaintCreate,
    FollowUp,
    PhoneNumber,
    RecordDraft,
    TargetIn,
    VehicleIn,
)
from services.intake.domain.validators import normalize_phone, normalize_plate, normalize_vin
from services.intake.service import IntakeService, Outcome, Registration
from shared.auth import (
    GrantPurpose,
    InvalidTokenError,
    Principal,
    Role,
    require_roles,
    verify_contact_grant,
)
from shared.contracts.envelope import Actor
from shared.crypto import mask_code, mask_email, mask_id_number, mask_phone
from shared.errors import ConflictError, FieldValueError, ForbiddenError, InvalidValueError
from shared.vocab import Channel, Demand, ErasureReason, Language, Urgency
from shared.web.problems import field_path, problem

router = APIRouter(tags=["complaints"])

RECORDER_ROLES = (Role.AGENT, Role.ADMIN)
RECORDERS = require_roles(*RECORDER_ROLES)
MAX_BATCH = 500

IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        max_length=200,
        description="The same key again returns the first answer; nothing is registered twice.",
    ),
]


class CustomerRead(BaseModel):
    name: str
    phone_masked: str | None
    email_masked: str | None
    id_number_masked: str | None
    customer_id: str | None
    wechat_openid_masked: str | None


class ComplaintRead(BaseModel):
    id: str
    ticket_no: str
    channel: Channel
    customer: CustomerRead
    vehicle: VehicleIn
    target: TargetIn | None
    content: str
    demands: list[Demand]
    demand_note: str | None
    language: Language
    urgency: Urgency
    urgency_reasons: list[str]
    repeat_complainant: bool
    received_at: datetime
    registered_at: datetime
    external_id: str | None
    references: dict[str, str]
    follow_ups: list[FollowUp]
    open: bool = Field(default=True, description="False once its case is closed.")
    closed_at: datetime | None = None
    erased_at: datetime | None = Field(
        default=None, description="Set once the customer's personal data was erased."
    )
    erasure_reason: ErasureReason | None = None

    @classmethod
    def of(cls, complaint: Complaint) -> ComplaintRead:
        customer = complaint.customer
        return cls(
            id=complaint.id,
            ticket_no=complaint.ticket_no,
            channel=complaint.channel,
            customer=CustomerRead(
                name=customer.name,
                phone_masked=mask_phone(customer.phone) if customer.phone else None,
                email_masked=mask_email(customer.email) if customer.email else None,
                id_number_masked=mask_id_number(customer.id_number) if customer.id_number else None,
                customer_id=customer.customer_id,
                wechat_openid_masked=mask_code(customer.wechat_openid)
                if customer.wechat_openid
                else None,
            ),
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
            open=complaint.open,
            closed_at=complaint.closed_at,
            erased_at=complaint.erased_at,
            erasure_reason=complaint.erasure_reason,
        )


class AcknowledgementRead(BaseModel):
    medium: str
    language: Language
    text: str


class RegistrationRead(ComplaintRead):
    outcome: Outcome = Field(
        description="registered (new case), linked (follow-up of an open complaint),"
        " replayed (this message was registered before; nothing new)"
    )
    acknowledgement: AcknowledgementRead | None

    @classmethod
    def of_registration(cls, registration: Registration) -> RegistrationRead:
        ack = registration.acknowledgement
        return cls(
            **ComplaintRead.of(registration.complaint).model_dump(),
            outcome=registration.outcome,
            acknowledgement=AcknowledgementRead(
                medium=ack.medium, language=ack.language, text=ack.text
            )
            if ack
            else None,
        )


def get_service(request: Request) -> IntakeService:
    service: IntakeService = request.app.state.service
    return service


Service = Annotated[IntakeService, Depends(get_service)]
Recorder = Annotated[Principal, Depends(RECORDERS)]


def _actor(principal: Principal) -> Actor:
    return Actor(id=principal.user, role=principal.role.value)


def _answer(registration: Registration, request: Request, response: Response) -> RegistrationRead:
    if registration.outcome is Outcome.REGISTERED:
        response.status_code = status.HTTP_201_CREATED
    response.headers["Location"] = str(
        request.url_for("get_complaint", complaint_id=registration.complaint.id)
    )
    return RegistrationRead.of_registration(registration)


@router.post(
    "/complaints",
    status_code=status.HTTP_200_OK,
    summary="Register a complaint taken by an agent (phone, hotline, walk-in, front desk)",
    responses={
        201: {"description": "registered: a new complaint and case"},
        409: {
            "description": "the complaint named in follow_up_of is closed (code"
            " follow_up_closed) or another customer's (code follow_up_other_customer)"
        },
        422: {"description": "a field is not valid, or follow_up_of names no complaint"},
    },
)
async def register_complaint(
    body: ComplaintCreate,
    request: Request,
    response: Response,
    service: Service,
    principal: Recorder,
    idempotency_key: IdempotencyKey = None,
) -> RegistrationRead:
    registration = await service.register(
        body,
        actor=_actor(principal),
        idempotency_key=idempotency_key,
        follow_up_of=body.follow_up_of,
    )
    return _answer(registration, request, response)


@router.post(
    "/channels/{channel}",
    status_code=status.HTTP_200_OK,
    summary="Register a complaint as a channel delivers it (web, app, WeChat, email...)",
    responses={201: {"description": "registered"}, 404: {"description": "unknown channel"}},
)
async def register_from_channel(
    channel: str,
    request: Request,
    response: Response,
    service: Service,
    principal: Recorder,
    payload: Annotated[dict[str, Any], Body(description="The channel's own payload.")],
    idempotency_key: IdempotencyKey = None,
) -> Any:
    adapter = ADAPTERS.get(channel)
    if adapter is None:
        return problem(
            404,
            f"unknown channel {channel!r}; known: {', '.join(sorted(ADAPTERS))}",
            instance=request.url.path,
        )
    draft = _adapt(adapter.name, payload, request)
    registration = await service.register(
        draft, actor=_actor(principal), idempotency_key=idempotency_key
    )
    return _answer(registration, request, response)


def _adapt(name: str, payload: dict[str, Any], request: Request) -> RecordDraft:
    adapter = ADAPTERS[name]
    options = getattr(request.app.state, "channel_options", {}).get(name, {})
    context = {"zone": getattr(request.app.state, "zone", None)}
    try:
        model = adapter.payload_model.model_validate(payload, context=context)
        draft: RecordDraft = adapter.to_draft(model, **options)
    except ValidationError as exc:
        raise RequestValidationError(
            [{**error, "loc": ("body", *error["loc"])} for error in exc.errors()]
        ) from exc
    except NotAComplaint as exc:
        raise RequestValidationError(
            [{"loc": ("body",), "msg": str(exc), "type": "not_a_complaint"}]
        ) from exc
    return draft


@router.get("/complaints/{complaint_id}", summary="One registration record")
async def get_complaint(complaint_id: str, service: Service, _: Recorder) -> ComplaintRead:
    return ComplaintRead.of(await service.get(complaint_id))


@router.get("/complaints", summary="Find complaints by ticket, phone, VIN or plate")
async def search_complaints(
    service: Service,
    _: Recorder,
    request: Request,
    ticket: Annotated[str | None, Query(max_length=32, description="TS-YYYYMMDD-NNNN")] = None,
    phone: Annotated[str | None, Query(max_length=32)] = None,
    vin: Annotated[str | None, Query(max_length=32)] = None,
    plate: Annotated[str | None, Query(max_length=16)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> list[ComplaintRead]:
    if not any((ticket, phone, vin, plate)):
        raise RequestValidationError(
            [{"loc": ("query",), "msg": "give ticket, phone, vin or plate", "type": "missing"}]
        )
    criteria = {
        "phone": (phone, normalize_phone),
        "vin": (vin, normalize_vin),
        "plate": (plate, normalize_plate),
    }
    normalized: dict[str, str | None] = {}
    for name, (value, normalize) in criteria.items():
        try:
            normalized[name] = normalize(value) if value else None
        except ValueError as exc:  # the error rides along: its code is what pages translate
            raise RequestValidationError(
                [
                    {
                        "loc": ("query", name),
                        "msg": str(exc),
                        "type": "value_error",
                        "ctx": {"error": exc},
                    }
                ]
            ) from exc
    found = await service.search(
        ticket_no=ticket.strip().upper() if ticket else None, limit=limit, **normalized
    )
    return [ComplaintRead.of(complaint) for complaint in found]


class BatchItemResult(BaseModel):
    index: int
    status: int
    outcome: Outcome | None = None
    id: str | None = None
    ticket_no: str | None = None
    errors: list[dict[str, str]] = Field(default_factory=list)


class BatchResult(BaseModel):
    registered: int
    linked: int
    replayed: int
    rejected: int
    results: list[BatchItemResult]


_BATCH_ITEM = TypeAdapter(ComplaintCreate)


class _BatchItemKey(BaseModel):
    """An item's own idempotency key: as the header's, a text of at most 200 characters."""

    model_config = ConfigDict(extra="ignore", strict=True)

    idempotency_key: str | None = Field(default=None, min_length=1, max_length=200)


@router.post(
    "/complaints:batch",
    summary="Register many agent-form complaints; each bad item is reported, good ones go in",
)
async def register_batch(
    items: Annotated[list[dict[str, Any]], Body(max_length=MAX_BATCH)],
    service: Service,
    principal: Recorder,
) -> BatchResult:
    results: list[BatchItemResult] = []
    for index, item in enumerate(items):
        try:
            external = _BatchItemKey.model_validate(item).idempotency_key  # beside the record
            draft = _BATCH_ITEM.validate_python(
                {k: v for k, v in item.items() if k != "idempotency_key"}
            )
        except ValidationError as exc:
            errors = [
                {"path": field_path(tuple(e["loc"])), "message": e["msg"], "type": e["type"]}
                for e in exc.errors()
            ]
            results.append(BatchItemResult(index=index, status=422, errors=errors))
            continue
        try:
            registration = await service.register(
                draft,
                actor=_actor(principal),
                idempotency_key=external,
                follow_up_of=draft.follow_up_of,
            )
        except (FieldValueError, ConflictError) as exc:  # the follow-up it names: not this one
            results.append(_refused_item(index, exc))
            continue
        results.append(
            BatchItemResult(
                index=index,
                status=201 if registration.outcome is Outcome.REGISTERED else 200,
                outcome=registration.outcome,
                id=registration.complaint.id,
                ticket_no=registration.complaint.ticket_no,
            )
        )
    outcomes = [r.outcome for r in results]
    return BatchResult(
        registered=outcomes.count(Outcome.REGISTERED),
        linked=outcomes.count(Outcome.LINKED),
        replayed=outcomes.count(Outcome.REPLAYED),
        rejected=sum(1 for r in results if r.status >= 400),
        results=results,
    )


def _refused_item(index: int, exc: FieldValueError | ConflictError) -> BatchItemResult:
    """An item the stored state refused: 422 with its field, or 409 with the conflict's code,
    as the single registration answers."""
    if isinstance(exc, FieldValueError):
        error = {"path": field_path(exc.path[1:]), "message": str(exc), "type": exc.error.code}
        return BatchItemResult(index=index, status=422, errors=[error])
    code = str(exc.extra.get("code", "conflict"))
    error = {"path": "follow_up_of", "message": str(exc), "type": code}
    return BatchItemResult(index=index, status=409, errors=[error])


CONTACT_ROLES = (Role.AGENT, Role.OWNER, Role.DEPARTMENT_HEAD, Role.GENERAL_MANAGER)
AUDITOR_ROLES = (Role.QUALITY, Role.ADMIN, Role.GENERAL_MANAGER)


def check_grant(
    request: Request, grant: str, principal: Principal, complaint_id: str, purpose: GrantPurpose
) -> None:
    """403 ``grant_invalid`` unless ``grant`` is resolution's (or, for the agent who just
    recorded the complaint, intake's own) for this person, complaint and purpose."""
    try:
        verify_contact_grant(
            request.app.state.tokens,
            grant,
            principal=principal,
            complaint_id=complaint_id,
            purpose=purpose,
        )
    except InvalidTokenError as exc:
        raise ForbiddenError(
            f"no valid {purpose} grant: {exc}", code="grant_invalid", purpose=purpose
        ) from exc


class ContactRequest(BaseModel):
    grant: str = Field(
        min_length=1,
        max_length=4096,
        description="From resolution's POST /cases/{id}/contact_grant: that case's customer"
        " is yours to contact.",
    )


class ContactRead(BaseModel):
    """Everything needed to call or write to the customer, unmasked."""

    complaint_id: str
    ticket_no: str
    name: str
    phone: str | None
    email: str | None
    wechat_openid: str | None
    language: Language
    words: list[str] = Field(
        default_factory=list,
        description="The customer's texts as written, numbers included (complaint, demand"
        " note, follow-ups): those whose numbers are masked everywhere else.",
    )


@router.post(
    "/complaints/{complaint_id}/contact",
    summary="The customer's full phone and email, with a grant from resolution; each view is"
    " recorded",
    responses={
        403: {"description": "no valid grant for this user and complaint"},
        409: {"description": "the customer's personal data was erased"},
    },
)
async def reveal_contact(
    complaint_id: str,
    body: ContactRequest,
    request: Request,
    response: Response,
    service: Service,
    principal: Annotated[Principal, Depends(require_roles(*CONTACT_ROLES))],
) -> ContactRead:
    check_grant(request, body.grant, principal, complaint_id, "contact")
    complaint, words = await service.reveal_contact(
        complaint_id, user=principal.user, role=principal.role.value
    )
    response.headers["Cache-Control"] = "no-store"
    customer = complaint.customer
    return ContactRead(
        complaint_id=complaint.id,
        ticket_no=complaint.ticket_no,
        name=customer.name,
        phone=customer.phone,
        email=customer.email,
        wechat_openid=customer.wechat_openid,
        language=complaint.language,
        words=words,
    )


class ContactViewRead(BaseModel):
    user: str
    role: str
    at: datetime


@router.get(
    "/complaints/{complaint_id}/contact_views",
    summary="Who saw this customer's contact details, and when (newest first)",
)
async def contact_views(
    complaint_id: str,
    service: Service,
    _: Annotated[Principal, Depends(require_roles(*AUDITOR_ROLES))],
) -> list[ContactViewRead]:
    views = await service.contact_views(complaint_id)
    return [ContactViewRead(user=v.user, role=v.role, at=v.at) for v in views]


ERASER_ROLES = (Role.ADMIN,)


class ErasureRequest(BaseModel):
    """Whose personal data to erase: a customer by phone (all their complaints), or one ticket."""

    model_config = ConfigDict(extra="forbid")

    phone: PhoneNumber | None = None
    ticket_no: str | None = Field(default=None, min_length=1, max_length=40)

    @model_validator(mode="after")
    def _one_target(self) -> ErasureRequest:
        if (self.phone is None) == (self.ticket_no is None):
            raise InvalidValueError(
                "erasure_target", "give either a phone number or a ticket number"
            )
        return self


class ErasedRead(BaseModel):
    complaint_id: str
    ticket_no: str
    erased_at: datetime
    erasure_reason: ErasureReason


class ErasureRead(BaseModel):
    erased: list[ErasedRead]


@router.post(
    "/erasures",
    summary="Erase a customer's personal data (PIPL art. 47): by phone, every complaint of"
    " theirs; or one ticket. Only once their cases are closed; the handling record stays",
    responses={
        404: {"description": "no complaint has this phone or ticket"},
        409: {"description": "a case of theirs is still open (code complaint_open)"},
    },
)
async def erase_personal_data(
    body: ErasureRequest,
    service: Service,
    principal: Annotated[Principal, Depends(require_roles(*ERASER_ROLES))],
) -> ErasureRead:
    erased = await service.erase(
        actor=_actor(principal), phone=body.phone, ticket_no=body.ticket_no
    )
    return ErasureRead(
        erased=[
            ErasedRead(
                complaint_id=c.id,
                ticket_no=c.ticket_no,
                erased_at=c.erased_at,
                erasure_reason=c.erasure_reason,
            )
            for c in erased
            if c.erased_at is not None and c.erasure_reason is not None
        ]
    )


def get_delivery(request: Request) -> MessageDelivery:
    delivery: MessageDelivery = request.app.state.delivery
    return delivery


@router.get(
    "/complaints/{complaint_id}/messages",
    summary="What the customer was sent, or was to be, and how it went (oldest first)",
)
async def customer_messages(
    complaint_id: str,
    service: Service,
    delivery: Annotated[MessageDelivery, Depends(get_delivery)],
    _: Annotated[Principal, Depends(require_roles(*RECORDER_ROLES, *AUDITOR_ROLES))],
) -> list[Delivery]:
    await service.get(complaint_id)  # 404 for an unknown complaint
    return await delivery.deliveries_of(complaint_id)


@router.post(
    "/complaints/{complaint_id}/messages",
    summary="What the customer was sent, for whoever may contact them (a grant from the case)",
    responses={403: {"description": "no valid grant for this user and complaint"}},
)
async def customer_messages_by_grant(
    complaint_id: str,
    body: ContactRequest,
    request: Request,
    response: Response,
    service: Service,
    delivery: Annotated[MessageDelivery, Depends(get_delivery)],
    principal: Annotated[Principal, Depends(require_roles(*CONTACT_ROLES))],
) -> list[Delivery]:
    """The case's owner and head post a manual reply (Weibo, a regulator's platform) with
    these texts, and see what was retried: resolution decides who may, as for the phone
    (with a grant for the messages, which does not open the phone)."""
    check_grant(request, body.grant, principal, complaint_id, "messages")
    await service.get(complaint_id)
    response.headers["Cache-Control"] = "no-store"
    return await delivery.deliveries_of(complaint_id)
