"""Typical products of the IMAGINE districts with an illustrative LCA study (api/seed/data/products.toml), loaded
through the service so the seed obeys the API's rules; found by cluster and name (studies by title), so a second
run adds nothing."""

from __future__ import annotations

import tomllib
from importlib import resources
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.auth.principal import Principal
from api.documents.models import Document
from api.products import service
from api.products.models import LcaStudy, Product
from api.products.schemas import LcaStudyCreate, ProductCreate


def load() -> dict[str, Any]:
    with resources.files("api.seed").joinpath("data/products.toml").open("rb") as fh:
        return tomllib.load(fh)


async def seed_products(session: AsyncSession, actor: Principal, *, clusters: dict[str, int]) -> int:
    created = 0
    for record in load()["products"]:
        cluster_id = clusters[record["cluster"]]
        product_id = await session.scalar(select(Product.id).where(Product.cluster_id == cluster_id,
                                                                   Product.name == record["name"]))
        if product_id is None:
            origin = record.get("source") or {}
            document_id = await session.scalar(select(Document.id).where(Document.key == origin.get("document")))
            fields = {k: v for k, v in record.items() if k in ProductCreate.model_fields}
            product_id = (await service.create_product(
                session, cluster_id=cluster_id, data=ProductCreate(**fields), actor=actor,
                source_document_id=document_id, source_locator=origin.get("locator"))).id
            created += 1
        for study in record.get("lca_studies", []):
            if await session.scalar(select(LcaStudy.id).where(LcaStudy.product_id == product_id,
                                                              LcaStudy.title == study["title"])) is not None:
                continue
            product = await service.get_product(session, product_id)
            await service.create_study(session, product=product, data=LcaStudyCreate(**study), actor=actor)
            created += 1
    return created
