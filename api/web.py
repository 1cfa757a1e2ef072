"""The built web client, served at "/" by the API itself, so one process runs everything.

Hashed files under /assets/ are cached for a year; every other non-API address answers the client's
index.html (the client routes by path), never cached. Its strict Content-Security-Policy (scripts, styles and
connections only from this origin, no framing) and the other security headers are set for every answer by
api.core.headers.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import FileResponse, Response
from starlette.types import Receive, Scope, Send

from api.core.errors import NotFound

PAGE_HEADERS = {"Cache-Control": "no-cache"}
ASSET_HEADERS = {"Cache-Control": "public, max-age=31536000, immutable"}
# Addresses the client never owns: an unknown one under these is the API's 404, not the client's page.
RESERVED = ("api/", "docs", "openapi.json", "healthz", "readyz", "metrics")


class PageNotFound(NotFound):
    slug, title = "not-found", "Not found"


def mount_client(app: FastAPI, directory: Path) -> None:
    """Answers what no route claimed: page reads outside the API get the client, the rest the usual 404."""
    root = directory.resolve()
    index = root / "index.html"
    not_found = app.router.default

    def page(path: str) -> Response:
        if path.startswith("assets/") or "." in path.rsplit("/", 1)[-1]:
            file = (root / path).resolve()
            # Only files inside the built client, never a path that climbs out of it.
            if not file.is_relative_to(root) or not file.is_file():
                raise PageNotFound(f"No file at /{path}.")
            return FileResponse(file, headers=ASSET_HEADERS if path.startswith("assets/") else None)
        return FileResponse(index, media_type="text/html; charset=utf-8", headers=PAGE_HEADERS)

    async def default(scope: Scope, receive: Receive, send: Send) -> None:
        path = scope["path"].lstrip("/") if scope["type"] == "http" else ""
        if scope["type"] != "http" or scope["method"] not in ("GET", "HEAD") or path.startswith(RESERVED):
            await not_found(scope, receive, send)
            return
        await page(path)(scope, receive, send)

    # The router's fallback rather than a catch-all route: routes added later still match first.
    app.router.default = default
