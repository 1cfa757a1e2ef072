"""The IMAGINE criteria and sets, loaded by `cartesio seed demo` (found by name, so a second run adds nothing)."""

from __future__ import annotations

import tomllib
from importlib import resources
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.auth.principal import Principal
from api.criteria import service
from api.criteria.models import CriteriaSet, Criterion
from api.criteria.schemas import CriteriaSetCreate, CriterionCreate


def load() -> dict[str, Any]:
    with resources.files("api.seed").joinpath("data/criteria.toml").open("rb") as fh:
        return tomllib.load(fh)


async def seed_criteria(session: AsyncSession, actor: Principal) -> int:
    data = load()
    created = 0
    ids: dict[str, int] = {}
    for record in data["criteria"]:
        found = await session.scalar(select(Criterion.id).where(Criterion.name == record["name"],
                                                                Criterion.owner.is_(None)))
        if found is None:
            body = {k: v for k, v in record.items() if k != "key"}
            found = (await service.create_criterion(session, data=CriterionCreate.model_validate(body),
                                                    actor=actor)).id
            created += 1
        ids[record["key"]] = found
    for record in data["sets"]:
        if await session.scalar(select(CriteriaSet.id).where(CriteriaSet.name == record["name"],
                                                             CriteriaSet.owner.is_(None))) is not None:
            continue
        body = {k: v for k, v in record.items() if k != "key"}
        body["phases"] = [{**phase, "criteria": [ids[key] for key in phase["criteria"]]} for phase in record["phases"]]
        await service.create_set(session, data=CriteriaSetCreate.model_validate(body), actor=actor)
        created += 1
    return created
