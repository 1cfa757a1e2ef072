from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from api.auth.deps import AuthenticatedDep
from api.auth.errors import InvalidAccessToken
from api.auth.policy import Action
from api.changes import service
from api.changes.schemas import ChangesPage
from api.core.errors import Forbidden, Gone, ValidationFailed, problems

router = APIRouter(prefix="/changes", tags=["changes"])

MAX_LIMIT = 1000


@router.get("", summary="Read the changes feed", response_model=ChangesPage,
            responses=problems(InvalidAccessToken, Forbidden, Gone))
async def read_changes(
    request: Request,
    actor: AuthenticatedDep,
    since: Annotated[str | None, Query(max_length=200, description="`next_cursor` of the previous page; absent: "
                                                                    "from the oldest change kept.")] = None,
    types: Annotated[str | None, Query(max_length=200, description="Comma-separated resource types, e.g. "
                                                                    "`clusters,organizations`; absent: all.")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description=f"Changes per page (at most {MAX_LIMIT}).")] = 100,
) -> Response:
    """Every committed change in commit order, each with its full resource (a tombstone for deletes).

    Keep `next_cursor` and pass it as `since`; an empty page means you are up to date. A full page also names
    the next one in a `Link: <…>; rel="next"` header, so a client can fetch it while parsing. A cursor older than
    the retention of tombstones answers 410: resynchronise from the lists, then follow the feed again.
    """
    actor.require(Action.changes_read)
    wanted = [t.strip() for t in types.split(",") if t.strip()] if types else []
    unknown = [t for t in wanted if t not in service.RESOURCE_TYPES]
    if unknown:
        raise ValidationFailed(f"Unknown resource type(s): {', '.join(unknown)}.", errors=[
            {"field": "query.types", "message": f"one of {', '.join(service.RESOURCE_TYPES)}", "code": "enum"}])
    position = service.Cursor.decode(since) if since else None
    rows, after = await service.read(request.app.state.db, since=position, types=wanted, limit=limit)
    body = service.render_page(rows, after, limit=limit)
    headers = {"Cache-Control": "no-store"}
    if len(rows) >= limit:
        # The next page's address before the body is parsed: a client may ask for it while it parses this one.
        headers["Link"] = f'<{request.url.include_query_params(since=after.encode())}>; rel="next"'
    return Response(body, media_type="application/json", headers=headers)
