"""Refuse oversized request bodies (413) before they are read into memory."""

from __future__ import annotations

import json
import re

from starlette.types import ASGIApp, Message, Receive, Scope, Send

UPLOAD_MAX_BYTES = 11 * 2**20
"""An attachment upload's body: a 10 MiB file and its multipart wrapping (the file's own
limit, with its clear error, is the service's)."""
_UPLOADS = re.compile(
    r"^(/intake)?(/complaints/[^/]+/attachments|/ui/complaints/[^/]+/attachments/upload)$"
)
"""Intake's two upload routes: the API's and the page's (not the list or grant pages)."""


class BodySizeLimit:
    """ASGI middleware: checks Content-Length, and counts the bytes of chunked bodies; an
    attachment upload (intake's ``POST /complaints/{id}/attachments`` and its page's
    ``…/attachments/upload``) may be as large as ``UPLOAD_MAX_BYTES``."""

    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self.app = app
        self.default_max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        upload = scope.get("method") == "POST" and _UPLOADS.search(scope.get("path", ""))
        limit = max(self.default_max_bytes, UPLOAD_MAX_BYTES) if upload else self.default_max_bytes
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await self._refuse(scope, send, limit)
            return
        received = 0
        refused = False

        async def limited_receive() -> Message:
            nonlocal received, refused
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    refused = True
                    raise _TooLargeError
            return message

        try:
            await self.app(scope, limited_receive, send)
        except _TooLargeError:
            if refused:
                await self._refuse(scope, send, limit)

    async def _refuse(self, scope: Scope, send: Send, limit: int) -> None:
        body = json.dumps(
            {
                "type": "about:blank",
                "title": "Content Too Large",
                "status": 413,
                "detail": f"the request body is larger than {limit} bytes",
                "instance": scope.get("path", ""),
            }
        ).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/problem+json"),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


class _TooLargeError(Exception):
    pass
