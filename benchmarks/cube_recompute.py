"""How long analytics takes to recompute its cube from the stored facts (the embedded
SQLite store), as it does at start after an upgrade that changes the cube or a change of
time zone: the read models stay unavailable for that long.

Stores N synthetic complaint facts (default 200,000; the same generator as the report
benchmark), then times ``AnalyticsService.prepare_cube`` and prints facts/s and the
estimate for 1,000,000.

    .venv/bin/python -m benchmarks.cube_recompute --complaints 200000
"""

from __future__ import annotations

import argparse
import asyncio
import random
import time

from benchmarks.analytics_reports import BATCH, cube_rows, synthetic_fact, temporary_analytics


async def run(count: int) -> None:
    async with temporary_analytics() as (store, service):
        rng = random.Random(42)
        print(f"Storing {count:,} synthetic complaint facts …", flush=True)
        for first in range(0, count, BATCH):
            async with store.unit_of_work() as uow:
                for i in range(first, min(count, first + BATCH)):
                    await uow.save_fact(synthetic_fact(i, rng))
        started = time.perf_counter()
        read = await service.prepare_cube()
        seconds = time.perf_counter() - started
        print(
            f"cube recomputed from {read or 0:,} facts in {seconds:.1f} s"
            f" ({count / seconds:,.0f} facts/s; {await cube_rows(store):,} cube rows);"
            f" 1,000,000 facts ≈ {1_000_000 / (count / seconds) / 60:.1f} min"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--complaints", type=int, default=200_000)
    args = parser.parse_args()
    if args.complaints < 1:
        parser.error("--complaints must be at least 1")
    asyncio.run(run(args.complaints))


if __name__ == "__main__":
    main()
