"""Server-rendered pages: one layout, navigation per role, sign-in, language, page helpers.

Each service mounts its own pages under its prefix (``/intake/ui/...``) with
:func:`install_pages`; pages act through the service's own JSON API, in process, with
the signed-in user's token, so every page is allowed exactly what the API allows.
"""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Final
from urllib.parse import quote, urlsplit

import httpx
from fastapi import APIRouter, FastAPI, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, select_autoescape
from starlette.exceptions import HTTPException as StarletteHTTPException

from shared.auth import InvalidTokenError, Principal, Role, TokenService
from shared.vocab import (
    Accountable,
    CaseStage,
    Cause,
    Channel,
    Demand,
    Department,
    ErasureReason,
    EvidenceKind,
    HoldReason,
    Language,
    PdcaStage,
    PreventionType,
    TargetKind,
    Touchpoint,
    Urgency,
    VehicleSystem,
)
from shared.web.i18n import code_label, pick_language, translate
from shared.web.problem_text import conflict_text, field_error_text

WEB_DIR: Final = Path(__file__).parent
TEMPLATES_DIR: Final = WEB_DIR / "templates"
STATIC_DIR: Final = WEB_DIR / "static"
TOKEN_COOKIE: Final = "complaints_token"
LANG_COOKIE: Final = "complaints_lang"
_YEAR: Final = 365 * 24 * 3600

VOCABULARIES: Final[dict[str, Any]] = {
    "channel": Channel,
    "department": Department,
    "urgency": Urgency,
    "demand": Demand,
    "cause": Cause,
    "touchpoint": Touchpoint,
    "target": TargetKind,
    "vehicle_system": VehicleSystem,
    "prevention_type": PreventionType,
    "pdca_stage": PdcaStage,
    "case_stage": CaseStage,
    "accountable": Accountable,
    "hold_reason": HoldReason,
    "erasure_reason": ErasureReason,
    "evidence": EvidenceKind,
}


@dataclass(frozen=True)
class NavItem:
    key: str
    href: str


_NAV: Final[dict[str, NavItem]] = {
    "new": NavItem("nav.new_complaint", "/intake/ui/complaints/new"),
    "search": NavItem("nav.search", "/intake/ui/search"),
    "cases": NavItem("nav.cases", "/resolution/ui/cases"),
    "mine": NavItem("nav.my_cases", "/resolution/ui/cases"),
    "department": NavItem("nav.department_cases", "/resolution/ui/cases"),
    "approvals": NavItem("nav.approvals", "/resolution/ui/approvals"),
    "quality": NavItem("nav.quality", "/analytics/ui/"),
    "staff": NavItem("nav.staff", "/resolution/ui/staff"),
    "alerts": NavItem("nav.alerts", "/resolution/ui/alerts"),
}
_NAV_BY_ROLE: Final[dict[Role, tuple[str, ...]]] = {
    Role.AGENT: ("new", "search", "cases", "alerts"),
    Role.OWNER: ("mine", "alerts"),
    Role.DEPARTMENT_HEAD: ("department", "approvals", "alerts", "quality", "staff"),
    Role.GENERAL_MANAGER: ("cases", "approvals", "alerts", "quality", "staff"),
    Role.QUALITY: ("quality", "cases"),
    Role.ADMIN: ("new", "search", "cases", "approvals", "alerts", "quality", "staff"),
}


def navigation(role: Role) -> list[NavItem]:
    """The pages a role may use, in the order it uses them."""
    return [_NAV[name] for name in _NAV_BY_ROLE[role]]


# -- identity --------------------------------------------------------------------------


class SignInRequiredError(Exception):
    """No valid token: the page answers with a redirect to the sign-in page."""


class ForbiddenPageError(Exception):
    """The user's role may not use this page or take this step (the API's 403)."""

    def __init__(self, detail: str = "", problem: Mapping[str, Any] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.problem = problem
        """The API's refusal, whose ``code`` the page says in its language."""


def principal_of(request: Request) -> Principal | None:
    """The user of the token cookie, when there is a valid one."""
    token = request.cookies.get(TOKEN_COOKIE)
    if not token:
        return None
    tokens: TokenService = request.app.state.tokens
    try:
        return tokens.verify(token)
    except InvalidTokenError:
        return None


def page_user(*roles: Role) -> Callable[[Request], Awaitable[Principal]]:
    """A dependency: the signed-in user, who must hold one of ``roles`` (as the API checks)."""
    allowed = frozenset(roles)

    async def dependency(request: Request) -> Principal:
        principal = principal_of(request)
        if principal is None:
            raise SignInRequiredError
        if principal.role not in allowed:
            language = language_of(request)
            names = "、".join(translate(f"role.{r.value}", language) for r in Role if r in allowed)
            raise ForbiddenPageError(
                translate("error.role_not_allowed", language)
                .replace("{role}", translate(f"role.{principal.role.value}", language))
                .replace("{allowed}", names)
            )
        return principal

    return dependency


@asynccontextmanager
async def service_api(request: Request) -> AsyncIterator[httpx.AsyncClient]:
    """A client for this service's own JSON API, in process, as the signed-in user."""
    token = request.cookies.get(TOKEN_COOKIE, "")
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=request.app),
        base_url="http://service",
        headers={"Authorization": f"Bearer {token}"},
    ) as client:
        yield client


def check(response: httpx.Response) -> httpx.Response:
    """The API's 401 and 403 become the pages' sign-in redirect and forbidden page."""
    if response.status_code == 401:
        raise SignInRequiredError
    if response.status_code == 403:
        refusal = response.json()
        raise ForbiddenPageError(str(refusal.get("detail", "")), problem=refusal)
    return response


def field_errors(
    problem: Mapping[str, Any], language: Language, prefix: str = "body."
) -> dict[str, str]:
    """A 422 problem document's errors by field (``body.customer.phone`` → ``customer.phone``),
    in the page's language; errors about the whole body are under ``""``."""
    errors: dict[str, str] = {}
    for error in problem.get("errors", []):
        path = str(error.get("path", ""))
        field = path.removeprefix(prefix) if path.startswith(prefix) else ""
        errors.setdefault(field, field_error_text(error, language))
    return errors


def problem_message(problem: Mapping[str, Any], language: Language) -> str:
    """A refusal's one-line message in the page's language (English when untranslated)."""
    return conflict_text(problem, language)


# -- rendering ---------------------------------------------------------------------------


def language_of(request: Request) -> Language:
    return pick_language(request.query_params.get("lang"), request.cookies.get(LANG_COOKIE))


class Pages:
    """The templates of one service plus the shared layout, with the page helpers."""

    def __init__(self, *template_dirs: Path) -> None:
        loaders = [FileSystemLoader(str(d)) for d in (*template_dirs, TEMPLATES_DIR)]
        env = Environment(
            loader=ChoiceLoader(loaders),
            autoescape=select_autoescape(default=True),
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.templates = Jinja2Templates(env=env)

    def render(
        self,
        request: Request,
        name: str,
        *,
        status_code: int = 200,
        principal: Principal | None = None,
        **context: Any,
    ) -> HTMLResponse:
        language = language_of(request)
        user = principal or principal_of(request)
        root = str(request.scope.get("root_path", ""))
        full_path = root + request.url.path.removeprefix(root)
        if request.url.query:
            full_path += "?" + _without_lang(str(request.url.query))
        other: Language = "en" if language == "zh" else "zh"
        values: dict[str, Any] = {
            "lang": language,
            "t": lambda key: translate(key, language),
            "label": lambda kind, code: code_label(VOCABULARIES[kind], code, language),
            "when": lambda value: format_time(request, value),
            "duration": lambda seconds: format_duration(int(seconds), language),
            "user": user,
            "nav": navigation(user.role) if user else [],
            "current_path": full_path,
            "root": root,
            "static": f"{root}/ui/static",
            "lang_switch": f"{root}/ui/lang?to={other}&next={quote(full_path, safe='')}",
            "signout": f"{root}/ui/signout",
            "home": "/intake/ui/",
            **_zone_names(request),
        }
        values.update(context)
        response = self.templates.TemplateResponse(request, name, values, status_code=status_code)
        if request.query_params.get("lang") in ("zh", "en"):
            remember_language(response, language)
        return response


def _without_lang(query: str) -> str:
    return "&".join(part for part in query.split("&") if not part.startswith("lang="))


def _zone_names(request: Request) -> dict[str, str]:
    """Every time on a page is in the dealership's zone; the footer says which."""
    zone = request.app.state.runtime.settings.zone
    offset = datetime.now(zone).strftime("%z")
    return {"zone_name": str(zone), "zone_offset": f"{offset[:3]}:{offset[3:]}"}


def format_time(request: Request, value: datetime | str | None) -> str:
    """A time in the dealership's zone, as staff read it: ``2026-11-22 14:05``."""
    if value is None or value == "":
        return ""
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    zone = request.app.state.runtime.settings.zone
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M")


def format_duration(seconds: int, language: Language) -> str:
    """``1天 3小时`` / ``1d 3h``; minutes only under a day."""
    seconds = abs(seconds)
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    parts: list[str] = []
    if days:
        parts.append(f"{days}{translate('time.days', language)}")
    if hours or days:
        parts.append(f"{hours}{translate('time.hours', language)}")
    if not days:
        parts.append(f"{minutes}{translate('time.minutes', language)}")
    return " ".join(parts)


def remember_language(response: Response, language: Language) -> None:
    response.set_cookie(LANG_COOKIE, language, max_age=_YEAR, path="/", samesite="lax")


# -- the shared pages: sign-in, sign-out, language, home ----------------------------------

_shared = Pages()


def _over_https(request: Request) -> bool:
    """The browser reached us over HTTPS (directly, or through the proxy that says so): the
    sign-in cookie is then marked Secure and never sent over plain HTTP."""
    scheme = request.headers.get("x-forwarded-proto") or request.url.scheme
    return scheme.split(",")[0].strip().lower() == "https"


def _safe_next(value: str | None, default: str) -> str:
    """Only a path on this origin, never an outside address."""
    if value and value.startswith("/") and not value.startswith("//"):
        return value
    return default


def account_router(*, home: bool) -> APIRouter:
    router = APIRouter(prefix="/ui", include_in_schema=False)

    if home:

        @router.get("/", response_class=HTMLResponse)
        async def home_page(request: Request) -> Response:
            principal = principal_of(request)
            if principal is None:
                return RedirectResponse(_signin_url(request), status_code=303)
            return _shared.render(request, "home.html", principal=principal)

    @router.get("/signin", response_class=HTMLResponse)
    async def signin_form(request: Request) -> Response:
        return _signin_page(request)

    @router.post("/signin", response_class=HTMLResponse)
    async def signin(
        request: Request,
        token: str = Form(""),
        demo: str = Form(""),
        next: str = Form(""),
    ) -> Response:
        tokens: TokenService = request.app.state.tokens
        demo_users: dict[str, Principal] = getattr(request.app.state, "demo_users", {})
        if demo:
            if demo not in demo_users:
                return _signin_page(request, error="signin.invalid", status_code=400, next=next)
            token = tokens.issue(demo_users[demo])
        try:
            tokens.verify(token.strip())
        except InvalidTokenError:
            return _signin_page(request, error="signin.invalid", status_code=401, next=next)
        response = RedirectResponse(_safe_next(next, "/intake/ui/"), status_code=303)
        response.set_cookie(
            TOKEN_COOKIE,
            token.strip(),
            httponly=True,
            samesite="lax",
            path="/",
            max_age=_YEAR,
            secure=_over_https(request),
        )
        return response

    @router.post("/signout")
    async def signout(request: Request) -> Response:
        response = RedirectResponse(f"{request.scope.get('root_path', '')}/ui/signin", 303)
        response.delete_cookie(TOKEN_COOKIE, path="/")
        return response

    @router.get("/lang")
    async def switch_language(request: Request, to: str = "zh", next: str = "") -> Response:
        response = RedirectResponse(_safe_next(next, "/intake/ui/"), status_code=303)
        remember_language(response, "en" if to == "en" else "zh")
        return response

    return router


def _signin_url(request: Request) -> str:
    root = str(request.scope.get("root_path", ""))
    here = root + request.url.path.removeprefix(root)
    if request.url.query:
        here += "?" + str(request.url.query)
    return f"{root}/ui/signin?next={quote(here, safe='')}"


def _signin_page(
    request: Request, *, error: str = "", status_code: int = 200, next: str | None = None
) -> HTMLResponse:
    demo_users: dict[str, Principal] = getattr(request.app.state, "demo_users", {})
    return _shared.render(
        request,
        "signin.html",
        status_code=status_code,
        error=error,
        demo_users=demo_users,
        next=_safe_next(next or request.query_params.get("next"), ""),
    )


_SAFE_METHODS: Final = frozenset({"GET", "HEAD", "OPTIONS"})


def _is_page(request: Request) -> bool:
    path = request.url.path
    return "/ui/" in path or path.endswith("/ui")


_DEFAULT_PORTS: Final = {"http": 80, "https": 443}


def _same_origin(request: Request) -> bool:
    """The browser's Origin (or, lacking it, Referer) names this host and port; a client that
    sends neither is not a browser acting for someone else. Behind a proxy, the proxy passes
    the public host on (X-Forwarded-Host / Host) and its scheme (X-Forwarded-Proto)."""
    source = request.headers.get("origin") or request.headers.get("referer")
    if source is None:
        return True
    origin = urlsplit(source)
    if origin.scheme not in _DEFAULT_PORTS or not origin.hostname:
        return False  # "null" (sandboxed frames, privacy redirects) and the like
    trusted = request.app.state.runtime.settings.trusted_origin_list
    if f"{origin.scheme}://{origin.netloc}".lower() in trusted:
        return True
    host = request.headers.get("x-forwarded-host") or request.headers.get("host", "")
    scheme = request.headers.get("x-forwarded-proto") or request.url.scheme
    this = urlsplit(f"{scheme.split(',')[0].strip()}://{host.split(',')[0].strip()}")
    try:
        ports = (
            origin.port or _DEFAULT_PORTS[origin.scheme],
            this.port or _DEFAULT_PORTS.get(this.scheme, 80),
        )
    except ValueError:  # a port that is not a number
        return False
    return origin.hostname == this.hostname and ports[0] == ports[1]


def install_pages(app: FastAPI, *routers: APIRouter, home: bool = False) -> None:
    """Mount the shared static files and sign-in pages, and the service's own pages."""
    app.mount("/ui/static", StaticFiles(directory=STATIC_DIR), name="ui-static")
    app.include_router(account_router(home=home))
    for router in routers:
        app.include_router(router)

    async def on_signin_required(request: Request, exc: Exception) -> Response:
        if request.headers.get("HX-Request"):
            return Response(status_code=204, headers={"HX-Redirect": _signin_url(request)})
        return RedirectResponse(_signin_url(request), status_code=303)

    async def on_forbidden(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, ForbiddenPageError)
        detail = problem_message(exc.problem, language_of(request)) if exc.problem else exc.detail
        return _shared.render(request, "forbidden.html", status_code=403, detail=detail)

    app.add_exception_handler(SignInRequiredError, on_signin_required)
    app.add_exception_handler(ForbiddenPageError, on_forbidden)
    as_problem = app.exception_handlers.get(StarletteHTTPException)

    async def on_http(request: Request, exc: Exception) -> Response:
        """A mistyped page address is a page saying so, not a problem document."""
        status = getattr(exc, "status_code", 500)
        if _is_page(request) and status in (404, 405) and request.method in _SAFE_METHODS:
            return _shared.render(
                request,
                "message.html",
                status_code=404,
                title="error.not_found",
                detail=request.url.path,
                back=None,
            )
        if as_problem is None:
            raise exc
        answer = as_problem(request, exc)
        return await answer if inspect.isawaitable(answer) else answer

    app.add_exception_handler(StarletteHTTPException, on_http)

    @app.middleware("http")
    async def same_site_forms(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        """Pages act on a cookie, so a form posted from another site is refused (CSRF),
        on top of the SameSite=Lax cookie; the JSON API takes bearer tokens only."""
        if request.method in _SAFE_METHODS or not _is_page(request) or _same_origin(request):
            return await call_next(request)
        detail = translate("error.other_site", language_of(request))
        return _shared.render(request, "forbidden.html", status_code=403, detail=detail)

    if home:

        @app.get("/", include_in_schema=False)
        async def to_pages() -> RedirectResponse:
            return RedirectResponse("ui/", status_code=307)
