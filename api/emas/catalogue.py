"""The EMAS requirements catalogue: reference data, loaded from api/seed/data/emas_requirements.toml."""

from __future__ import annotations

import tomllib
from collections.abc import Iterable
from importlib import resources
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.clusters.errors import UnknownReference
from api.emas.models import EmasRequirement


def load_file() -> list[dict[str, Any]]:
    with resources.files("api.seed").joinpath("data/emas_requirements.toml").open("rb") as fh:
        return tomllib.load(fh)["requirements"]


async def install(session: AsyncSession) -> int:
    """Insert or update every requirement of the file (idempotent); returns how many were new."""
    stored = {r.code: r for r in (await session.scalars(select(EmasRequirement))).all()}
    created = 0
    for position, record in enumerate(load_file()):
        row = stored.get(record["code"])
        if row is None:
            row = EmasRequirement(code=record["code"])
            session.add(row)
            created += 1
        row.parent_code = record.get("parent")
        row.position = position
        row.title_it = record["title_it"]
        row.title_en = record["title_en"]
        await session.flush()  # parents before children: the file lists them in that order
    return created


async def all_requirements(session: AsyncSession) -> list[EmasRequirement]:
    return list((await session.scalars(select(EmasRequirement).order_by(EmasRequirement.position))).all())


def tree(requirements: list[EmasRequirement]) -> list[dict[str, Any]]:
    nodes = {r.code: {"code": r.code, "title_it": r.title_it, "title_en": r.title_en, "children": []}
             for r in requirements}
    roots = []
    for r in requirements:
        (nodes[r.parent_code]["children"] if r.parent_code in nodes else roots).append(nodes[r.code])
    return roots


def leaves_under(requirements: list[EmasRequirement]) -> dict[str, list[str]]:
    """For every code, the leaf requirements it stands for (itself when it has no children)."""
    children: dict[str | None, list[str]] = {}
    for r in requirements:
        children.setdefault(r.parent_code, []).append(r.code)
    out: dict[str, list[str]] = {}

    def walk(code: str) -> list[str]:
        if code not in out:
            below = children.get(code, [])
            out[code] = [leaf for child in below for leaf in walk(child)] if below else [code]
        return out[code]

    for r in requirements:
        walk(r.code)
    return out


async def check_codes(session: AsyncSession, codes: Iterable[str], *, field: str) -> None:
    """422 naming each code that is not in the catalogue."""
    wanted = list(dict.fromkeys(codes))
    if not wanted:
        return
    found = set((await session.scalars(select(EmasRequirement.code).where(EmasRequirement.code.in_(wanted)))).all())
    errors = [{"field": f"{field}.{i}" if field.endswith("requirements") else field,
               "message": f"unknown EMAS requirement {code!r}", "code": "unknown_reference"}
              for i, code in enumerate(wanted) if code not in found]
    if errors:
        raise UnknownReference(f"{len(errors)} requirement code(s) are not in the EMAS catalogue "
                               "(GET /api/v1/emas/requirements).", errors=errors)
