"""The shipped reference data: the EWC catalogue (data/ewc.toml) and the illustrative symbiosis mapping
(data/symbiosis.toml), installed by `cartesio seed reference` and `cartesio seed demo`."""

from __future__ import annotations

import tomllib
from functools import cache
from importlib import resources
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from api.territory.models import EwcChapter, EwcCode, SymbiosisMapping


@cache
def _data(name: str) -> dict[str, Any]:
    return tomllib.loads(resources.files("api.territory").joinpath("data").joinpath(name).read_text(encoding="utf-8"))


def catalogue() -> dict[str, Any]:
    return _data("ewc.toml")


async def install(session: AsyncSession) -> int:
    """Add the chapters and codes not yet present (codes an administrator added stay as they are); the symbiosis
    mapping only into an empty table, so that the administrator's edits are never undone. Returns rows added."""
    data = catalogue()
    added = 0
    chapters = set((await session.scalars(select(EwcChapter.code))).all())
    for code, title in data["chapters"]:
        if code not in chapters:
            session.add(EwcChapter(code=code, title=title))
            added += 1
    await session.flush()
    codes = set((await session.scalars(select(EwcCode.code))).all())
    for code, title in data["codes"]:
        plain = code.rstrip("*")
        if plain not in codes:
            session.add(EwcCode(code=plain, chapter_code=plain[:2], title=title, hazardous=code.endswith("*")))
            added += 1
    await session.flush()
    if not await session.scalar(select(func.count()).select_from(SymbiosisMapping)):
        for entry in _data("symbiosis.toml")["mappings"]:
            for prefix in entry["ewc"]:
                for nace in entry["nace"]:
                    session.add(SymbiosisMapping(ewc_prefix=prefix, nace_code=nace, material=entry["material"],
                                                 illustrative=True))
                    added += 1
        await session.flush()
    return added
