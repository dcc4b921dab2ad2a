"""Errors as RFC 9457 problem documents, with field paths for validation failures."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from shared.errors import (
    ConflictError,
    FieldValueError,
    ForbiddenError,
    InvalidValueError,
    NotFoundError,
)

PROBLEM_JSON = "application/problem+json"
STANDARD_MEMBERS = frozenset({"type", "title", "status", "detail", "instance"})
"""RFC 9457's own members; extension members may not replace them."""


def problem(
    status: int,
    detail: str,
    *,
    instance: str | None = None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    clash = STANDARD_MEMBERS & set(extra)
    if clash:
        raise TypeError(f"extension members may not replace {sorted(clash)} of RFC 9457")
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
    }
    if instance:
        body["instance"] = instance
    body.update(extra)
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def field_path(location: tuple[int | str, ...] | list[int | str]) -> str:
    """``("body", "customer", "phone")`` → ``body.customer.phone``; list indexes as ``[0]``."""
    path = ""
    for part in location:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else str(part)
    return path


def _validation_errors(exc: RequestValidationError) -> list[dict[str, Any]]:
    """Each error with its path, English message, a stable ``type`` code and, where it has
    any, the ``params`` a translation needs (``min_length``, ``length``...)."""
    errors = []
    for error in exc.errors():
        context = error.get("ctx") or {}
        cause = context.get("error")
        params: dict[str, str | int | float]
        if isinstance(cause, InvalidValueError):
            kind, params = cause.code, dict(cause.params)
        else:
            kind = str(error.get("type", "value_error"))
            params = {k: v for k, v in context.items() if isinstance(v, str | int | float)}
        entry: dict[str, Any] = {
            "path": field_path(tuple(error.get("loc", ()))),
            "message": str(error.get("msg", "invalid")),
            "type": kind,
        }
        if params:
            entry["params"] = params
        errors.append(entry)
    return errors


def install_problem_handlers(app: FastAPI) -> None:
    async def on_validation(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        errors = _validation_errors(exc)
        summary = "; ".join(f"{e['path']}: {e['message']}" for e in errors[:5])
        return problem(
            422,
            f"the request is not valid: {summary}",
            instance=request.url.path,
            errors=errors,
        )

    async def on_field_value(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, FieldValueError)
        entry: dict[str, Any] = {
            "path": field_path(exc.path),
            "message": str(exc.error),
            "type": exc.error.code,
        }
        if exc.error.params:
            entry["params"] = dict(exc.error.params)
        return problem(
            422,
            f"the request is not valid: {entry['path']}: {entry['message']}",
            instance=request.url.path,
            errors=[entry],
        )

    async def on_http(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        return problem(
            exc.status_code,
            str(exc.detail),
            instance=request.url.path,
            headers=dict(exc.headers) if exc.headers else None,
        )

    async def on_not_found(request: Request, exc: Exception) -> JSONResponse:
        return problem(404, str(exc) or "not found", instance=request.url.path)

    async def on_conflict(request: Request, exc: Exception) -> JSONResponse:
        extra = getattr(exc, "extra", None) or {}
        return problem(409, str(exc), instance=request.url.path, **extra)

    async def on_forbidden(request: Request, exc: Exception) -> JSONResponse:
        extra = getattr(exc, "extra", None) or {}
        return problem(403, str(exc), instance=request.url.path, **extra)

    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(FieldValueError, on_field_value)
    app.add_exception_handler(StarletteHTTPException, on_http)
    app.add_exception_handler(NotFoundError, on_not_found)
    app.add_exception_handler(ConflictError, on_conflict)
    app.add_exception_handler(ForbiddenError, on_forbidden)
