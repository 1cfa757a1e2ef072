"""Security headers on every answer, and the one place where the Content-Security-Policies are written.

API answers (JSON, problems, downloads, 304s) get `default-src 'none'`: nothing they contain may run or load
anything. The web client's pages (the only other HTML besides /docs) may load scripts, styles and data from
this origin only. /docs is FastAPI's Swagger page, whose script and stylesheet come from jsDelivr and whose
set-up is an inline script: its policy allows exactly those files and that script, by its hash.
"""

from __future__ import annotations

import base64
import hashlib
import re

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.core.config import Settings

API_POLICY = "default-src 'none'; frame-ancestors 'none'"
CLIENT_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
    "connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)
SWAGGER_FILES = "https://cdn.jsdelivr.net/npm/swagger-ui-dist@5/"
DOCS_POLICY = (
    "default-src 'none'; script-src {scripts}; style-src " + SWAGGER_FILES + "; "
    "img-src 'self' data: https://fastapi.tiangolo.com/img/favicon.png; connect-src 'self'; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
DOCS = "/docs"
_INLINE_SCRIPT = re.compile(rb"<script>(.*?)</script>", re.DOTALL)
_CSP = b"content-security-policy"


def docs_policy(html: bytes) -> str:
    """The /docs policy, allowing the page's own inline scripts by their sha256."""
    hashes = (f"'sha256-{base64.b64encode(hashlib.sha256(body).digest()).decode()}'"
              for body in _INLINE_SCRIPT.findall(html))
    return DOCS_POLICY.format(scripts=" ".join((SWAGGER_FILES, *hashes)))


class SecurityHeaders:
    def __init__(self, app: ASGIApp, *, settings: Settings):
        self.app = app
        common = [(b"x-content-type-options", b"nosniff"), (b"x-frame-options", b"DENY"),
                  (b"referrer-policy", b"no-referrer")]
        if settings.https:
            # Only over https: a browser told this over plain http would refuse the site until it expires.
            common.append((b"strict-transport-security", b"max-age=31536000"))
        self.common = common
        self.names = frozenset(name for name, _ in common) | {_CSP}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if scope["path"].startswith(DOCS):
            await self._docs(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = self._headers(message.get("headers", ()))
            await send(message)

        await self.app(scope, receive, send_with_headers)

    def _headers(self, headers: list[tuple[bytes, bytes]] | tuple, policy: bytes | None = None) -> list:
        present = set()
        html = False
        for name, value in headers:
            lowered = name.lower()
            if lowered in self.names:
                present.add(lowered)
            elif lowered == b"content-type" and value.startswith(b"text/html"):
                html = True
        out = list(headers)
        out.extend(pair for pair in self.common if pair[0] not in present)
        if _CSP not in present:
            out.append((_CSP, policy or (CLIENT_POLICY if html else API_POLICY).encode()))
        return out

    async def _docs(self, scope: Scope, receive: Receive, send: Send) -> None:
        # The page is small and made in one piece: hold its start until the body is known, to hash its scripts.
        start: Message | None = None

        async def send_docs(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
                return
            if start is not None:
                html = message.get("body", b"") if message["type"] == "http.response.body" else b""
                start["headers"] = self._headers(start.get("headers", ()), docs_policy(html).encode())
                await send(start)
                start = None
            await send(message)

        await self.app(scope, receive, send_docs)
