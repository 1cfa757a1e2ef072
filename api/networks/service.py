"""Networks: members with a history of roles, groups, and the commitment declaration they sign."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from api.auth.policy import Action
from api.auth.principal import Principal
from api.changes import service as changes
from api.clusters.errors import UnknownReference
from api.core.db import utcnow
from api.core.errors import ValidationFailed
from api.core.pagination import SortKey, fetch_page
from api.networks.errors import (AlreadyCurrentMember, AlreadySigned, DeclarationNotFound, NetworkMembershipNotFound,
                                 NetworkNotFound, NetworkSlugTaken)
from api.networks.models import (Declaration, Network, NetworkGroup, NetworkGroupMember, NetworkMembership,
                                 NetworkSource, Signature)
from api.networks.schemas import (NetworkCreate, NetworkMemberCreate, NetworkMemberUpdate, NetworkUpdate,
                                  SignatureCreate)
from api.organizations.models import Organization

_LOAD = (
    selectinload(Network.member_roles),
    selectinload(Network.groups).selectinload(NetworkGroup.members).selectinload(NetworkGroupMember.organization),
    selectinload(Network.sources).selectinload(NetworkSource.document),
)


async def _record(session: AsyncSession, network: Network, event: str) -> None:
    from api.networks.schemas import NetworkRead

    await changes.record(session, resource_type="networks", resource_id=network.id, event=event,
                         version=network.version, document=NetworkRead.model_validate(network).model_dump_json())


async def get(session: AsyncSession, network_id: int, *, for_update: bool = False) -> Network:
    stmt = select(Network).where(Network.id == network_id).options(*_LOAD)
    if for_update:
        stmt = stmt.with_for_update(of=Network)
    network = await session.scalar(stmt)
    if network is None:
        raise NetworkNotFound(f"No network with id {network_id}.")
    return network


async def list_page(session: AsyncSession, *, cursor: str | None, limit: int) -> tuple[list[Network], str | None]:
    """One page of networks by name."""
    return await fetch_page(session, select(Network).options(*_LOAD), key=SortKey("name", Network.name),
                            id_column=Network.id, cursor=cursor, limit=limit)


async def create(session: AsyncSession, *, data: NetworkCreate, actor: Principal) -> Network:
    """Create a network (admins)."""
    actor.require(Action.networks_create)
    existing = await session.scalar(select(Network.id).where(Network.slug == data.slug))
    if existing is not None:
        raise NetworkSlugTaken(f"Slug {data.slug!r} is used by network {existing}.", existing_id=existing)
    network = Network(**data.model_dump(), version=1)
    session.add(network)
    await session.flush()
    network = await get(session, network.id)
    await _record(session, network, "created")
    return network


async def update(session: AsyncSession, *, network: Network, data: NetworkUpdate, actor: Principal) -> Network:
    actor.require(Action.networks_update)
    values = data.model_dump(exclude_unset=True)
    if "name" in values and values["name"] is None:
        raise ValidationFailed("name cannot be null.", errors=[{"field": "body.name", "message": "cannot be null",
                                                                "code": "value_error"}])
    for field, value in values.items():
        setattr(network, field, value if field != "objectives" else (value or []))
    network.version += 1
    network.updated_at = utcnow()
    await session.flush()
    network = await get(session, network.id)
    await _record(session, network, "updated")
    return network


async def delete_one(session: AsyncSession, *, network: Network, actor: Principal) -> None:
    actor.require(Action.networks_delete)
    await session.delete(network)
    await session.flush()
    await changes.record(session, resource_type="networks", resource_id=network.id, event="deleted",
                         version=network.version + 1,
                         document=changes.tombstone("networks", network.id, version=network.version + 1,
                                                    source=None, external_id=None))


async def list_members(session: AsyncSession, *, network_id: int, role: str | None, current: bool | None,
                       cursor: str | None = None, limit: int = 200) -> tuple[list[NetworkMembership], str | None]:
    """One page of a network's memberships, oldest record first."""
    stmt = (select(NetworkMembership).where(NetworkMembership.network_id == network_id)
            .options(selectinload(NetworkMembership.organization)))
    if role:
        stmt = stmt.where(NetworkMembership.role == role)
    if current is True:
        stmt = stmt.where(NetworkMembership.left_date.is_(None))
    elif current is False:
        stmt = stmt.where(NetworkMembership.left_date.is_not(None))
    return await fetch_page(session, stmt, key=SortKey("id", NetworkMembership.id), id_column=NetworkMembership.id,
                            cursor=cursor, limit=limit)


async def _organization(session: AsyncSession, organization_id: int) -> Organization:
    org = await session.get(Organization, organization_id)
    if org is None:
        raise UnknownReference(f"No organization with id {organization_id}.", errors=[{
            "field": "body.organization_id", "message": "unknown organization", "code": "value_error"}])
    return org


async def add_member(session: AsyncSession, *, network: Network, data: NetworkMemberCreate,
                     actor: Principal) -> NetworkMembership:
    """A new period of membership; an organization has at most one current membership per network."""
    actor.require(Action.network_members_write)
    await _organization(session, data.organization_id)
    if data.left_date is None:
        current = await session.scalar(select(NetworkMembership.id).where(
            NetworkMembership.network_id == network.id, NetworkMembership.organization_id == data.organization_id,
            NetworkMembership.left_date.is_(None)))
        if current is not None:
            raise AlreadyCurrentMember(
                f"Organization {data.organization_id} is a current member (membership {current}); "
                "record its leaving first to change role.", existing_id=current)
    membership = NetworkMembership(network_id=network.id, **data.model_dump())
    session.add(membership)
    await session.flush()
    await session.refresh(membership, ["organization"])
    return membership


async def update_member(session: AsyncSession, *, network: Network, membership_id: int, data: NetworkMemberUpdate,
                        actor: Principal) -> NetworkMembership:
    actor.require(Action.network_members_write)
    membership = await session.scalar(
        select(NetworkMembership).where(NetworkMembership.id == membership_id,
                                        NetworkMembership.network_id == network.id)
        .options(selectinload(NetworkMembership.organization)))
    if membership is None:
        raise NetworkMembershipNotFound(f"Network {network.id} has no membership {membership_id}.")
    values = data.model_dump(exclude_unset=True)
    if "role" in values and values["role"] is None:
        raise ValidationFailed("role cannot be null.", errors=[{"field": "body.role", "message": "cannot be null",
                                                                "code": "value_error"}])
    for field, value in values.items():
        setattr(membership, field, value)
    if membership.joined_date and membership.left_date and membership.left_date < membership.joined_date:
        raise ValidationFailed("left_date is before joined_date.", errors=[{
            "field": "body.left_date", "message": "before joined_date", "code": "value_error"}])
    await session.flush()
    return membership


async def declarations(session: AsyncSession, *, network_id: int) -> list[Declaration]:
    stmt = (select(Declaration).where(Declaration.network_id == network_id)
            .options(selectinload(Declaration.commitments),
                     selectinload(Declaration.signatures).selectinload(Signature.organization))
            .order_by(Declaration.id).execution_options(populate_existing=True))
    return list((await session.scalars(stmt)).all())


async def sign(session: AsyncSession, *, network: Network, declaration_id: int, data: SignatureCreate,
               actor: Principal) -> Declaration:
    """Record that an organization signed the network's declaration."""
    actor.require(Action.network_members_write)
    declaration = await session.scalar(select(Declaration.id).where(
        Declaration.id == declaration_id, Declaration.network_id == network.id))
    if declaration is None:
        raise DeclarationNotFound(f"Network {network.id} has no declaration {declaration_id}.")
    await _organization(session, data.organization_id)
    if await session.scalar(select(Signature.id).where(Signature.declaration_id == declaration_id,
                                                       Signature.organization_id == data.organization_id)):
        raise AlreadySigned(f"Organization {data.organization_id} has already signed.")
    session.add(Signature(declaration_id=declaration_id, **data.model_dump()))
    await session.flush()
    return next(d for d in await declarations(session, network_id=network.id) if d.id == declaration_id)
