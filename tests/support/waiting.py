"""Polling until a condition holds, bounded by a generous deadline (not a timing assertion)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

T = TypeVar("T")


class Deadline:
    """A bound on how long a test waits for something; never a claim about speed."""

    def __init__(self, seconds: float) -> None:
        self._end = time.monotonic() + seconds

    @property
    def passed(self) -> bool:
        left = self._end - time.monotonic()
        return left <= 0


async def eventually(
    probe: Callable[[], Awaitable[T]],
    until: Callable[[T], bool],
    *,
    timeout: float = 60.0,
    interval: float = 0.2,
    what: str = "condition",
) -> T:
    """Poll ``probe`` until ``until(value)``; fail with the last value seen."""
    deadline = Deadline(timeout)
    value = await probe()
    while not until(value):
        if deadline.passed:
            raise AssertionError(f"{what} not reached within {timeout:g}s; last value: {value!r}")
        await asyncio.sleep(interval)
        value = await probe()
    return value
