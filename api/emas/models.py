"""EMAS: the requirements catalogue, shared resources with versions and files, validations by accredited
verifiers, adoptions by member organizations, and the firms' own evidence."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (JSON, Boolean, CheckConstraint, Date, ForeignKey, Integer, String, Text,
                        UniqueConstraint)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from api.core.db import Base, Timestamped, UTCDateTime, utcnow
from api.core.storage import StoredFileRecord


class EmasRequirement(Base):
    """A requirement of the EMAS Regulation (annex, part, clause, indicator), in a tree by `parent_code`."""

    __tablename__ = "emas_requirements"

    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    parent_code: Mapped[str | None] = mapped_column(ForeignKey("emas_requirements.code", ondelete="CASCADE"),
                                                    index=True)
    position: Mapped[int] = mapped_column(Integer)
    title_it: Mapped[str] = mapped_column(String(500))
    title_en: Mapped[str] = mapped_column(String(500))


class VerifierAccreditation(Base):
    """An organization of kind verifier, accredited to validate EMAS within its NACE scopes."""

    __tablename__ = "verifier_accreditations"

    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"),
                                                 primary_key=True)
    accreditation_number: Mapped[str] = mapped_column(String(100))
    accrediting_body: Mapped[str] = mapped_column(String(200))
    nace_scopes: Mapped[list[str]] = mapped_column(JSON, default=list)
    valid_until: Mapped[date | None] = mapped_column(Date)
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)


class SharedResource(Timestamped, Base):
    """A resource a cluster (or a network) builds once for all its members: analysis, legal register, manual..."""

    __tablename__ = "shared_resources"
    __table_args__ = (CheckConstraint("(cluster_id IS NULL) <> (network_id IS NULL)", name="one_owner"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cluster_id: Mapped[int | None] = mapped_column(ForeignKey("clusters.id", ondelete="CASCADE"), index=True)
    network_id: Mapped[int | None] = mapped_column(ForeignKey("networks.id", ondelete="CASCADE"), index=True)
    type: Mapped[str] = mapped_column(String(40), index=True)
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str | None] = mapped_column(Text)
    latest_version: Mapped[int] = mapped_column(Integer, default=0)
    version: Mapped[int] = mapped_column(Integer, default=1)
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)

    requirements: Mapped[list[SharedResourceRequirement]] = relationship(
        lazy="raise", cascade="all, delete-orphan", order_by="SharedResourceRequirement.requirement_code")


class SharedResourceRequirement(Base):
    __tablename__ = "shared_resource_requirements"

    resource_id: Mapped[int] = mapped_column(ForeignKey("shared_resources.id", ondelete="CASCADE"),
                                             primary_key=True)
    requirement_code: Mapped[str] = mapped_column(ForeignKey("emas_requirements.code", ondelete="RESTRICT"),
                                                  primary_key=True, index=True)


class ResourceVersion(Base):
    """A version of a shared resource: a draft gathers files; once released it never changes."""

    __tablename__ = "shared_resource_versions"
    __table_args__ = (UniqueConstraint("resource_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    resource_id: Mapped[int] = mapped_column(ForeignKey("shared_resources.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))
    notes: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by: Mapped[str | None] = mapped_column(String(40))
    released_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    released_by: Mapped[str | None] = mapped_column(String(40))

    files: Mapped[list[ResourceFile]] = relationship(lazy="raise", order_by="ResourceFile.id")


class ResourceFile(StoredFileRecord, Base):
    __tablename__ = "shared_resource_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("shared_resource_versions.id", ondelete="CASCADE"),
                                            index=True)


class Validation(Base):
    """An accredited verifier's check of a released version against the Regulation."""

    __tablename__ = "emas_validations"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Removing a cluster removes its resources with their validations and adoptions (the audit trail keeps them).
    version_id: Mapped[int] = mapped_column(ForeignKey("shared_resource_versions.id", ondelete="CASCADE"),
                                            index=True)
    verifier_organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="RESTRICT"),
                                                          index=True)
    validated_by: Mapped[str | None] = mapped_column(String(40))
    outcome: Mapped[str] = mapped_column(String(32))
    findings: Mapped[str | None] = mapped_column(Text)
    validated_date: Mapped[date] = mapped_column(Date)
    valid_until: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)


class Adoption(Base):
    """A member organization takes up a validated version of a shared resource."""

    __tablename__ = "emas_adoptions"
    __table_args__ = (UniqueConstraint("organization_id", "version_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"), index=True)
    resource_id: Mapped[int] = mapped_column(ForeignKey("shared_resources.id", ondelete="CASCADE"), index=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("shared_resource_versions.id", ondelete="CASCADE"))
    adopted_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    adopted_by: Mapped[str | None] = mapped_column(String(40))
    note: Mapped[str | None] = mapped_column(Text)
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)


class Evidence(Base):
    """A firm's own document or record against a requirement: what it built itself."""

    __tablename__ = "emas_evidence"

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"), index=True)
    requirement_code: Mapped[str] = mapped_column(ForeignKey("emas_requirements.code", ondelete="RESTRICT"))
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str | None] = mapped_column(Text)
    reference: Mapped[str | None] = mapped_column(String(500))
    valid_until: Mapped[date | None] = mapped_column(Date)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    recorded_by: Mapped[str | None] = mapped_column(String(40))
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)


