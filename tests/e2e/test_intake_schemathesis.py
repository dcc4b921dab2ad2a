"""Schemathesis generates requests from intake's own OpenAPI document against the real
server: whatever it sends, intake answers without a server error."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import Case
from schemathesis.core.result import Ok

from shared.broker.embedded import free_port
from tests.support.processes import CommandProcess, mint_token


@pytest.fixture(scope="module")
def intake_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    data_dir = tmp_path_factory.mktemp("schemathesis")
    port = free_port()
    process = CommandProcess(
        "up", "--port", str(port), "--data-dir", str(data_dir),
        env={"COMPLAINTS_LOG_LEVEL": "ERROR"},
    )  # fmt: skip
    try:
        process.wait_for_line("Complaints is running")
        yield f"http://127.0.0.1:{port}", data_dir
    finally:
        process.stop()


@pytest.fixture(scope="module")
def agent_headers(intake_server: tuple[str, Path]) -> dict[str, str]:
    _, data_dir = intake_server
    return {"Authorization": f"Bearer {mint_token(data_dir, 'fuzz', 'agent')}"}


def test_no_server_errors(intake_server: tuple[str, Path], agent_headers: dict[str, str]) -> None:
    url, _ = intake_server
    schema = schemathesis.openapi.from_url(f"{url}/intake/openapi.json")
    results = list(schema.get_all_operations())
    operations = [result.ok() for result in results if isinstance(result, Ok)]
    assert len(operations) == len(results), "intake's OpenAPI document is invalid"
    assert len(operations) >= 6
    failures: list[str] = []
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=30,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def exercise(case: Case[Any]) -> None:
            response = case.call(base_url=f"{url}/intake", headers=agent_headers)
            if response.status_code >= 500:
                failures.append(f"{case.method} {case.formatted_path}: {response.text[:300]}")

        exercise()
    assert not failures, "\n".join(failures[:10])
