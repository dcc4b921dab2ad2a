"""The quality dashboard: causes, trends, SLA, alerts and prevention actions in pictures.

It reads analytics' own JSON API in process as the signed-in user, so a department
head sees only their department here exactly as in the API.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import date, timedelta
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from services.analytics.charts import (
    bars_option,
    effect_option,
    heatmap_option,
    pareto_option,
    series_option,
)
from shared.auth import Principal, Role
from shared.vocab import Cause, Channel, Department, PdcaStage, PreventionType, Touchpoint
from shared.web.i18n import code_label, translate
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
READER_ROLES = (Role.QUALITY, Role.ADMIN, Role.GENERAL_MANAGER, Role.DEPARTMENT_HEAD)
Reader = Annotated[Principal, Depends(page_user(*READER_ROLES))]
Manager = Annotated[Principal, Depends(page_user(Role.QUALITY, Role.ADMIN))]
FILTERS = ("start", "end", "department", "channel", "cause")
BUCKETS = {"cause": Cause, "touchpoint": Touchpoint, "department": Department}
NEXT_STAGE = {
    PdcaStage.PLAN: PdcaStage.DO,
    PdcaStage.DO: PdcaStage.CHECK,
    PdcaStage.CHECK: PdcaStage.ACT,
    PdcaStage.ACT: PdcaStage.PLAN,
}


def percent_of(figure: str) -> Callable[[Mapping[str, Any]], float | None]:
    """A breakdown row's share figure in percent; ``None`` when there is nothing to judge."""

    def value(row: Mapping[str, Any]) -> float | None:
        share = row["figures"][figure]
        return None if share is None else round(100 * share, 1)

    return value


def _filters(request: Request) -> dict[str, str]:
    return {k: v for k in FILTERS if (v := request.query_params.get(k, "").strip())}


@router.get("/", response_class=HTMLResponse)
async def dashboard(request: Request, principal: Reader) -> Response:
    return await _render(request, principal)


EXPORTS = ("breakdown", "pareto", "series", "stages", "heatmap")


def _export_refused(
    request: Request, principal: Principal, status_code: int, detail: str
) -> Response:
    return pages.render(
        request,
        "message.html",
        principal=principal,
        status_code=status_code,
        title="dash.export_failed",
        detail=detail,
        back=f"{request.scope.get('root_path', '')}/ui/",
    )


@router.get("/export/{report}")
async def export(request: Request, principal: Reader, report: str) -> Response:
    """A report as CSV for the signed-in user: the dashboard's links come here, as the
    JSON API takes a bearer token, not the sign-in cookie."""
    if report not in EXPORTS:
        return _export_refused(request, principal, 404, report)
    params = {**dict(request.query_params), "format": "csv"}
    async with service_api(request) as api:
        response = check(await api.get(f"/reports/{report}", params=params))
    if response.status_code != 200:
        detail = problem_message(response.json(), language_of(request))
        return _export_refused(request, principal, response.status_code, detail)
    forwarded = {"Content-Disposition": response.headers.get("content-disposition", "")}
    return Response(
        response.content, media_type=response.headers["content-type"], headers=forwarded
    )


async def _render(
    request: Request,
    principal: Principal,
    *,
    message: str = "",
    errors: dict[str, str] | None = None,
    typed: dict[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    """The dashboard; ``typed`` is a refused new-action form, shown again as it was typed."""
    language = language_of(request)
    filters = _filters(request)
    query = {**filters, "lang": language}
    async with service_api(request) as api:
        overview_answer = await api.get("/reports/overview", params=query)
        if overview_answer.status_code == 422:
            message = "; ".join(field_errors(overview_answer.json(), language, "query.").values())
            filters, query = {}, {"lang": language}
            overview_answer = await api.get("/reports/overview", params=query)
        overview = check(overview_answer).json()
        pareto = check(await api.get("/reports/pareto", params={**query, "by": "cause"})).json()
        weekly = check(
            await api.get("/reports/series", params={**query, "by": "cause", "grain": "week"})
        ).json()
        heat = check(await api.get("/reports/heatmap", params=query)).json()
        departments = check(
            await api.get("/reports/breakdown", params={**query, "by": "department"})
        ).json()
        touchpoints = check(
            await api.get("/reports/breakdown", params={**query, "by": "touchpoint"})
        ).json()
        channels = check(
            await api.get("/reports/breakdown", params={**query, "by": "channel"})
        ).json()
        outcomes = check(
            await api.get("/reports/breakdown", params={**query, "by": "outcome"})
        ).json()
        responsible = check(
            await api.get("/reports/breakdown", params={**query, "by": "responsible_staff"})
        ).json()
        stages = check(await api.get("/reports/stages", params=query)).json()
        alerts = check(await api.get("/alerts")).json()
        actions = check(await api.get("/actions")).json()
        effects = {
            a["id"]: check(await api.get(f"/actions/{a['id']}/effect")).json() for a in actions
        }
        models = check(await api.get("/classifier/models")).json()
        agreement = {
            row["version"]: row for row in check(await api.get("/classifier/agreement")).json()
        }

    def t(key: str) -> str:
        return translate(key, language)

    def cause_label(code: str) -> str:
        return code_label(Cause, code, language) if code in set(Cause) else t("dash.unclassified")

    def department_label(code: str) -> str:
        if code in set(Department):
            return code_label(Department, code, language)
        return t("dash.unassigned")

    charts = {
        "pareto": pareto_option(
            pareto, title=t("dash.pareto"), count=t("dash.complaints"), share=t("dash.cumulative")
        ),
        "trend": series_option(weekly, title=t("dash.weekly_trend"), label=cause_label),
        "heatmap": heatmap_option(
            heat, title=t("dash.heatmap"), row_label=department_label, column_label=cause_label
        ),
        "sla": bars_option(
            departments["rows"],
            title=t("dash.sla_by_department"),
            value=percent_of("sla_compliance"),
            percent=True,
        ),
        "touchpoints": bars_option(
            touchpoints["rows"],
            title=t("dash.by_touchpoint"),
            value=lambda r: r["figures"]["complaints"],
        ),
        "channels": bars_option(
            channels["rows"], title=t("dash.by_channel"), value=lambda r: r["figures"]["complaints"]
        ),
        "outcomes": bars_option(
            outcomes["rows"], title=t("dash.by_outcome"), value=lambda r: r["figures"]["complaints"]
        ),
        "stages": bars_option(
            stages["stages"], title=t("dash.stage_p90"), value=lambda r: r["p90_hours"]
        ),
    }
    for action in actions:
        charts[f"effect-{action['id']}"] = effect_option(
            effects[action["id"]], before=t("dash.before"), after=t("dash.after")
        )
    today: date = request.app.state.service.today()  # the dealership's day, on its clock
    csv_query = urlencode({**filters, "lang": language})
    return pages.render(
        request,
        "analytics/dashboard.html",
        status_code=status_code,
        principal=principal,
        overview=overview,
        pareto=pareto,
        weekly=weekly,
        heat=heat,
        departments=departments,
        touchpoints=touchpoints,
        channels=channels,
        outcomes=outcomes,
        responsible=responsible,
        stages=stages,
        alerts=alerts,
        actions=actions,
        effects=effects,
        models=models,
        agreement=agreement,
        charts_json=json.dumps(charts, ensure_ascii=False),
        filters=filters,
        csv_query=csv_query,
        message=message,
        errors=errors or {},
        typed=typed or {},
        can_manage=principal.role in (Role.QUALITY, Role.ADMIN),
        departments_all=[principal.department]  # a head's reports are their department's
        if principal.role is Role.DEPARTMENT_HEAD and principal.department
        else list(Department),
        channels_all=list(Channel),
        causes_all=list(Cause),
        buckets=BUCKETS,
        prevention_types=list(PreventionType),
        next_stage=NEXT_STAGE,
        cause_label=cause_label,
        department_label=department_label,
        hours=lambda h, above=False: f"{'>' if above else '≤'} {h:g} {t('dash.hours_unit')}",
        dict_by_stage=lambda rows: {r["stage"]: r for r in rows},
        today=today.isoformat(),
        due_default=(today + timedelta(days=30)).isoformat(),
    )


@router.post("/alerts/check", response_class=HTMLResponse)
async def check_alerts(request: Request, principal: Manager) -> Response:
    async with service_api(request) as api:
        check(await api.post("/alerts/check"))
    return RedirectResponse(f"{request.scope.get('root_path', '')}/ui/#alerts", status_code=303)


@router.post("/actions", response_class=HTMLResponse)
async def open_action(request: Request, principal: Manager) -> Response:
    form = await request.form()

    def value(name: str) -> str:
        raw = form.get(name)
        return raw.strip() if isinstance(raw, str) else ""

    body: dict[str, Any] = {
        "title": value("title"),
        "type": value("type"),
        "dimension": value("dimension"),
        "value": value("bucket_" + value("dimension")) if value("dimension") else "",
        "owner": value("owner"),
        "due_date": value("due_date"),
    }
    if value("effective_from"):
        body["effective_from"] = value("effective_from")
    async with service_api(request) as api:
        answer = check(await api.post("/actions", json=body))
    if answer.status_code == 422:
        return await _render(
            request,
            principal,
            errors=field_errors(answer.json(), language_of(request)),
            typed={key: value(key) for key in form},
            message=translate("dash.action_invalid", language_of(request)),
            status_code=422,
        )
    return RedirectResponse(f"{request.scope.get('root_path', '')}/ui/#actions", status_code=303)


@router.post("/actions/{action_id}/stage", response_class=HTMLResponse)
async def move_action(action_id: str, request: Request, principal: Manager) -> Response:
    form = await request.form()
    stage = form.get("stage")
    async with service_api(request) as api:
        answer = check(await api.post(f"/actions/{action_id}/stage", json={"stage": stage}))
    if answer.status_code != 200:
        return await _render(
            request,
            principal,
            message=problem_message(answer.json(), language_of(request)),
            status_code=409,
        )
    return RedirectResponse(f"{request.scope.get('root_path', '')}/ui/#actions", status_code=303)
