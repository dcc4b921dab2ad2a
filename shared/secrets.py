"""Secrets that embedded mode generates once into the data dir when none is configured."""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from pathlib import Path

from cryptography.fernet import Fernet

from shared.errors import StartupError
from shared.settings import Settings


def _load_or_create(path: Path, generate: Callable[[], str]) -> str:
    """Read the secret at ``path``, creating it atomically (mode 600) on first use."""
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    value = generate()
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(value)
    try:
        os.link(tmp, path)  # fails if another process won the race: then use theirs
    except FileExistsError:
        pass
    finally:
        tmp.unlink()
    return path.read_text().strip()


def token_secret(settings: Settings) -> str:
    if settings.token_secret:
        if len(settings.token_secret.encode()) < 32:
            raise StartupError("COMPLAINTS_TOKEN_SECRET must be at least 32 bytes long")
        return settings.token_secret
    return _load_or_create(
        settings.resolved_data_dir / "token-secret", lambda: secrets.token_urlsafe(48)
    )


def data_key(settings: Settings) -> str:
    if settings.data_key:
        return settings.data_key
    return _load_or_create(
        settings.resolved_data_dir / "data-key", lambda: Fernet.generate_key().decode()
    )
