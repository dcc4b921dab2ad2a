"""The embedded broker answers Kafka over TCP, stops cleanly and never outlives its parent."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from shared.broker.embedded import EmbeddedBroker, free_port
from shared.errors import StartupError
from tests.support.processes import CommandProcess
from tests.support.waiting import Deadline


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie still answers kill(0); read its state
    stat = Path(f"/proc/{pid}/stat")
    return not (stat.exists() and stat.read_text().split()[2] == "Z")


async def test_produces_and_consumes_over_tcp(kafka: EmbeddedBroker) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka.bootstrap)
    await admin.start()
    await admin.create_topics([NewTopic("probe", num_partitions=2, replication_factor=1)])
    await admin.close()
    producer = AIOKafkaProducer(bootstrap_servers=kafka.bootstrap, acks="all")
    await producer.start()
    for i in range(5):
        await producer.send_and_wait("probe", f"m{i}".encode(), key=b"k")
    await producer.stop()
    consumer = AIOKafkaConsumer(
        "probe", bootstrap_servers=kafka.bootstrap, group_id="g", auto_offset_reset="earliest"
    )
    await consumer.start()
    received: list[bytes] = []
    try:
        async with asyncio.timeout(30):
            while len(received) < 5:
                batch = await consumer.getmany(timeout_ms=500)
                received += [m.value for msgs in batch.values() for m in msgs]
    finally:
        await consumer.stop()
    assert received == [f"m{i}".encode() for i in range(5)]  # one key: one partition, in order


async def test_stop_ends_the_process() -> None:
    broker = EmbeddedBroker()
    await broker.start()
    pid = broker.pid
    assert pid is not None and _alive(pid)
    await broker.stop()
    assert not _alive(pid)


async def test_a_missing_binary_is_a_clear_startup_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CALF_TANSU_BIN", "/nonexistent/tansu")
    with pytest.raises(StartupError, match="cannot find the embedded broker binary"):
        await EmbeddedBroker().start()


async def test_a_taken_port_is_a_clear_startup_error(kafka: EmbeddedBroker) -> None:
    with pytest.raises(StartupError, match="embedded broker"):
        await EmbeddedBroker(port=kafka.port).start(timeout=5)


@pytest.mark.parametrize("how", [signal.SIGKILL, signal.SIGINT])
def test_no_orphan_when_the_parent_dies(how: signal.Signals, tmp_path: Path) -> None:
    """Kill (crash) or Ctrl-C the parent: the broker child must go with it."""
    script = textwrap.dedent(
        """
        import asyncio, sys
        from shared.broker.embedded import EmbeddedBroker

        async def main() -> None:
            broker = EmbeddedBroker()
            await broker.start()
            print(broker.pid, flush=True)
            try:
                await asyncio.sleep(600)
            finally:
                await broker.stop()

        try:
            asyncio.run(main())
        except KeyboardInterrupt:
            sys.exit(130)
        """
    )
    parent = subprocess.Popen(
        [sys.executable, "-c", script],
        stdout=subprocess.PIPE,
        cwd=Path(__file__).resolve().parents[2],
        text=True,
    )
    assert parent.stdout is not None
    child_pid = int(parent.stdout.readline())
    assert _alive(child_pid)
    parent.send_signal(how)
    parent.wait(timeout=30)
    deadline = Deadline(30)
    while _alive(child_pid) and not deadline.passed:
        time.sleep(0.1)
    assert not _alive(child_pid), f"broker {child_pid} outlived its parent ({how.name})"


async def test_the_broker_command_serves_until_ctrl_c() -> None:
    port = free_port()
    process = CommandProcess("broker", "--port", str(port), env={})
    try:
        line = process.wait_for_line("Embedded broker listening")
        assert f"COMPLAINTS_KAFKA_BOOTSTRAP=127.0.0.1:{port}" in line
        admin = AIOKafkaAdminClient(bootstrap_servers=f"127.0.0.1:{port}")
        await admin.start()
        assert isinstance(await admin.list_topics(), list)
        await admin.close()
        assert process.interrupt() in (0, 130)
        assert "Traceback" not in process.output()
    finally:
        process.stop()
