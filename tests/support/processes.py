"""Running `complaints` commands as real processes, the way a user or a container does."""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
from pathlib import Path

from tests.support.waiting import Deadline

ROOT = Path(__file__).resolve().parents[2]


def clean_env(**env: str) -> dict[str, str]:
    """This environment minus any COMPLAINTS_* of the developer's, plus ``env``."""
    full = {k: v for k, v in os.environ.items() if not k.startswith("COMPLAINTS_")}
    full["PYTHONUNBUFFERED"] = "1"
    full.update(env)
    return full


class CommandProcess:
    """A background `complaints ...` process whose output is read line by line."""

    def __init__(self, *args: str, env: dict[str, str]) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "shared.cli", *args],
            env=clean_env(**env),
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.lines: list[str] = []
        self._queue: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self._queue.put(line.rstrip("\n"))
        self._queue.put(None)

    def wait_for_line(self, fragment: str, timeout: float = 90) -> str:
        deadline = Deadline(timeout)
        while not deadline.passed:
            try:
                line = self._queue.get(timeout=0.5)
            except queue.Empty:
                continue
            if line is None:
                raise AssertionError(
                    f"process exited ({self.process.poll()}) before printing {fragment!r}:\n"
                    + "\n".join(self.lines)
                )
            self.lines.append(line)
            if fragment in line:
                return line
        raise AssertionError(
            f"no line with {fragment!r} within {timeout}s:\n" + "\n".join(self.lines)
        )

    def output(self) -> str:
        """Everything printed so far (after an exit: everything)."""
        while True:
            try:
                line = self._queue.get(timeout=2 if self.process.poll() is not None else 0)
            except queue.Empty:
                break
            if line is None:
                break
            self.lines.append(line)
        return "\n".join(self.lines)

    def kill(self) -> None:
        """A crash: no cleanup, no goodbye."""
        self.process.kill()
        self.process.wait(timeout=30)

    def interrupt(self, timeout: float = 60) -> int:
        """Ctrl-C, and wait for a clean exit."""
        self.process.send_signal(signal.SIGINT)
        return self.process.wait(timeout=timeout)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()


def mint_token(data_dir: Path, user: str, role: str, *extra: str) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "shared.cli", "token", "--user", user, "--role", role, *extra],
        env=clean_env(COMPLAINTS_DATA_DIR=str(data_dir)),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return result.stdout.strip()
