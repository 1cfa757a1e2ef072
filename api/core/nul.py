"""The NUL character is refused wherever a request carries text: the path, the query, JSON and form bodies.

PostgreSQL text cannot hold it (the driver refuses the statement), while SQLite would store it: refusing it up
front gives the same clear 422 on both, naming where it was, before any work is done.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.core.errors import NUL_CODE, NUL_MESSAGE, ValidationFailed, render
from api.core.http import NDJSON_TYPES

# Bodies read whole here (the size limit runs before): what FastAPI parses as JSON (no content type, JSON,
# any +json type), NDJSON batches, forms.
_FORM_TYPE = "application/x-www-form-urlencoded"
# A \u0000 escape, not a literal backslash followed by "u0000": an even number of backslashes before it.
_NUL_ESCAPE = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000")


def json_has_nul(body: bytes) -> bool:
    """Whether a JSON text holds a NUL character in a string (raw NUL bytes are not JSON at all)."""
    return b"\\u0000" in body and _NUL_ESCAPE.search(body) is not None


def _query_fields(raw: bytes, prefix: str) -> list[str]:
    if b"%00" not in raw and b"\x00" not in raw:
        return []
    pairs = parse_qsl(raw.decode("latin-1"), keep_blank_values=True)
    return [f"{prefix}.{name.replace(chr(0), '')}" for name, value in pairs if "\x00" in name or "\x00" in value]


class NoNulCharacters:
    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith("/api/"):
            await self.app(scope, receive, send)
            return
        fields = ["path"] if "\x00" in scope["path"] else []
        fields += _query_fields(scope.get("query_string", b""), "query")
        if fields:
            await self._refuse(scope, receive, send, fields)
            return
        media_type = ""
        for name, value in scope.get("headers", []):
            if name == b"content-type":
                media_type = value.decode("latin-1").split(";")[0].strip().lower()
        is_json = media_type in ("", "application/json") or media_type.endswith("+json") or media_type in NDJSON_TYPES
        if not is_json and media_type != _FORM_TYPE:
            await self.app(scope, receive, send)
            return

        chunks: list[bytes] = []
        while True:
            message = await receive()
            if message["type"] != "http.request":  # the client went away
                return
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        del chunks
        if media_type == _FORM_TYPE:
            fields = _query_fields(body, "body")
        elif json_has_nul(body):
            fields = ["body"]
        if fields:
            await self._refuse(scope, receive, send, fields)
            return

        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    @staticmethod
    async def _refuse(scope: Scope, receive: Receive, send: Send, fields: list[str]) -> None:
        problem = ValidationFailed(f"{NUL_MESSAGE} Found in: {', '.join(fields)}.",
                                   errors=[{"field": field, "message": NUL_MESSAGE, "code": NUL_CODE}
                                           for field in fields])
        await render(Request(scope), problem)(scope, receive, send)
