"""Request body size limit, enforced before a handler reads the body."""

from __future__ import annotations

from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.core.errors import PayloadTooLarge, render


class BodySizeLimit:
    """413 for bodies over the limit, whether they announce their length or stream without one."""

    def __init__(self, app: ASGIApp, *, max_bytes: int, batch_max_bytes: int | None = None,
                 upload_max_bytes: int | None = None):
        self.app = app
        self.default_max_bytes = max_bytes
        self.batch_max_bytes = batch_max_bytes or max_bytes
        self.upload_max_bytes = upload_max_bytes or max_bytes

    def limit_for(self, scope: Scope) -> int:
        path = scope["path"]
        # Batch endpoints (…:batch) take many records at once; file uploads are PUT …/files/{name} and
        # …/attachments/{name}.
        if path.endswith(":batch"):
            return self.batch_max_bytes
        if scope["method"] == "PUT" and ("/files/" in path or "/attachments/" in path):
            return self.upload_max_bytes
        # Register and MUD extracts are uploaded as multipart files.
        if scope["method"] == "POST" and path.startswith("/api/v1/territory/imports/"):
            return self.upload_max_bytes
        return self.default_max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        max_bytes = self.limit_for(scope)
        for name, value in scope.get("headers", []):
            if name == b"content-length" and value.isdigit() and int(value) > max_bytes:
                await render(Request(scope), self._too_large(max_bytes))(scope, receive, send)
                return
        received = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > max_bytes:
                    raise _BodyTooLarge(max_bytes)
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except _BodyTooLarge:
            if not started:
                await render(Request(scope), self._too_large(max_bytes))(scope, receive, send)

    @staticmethod
    def _too_large(max_bytes: int) -> PayloadTooLarge:
        return PayloadTooLarge(f"The request body is larger than {max_bytes} bytes.")


class _BodyTooLarge(StarletteHTTPException):
    """Raised from receive(): FastAPI lets HTTP exceptions through its body parsing, so this becomes a 413."""

    def __init__(self, max_bytes: int):
        super().__init__(413, f"The request body is larger than {max_bytes} bytes.")
