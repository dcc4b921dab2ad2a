"""Errors that carry a message fit to show a user as one line."""

from __future__ import annotations


class StartupError(RuntimeError):
    """A dependency (broker, store, configuration) is not usable; the message says which."""


class NotFoundError(LookupError):
    """The addressed record does not exist."""


class ConflictError(RuntimeError):
    """A command conflicts with the current state (HTTP 409); ``extra`` joins the answer."""

    def __init__(self, message: str, **extra: object) -> None:
        super().__init__(message)
        self.extra = extra


class ForbiddenError(PermissionError):
    """This person may not do this (HTTP 403); ``extra`` joins the answer (a ``code`` pages
    translate, and its parameters)."""

    def __init__(self, message: str, **extra: object) -> None:
        super().__init__(message)
        self.extra = extra


class InvalidValueError(ValueError):
    """A rejected value with a stable code and its parameters, so a page can say it in the
    user's language while the API keeps the English message."""

    def __init__(self, code: str, message: str, **params: str | int) -> None:
        super().__init__(message)
        self.code = code
        self.params = params


class FieldValueError(ValueError):
    """A value the request's schema accepts but the stored state refuses (HTTP 422 with the
    field's path, like a schema error): e.g. an owner not on the department's staff."""

    def __init__(self, path: tuple[str, ...], error: InvalidValueError) -> None:
        super().__init__(str(error))
        self.path = path
        self.error = error


class TransientStoreError(RuntimeError):
    """Two transactions collided (e.g. a MongoDB write conflict): run the whole unit again."""
