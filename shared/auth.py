"""Identity: roles, signed bearer tokens, and the FastAPI dependency that checks them."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from enum import StrEnum
from typing import Annotated, Literal

import jwt
from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, ConfigDict, ValidationError, model_validator

from shared.clock import Clock, SystemClock
from shared.errors import ForbiddenError
from shared.vocab import Department

_ALGORITHM = "HS256"
_ISSUER = "complaints"


class Role(StrEnum):
    AGENT = "agent"
    OWNER = "owner"
    DEPARTMENT_HEAD = "department_head"
    GENERAL_MANAGER = "general_manager"
    QUALITY = "quality"
    ADMIN = "admin"


class Principal(BaseModel):
    """The signed-in user as the token says."""

    model_config = ConfigDict(frozen=True)

    user: str
    role: Role
    department: Department | None = None

    @model_validator(mode="after")
    def _head_has_department(self) -> Principal:
        if self.role is Role.DEPARTMENT_HEAD and self.department is None:
            raise ValueError("a department head needs a department")
        return self


class InvalidTokenError(ValueError):
    pass


class TokenService:
    def __init__(self, secret: str, *, ttl: timedelta, clock: Clock | None = None) -> None:
        if len(secret.encode()) < 32:
            raise ValueError("the token secret must be at least 32 bytes (HS256)")
        self._secret = secret
        self._ttl = ttl
        self._clock = clock or SystemClock()

    def issue(
        self,
        principal: Principal,
        *,
        ttl: timedelta | None = None,
        extra: dict[str, object] | None = None,
    ) -> str:
        now = self._clock.now()
        claims: dict[str, object] = {
            "sub": principal.user,
            "role": principal.role.value,
            "iss": _ISSUER,
            "iat": int(now.timestamp()),
            "exp": int((now + (ttl or self._ttl)).timestamp()),
        }
        if principal.department is not None:
            claims["department"] = principal.department.value
        return jwt.encode({**claims, **(extra or {})}, self._secret, algorithm=_ALGORITHM)

    def claims(
        self, token: str, *, audience: str | None = None, require: tuple[str, ...] = ()
    ) -> dict[str, object]:
        """The checked claims of one of our tokens. A token with an audience (a grant) is
        refused where none is asked for, and the other way round."""
        try:
            claims: dict[str, object] = jwt.decode(
                token,
                self._secret,
                algorithms=[_ALGORITHM],
                issuer=_ISSUER,
                audience=audience,
                options={
                    "require": ["sub", "role", "exp", "iss", *require],
                    "verify_exp": False,
                },
            )
        except jwt.PyJWTError as exc:
            raise InvalidTokenError(str(exc)) from exc
        if int(str(claims["exp"])) <= self._clock.now().timestamp():
            raise InvalidTokenError("token has expired")
        return claims

    def verify(self, token: str) -> Principal:
        claims = self.claims(token)
        try:
            return Principal.model_validate(
                {
                    "user": claims["sub"],
                    "role": claims["role"],
                    "department": claims.get("department"),
                }
            )
        except ValidationError as exc:
            raise InvalidTokenError("token claims are not valid") from exc


CONTACT_GRANT_TTL = timedelta(minutes=5)
_CONTACT_AUDIENCE = "contact"


GrantPurpose = Literal["contact", "messages", "attachments"]
"""What a grant opens: the customer's phone (``contact``, audited), the full texts of what
they were sent (``messages``), or the files attached to the complaint (``attachments``):
one does not open another."""


def issue_contact_grant(
    tokens: TokenService,
    principal: Principal,
    *,
    complaint_id: str,
    purpose: GrantPurpose = "contact",
    ttl: timedelta | None = None,
) -> str:
    """A short-lived grant to see one complaint's contact details (or messages), for one
    user.

    Resolution knows who may call the customer (the case's owner, its head, the agents,
    the GM) and intake holds the number: the grant carries that decision across without
    either service calling the other. It is not a bearer token (it has an audience)."""
    return tokens.issue(
        principal,
        ttl=ttl or CONTACT_GRANT_TTL,
        extra={"aud": _CONTACT_AUDIENCE, "complaint": complaint_id, "purpose": purpose},
    )


def verify_contact_grant(
    tokens: TokenService,
    grant: str,
    *,
    principal: Principal,
    complaint_id: str,
    purpose: GrantPurpose = "contact",
) -> None:
    """InvalidTokenError unless ``grant`` lets ``principal`` see ``complaint_id``'s contact
    (or messages: ``purpose``)."""
    claims = tokens.claims(grant, audience=_CONTACT_AUDIENCE, require=("complaint",))
    if claims["sub"] != principal.user or claims["role"] != principal.role.value:
        raise InvalidTokenError("the grant was issued to someone else")
    if claims["complaint"] != complaint_id:
        raise InvalidTokenError("the grant is for another complaint")
    if claims.get("purpose", "contact") != purpose:  # grants from before purposes: contact
        raise InvalidTokenError(f"the grant is not for reading the {purpose}")


_bearer = HTTPBearer(auto_error=False)


def require_roles(*roles: Role) -> Callable[..., Awaitable[Principal]]:
    """A dependency: 401 without a valid token, 403 when the role is not one of ``roles``."""
    allowed = frozenset(roles)

    async def dependency(
        request: Request,
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    ) -> Principal:
        if credentials is None:
            raise HTTPException(
                status.HTTP_401_UNAUTHORIZED,
                "a bearer token is required",
                headers={"WWW-Authenticate": "Bearer"},
            )
        tokens: TokenService = request.app.state.tokens
        try:
            principal = tokens.verify(credentials.credentials)
        except InvalidTokenError as exc:
            raise HTTPException(
                status.HTTP_401_UNAUTHORIZED,
                f"invalid token: {exc}",
                headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
            ) from exc
        if principal.role not in allowed:
            names = sorted(r.value for r in allowed)
            raise ForbiddenError(
                f"role {principal.role.value!r} may not do this; allowed: " + ", ".join(names),
                code="role_not_allowed",
                role=principal.role.value,
                allowed_roles=names,
            )
        return principal

    return dependency
