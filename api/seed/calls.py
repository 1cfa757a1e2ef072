"""The Lombard circular-economy call (api/seed/data/calls.toml) and synthetic demo applicants in every state.

The call goes through the service. The applications are written with the path of states that leads to each
one, and the funded ones with their ledger entries, because the call's phases are long closed: no submission
could be accepted today by the server's clock."""

from __future__ import annotations

import tomllib
from decimal import Decimal
from importlib import resources

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.auth.principal import Principal
from api.calls import funding, rules
from api.calls import service as calls_service
from api.calls.models import Application, Call, LedgerEntry, Transition
from api.calls.schemas import ApplicationState as S
from api.calls.schemas import CallCreate
from api.organizations import service as organizations_service
from api.organizations.models import Organization
from api.organizations.schemas import OrganizationCreate

PATH = [S.draft, S.submitted, S.admissible, S.under_evaluation, S.evaluated, S.ranked, S.admitted,
        S.definitive_submitted, S.funded, S.in_progress, S.completed]
SIDE = {S.inadmissible: S.submitted, S.not_admitted: S.ranked, S.not_funded: S.definitive_submitted,
        S.revoked: S.in_progress, S.withdrawn: S.admitted}
REQUESTED_CENTS = 5_000_000
DEMO_SOURCE = "cartesio-demo"


def load() -> dict:
    with resources.files("api.seed").joinpath("data/calls.toml").open("rb") as fh:
        return tomllib.load(fh)


def path_to(state: S) -> list[S]:
    if state in SIDE:
        return [*path_to(SIDE[state]), state]
    return PATH[:PATH.index(state) + 1]


async def seed_calls(session: AsyncSession, actor: Principal, *, orgs: dict[str, int]) -> int:
    data = load()
    if await session.scalar(select(Call.id).where(Call.slug == data["call"]["slug"])) is not None:
        return 0
    body = {**data["call"], "funders": [
        {**{k: v for k, v in f.items() if k != "organization"},
         **({"organization_id": orgs[f["organization"]]} if "organization" in f else {})}
        for f in data["call"]["funders"]]}
    call = await calls_service.create(session, data=CallCreate.model_validate(body), actor=actor)
    created = 1
    ranked = 0
    for n, applicant in enumerate(data["applicants"], start=1):
        key = f"impresa-circolare-{n:02d}"
        org_id = await session.scalar(select(Organization.id).where(Organization.source == DEMO_SOURCE,
                                                                    Organization.external_id == key))
        if org_id is None:
            org_id = (await organizations_service.create(session, actor=actor, is_demo=True, source=DEMO_SOURCE,
                                                         external_id=key, data=OrganizationCreate(
                name=f"Impresa Circolare Demo {n:02d} S.r.l.", kind="enterprise", country="IT",
                region_code=applicant["region"], province=applicant["province"], employees=12 + n))).id
        state = S(applicant["state"])
        steps = path_to(state)
        app = Application(call_id=call.id, organization_id=org_id, province=applicant["province"],
                          title=f"Progetto di filiera circolare {n:02d} (demo)",
                          category=data["call"]["categories"][n % 2], requested_cents=REQUESTED_CENTS,
                          budget_lines=[{"label": "investimenti (demo)", "amount": "125000.00"}],
                          state=state.value, state_reason=applicant.get("reason"),
                          reserve=bool(applicant.get("reserve")), is_demo=True, version=len(steps),
                          created_by=actor.key)
        if S.evaluated in steps:
            app.score = Decimal("7.5") if state is not S.not_admitted else Decimal("4.0")
        if S.ranked in steps and state is not S.not_admitted:
            # Those who went through the ranking hold a place in it, in the order of the demo list.
            ranked += 1
            app.rank = ranked
        if S.definitive_submitted in steps:
            app.definitive_requested_cents = REQUESTED_CENTS
        session.add(app)
        await session.flush()
        previous = None
        for step in steps:
            session.add(Transition(application_id=app.id, from_state=previous, to_state=step.value,
                                   actor=actor.key, reason=applicant.get("reason") if step is state else "demo"))
            previous = step.value
        if S.funded in steps:
            grant = funding.grant_for(call, app)
            app.granted_cents = grant
            shares = [(funding.charged_funder(call.funders, r["funder"], app.province), Decimal(r["share"]))
                      for r in call.charge_rule]
            for funder, amount in rules.split(grant, shares):
                session.add(LedgerEntry(call_id=call.id, funder_id=funder.id, application_id=app.id,
                                        kind="allocation", amount_cents=amount, author=actor.key, note="demo"))
                if state is S.revoked:
                    session.add(LedgerEntry(call_id=call.id, funder_id=funder.id, application_id=app.id,
                                            kind="revocation", amount_cents=-amount, author=actor.key,
                                            note=applicant.get("reason")))
        created += 1
    await session.flush()
    return created
