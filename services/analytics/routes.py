"""Analytics HTTP routes: reports with filters and CSV, alerts, prevention, the classifier.

Quality and admin see everything; the general manager reads everything; a department
head reads only their own department's figures.
"""

from __future__ import annotations

import csv
import io
from dataclasses import asdict
from datetime import date, timedelta
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, HTTPException, Query, Request, Response, status
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ConfigDict, Field

from services.analytics.domain.prevention import (
    BucketDimension,
    Effect,
    IllegalStageError,
    PreventionAction,
)
from services.analytics.domain.reports import (
    Breakdown,
    Figures,
    Filters,
    Overview,
    Pareto,
    Series,
    StageReport,
    StageRow,
)
from services.analytics.domain.trends import Spike
from services.analytics.service import AnalyticsService
from services.analytics.store import StoredModel
from shared.auth import Principal, Role, require_roles
from shared.contracts.analytics import CauseEvidence
from shared.errors import ConflictError, InvalidValueError
from shared.vocab import (
    LABELS,
    CaseStage,
    Cause,
    Channel,
    Department,
    Language,
    Outcome,
    PdcaStage,
    PreventionType,
    Touchpoint,
    Urgency,
    VehicleSystem,
)

router = APIRouter(tags=["reports"])

REPORT_READERS = require_roles(Role.QUALITY, Role.GENERAL_MANAGER, Role.DEPARTMENT_HEAD, Role.ADMIN)
QUALITY = require_roles(Role.QUALITY, Role.ADMIN)
ANYONE = require_roles(*Role)

By = Literal[
    "cause",
    "department",
    "channel",
    "touchpoint",
    "vehicle_model",
    "responsible_staff",
    "urgency",
    "vehicle_system",
    "cause_any",
    "outcome",
]
Grain = Literal["day", "week", "month"]
Format = Literal["json", "csv"]
DEFAULT_DAYS = 30
MAX_DAYS = 3 * 366

_VOCABULARY = {
    "cause": Cause,
    "cause_any": Cause,
    "department": Department,
    "channel": Channel,
    "touchpoint": Touchpoint,
    "urgency": Urgency,
    "vehicle_system": VehicleSystem,
    "outcome": Outcome,
    "stage": CaseStage,
}


def get_service(request: Request) -> AnalyticsService:
    service: AnalyticsService = request.app.state.service
    return service


Service = Annotated[AnalyticsService, Depends(get_service)]
Reader = Annotated[Principal, Depends(REPORT_READERS)]
QualityUser = Annotated[Principal, Depends(QUALITY)]
WholeDealership = Annotated[
    Principal, Depends(require_roles(Role.QUALITY, Role.GENERAL_MANAGER, Role.ADMIN))
]


def visible_to(principal: Principal, dimension: str, value: str) -> bool:
    """Prevention actions: a head sees those on dealership-wide cause and touchpoint
    buckets, and of the department buckets only their own (as with the reports' department
    filter). Trend alerts are narrower: :func:`alert_visible_to`."""
    if principal.role is not Role.DEPARTMENT_HEAD or dimension != "department":
        return True
    return principal.department is not None and value == principal.department.value


def alert_visible_to(principal: Principal, dimension: str, value: str) -> bool:
    """A head sees only the alerts of their own department: a cause or touchpoint alert
    counts the whole dealership's complaints, which a head reads nowhere else (their
    reports are held to their department)."""
    if principal.role is not Role.DEPARTMENT_HEAD:
        return True
    own = principal.department
    return dimension == "department" and own is not None and value == own.value


def _visible_action(principal: Principal, action: PreventionAction) -> PreventionAction:
    if not visible_to(principal, action.dimension, action.value):
        raise HTTPException(status.HTTP_403_FORBIDDEN, "another department's prevention action")
    return action


def labels_for(by: str, language: Language) -> dict[str, str]:
    vocabulary = _VOCABULARY.get(by)
    pairs = LABELS.get(vocabulary, {}) if vocabulary else {}
    chosen = {code: (zh if language == "zh" else en) for code, (zh, en) in pairs.items()}
    unassigned = ("未分配", "Unassigned") if by == "department" else ("未知", "Unknown")
    chosen.setdefault("unassigned", unassigned[0] if language == "zh" else unassigned[1])
    chosen.setdefault("unknown", "未知" if language == "zh" else "Unknown")
    chosen.setdefault("unclassified", "未分类" if language == "zh" else "Unclassified")
    return chosen


def report_filters(
    service: Service,
    principal: Reader,
    start: Annotated[date | None, Query(description="First day (default: 30 days ago).")] = None,
    end: Annotated[date | None, Query(description="Last day, inclusive (default: today).")] = None,
    department: Annotated[Department | None, Query()] = None,
    channel: Annotated[Channel | None, Query()] = None,
    cause: Annotated[Cause | None, Query()] = None,
) -> Filters:
    """The filters of every report; a department head is held to their own department."""
    last = end or service.today()
    first = start or last - timedelta(days=DEFAULT_DAYS - 1)
    if first > last:
        raise _invalid(
            "query", "start", InvalidValueError("date_order", "start must not be after end")
        )
    if (last - first).days > MAX_DAYS:
        raise _invalid(
            "query",
            "start",
            InvalidValueError(
                "period_too_long", f"a report covers at most {MAX_DAYS} days", max_days=MAX_DAYS
            ),
        )
    if principal.role is Role.DEPARTMENT_HEAD:
        if department is not None and department is not principal.department:
            raise HTTPException(
                status.HTTP_403_FORBIDDEN, "a department head sees only their own department"
            )
        department = principal.department
    return Filters(
        start=first,
        end=last,
        department=department.value if department else None,
        channel=channel.value if channel else None,
        cause=cause.value if cause else None,
    )


def _invalid(where: str, field: str, error: str | InvalidValueError) -> RequestValidationError:
    """A field error; an ``InvalidValueError``'s code lets pages say it in their language."""
    coded = isinstance(error, InvalidValueError)
    return RequestValidationError(
        [
            {
                "loc": (where, field),
                "msg": str(error),
                "type": "value_error",
                "input": None,
                "ctx": {"error": error} if coded else {},
            }
        ]
    )


ReportFilters = Annotated[Filters, Depends(report_filters)]
Lang = Annotated[Language, Query(description="Labels in Chinese (zh) or English (en).")]


_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value: object) -> object:
    """Text a spreadsheet would run as a formula (a vehicle model typed as ``=HYPERLINK(…)``)
    is quoted so it stays text (OWASP's CSV injection advice)."""
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def _csv(name: str, header: list[str], rows: list[list[object]]) -> Response:
    """UTF-8 with a BOM, so Excel on a Chinese Windows opens it correctly."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows([spreadsheet_safe(value) for value in row] for row in rows)
    return Response(
        ("\ufeff" + buffer.getvalue()).encode(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
    )


@router.get(
    "/summary",
    summary="Complaints and cases counted so far, dealership-wide (not for department heads)",
)
async def get_summary(service: Service, _: WholeDealership) -> object:
    return await service.summary()


@router.get("/reports/overview", summary="Headline figures: SLA, time to close, satisfaction")
async def get_overview(service: Service, filters: ReportFilters) -> Overview:
    return await service.overview(filters)


@router.get(
    "/reports/breakdown",
    summary="Figures per cause, touchpoint, department, channel, vehicle model, urgency,"
    " responsible staff or outcome",
    response_model=Breakdown,
)
async def get_breakdown(
    service: Service,
    filters: ReportFilters,
    by: By = "cause",
    lang: Lang = "zh",
    format: Format = "json",
) -> Breakdown | Response:
    report = await service.breakdown(by, filters, labels_for(by, lang))
    if format == "csv":
        header: list[str] = [by, "label", *Figures.model_fields]
        rows: list[list[object]] = [
            [r.key, r.label, *r.figures.model_dump().values()] for r in report.rows
        ]
        return _csv(f"breakdown-{by}-{filters.start}-{filters.end}", header, rows)
    return report


@router.get(
    "/reports/pareto",
    summary="Causes (or another bucket) largest first, with shares",
    response_model=Pareto,
)
async def get_pareto(
    service: Service,
    filters: ReportFilters,
    by: By = "cause",
    lang: Lang = "zh",
    format: Format = "json",
) -> Pareto | Response:
    report = await service.pareto(by, filters, labels_for(by, lang))
    if format == "csv":
        header = [by, "label", "complaints", "share", "cumulative_share", "vital_few"]
        rows: list[list[object]] = [
            [r.key, r.label, r.complaints, r.share, r.cumulative_share, r.vital_few]
            for r in report.rows
        ]
        return _csv(f"pareto-{by}-{filters.start}-{filters.end}", header, rows)
    return report


@router.get(
    "/reports/series",
    summary="Complaints per day, week or month and bucket",
    response_model=Series,
)
async def get_series(
    service: Service,
    filters: ReportFilters,
    by: By = "cause",
    grain: Grain = "week",
    format: Format = "json",
) -> Series | Response:
    report = await service.series(by, grain, filters)
    if format == "csv":
        rows: list[list[object]] = [[p.period, p.key, p.complaints] for p in report.points]
        return _csv(f"series-{by}-{grain}", [grain, by, "complaints"], rows)
    return report


@router.get(
    "/reports/stages",
    summary="Where the closed loop's time goes: each stage's p50/p90 and how often over budget,"
    " per department that spent it (date and department filters; not split by channel or cause)",
    response_model=StageReport,
)
async def get_stages(
    service: Service, filters: ReportFilters, lang: Lang = "zh", format: Format = "json"
) -> StageReport | Response:
    report = await service.stages(
        filters, labels_for("stage", lang), labels_for("department", lang)
    )
    if format == "csv":
        header = ["department", *StageRow.model_fields]
        whole = filters.department or "all"  # a head's overall rows are their department's
        rows: list[list[object]] = [[whole, *r.model_dump().values()] for r in report.stages]
        rows += [
            [d.department, *r.model_dump().values()] for d in report.departments for r in d.stages
        ]
        return _csv(f"stages-{filters.start}-{filters.end}", header, rows)
    return report


@router.get(
    "/reports/heatmap",
    summary="Complaints crossed by two buckets (department × cause)",
    response_model=dict[str, dict[str, int]],
)
async def get_heatmap(
    service: Service,
    filters: ReportFilters,
    rows: Literal["department", "channel", "cause"] = "department",
    columns: Literal["department", "channel", "cause"] = "cause",
    format: Format = "json",
) -> dict[str, dict[str, int]] | Response:
    if rows == columns:
        raise _invalid(
            "query", "columns", InvalidValueError("same_axes", "rows and columns must differ")
        )
    heat = await service.heatmap(rows, columns, filters)
    if format == "csv":
        keys = sorted({column for cells in heat.values() for column in cells})
        table: list[list[object]] = [
            [row, *(cells.get(column, 0) for column in keys)] for row, cells in heat.items()
        ]
        return _csv(f"heatmap-{rows}-{columns}-{filters.start}-{filters.end}", [rows, *keys], table)
    return heat


# -- alerts -----------------------------------------------------------------------------


class AlertRead(BaseModel):
    dimension: str
    value: str
    week: str
    count: int
    baseline: float
    p_value: float
    raised_at: str


@router.get(
    "/alerts",
    summary="Trend alerts, newest first (a department head: their own department's)",
    tags=["alerts"],
)
async def list_alerts(service: Service, principal: Reader) -> list[AlertRead]:
    own = principal.department if principal.role is Role.DEPARTMENT_HEAD else None
    alerts = await service.alerts(bucket=("department", own.value) if own else None)
    visible = [a for a in alerts if alert_visible_to(principal, a.spike.dimension, a.spike.value)]
    return [AlertRead(**a.spike.model_dump(), raised_at=a.raised_at.isoformat()) for a in visible]


@router.post("/alerts/check", summary="Compare this week with its baseline now", tags=["alerts"])
async def check_alerts(service: Service, _: QualityUser) -> list[Spike]:
    return await service.check_trends()


# -- prevention actions -------------------------------------------------------------------


class ActionCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=2, max_length=200)
    type: PreventionType
    dimension: BucketDimension
    value: str = Field(min_length=1, max_length=100)
    owner: str = Field(min_length=1, max_length=100)
    due_date: date
    effective_from: date | None = Field(
        default=None, description="When the action starts to work (default: today)."
    )


class StageChangeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    stage: PdcaStage
    note: str = Field(default="", max_length=2000)


@router.get("/actions", summary="Prevention actions (PDCA)", tags=["prevention"])
async def list_actions(service: Service, principal: Reader) -> list[PreventionAction]:
    actions = await service.actions()
    return [a for a in actions if visible_to(principal, a.dimension, a.value)]


@router.post(
    "/actions",
    summary="Open a prevention action on a cause, touchpoint or department",
    tags=["prevention"],
    status_code=status.HTTP_201_CREATED,
)
async def open_action(
    body: ActionCreate, service: Service, principal: QualityUser
) -> PreventionAction:
    _check_bucket(body.dimension, body.value)
    if body.due_date < service.today():  # an action is planned forward (its effect too)
        raise _invalid(
            "body", "due_date", InvalidValueError("due_in_past", "the due date is before today")
        )
    return await service.open_action(**body.model_dump(), by=principal.user)


def _check_bucket(dimension: str, value: str) -> None:
    vocabulary = {"cause": Cause, "touchpoint": Touchpoint, "department": Department}[dimension]
    if value not in {member.value for member in vocabulary}:
        allowed = ", ".join(member.value for member in vocabulary)
        raise _invalid("body", "value", f"not a {dimension}; one of {allowed}")


@router.get("/actions/{action_id}", summary="One prevention action", tags=["prevention"])
async def get_action(action_id: str, service: Service, principal: Reader) -> PreventionAction:
    return _visible_action(principal, await service.get_action(action_id))


@router.post(
    "/actions/{action_id}/stage",
    summary="Move the action to its next PDCA stage",
    tags=["prevention"],
    responses={409: {"description": "not the next stage"}},
)
async def change_stage(
    action_id: str, body: StageChangeIn, service: Service, principal: QualityUser
) -> PreventionAction:
    try:
        return await service.advance_action(
            action_id, body.stage, by=principal.user, note=body.note
        )
    except IllegalStageError as exc:
        raise ConflictError(
            str(exc),
            code="stage_not_allowed",
            stage=exc.current.value,
            expected=exc.expected.value,
            requested=exc.requested.value,
        ) from exc


@router.get(
    "/actions/{action_id}/effect",
    summary="The bucket's weekly complaints before and after, and whether it changed",
    tags=["prevention"],
)
async def get_effect(
    action_id: str,
    service: Service,
    principal: Reader,
    weeks: Annotated[int, Query(ge=1, le=52)] = 8,
) -> Effect:
    _visible_action(principal, await service.get_action(action_id))
    return await service.action_effect(action_id, weeks)


# -- classifier -----------------------------------------------------------------------------


class TextIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1, max_length=5000)


class PredictionRead(BaseModel):
    causes: list[str]
    primary_cause: str
    confidence: float
    probabilities: dict[str, float]
    touchpoint: str | None
    vehicle_system: str | None
    explanation: list[str]
    model_version: str
    evidence: list[CauseEvidence] = Field(default_factory=list)


class ModelRead(BaseModel):
    version: str
    created_at: str
    active: bool
    trained_on: dict[str, int]
    metrics: dict[str, float]


def _model_read(model: StoredModel) -> ModelRead:
    return ModelRead(
        version=model.version,
        created_at=model.created_at.isoformat(),
        active=model.active,
        trained_on=model.trained_on,
        metrics=model.metrics,
    )


@router.post(
    "/classifier/predict", summary="What the active model makes of a text", tags=["classifier"]
)
async def predict(
    body: TextIn, service: Service, _: Annotated[Principal, Depends(ANYONE)]
) -> PredictionRead:
    return PredictionRead(**asdict(await service.predict(body.text)))


@router.get(
    "/classifier/models", summary="Every model version, the active one marked", tags=["classifier"]
)
async def list_models(service: Service, _: Reader) -> list[ModelRead]:
    return [_model_read(m) for m in await service.models()]


class AgreementRead(BaseModel):
    version: str = Field(description="A model version, or `all` for every version together.")
    cases: int = Field(description="Complaints this version predicted whose cause is confirmed.")
    primary_agreement: float = Field(description="Share whose primary cause was predicted.")
    macro_f1: float
    label_f1: dict[str, float]


@router.get(
    "/classifier/agreement",
    summary="Per model version, its predictions against the causes investigators confirmed",
    tags=["classifier"],
)
async def model_agreement(service: Service, _: Reader) -> list[AgreementRead]:
    return [AgreementRead(**asdict(row)) for row in await service.agreement()]


@router.post(
    "/classifier/train",
    summary="Train a new version on the examples and every confirmed cause; it becomes active",
    tags=["classifier"],
    status_code=status.HTTP_201_CREATED,
)
async def train_model(service: Service, _: QualityUser) -> ModelRead:
    return _model_read(await service.train())


@router.post(
    "/classifier/models/{version}/activate",
    summary="Make an earlier (or later) version the active one",
    tags=["classifier"],
)
async def activate_model(version: str, service: Service, _: QualityUser) -> dict[str, str]:
    await service.activate(version)
    return {"active": version}
