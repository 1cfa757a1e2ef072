"""Shared resources: what a cluster (or network) builds once for its members, in versions that gather files
and become immutable when released."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from api.audit import service as audit
from api.auth.policy import Action
from api.auth.principal import Principal, Target
from api.changes import service as changes
from api.clusters.errors import UnknownReference
from api.clusters.models import Cluster
from api.core.db import utcnow
from api.core.pagination import SortKey, fetch_page
from api.core.storage import Storage, StoredFile, safe_filename, save_recorded
from api.emas import catalogue
from api.emas.errors import (EmptyVersion, FileNotFound, ResourceInUse, ResourceNotFound, VersionNotFound,
                             VersionReleased)
from api.emas.models import (Adoption, ResourceFile, ResourceVersion, SharedResource, SharedResourceRequirement,
                             Validation)
from api.emas.schemas import ResourceCreate, ResourceUpdate, VersionCreate, VersionStatus
from api.networks.models import Network


def render(resource: SharedResource) -> dict[str, Any]:
    return {**{k: getattr(resource, k) for k in ("id", "cluster_id", "network_id", "type", "title", "description",
                                                 "latest_version", "version", "is_demo", "created_at",
                                                 "updated_at")},
            "requirements": [r.requirement_code for r in resource.requirements]}


async def record_change(session: AsyncSession, resource: SharedResource, event: str) -> None:
    """The resource on the changes feed (and so to webhooks): created, updated (its fields, a version started,
    released or validated), deleted."""
    from api.emas.schemas import ResourceRead

    if event == "deleted":
        document = changes.tombstone("shared_resources", resource.id, version=resource.version + 1, source=None,
                                     external_id=None)
        version = resource.version + 1
    else:
        document = ResourceRead.model_validate(render(resource)).model_dump_json()
        version = resource.version
    await changes.record(session, resource_type="shared_resources", resource_id=resource.id, event=event,
                         version=version, document=document)


async def touch(session: AsyncSession, resource_id: int) -> None:
    """A change below the resource (a version, a release, a validation) is a new version of the resource."""
    resource = await get_resource(session, resource_id, for_update=True)
    resource.version += 1
    resource.updated_at = utcnow()
    await session.flush()
    await record_change(session, resource, "updated")


async def get_resource(session: AsyncSession, resource_id: int, *, for_update: bool = False) -> SharedResource:
    stmt = (select(SharedResource).where(SharedResource.id == resource_id)
            .options(selectinload(SharedResource.requirements)))
    if for_update:
        stmt = stmt.with_for_update(of=SharedResource).execution_options(populate_existing=True)
    resource = await session.scalar(stmt)
    if resource is None:
        raise ResourceNotFound(f"No shared resource with id {resource_id}.")
    return resource


async def target_of(session: AsyncSession, *, cluster_id: int | None) -> Target:
    """A cluster's resource is in that cluster and its region; a network's belongs to no cluster (admins)."""
    if cluster_id is None:
        return Target()
    region = await session.scalar(select(Cluster.region_code).where(Cluster.id == cluster_id))
    return Target(cluster_ids=(cluster_id,), region_codes=(region,) if region else ())


async def list_page(session: AsyncSession, *, cluster_id: int | None, network_id: int | None, type_: str | None,
                    cursor: str | None, limit: int) -> tuple[list[SharedResource], str | None]:
    stmt = select(SharedResource).options(selectinload(SharedResource.requirements))
    if cluster_id is not None:
        stmt = stmt.where(SharedResource.cluster_id == cluster_id)
    if network_id is not None:
        stmt = stmt.where(SharedResource.network_id == network_id)
    if type_:
        stmt = stmt.where(SharedResource.type == type_)
    return await fetch_page(session, stmt, key=SortKey("id", SharedResource.id), id_column=SharedResource.id,
                            cursor=cursor, limit=limit)


async def create(session: AsyncSession, *, data: ResourceCreate, actor: Principal) -> SharedResource:
    if data.cluster_id is not None and await session.get(Cluster, data.cluster_id) is None:
        raise UnknownReference(f"No cluster with id {data.cluster_id}.", errors=[{
            "field": "body.cluster_id", "message": "unknown cluster", "code": "unknown_reference"}])
    if data.network_id is not None and await session.get(Network, data.network_id) is None:
        raise UnknownReference(f"No network with id {data.network_id}.", errors=[{
            "field": "body.network_id", "message": "unknown network", "code": "unknown_reference"}])
    actor.require(Action.emas_resources_write, await target_of(session, cluster_id=data.cluster_id))
    await catalogue.check_codes(session, data.requirements, field="body.requirements")
    resource = SharedResource(cluster_id=data.cluster_id, network_id=data.network_id, type=data.type.value,
                              title=data.title, description=data.description, latest_version=0, version=1,
                              requirements=[SharedResourceRequirement(requirement_code=code)
                                            for code in dict.fromkeys(data.requirements)])
    session.add(resource)
    await session.flush()
    await audit.record(session, actor=actor, action="shared_resource.created", object_type="shared_resource",
                       object_id=resource.id, detail={"title": resource.title, "type": resource.type,
                                                      "requirements": list(dict.fromkeys(data.requirements))})
    resource = await get_resource(session, resource.id)
    await record_change(session, resource, "created")
    return resource


async def update(session: AsyncSession, *, resource: SharedResource, data: ResourceUpdate,
                 actor: Principal) -> SharedResource:
    actor.require(Action.emas_resources_write, await target_of(session, cluster_id=resource.cluster_id))
    values = data.model_dump(exclude_unset=True, mode="json")
    for key in ("type", "title"):
        if key in values and values[key] is None:
            del values[key]
    if values.get("requirements") is not None:
        await catalogue.check_codes(session, values["requirements"], field="body.requirements")
        resource.requirements = [SharedResourceRequirement(requirement_code=code)
                                 for code in dict.fromkeys(values.pop("requirements"))]
    values.pop("requirements", None)
    for key, value in values.items():
        setattr(resource, key, value)
    resource.version += 1
    resource.updated_at = utcnow()
    await session.flush()
    await audit.record(session, actor=actor, action="shared_resource.updated", object_type="shared_resource",
                       object_id=resource.id, detail=data.model_dump(exclude_unset=True, mode="json"))
    resource_id = resource.id  # read before expire_all: reloading an expired attribute would need IO here
    session.expire_all()
    resource = await get_resource(session, resource_id)
    await record_change(session, resource, "updated")
    return resource


async def delete(session: AsyncSession, *, resource: SharedResource, actor: Principal, storage: Storage) -> None:
    """Delete a resource no organization has adopted, with its versions and files."""
    actor.require(Action.emas_resources_write, await target_of(session, cluster_id=resource.cluster_id))
    adopted = await session.scalar(select(func.count()).select_from(Adoption)
                                   .where(Adoption.resource_id == resource.id))
    if adopted:
        raise ResourceInUse(f"{adopted} organization(s) adopted this resource; it cannot be deleted.")
    validated = await session.scalar(select(func.count()).select_from(Validation).join(
        ResourceVersion, ResourceVersion.id == Validation.version_id).where(ResourceVersion.resource_id == resource.id))
    if validated:
        raise ResourceInUse("A verifier validated a version of this resource: it stays as the verifier's record.")
    keys = list((await session.scalars(
        select(ResourceFile.storage_key).join(ResourceVersion, ResourceVersion.id == ResourceFile.version_id)
        .where(ResourceVersion.resource_id == resource.id))).all())
    await session.delete(resource)
    await session.flush()
    await audit.record(session, actor=actor, action="shared_resource.deleted", object_type="shared_resource",
                       object_id=resource.id, detail={"title": resource.title})
    await record_change(session, resource, "deleted")
    for key in keys:
        await storage.delete(key)


# versions ---------------------------------------------------------------------------------------------------
async def get_version(session: AsyncSession, resource_id: int, number: int, *,
                      for_update: bool = False) -> ResourceVersion:
    stmt = (select(ResourceVersion).where(ResourceVersion.resource_id == resource_id,
                                          ResourceVersion.number == number)
            .options(selectinload(ResourceVersion.files)))
    if for_update:
        stmt = stmt.with_for_update(of=ResourceVersion)
    version = await session.scalar(stmt)
    if version is None:
        raise VersionNotFound(f"Shared resource {resource_id} has no version {number}.")
    return version


async def list_versions(session: AsyncSession, resource_id: int) -> list[ResourceVersion]:
    return list((await session.scalars(
        select(ResourceVersion).where(ResourceVersion.resource_id == resource_id)
        .options(selectinload(ResourceVersion.files)).order_by(ResourceVersion.number))).all())


async def create_version(session: AsyncSession, *, resource: SharedResource, data: VersionCreate,
                         actor: Principal) -> ResourceVersion:
    """A new draft after the latest version; it inherits neither files nor validations."""
    actor.require(Action.emas_resources_write, await target_of(session, cluster_id=resource.cluster_id))
    resource.latest_version += 1
    version = ResourceVersion(resource_id=resource.id, number=resource.latest_version, status=VersionStatus.draft,
                              notes=data.notes, created_by=actor.key)
    session.add(version)
    await session.flush()
    await audit.record(session, actor=actor, action="shared_resource_version.created",
                       object_type="shared_resource", object_id=resource.id, detail={"version": version.number})
    await touch(session, resource.id)
    return await get_version(session, resource.id, version.number)


async def release(session: AsyncSession, *, resource: SharedResource, number: int,
                  actor: Principal) -> ResourceVersion:
    """Release a draft: from now on it never changes, and a verifier may validate it."""
    actor.require(Action.emas_resources_write, await target_of(session, cluster_id=resource.cluster_id))
    version = await get_version(session, resource.id, number, for_update=True)
    if version.status == VersionStatus.released:
        raise VersionReleased(f"Version {number} was released on {version.released_at:%Y-%m-%d}.")
    if not version.files:
        raise EmptyVersion("Upload at least one file before releasing the version.")
    version.status = VersionStatus.released.value
    version.released_at = utcnow()
    version.released_by = actor.key
    await session.flush()
    await audit.record(session, actor=actor, action="shared_resource_version.released",
                       object_type="shared_resource", object_id=resource.id, detail={"version": number})
    await touch(session, resource.id)
    return version


# files ------------------------------------------------------------------------------------------------------
async def upload(session: AsyncSession, *, resource: SharedResource, number: int, filename: str,
                 chunks: AsyncIterator[bytes], actor: Principal, storage: Storage, max_bytes: int) -> ResourceFile:
    """Stream a file into a draft version; a file of the same name is replaced. Nothing is left behind when
    the upload fails."""
    actor.require(Action.emas_resources_write, await target_of(session, cluster_id=resource.cluster_id))
    name = safe_filename(filename)
    version = await get_version(session, resource.id, number, for_update=True)
    if version.status == VersionStatus.released:
        raise VersionReleased(f"Version {number} is released; start a new version to change its files.")
    replaced = next((f for f in version.files if f.filename == name), None)

    async def record(stored: StoredFile) -> ResourceFile:
        if replaced is not None:
            await session.delete(replaced)
            await session.flush()
        row = ResourceFile(version_id=version.id, filename=name, storage_key=stored.key,
                           media_type=stored.media_type, size=stored.size, sha256=stored.sha256,
                           uploaded_by=actor.key)
        session.add(row)
        await session.flush()
        await audit.record(session, actor=actor, action="shared_resource_file.uploaded",
                           object_type="shared_resource", object_id=resource.id,
                           detail={"version": number, "file": name, "sha256": stored.sha256, "size": stored.size})
        return row

    row = await save_recorded(storage, chunks, filename=name, max_bytes=max_bytes, record=record)
    if replaced is not None:
        await storage.delete(replaced.storage_key)
    return row


async def get_file(session: AsyncSession, *, resource_id: int, number: int, file_id: int) -> ResourceFile:
    row = await session.scalar(select(ResourceFile).join(ResourceVersion, ResourceVersion.id == ResourceFile.version_id)
                               .where(ResourceFile.id == file_id, ResourceVersion.resource_id == resource_id,
                                      ResourceVersion.number == number))
    if row is None:
        raise FileNotFound(f"Version {number} of shared resource {resource_id} has no file {file_id}.")
    return row


async def delete_file(session: AsyncSession, *, resource: SharedResource, number: int, file_id: int,
                      actor: Principal, storage: Storage) -> None:
    actor.require(Action.emas_resources_write, await target_of(session, cluster_id=resource.cluster_id))
    version = await get_version(session, resource.id, number, for_update=True)
    if version.status == VersionStatus.released:
        raise VersionReleased(f"Version {number} is released; its files cannot change.")
    row = await get_file(session, resource_id=resource.id, number=number, file_id=file_id)
    await session.delete(row)
    await session.flush()
    await audit.record(session, actor=actor, action="shared_resource_file.deleted", object_type="shared_resource",
                       object_id=resource.id, detail={"version": number, "file": row.filename})
    await storage.delete(row.storage_key)
