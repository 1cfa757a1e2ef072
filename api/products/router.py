from __future__ import annotations

from typing import Annotated, Any, Literal
from urllib.parse import quote

import orjson
from fastapi import APIRouter, Path, Query, Request, Response
from fastapi.responses import StreamingResponse

from api.auth.deps import AuthenticatedDep
from api.auth.errors import InvalidAccessToken
from api.clusters.errors import ClusterNotFound, UnknownReference
from api.core.db import ReadSessionDep, SessionDep
from api.core.errors import Forbidden, PayloadTooLarge, PreconditionFailed, UnsupportedMediaType, problems
from api.core.etag import IfMatch, body_etag, check_if_match, etag
from api.core.http import json_bytes, model_response, page_of_models
from api.core.schemas import MAX_ID, Page
from api.core.storage import BINARY_BODY, StorageDep
from api.products import indicators, service
from api.products.errors import (EpdExists, EpdNotFound, LcaStudyNotFound, ProductExists, ProductNotFound,
                                 StudyFileNotFound)
from api.products.schemas import (CODE_RE, EpdCreate, EpdRead, EpdUpdate, IndicatorComparison, IndicatorRead,
                                  LcaStudyCreate, LcaStudyRead, LcaStudyUpdate, ProductCreate, ProductRead,
                                  ProductUpdate, SystemBoundary)

router = APIRouter(tags=["products"])

ClusterId = Annotated[int, Path(ge=1, le=MAX_ID, description="The cluster's numeric id.")]
ProductId = Annotated[int, Path(ge=1, le=MAX_ID, description="The product's id.")]
StudyId = Annotated[int, Path(ge=1, le=MAX_ID, description="The LCA study's id.")]
EpdId = Annotated[int, Path(ge=1, le=MAX_ID, description="The EPD's id.")]
FileId = Annotated[int, Path(ge=1, le=MAX_ID, description="The file's id.")]
Limit = Annotated[int, Query(ge=1, le=200, description="Page size (at most 200).")]
IndicatorKey = Literal[tuple(indicators.INDICATORS)]  # type: ignore[valid-type]
WRITE = (InvalidAccessToken, Forbidden)
NOT_MODIFIED = {304: {"description": "Not modified (If-None-Match matched)"}}


def _product(request: Request, product: Any, *, status_code: int = 200,
             headers: dict[str, str] | None = None) -> Response:
    return model_response(request, service.render(product), schema=ProductRead, status_code=status_code,
                          etag=etag("product", product.id, product.version), headers=headers)


def _study(request: Request, study: Any, *, status_code: int = 200, headers: dict[str, str] | None = None) -> Response:
    return model_response(request, service.render_study(study), schema=LcaStudyRead, status_code=status_code,
                          etag=etag("lca-study", study.id, study.version), headers=headers)


def _epd(request: Request, epd: Any, *, status_code: int = 200, headers: dict[str, str] | None = None) -> Response:
    return model_response(request, service.render_epd(epd, service.today()), schema=EpdRead,
                          status_code=status_code, etag=etag("epd", epd.id, epd.version), headers=headers)


def _list(request: Request, items: list[dict[str, Any]], schema: Any) -> Response:
    body = orjson.dumps([schema.model_validate(item).model_dump(mode="json") for item in items])
    return json_bytes(body, etag=body_etag(body), request=request)


@router.get("/lca-indicators", summary="Impact indicators", response_model=list[IndicatorRead])
async def list_indicators(request: Request) -> Response:
    """The indicators an LCA study may report (the EN 15804+A2 core indicators), each with its one unit."""
    return _list(request, indicators.catalogue(), IndicatorRead)


# products -----------------------------------------------------------------------------------------------------
@router.get("/clusters/{cluster_id}/products", summary="A cluster's typical products",
            response_model=Page[ProductRead], responses=problems(ClusterNotFound))
async def list_products(request: Request, cluster_id: ClusterId, session: ReadSessionDep, limit: Limit = 50,
                        cursor: Annotated[str | None, Query(max_length=500)] = None) -> Response:
    """The products typical of the cluster, each with its LCA studies and EPDs."""
    products, after = await service.list_page(session, cluster_id=cluster_id, cursor=cursor, limit=limit)
    today = service.today()
    return page_of_models(request, [service.render(p, today) for p in products], after, limit, schema=ProductRead)


@router.post("/clusters/{cluster_id}/products", status_code=201, summary="Add a typical product",
             response_model=ProductRead, responses=problems(*WRITE, ClusterNotFound, ProductExists))
async def create_product(request: Request, cluster_id: ClusterId, data: ProductCreate, session: SessionDep,
                         actor: AuthenticatedDep) -> Response:
    """A product typical of the cluster: name, description, NACE or PRODCOM code, declared or functional unit."""
    product = await service.create_product(session, cluster_id=cluster_id, data=data, actor=actor)
    return _product(request, product, status_code=201, headers={
        "Location": str(request.url_for("get_product", product_id=product.id))})


@router.get("/products/comparison", summary="Compare one indicator across products",
            response_model=IndicatorComparison)
async def compare_products(
    request: Request, session: ReadSessionDep,
    indicator: Annotated[IndicatorKey, Query(description="An indicator key, e.g. climate_change.")],
    code: Annotated[str, Query(pattern=CODE_RE.pattern, description="NACE or PRODCOM code prefix: the products "
                                                                    "whose code lies under it, e.g. 14.11.")],
    system_boundary: SystemBoundary | None = None,
) -> Response:
    """One indicator for every product of the same kind (code prefix), whichever its cluster: each product's
    latest study reporting it. Values are set per one functional unit only when the units and the system
    boundaries agree; otherwise `comparable` is false and `reasons` says why."""
    answer = await service.compare(session, indicator=indicator, code=code,
                                   system_boundary=system_boundary.value if system_boundary else None)
    return model_response(request, answer, schema=IndicatorComparison)


@router.get("/products/{product_id}", summary="Read a product", response_model=ProductRead,
            responses={**NOT_MODIFIED, **problems(ProductNotFound)})
async def get_product(request: Request, product_id: ProductId, session: ReadSessionDep) -> Response:
    """One product with its LCA studies (results and documents) and EPDs (`expired` judged today in Rome)."""
    return _product(request, await service.get_product(session, product_id))


@router.patch("/products/{product_id}", summary="Update a product", response_model=ProductRead,
              responses=problems(*WRITE, ProductNotFound, PreconditionFailed, ProductExists))
async def update_product(request: Request, product_id: ProductId, data: ProductUpdate, session: SessionDep,
                         actor: AuthenticatedDep, if_match: IfMatch = None) -> Response:
    """Change the fields sent; send the ETag you read in If-Match (412 when the product changed since)."""
    product = await service.get_product(session, product_id, for_update=True)
    check_if_match(if_match, etag("product", product.id, product.version))
    return _product(request, await service.update_product(session, product=product, data=data, actor=actor))


@router.delete("/products/{product_id}", status_code=204, summary="Delete a product",
               responses=problems(*WRITE, ProductNotFound, PreconditionFailed))
async def delete_product(product_id: ProductId, session: SessionDep, actor: AuthenticatedDep,
                         if_match: IfMatch = None) -> Response:
    """Delete a product with its LCA studies, their documents and its EPDs."""
    product = await service.get_product(session, product_id, for_update=True)
    check_if_match(if_match, etag("product", product.id, product.version))
    await service.delete_product(session, product=product, actor=actor)
    return Response(status_code=204)


# LCA studies --------------------------------------------------------------------------------------------------
@router.get("/products/{product_id}/lca-studies", summary="A product's LCA studies",
            response_model=list[LcaStudyRead], responses=problems(ProductNotFound))
async def list_studies(request: Request, product_id: ProductId, session: ReadSessionDep) -> Response:
    """The product's life-cycle assessments, oldest first."""
    return _list(request, [service.render_study(s) for s in await service.studies_of(session, product_id)],
                 LcaStudyRead)


@router.post("/products/{product_id}/lca-studies", status_code=201, summary="Record an LCA study",
             response_model=LcaStudyRead, responses=problems(*WRITE, ProductNotFound))
async def create_study(request: Request, product_id: ProductId, data: LcaStudyCreate, session: SessionDep,
                       actor: AuthenticatedDep) -> Response:
    """A study: functional unit, system boundary, reference year, method and the result of each indicator in
    the indicator's unit (climate_change in kg CO2 eq at least); upload its report with PUT …/files/{name}."""
    product = await service.get_product(session, product_id)
    study = await service.create_study(session, product=product, data=data, actor=actor)
    return _study(request, study, status_code=201, headers={
        "Location": str(request.url_for("get_study", study_id=study.id))})


@router.get("/lca-studies/{study_id}", summary="Read an LCA study", response_model=LcaStudyRead,
            responses={**NOT_MODIFIED, **problems(LcaStudyNotFound)})
async def get_study(request: Request, study_id: StudyId, session: ReadSessionDep) -> Response:
    """One study with its results and documents."""
    return _study(request, await service.get_study(session, study_id))


@router.patch("/lca-studies/{study_id}", summary="Update an LCA study", response_model=LcaStudyRead,
              responses=problems(*WRITE, LcaStudyNotFound, PreconditionFailed))
async def update_study(request: Request, study_id: StudyId, data: LcaStudyUpdate, session: SessionDep,
                       actor: AuthenticatedDep, if_match: IfMatch = None) -> Response:
    """Change the fields sent (`results` replaces them all); send the ETag you read in If-Match."""
    study = await service.get_study(session, study_id, for_update=True)
    check_if_match(if_match, etag("lca-study", study.id, study.version))
    return _study(request, await service.update_study(session, study=study, data=data, actor=actor))


@router.delete("/lca-studies/{study_id}", status_code=204, summary="Delete an LCA study",
               responses=problems(*WRITE, LcaStudyNotFound, PreconditionFailed))
async def delete_study(study_id: StudyId, session: SessionDep, actor: AuthenticatedDep,
                       if_match: IfMatch = None) -> Response:
    """Delete a study with its results and documents (an EPD that declared it keeps no link to it)."""
    study = await service.get_study(session, study_id, for_update=True)
    check_if_match(if_match, etag("lca-study", study.id, study.version))
    await service.delete_study(session, study=study, actor=actor)
    return Response(status_code=204)


@router.put("/lca-studies/{study_id}/files/{filename:path}", status_code=201, summary="Upload the study's document",
            response_model=LcaStudyRead, openapi_extra=BINARY_BODY,
            responses=problems(*WRITE, LcaStudyNotFound, PayloadTooLarge, UnsupportedMediaType))
async def upload_file(request: Request, study_id: StudyId,
                      filename: Annotated[str, Path(max_length=255, description="The file's name, kept as data.")],
                      session: SessionDep, actor: AuthenticatedDep, storage: StorageDep) -> Response:
    """Stream the request body as a document of the study under this name (replacing one of the same name). The
    type is read from the content (PDF, DOCX, XLSX, ODT, ODS, PNG, JPEG, text, CSV) and must agree with the
    name; the size limit is CARTESIO_UPLOAD_MAX_BYTES; the sha256 is recorded."""
    study = await service.get_study(session, study_id)
    await service.upload(session, study=study, filename=filename, chunks=request.stream(), actor=actor,
                         storage=storage, max_bytes=request.app.state.settings.upload_max_bytes)
    return _study(request, await service.get_study(session, study_id), status_code=201)


@router.get("/lca-studies/{study_id}/files/{file_id}/content", summary="Download a study's document",
            responses={200: {"content": {"application/octet-stream": {"schema": {"type": "string",
                                                                                 "format": "binary"}}},
                             "description": "The file as uploaded."}, **problems(StudyFileNotFound)})
async def download_file(study_id: StudyId, file_id: FileId, session: ReadSessionDep,
                        storage: StorageDep) -> Response:
    """The file's bytes, with its recorded type and its original name as the download name."""
    row = await service.get_file(session, study_id=study_id, file_id=file_id)
    ascii_name = row.filename.encode("ascii", "replace").decode().replace('"', "_")
    return StreamingResponse(storage.open(row.storage_key), media_type=row.media_type, headers={
        "Content-Length": str(row.size), "ETag": f'"{row.sha256}"', "X-Content-Type-Options": "nosniff",
        "Content-Disposition": f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(row.filename)}"})


@router.delete("/lca-studies/{study_id}/files/{file_id}", status_code=204, summary="Remove a study's document",
               responses=problems(*WRITE, LcaStudyNotFound, StudyFileNotFound))
async def delete_file(study_id: StudyId, file_id: FileId, session: SessionDep, actor: AuthenticatedDep,
                      storage: StorageDep) -> Response:
    """Remove a document from the study."""
    study = await service.get_study(session, study_id, for_update=True)
    await service.delete_file(session, study=study, file_id=file_id, actor=actor, storage=storage)
    return Response(status_code=204)


# EPDs ---------------------------------------------------------------------------------------------------------
@router.get("/products/{product_id}/epds", summary="A product's EPDs", response_model=list[EpdRead],
            responses=problems(ProductNotFound))
async def list_epds(request: Request, product_id: ProductId, session: ReadSessionDep) -> Response:
    """The product's Environmental Product Declarations; `expired` is judged against today in Europe/Rome."""
    today = service.today()
    return _list(request, [service.render_epd(e, today) for e in await service.epds_of(session, product_id)],
                 EpdRead)


@router.post("/products/{product_id}/epds", status_code=201, summary="Record an EPD", response_model=EpdRead,
             responses=problems(*WRITE, ProductNotFound, EpdExists, UnknownReference))
async def create_epd(request: Request, product_id: ProductId, data: EpdCreate, session: SessionDep,
                     actor: AuthenticatedDep) -> Response:
    """An EPD: programme operator, registration number, standards, issue date and end of validity, verifier."""
    product = await service.get_product(session, product_id)
    epd = await service.create_epd(session, product=product, data=data, actor=actor)
    return _epd(request, epd, status_code=201, headers={
        "Location": str(request.url_for("get_epd", epd_id=epd.id))})


@router.get("/epds/{epd_id}", summary="Read an EPD", response_model=EpdRead,
            responses={**NOT_MODIFIED, **problems(EpdNotFound)})
async def get_epd(request: Request, epd_id: EpdId, session: ReadSessionDep) -> Response:
    """One EPD; `expired` says whether its validity has ended."""
    return _epd(request, await service.get_epd(session, epd_id))


@router.patch("/epds/{epd_id}", summary="Update an EPD", response_model=EpdRead,
              responses=problems(*WRITE, EpdNotFound, PreconditionFailed, EpdExists, UnknownReference))
async def update_epd(request: Request, epd_id: EpdId, data: EpdUpdate, session: SessionDep, actor: AuthenticatedDep,
                     if_match: IfMatch = None) -> Response:
    """Change the fields sent; send the ETag you read in If-Match."""
    epd = await service.get_epd(session, epd_id, for_update=True)
    check_if_match(if_match, etag("epd", epd.id, epd.version))
    return _epd(request, await service.update_epd(session, epd=epd, data=data, actor=actor))


@router.delete("/epds/{epd_id}", status_code=204, summary="Delete an EPD",
               responses=problems(*WRITE, EpdNotFound, PreconditionFailed))
async def delete_epd(epd_id: EpdId, session: SessionDep, actor: AuthenticatedDep, if_match: IfMatch = None) -> Response:
    """Delete an EPD."""
    epd = await service.get_epd(session, epd_id, for_update=True)
    check_if_match(if_match, etag("epd", epd.id, epd.version))
    await service.delete_epd(session, epd=epd, actor=actor)
    return Response(status_code=204)
