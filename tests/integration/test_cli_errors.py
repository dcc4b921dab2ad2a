"""A user's mistake in configuration or arguments is one clear line, never a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from shared.broker.embedded import free_port

ROOT = Path(__file__).resolve().parents[2]


def complaints(
    *args: str, env: dict[str, str], timeout: float = 90
) -> subprocess.CompletedProcess[str]:
    full_env = {
        key: value for key, value in os.environ.items() if not key.startswith("COMPLAINTS_")
    }
    full_env.update(env)
    return subprocess.run(
        [sys.executable, "-m", "shared.cli", *args],
        env=full_env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def assert_one_line_error(result: subprocess.CompletedProcess[str], *fragments: str) -> None:
    assert result.returncode != 0
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, f"expected one line, got:\n{result.stderr}"
    assert "Traceback" not in result.stderr
    assert lines[0].startswith("error:")
    for fragment in fragments:
        assert fragment in lines[0]


@pytest.fixture
def base_env(tmp_path: Path) -> dict[str, str]:
    return {
        "COMPLAINTS_DATA_DIR": str(tmp_path),
        "COMPLAINTS_STARTUP_TIMEOUT": "3",
        "COMPLAINTS_PORT": str(free_port()),
    }


def test_unreachable_kafka(base_env: dict[str, str]) -> None:
    closed = free_port()
    result = complaints(
        "serve", "intake", env={**base_env, "COMPLAINTS_KAFKA_BOOTSTRAP": f"127.0.0.1:{closed}"}
    )
    assert_one_line_error(result, "cannot reach Kafka", f"127.0.0.1:{closed}")


def test_unreachable_mongodb(base_env: dict[str, str]) -> None:
    closed = free_port()
    result = complaints(
        "serve",
        "resolution",
        env={
            **base_env,
            "COMPLAINTS_KAFKA_BOOTSTRAP": "127.0.0.1:9",
            "COMPLAINTS_MONGO_URL": f"mongodb://user:pw@127.0.0.1:{closed}/?replicaSet=rs0",
        },
    )
    assert_one_line_error(result, "cannot reach MongoDB", f"127.0.0.1:{closed}")
    assert "pw" not in result.stderr  # credentials are never echoed


def test_serve_without_a_broker_address(base_env: dict[str, str]) -> None:
    result = complaints("serve", "analytics", env=base_env)
    assert_one_line_error(result, "COMPLAINTS_KAFKA_BOOTSTRAP")


def test_invalid_setting(base_env: dict[str, str]) -> None:
    result = complaints("serve", "intake", env={**base_env, "COMPLAINTS_SLA_HOURS": "soon"})
    assert_one_line_error(result, "COMPLAINTS_SLA_HOURS")


def test_an_outbox_kept_shorter_than_the_embedded_replay(base_env: dict[str, str]) -> None:
    env = {**base_env, "COMPLAINTS_OUTBOX_KEEP_DAYS": "2"}  # replay: 168 h by default
    result = complaints("serve", "intake", env=env)
    assert_one_line_error(result, "COMPLAINTS_OUTBOX_KEEP_DAYS")


def test_short_token_secret(base_env: dict[str, str]) -> None:
    env = {**base_env, "COMPLAINTS_TOKEN_SECRET": "short"}
    result = complaints("token", "--user", "alice", "--role", "agent", env=env)
    assert_one_line_error(result, "COMPLAINTS_TOKEN_SECRET")


def test_head_token_needs_a_department(base_env: dict[str, str]) -> None:
    result = complaints("token", "--user", "bob", "--role", "department_head", env=base_env)
    assert_one_line_error(result, "department")


@pytest.mark.parametrize("hours", ["0", "-1"])
def test_a_token_lifetime_must_be_positive(base_env: dict[str, str], hours: str) -> None:
    result = complaints(
        "token", "--user", "alice", "--role", "agent", "--ttl-hours", hours, env=base_env
    )
    assert_one_line_error(result, "--ttl-hours must be more than 0")


def test_token_is_printed_alone(base_env: dict[str, str]) -> None:
    result = complaints("token", "--user", "alice", "--role", "agent", env=base_env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.count(".") == 2 and len(result.stdout.split()) == 1  # one JWT


def test_port_in_use(base_env: dict[str, str]) -> None:
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = complaints("up", "--port", str(port), env=base_env)
    assert_one_line_error(result, f"127.0.0.1:{port}")


def test_analytics_commands_answer_mistakes_in_one_line(
    base_env: dict[str, str], tmp_path: Path
) -> None:
    assert_one_line_error(
        complaints("eval-classifier", str(tmp_path / "none.csv"), env=base_env), "no such file"
    )
    unlabelled = tmp_path / "plain.csv"
    unlabelled.write_text("id,body\n1,刹车异响\n", encoding="utf-8")
    assert_one_line_error(
        complaints("eval-classifier", str(unlabelled), env=base_env), "no column causes, text"
    )
    assert_one_line_error(complaints("analytics", "rebuild", env=base_env), "--bootstrap")
    unreachable = complaints(
        "analytics", "rebuild", "--bootstrap", f"127.0.0.1:{free_port()}", env=base_env
    )
    assert_one_line_error(unreachable, "cannot reach Kafka")
