"""Kill consumers in the middle of a stream of complaints and restart them:
every complaint ends with exactly one case and is counted exactly once."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from shared.broker.embedded import EmbeddedBroker, free_port
from tests.support.processes import CommandProcess, mint_token
from tests.support.waiting import eventually

TOTAL = 40


class Cluster:
    """The three services as separate processes on one embedded broker, like containers."""

    def __init__(self, data_dir: Path, bootstrap: str) -> None:
        self.data_dir = data_dir
        self.bootstrap = bootstrap
        self.ports = {name: free_port() for name in ("intake", "resolution", "analytics")}
        self.processes: dict[str, CommandProcess] = {}

    def start(self, name: str) -> None:
        process = CommandProcess(
            "serve",
            name,
            "--port",
            str(self.ports[name]),
            env={
                "COMPLAINTS_DATA_DIR": str(self.data_dir),
                "COMPLAINTS_KAFKA_BOOTSTRAP": self.bootstrap,
                "COMPLAINTS_KAFKA_PARTITIONS": "3",
                "COMPLAINTS_OUTBOX_POLL_SECONDS": "0.1",
                "COMPLAINTS_LOG_LEVEL": "WARNING",
            },
        )
        process.wait_for_line(f"{name} listening on")
        self.processes[name] = process

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.ports[name]}/{name}"

    def stop_all(self) -> None:
        for process in self.processes.values():
            process.stop()


@pytest.fixture
def cluster(tmp_path: Path, kafka: EmbeddedBroker) -> Iterator[Cluster]:
    cluster = Cluster(tmp_path, kafka.bootstrap)
    try:
        for name in ("intake", "resolution", "analytics"):
            cluster.start(name)
        yield cluster
    finally:
        cluster.stop_all()


def count_rows(db: Path, sql: str) -> int:
    with sqlite3.connect(db) as conn:
        row = conn.execute(sql).fetchone()
    return int(row[0])


async def test_killed_consumers_lose_and_duplicate_nothing(cluster: Cluster) -> None:
    agent = {"Authorization": f"Bearer {mint_token(cluster.data_dir, 'a', 'agent')}"}
    quality = {"Authorization": f"Bearer {mint_token(cluster.data_dir, 'q', 'quality')}"}
    ids: list[str] = []

    async with httpx.AsyncClient(timeout=30) as client:

        async def post(i: int) -> None:
            complaint = {
                "channel": "walk_in" if i % 2 else "hotline",
                "customer": {"name": f"客户{i}", "phone": f"139{i:08d}"},
                "content": f"第{i}号投诉：维修后问题依旧。",
            }
            response = await client.post(
                f"{cluster.url('intake')}/complaints", json=complaint, headers=agent
            )
            assert response.status_code == 201, response.text
            ids.append(response.json()["id"])

        for i in range(TOTAL):
            await post(i)
            if i == 10:
                cluster.processes["resolution"].kill()  # crash in the middle of the stream
            if i == 20:
                cluster.processes["analytics"].kill()
            if i == 30:
                await asyncio.to_thread(cluster.start, "resolution")
            await asyncio.sleep(0.05)
        await asyncio.to_thread(cluster.start, "analytics")

        cases_db = cluster.data_dir / "resolution.db"
        await eventually(
            lambda: asyncio.to_thread(count_rows, cases_db, "SELECT COUNT(*) FROM cases"),
            lambda n: n >= TOTAL,
            timeout=120,
            what=f"{TOTAL} cases",
        )

        async def summary() -> dict[str, Any]:
            response = await client.get(f"{cluster.url('analytics')}/summary", headers=quality)
            result: dict[str, Any] = response.json()
            return result

        counted = await eventually(
            summary,
            lambda s: s["complaints_registered"] >= TOTAL and s["cases_opened"] >= TOTAL,
            timeout=120,
            what="analytics to count everything",
        )
        await asyncio.sleep(2)  # a duplicate applied late would show now
        counted = await summary()

    assert count_rows(cases_db, "SELECT COUNT(*) FROM cases") == TOTAL
    assert count_rows(cases_db, "SELECT COUNT(DISTINCT complaint_id) FROM cases") == TOTAL
    with sqlite3.connect(cases_db) as conn:
        stored = {row[0] for row in conn.execute("SELECT complaint_id FROM cases")}
    assert stored == set(ids)
    assert counted["complaints_registered"] == TOTAL
    assert counted["cases_opened"] == TOTAL
    assert counted["by_channel"] == {"hotline": TOTAL // 2, "walk_in": TOTAL // 2}
