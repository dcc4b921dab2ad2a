"""A message gateway for tests: a real HTTP server on a free port that keeps what it was
sent and answers with the statuses a test queues (200 once the queue is empty)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Gateway:
    url: str
    received: list[dict[str, Any]] = field(default_factory=list)
    headers: list[dict[str, str]] = field(default_factory=list)
    answers: list[int] = field(default_factory=list)
    """Statuses for the next requests, in order."""
    replies: list[dict[str, Any]] = field(default_factory=list)
    """JSON bodies for the next answers, in order (then ``{"id": …}``)."""

    def answer(self, *statuses: int) -> None:
        self.answers.extend(statuses)

    @property
    def keys(self) -> list[str]:
        return [m["idempotency_key"] for m in self.received]


@contextmanager
def running_gateway() -> Iterator[Gateway]:
    lock = threading.Lock()
    gateway = Gateway(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            with lock:
                status = gateway.answers.pop(0) if gateway.answers else 200
                gateway.received.append(body)
                gateway.headers.append(dict(self.headers))
                reply = gateway.replies.pop(0) if gateway.replies else None
            answer = json.dumps(reply or {"id": f"gw-{len(gateway.received)}"}).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, format: str, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    gateway.url = f"http://127.0.0.1:{server.server_address[1]}/messages"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield gateway
    finally:
        server.shutdown()
        server.server_close()
