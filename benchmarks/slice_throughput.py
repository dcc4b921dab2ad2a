"""Throughput and latency of the thin slice on the embedded defaults.

Posts N complaints to intake over HTTP (in-process ASGI, so HTTP parsing is not
measured), and measures how long until resolution has opened every case and
analytics has counted it — all through the embedded Kafka broker over TCP.

    .venv/bin/python -m benchmarks.slice_throughput --complaints 500
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path

import httpx

from shared.auth import Principal, Role
from shared.logging import configure_logging
from shared.server import start_system
from shared.settings import Settings


async def run(count: int, concurrency: int) -> None:
    configure_logging("WARNING")
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(data_dir=Path(tmp), outbox_poll_seconds=0.05, kafka_partitions=3)
        system = await start_system(settings)
        try:
            intake = system.runtime("intake")
            resolution = system.runtime("resolution").app.state.service
            analytics = system.runtime("analytics").app.state.service
            token = intake.tokens.issue(Principal(user="bench", role=Role.AGENT))
            latencies: list[float] = []
            semaphore = asyncio.Semaphore(concurrency)
            async with httpx.AsyncClient(
                transport=httpx.ASGITransport(app=intake.app),
                base_url="http://bench",
                headers={"Authorization": f"Bearer {token}"},
            ) as client:

                async def post(i: int) -> None:
                    async with semaphore:
                        started = time.perf_counter()
                        response = await client.post(
                            "/complaints",
                            json={
                                "channel": "hotline",
                                "customer": {"name": f"客户{i}", "phone": f"139{i:08d}"},
                                "content": "保养后发动机异响，要求检查并给出说明。",
                            },
                        )
                        response.raise_for_status()
                        latencies.append(time.perf_counter() - started)

                t0 = time.perf_counter()
                await asyncio.gather(*(post(i) for i in range(count)))
                t_registered = time.perf_counter() - t0
                while await resolution._store.count_cases() < count:
                    await asyncio.sleep(0.05)
                t_cases = time.perf_counter() - t0
                while (await analytics.summary()).cases_opened < count:
                    await asyncio.sleep(0.05)
                t_counted = time.perf_counter() - t0
        finally:
            await system.stop()

    latencies.sort()
    print(f"complaints                  {count} (concurrency {concurrency})")
    print(f"register (HTTP + store)     {count / t_registered:8.1f} /s")
    print(
        f"  latency p50 / p99         {_ms(statistics.median(latencies))} / "
        f"{_ms(latencies[int(0.99 * (len(latencies) - 1))])}"
    )
    print(f"all cases opened after      {t_cases:8.2f} s  ({count / t_cases:.1f} /s end to end)")
    print(f"all counted by analytics    {t_counted:8.2f} s")


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--complaints", type=int, default=300)
    parser.add_argument("--concurrency", type=int, default=16)
    args = parser.parse_args()
    asyncio.run(run(args.complaints, args.concurrency))


if __name__ == "__main__":
    main()
