from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Literal

import orjson
from fastapi import APIRouter, Path, Query, Request, Response
from sqlalchemy import select

from api.auth.deps import AuthenticatedDep
from api.auth.policy import Action
from api.auth.errors import InvalidAccessToken
from api.calls import applications, evaluation, funding, reports, service
from api.calls.errors import (AlreadyAssigned, AlreadyScored, ApplicationNotFound, CallNotFound, CallSlugTaken,
                              EvaluatorConflict, NotAssigned, NotEligible, OverBudget, PhaseClosed,
                              TransitionNotAllowed)
from api.calls.models import AccompanimentEntry, Application
from api.calls.schemas import (AccompanimentIn, AccompanimentRead, ApplicationCreate, ApplicationRead,
                               ApplicationState, ApplicationUpdate, AssignmentIn, AttachmentRead, BudgetRead, CallCreate, CallRead,
                               DefinitiveIn, EvaluationsRead, FundingIn, RevocationIn, ScoresIn, TransitionIn,
                               TransitionRead, cents)
from api.clusters.errors import UnknownReference
from api.core.db import ReadSessionDep, SessionDep
from api.core.errors import Forbidden, PayloadTooLarge, PreconditionFailed, UnsupportedMediaType, problems
from api.core.etag import IfMatch, body_etag, check_if_match, etag
from api.core.schemas import Page
from api.core.http import json_bytes, model_response
from api.core.pagination import link_header
from api.core.storage import BINARY_BODY, StorageDep
from api.core.schemas import MAX_ID

router = APIRouter(tags=["calls"])

CallId = Annotated[int, Path(ge=1, le=MAX_ID, description="The call's id.")]
ApplicationId = Annotated[int, Path(ge=1, le=MAX_ID, description="The application's id.")]
Limit = Annotated[int, Query(ge=1, le=200)]
Cursor = Annotated[str | None, Query(max_length=500)]
WRITE = (InvalidAccessToken, Forbidden)


def _now() -> datetime:
    return datetime.now(UTC)


def _json(request: Request, model, data, status_code: int = 200, tag: str | None = None,  # noqa: ANN001
          headers: dict[str, str] | None = None) -> Response:
    return model_response(request, data, schema=model, status_code=status_code, etag=tag, headers=headers)


def _application(request: Request, app, status_code: int = 200) -> Response:  # noqa: ANN001
    return _json(request, ApplicationRead, applications.render(app), status_code,
                 tag=etag("application", app.id, app.version))


@router.get("/calls", summary="List calls", response_model=Page[CallRead])
async def list_calls(request: Request, session: ReadSessionDep, limit: Limit = 50, cursor: Cursor = None) -> Response:
    """Funding calls, newest first."""
    calls, after = await service.list_page(session, cursor=cursor, limit=limit)
    now = _now()
    body = orjson.dumps({"items": [CallRead.model_validate(service.render(c, now)).model_dump(mode="json")
                                   for c in calls], "next_cursor": after, "limit": limit})
    return json_bytes(body, etag=body_etag(body), request=request, headers=link_header(request, after))


@router.post("/calls", status_code=201, summary="Create a call", response_model=CallRead,
             responses=problems(*WRITE, CallSlugTaken))
async def create_call(request: Request, data: CallCreate, session: SessionDep, actor: AuthenticatedDep) -> Response:
    """A call with its funders and their contributions, the rule that charges grants to them, eligibility rules,
    limits, phases (Europe/Rome when no zone is given), evaluation criteria and thresholds."""
    call = await service.create(session, data=data, actor=actor)
    return _json(request, CallRead, service.render(call, _now()), 201,
                 headers={"Location": f"/api/v1/calls/{call.id}"})


@router.get("/calls/{call_id}", summary="Read a call", response_model=CallRead, responses=problems(CallNotFound))
async def get_call(request: Request, call_id: CallId, session: ReadSessionDep) -> Response:
    """A call, with which of its phases is open now."""
    return _json(request, CallRead, service.render(await service.get(session, call_id), _now()))


@router.get("/calls/{call_id}/budget", summary="A call's budget", response_model=BudgetRead,
            responses=problems(CallNotFound))
async def budget(request: Request, call_id: CallId, session: ReadSessionDep) -> Response:
    """The budget, what is allocated and what each funder has left, from the ledger; `granted_by_applications`
    is the sum the funded applications show, always equal to `allocated`."""
    return _json(request, BudgetRead, await service.budget(session, await service.get(session, call_id)))


@router.get("/calls/{call_id}/report", summary="A call's report",
            responses={200: {"content": {"text/csv": {"schema": {"type": "string"}}},
                             "description": "The report as JSON, or as CSV rows (section, key, measure, value)."},
                       **problems(CallNotFound)})
async def call_report(request: Request, call_id: CallId, session: ReadSessionDep,
                      format: Annotated[Literal["json", "csv"] | None, Query(description="csv, or Accept: text/csv")]
                      = None) -> Response:
    """Applications by state, province and category with requested and granted amounts, each funder's
    remaining budget, and the average score per criterion: aggregates only, no applicant's data."""
    data = await reports.report(session, await service.get(session, call_id))
    if format == "csv" or (format is None and "text/csv" in request.headers.get("accept", "")):
        return Response(reports.as_csv(data), media_type="text/csv; charset=utf-8", headers={
            "Content-Disposition": f'attachment; filename="call-{call_id}-report.csv"'})
    body = orjson.dumps(data, default=str)
    return json_bytes(body, etag=body_etag(body), request=request)


@router.get("/calls/{call_id}/ranking", summary="The ranking as it stands",
            response_model=list[ApplicationRead], responses=problems(CallNotFound, InvalidAccessToken))
async def read_ranking(request: Request, call_id: CallId, session: ReadSessionDep, actor: AuthenticatedDep) -> Response:
    """The ranked applications in rank order (admitted, then the reserve list), as far as the caller may see
    them; reading changes nothing."""
    call = await service.get(session, call_id)
    rows = await applications.ranking(session, call_id=call.id, actor=actor)
    body = orjson.dumps([ApplicationRead.model_validate(applications.render(a)).model_dump(mode="json")
                         for a in rows])
    return json_bytes(body, etag=body_etag(body), request=request)


@router.post("/calls/{call_id}/ranking", summary="Rank the evaluated applications",
             response_model=list[ApplicationRead], responses=problems(*WRITE, CallNotFound))
async def ranking(request: Request, call_id: CallId, session: SessionDep, actor: AuthenticatedDep) -> Response:
    """Rank the evaluated applications: admitted to accompaniment while the budget covers them, then the reserve
    list; those under a threshold are not admitted (the call's managers)."""
    ranked = await evaluation.rank(session, call=await service.get(session, call_id), actor=actor)
    visible = set((await session.scalars(select(Application.id).where(
        Application.id.in_([a.id for a in ranked]), await applications.visibility(session, actor)))).all())
    body = orjson.dumps([ApplicationRead.model_validate(applications.render(a)).model_dump(mode="json")
                         for a in ranked if a.id in visible])
    return json_bytes(body)


@router.get("/calls/{call_id}/applications", summary="A call's applications", response_model=Page[ApplicationRead],
            responses=problems(CallNotFound))
async def list_applications(request: Request, call_id: CallId, session: ReadSessionDep, actor: AuthenticatedDep,
                            limit: Limit = 50, cursor: Cursor = None, state: ApplicationState | None = None,
                            province: Annotated[str | None, Query(max_length=2)] = None) -> Response:
    """The applications the caller may see: its own organization's, those assigned to it as evaluator, those of
    its chamber's province, its Region's; administrators all."""
    await service.get(session, call_id)
    items, after = await applications.list_page(session, call_id=call_id, actor=actor,
                                                state=state.value if state else None, province=province,
                                                cursor=cursor, limit=limit)
    body = orjson.dumps({"items": [ApplicationRead.model_validate(applications.render(a)).model_dump(mode="json")
                                   for a in items], "next_cursor": after, "limit": limit})
    return json_bytes(body, etag=body_etag(body), request=request, headers=link_header(request, after))


@router.post("/applications", status_code=201, summary="Start an application", response_model=ApplicationRead,
             responses=problems(*WRITE, CallNotFound, UnknownReference))
async def create_application(request: Request, data: ApplicationCreate, session: SessionDep,
                             actor: AuthenticatedDep) -> Response:
    """A draft application of the caller's own organization, with its partners and budget lines."""
    return _application(request, await applications.create(session, data=data, actor=actor), 201)


@router.get("/applications/{application_id}", summary="Read an application", response_model=ApplicationRead,
            responses=problems(ApplicationNotFound))
async def get_application(request: Request, application_id: ApplicationId, session: ReadSessionDep,
                          actor: AuthenticatedDep) -> Response:
    """One application, if the caller may see it (404 otherwise)."""
    return _application(request, await applications.get(session, application_id, actor))


@router.patch("/applications/{application_id}", summary="Change a draft", response_model=ApplicationRead,
              responses=problems(*WRITE, ApplicationNotFound, TransitionNotAllowed, PreconditionFailed))
async def update_application(request: Request, application_id: ApplicationId, data: ApplicationUpdate,
                             session: SessionDep, actor: AuthenticatedDep, if_match: IfMatch = None) -> Response:
    """Change the fields sent while the application is a draft."""
    app = await applications.get(session, application_id, actor, for_update=True)
    check_if_match(if_match, etag("application", app.id, app.version))
    return _application(request, await applications.update(session, app=app, data=data, actor=actor))


@router.post("/applications/{application_id}/submit", summary="Submit an application",
             response_model=ApplicationRead,
             responses=problems(*WRITE, ApplicationNotFound, TransitionNotAllowed, PhaseClosed, NotEligible))
async def submit(request: Request, application_id: ApplicationId, session: SessionDep,
                 actor: AuthenticatedDep) -> Response:
    """Submit a draft while a phase of the call is open, by the server's clock; a 422 names every failed
    eligibility rule."""
    app = await applications.get(session, application_id, actor, for_update=True)
    return _application(request, await applications.submit(session, app=app, actor=actor, now=_now()))


@router.post("/applications/{application_id}/transitions", summary="Move an application",
             response_model=ApplicationRead,
             responses=problems(*WRITE, ApplicationNotFound, TransitionNotAllowed))
async def transition(request: Request, application_id: ApplicationId, data: TransitionIn, session: SessionDep,
                     actor: AuthenticatedDep) -> Response:
    """A move the state machine allows to the caller (admissible or inadmissible, withdrawn, in progress,
    completed…), with its reason; any other move is 409 and changes nothing."""
    app = await applications.get(session, application_id, actor, for_update=True)
    before = app.state
    app = await applications.move(session, app=app, to=data.to, reason=data.reason, actor=actor)
    if data.to is ApplicationState.withdrawn and before in ("admitted", "definitive_submitted"):
        await funding.promote_reserve(session, call_id=app.call_id, actor=actor)
    return _application(request, app)


@router.get("/applications/{application_id}/transitions", summary="An application's history",
            response_model=list[TransitionRead], responses=problems(ApplicationNotFound))
async def history(request: Request, application_id: ApplicationId, session: ReadSessionDep,
                  actor: AuthenticatedDep) -> Response:
    """Every state the application went through, with who moved it, when and why."""
    app = await applications.get(session, application_id, actor)
    body = orjson.dumps([TransitionRead.model_validate(t).model_dump(mode="json")
                         for t in await applications.transitions(session, app)])
    return json_bytes(body, etag=body_etag(body), request=request)


@router.post("/applications/{application_id}/assignments", status_code=201, summary="Assign an evaluator",
             response_model=EvaluationsRead,
             responses=problems(*WRITE, ApplicationNotFound, UnknownReference, EvaluatorConflict, AlreadyAssigned,
                                TransitionNotAllowed))
async def assign(request: Request, application_id: ApplicationId, data: AssignmentIn, session: SessionDep,
                 actor: AuthenticatedDep) -> Response:
    """Assign an evaluator (not one whose organization applies or is a partner); with two, evaluation starts."""
    app = await applications.get(session, application_id, actor, for_update=True)
    await evaluation.assign(session, app=app, evaluator_id=data.evaluator_id, actor=actor)
    return await _evaluations(request, session, app, actor, 201)


async def _evaluations(request: Request, session, app, actor, status_code: int = 200) -> Response:  # noqa: ANN001
    call = await service.get(session, app.call_id)
    assignments = await evaluation.assignments_of(session, app.id)
    score, status = evaluation.score_state(call, assignments)
    return _json(request, EvaluationsRead, {"application_id": app.id, "status": status, "score": score,
                                            "evaluations": evaluation.visible_scores(assignments, actor)},
                 status_code)


@router.get("/applications/{application_id}/evaluations", summary="An application's evaluations",
            response_model=EvaluationsRead, responses=problems(ApplicationNotFound))
async def evaluations(request: Request, application_id: ApplicationId, session: ReadSessionDep,
                      actor: AuthenticatedDep) -> Response:
    """The evaluators and their scores: an evaluator sees the others' only once its own and another are in."""
    return await _evaluations(request, session, await applications.get(session, application_id, actor), actor)


@router.put("/applications/{application_id}/evaluations/mine", summary="Submit my scores",
            response_model=EvaluationsRead,
            responses=problems(*WRITE, ApplicationNotFound, NotAssigned, AlreadyScored, TransitionNotAllowed))
async def score(request: Request, application_id: ApplicationId, data: ScoresIn, session: SessionDep,
                actor: AuthenticatedDep) -> Response:
    """An assigned evaluator scores every criterion within its maximum, with comments, once."""
    actor.require(Action.evaluations_write)
    app = await applications.get(session, application_id, actor, for_update=True)
    await evaluation.submit_scores(session, app=app, actor=actor,
                                   scores={k: v.model_dump() for k, v in data.scores.items()})
    return await _evaluations(request, session, app, actor)


@router.post("/applications/{application_id}/accompaniment", status_code=201, summary="Record accompaniment",
             response_model=AccompanimentRead,
             responses=problems(*WRITE, ApplicationNotFound, TransitionNotAllowed))
async def accompany(request: Request, application_id: ApplicationId, data: AccompanimentIn, session: SessionDep,
                    actor: AuthenticatedDep) -> Response:
    """A meeting or milestone of the accompaniment of an admitted application (the call's managers)."""
    app = await applications.get(session, application_id, actor, for_update=True)
    actor.require(Action.calls_manage)
    if app.state not in ("admitted", "definitive_submitted"):
        raise TransitionNotAllowed(f"The application is {app.state}; accompaniment follows admission.")
    entry = AccompanimentEntry(application_id=app.id, recorded_by=actor.key, **data.model_dump())
    session.add(entry)
    await session.flush()
    return _json(request, AccompanimentRead, entry, 201)


@router.get("/applications/{application_id}/accompaniment", summary="An application's accompaniment",
            response_model=list[AccompanimentRead], responses=problems(ApplicationNotFound))
async def accompaniment(request: Request, application_id: ApplicationId, session: ReadSessionDep,
                        actor: AuthenticatedDep) -> Response:
    """Meetings and milestones, by date."""
    app = await applications.get(session, application_id, actor)
    rows = (await session.scalars(select(AccompanimentEntry).where(AccompanimentEntry.application_id == app.id)
                                  .order_by(AccompanimentEntry.on_date, AccompanimentEntry.id))).all()
    body = orjson.dumps([AccompanimentRead.model_validate(r).model_dump(mode="json") for r in rows])
    return json_bytes(body, etag=body_etag(body), request=request)


@router.post("/applications/{application_id}/definitive", summary="Submit the definitive project",
             response_model=ApplicationRead, responses=problems(*WRITE, ApplicationNotFound, TransitionNotAllowed))
async def definitive(request: Request, application_id: ApplicationId, data: DefinitiveIn, session: SessionDep,
                     actor: AuthenticatedDep) -> Response:
    """After accompaniment, the applicant submits its definitive project, possibly with a new amount."""
    app = await applications.get(session, application_id, actor, for_update=True)
    app = await applications.definitive(session, app=app, requested_cents=cents(data.requested), actor=actor)
    return _application(request, app)


@router.put("/applications/{application_id}/attachments/{filename:path}", status_code=201,
            summary="Attach a document", response_model=list[AttachmentRead],
            openapi_extra=BINARY_BODY,
            responses=problems(*WRITE, ApplicationNotFound, TransitionNotAllowed, PayloadTooLarge,
                               UnsupportedMediaType))
async def attach(request: Request, application_id: ApplicationId,
                 filename: Annotated[str, Path(max_length=255, description="The file's name, kept as data.")],
                 session: SessionDep, actor: AuthenticatedDep, storage: StorageDep,
                 document: Annotated[str | None, Query(max_length=200, description=(
                     "Which of the call's required documents this is."))] = None) -> Response:
    """Stream a document into a draft application, with the same rules as every upload: size limit, type read
    from the content, sha256 recorded, the name kept as data only."""
    app = await applications.get(session, application_id, actor, for_update=True)
    await applications.attach(session, app=app, filename=filename, document=document, chunks=request.stream(),
                              actor=actor, storage=storage, max_bytes=request.app.state.settings.upload_max_bytes)
    rows = await applications.attachments_of(session, app.id)
    return json_bytes(orjson.dumps([AttachmentRead.model_validate(r).model_dump(mode="json") for r in rows]),
                      status_code=201)


@router.get("/applications/{application_id}/attachments", summary="An application's documents",
            response_model=list[AttachmentRead], responses=problems(ApplicationNotFound))
async def attachments(request: Request, application_id: ApplicationId, session: ReadSessionDep,
                      actor: AuthenticatedDep) -> Response:
    """The documents the application carries: name, required document it stands for, type, size and sha256."""
    app = await applications.get(session, application_id, actor)
    rows = await applications.attachments_of(session, app.id)
    body = orjson.dumps([AttachmentRead.model_validate(r).model_dump(mode="json") for r in rows])
    return json_bytes(body, etag=body_etag(body), request=request)


@router.post("/applications/{application_id}/funding", summary="Fund a definitive project",
             response_model=ApplicationRead,
             responses=problems(*WRITE, ApplicationNotFound, TransitionNotAllowed, OverBudget))
async def fund(request: Request, application_id: ApplicationId, data: FundingIn, session: SessionDep,
               actor: AuthenticatedDep) -> Response:
    """Allocate the grant to the funders by the call's rule, in the ledger; refused with 409, naming the funder
    and the shortfall, when any funder would go below zero."""
    app = await applications.get(session, application_id, actor, for_update=True)
    return _application(request, await funding.fund(session, app=app, actor=actor, note=data.note))


@router.post("/applications/{application_id}/revocation", summary="Revoke a grant", response_model=ApplicationRead,
             responses=problems(*WRITE, ApplicationNotFound, TransitionNotAllowed))
async def revoke(request: Request, application_id: ApplicationId, data: RevocationIn, session: SessionDep,
                 actor: AuthenticatedDep) -> Response:
    """Revoke a grant: its amounts return to the funders they came from and the reserve list moves up."""
    app = await applications.get(session, application_id, actor, for_update=True)
    return _application(request, await funding.revoke(session, app=app, actor=actor, reason=data.reason))
