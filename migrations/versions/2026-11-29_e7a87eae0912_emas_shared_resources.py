"""EMAS: requirements catalogue, verifier accreditations, shared resources with versions, files, validations,
adoptions and own evidence; the audit trail.

Revision ID: e7a87eae0912
Revises: fecf0162cfb5
Create Date: 2026-11-29 17:33:52.878549
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from api.core.db import UTCDateTime

revision: str = 'e7a87eae0912'
down_revision: str | None = 'fecf0162cfb5'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('audit_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', UTCDateTime(timezone=True), nullable=False),
    sa.Column('actor', sa.String(length=40), nullable=False),
    sa.Column('action', sa.String(length=60), nullable=False),
    sa.Column('object_type', sa.String(length=40), nullable=False),
    sa.Column('object_id', sa.String(length=40), nullable=False),
    sa.Column('detail', sa.JSON(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_events'))
    )
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_events_at'), ['at'], unique=False)
        batch_op.create_index('ix_audit_events_object', ['object_type', 'object_id'], unique=False)

    op.create_table('emas_requirements',
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('parent_code', sa.String(length=40), nullable=True),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('title_it', sa.String(length=500), nullable=False),
    sa.Column('title_en', sa.String(length=500), nullable=False),
    sa.ForeignKeyConstraint(['parent_code'], ['emas_requirements.code'], name=op.f('fk_emas_requirements_parent_code_emas_requirements'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_emas_requirements'))
    )
    with op.batch_alter_table('emas_requirements', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_emas_requirements_parent_code'), ['parent_code'], unique=False)

    op.create_table('emas_evidence',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('requirement_code', sa.String(length=40), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('reference', sa.String(length=500), nullable=True),
    sa.Column('valid_until', sa.Date(), nullable=True),
    sa.Column('recorded_at', UTCDateTime(timezone=True), nullable=False),
    sa.Column('recorded_by', sa.String(length=40), nullable=True),
    sa.Column('is_demo', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_emas_evidence_organization_id_organizations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['requirement_code'], ['emas_requirements.code'], name=op.f('fk_emas_evidence_requirement_code_emas_requirements'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_emas_evidence'))
    )
    with op.batch_alter_table('emas_evidence', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_emas_evidence_organization_id'), ['organization_id'], unique=False)

    op.create_table('verifier_accreditations',
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('accreditation_number', sa.String(length=100), nullable=False),
    sa.Column('accrediting_body', sa.String(length=200), nullable=False),
    sa.Column('nace_scopes', sa.JSON(), nullable=False),
    sa.Column('valid_until', sa.Date(), nullable=True),
    sa.Column('is_demo', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_verifier_accreditations_organization_id_organizations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('organization_id', name=op.f('pk_verifier_accreditations'))
    )
    op.create_table('shared_resources',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('cluster_id', sa.Integer(), nullable=True),
    sa.Column('network_id', sa.Integer(), nullable=True),
    sa.Column('type', sa.String(length=40), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('latest_version', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('is_demo', sa.Boolean(), nullable=False),
    sa.Column('created_at', UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('(cluster_id IS NULL) <> (network_id IS NULL)', name=op.f('ck_shared_resources_one_owner')),
    sa.ForeignKeyConstraint(['cluster_id'], ['clusters.id'], name=op.f('fk_shared_resources_cluster_id_clusters'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['network_id'], ['networks.id'], name=op.f('fk_shared_resources_network_id_networks'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_shared_resources'))
    )
    with op.batch_alter_table('shared_resources', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_shared_resources_cluster_id'), ['cluster_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_shared_resources_network_id'), ['network_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_shared_resources_type'), ['type'], unique=False)

    op.create_table('shared_resource_requirements',
    sa.Column('resource_id', sa.Integer(), nullable=False),
    sa.Column('requirement_code', sa.String(length=40), nullable=False),
    sa.ForeignKeyConstraint(['requirement_code'], ['emas_requirements.code'], name=op.f('fk_shared_resource_requirements_requirement_code_emas_requirements'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['resource_id'], ['shared_resources.id'], name=op.f('fk_shared_resource_requirements_resource_id_shared_resources'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('resource_id', 'requirement_code', name=op.f('pk_shared_resource_requirements'))
    )
    with op.batch_alter_table('shared_resource_requirements', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_shared_resource_requirements_requirement_code'), ['requirement_code'], unique=False)

    op.create_table('shared_resource_versions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('resource_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('created_at', UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=40), nullable=True),
    sa.Column('released_at', UTCDateTime(timezone=True), nullable=True),
    sa.Column('released_by', sa.String(length=40), nullable=True),
    sa.ForeignKeyConstraint(['resource_id'], ['shared_resources.id'], name=op.f('fk_shared_resource_versions_resource_id_shared_resources'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_shared_resource_versions')),
    sa.UniqueConstraint('resource_id', 'number', name=op.f('uq_shared_resource_versions_resource_id_number'))
    )
    with op.batch_alter_table('shared_resource_versions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_shared_resource_versions_resource_id'), ['resource_id'], unique=False)

    op.create_table('emas_adoptions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('resource_id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('adopted_at', UTCDateTime(timezone=True), nullable=False),
    sa.Column('adopted_by', sa.String(length=40), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('is_demo', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_emas_adoptions_organization_id_organizations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['resource_id'], ['shared_resources.id'], name=op.f('fk_emas_adoptions_resource_id_shared_resources'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['version_id'], ['shared_resource_versions.id'], name=op.f('fk_emas_adoptions_version_id_shared_resource_versions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_emas_adoptions')),
    sa.UniqueConstraint('organization_id', 'version_id', name=op.f('uq_emas_adoptions_organization_id_version_id'))
    )
    with op.batch_alter_table('emas_adoptions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_emas_adoptions_organization_id'), ['organization_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_emas_adoptions_resource_id'), ['resource_id'], unique=False)

    op.create_table('emas_validations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('verifier_organization_id', sa.Integer(), nullable=False),
    sa.Column('validated_by', sa.String(length=40), nullable=True),
    sa.Column('outcome', sa.String(length=32), nullable=False),
    sa.Column('findings', sa.Text(), nullable=True),
    sa.Column('validated_date', sa.Date(), nullable=False),
    sa.Column('valid_until', sa.Date(), nullable=False),
    sa.Column('created_at', UTCDateTime(timezone=True), nullable=False),
    sa.Column('is_demo', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['verifier_organization_id'], ['organizations.id'], name=op.f('fk_emas_validations_verifier_organization_id_organizations'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['version_id'], ['shared_resource_versions.id'], name=op.f('fk_emas_validations_version_id_shared_resource_versions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_emas_validations'))
    )
    with op.batch_alter_table('emas_validations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_emas_validations_verifier_organization_id'), ['verifier_organization_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_emas_validations_version_id'), ['version_id'], unique=False)

    op.create_table('shared_resource_files',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('storage_key', sa.String(length=64), nullable=False),
    sa.Column('media_type', sa.String(length=100), nullable=False),
    sa.Column('size', sa.BigInteger(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('uploaded_at', UTCDateTime(timezone=True), nullable=False),
    sa.Column('uploaded_by', sa.String(length=40), nullable=True),
    sa.ForeignKeyConstraint(['version_id'], ['shared_resource_versions.id'], name=op.f('fk_shared_resource_files_version_id_shared_resource_versions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_shared_resource_files')),
    sa.UniqueConstraint('storage_key', name=op.f('uq_shared_resource_files_storage_key'))
    )
    with op.batch_alter_table('shared_resource_files', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_shared_resource_files_version_id'), ['version_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('shared_resource_files', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_shared_resource_files_version_id'))

    op.drop_table('shared_resource_files')
    with op.batch_alter_table('emas_validations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_emas_validations_version_id'))
        batch_op.drop_index(batch_op.f('ix_emas_validations_verifier_organization_id'))

    op.drop_table('emas_validations')
    with op.batch_alter_table('emas_adoptions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_emas_adoptions_resource_id'))
        batch_op.drop_index(batch_op.f('ix_emas_adoptions_organization_id'))

    op.drop_table('emas_adoptions')
    with op.batch_alter_table('shared_resource_versions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_shared_resource_versions_resource_id'))

    op.drop_table('shared_resource_versions')
    with op.batch_alter_table('shared_resource_requirements', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_shared_resource_requirements_requirement_code'))

    op.drop_table('shared_resource_requirements')
    with op.batch_alter_table('shared_resources', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_shared_resources_type'))
        batch_op.drop_index(batch_op.f('ix_shared_resources_network_id'))
        batch_op.drop_index(batch_op.f('ix_shared_resources_cluster_id'))

    op.drop_table('shared_resources')
    op.drop_table('verifier_accreditations')
    with op.batch_alter_table('emas_evidence', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_emas_evidence_organization_id'))

    op.drop_table('emas_evidence')
    with op.batch_alter_table('emas_requirements', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_emas_requirements_parent_code'))

    op.drop_table('emas_requirements')
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_events_object')
        batch_op.drop_index(batch_op.f('ix_audit_events_at'))

    op.drop_table('audit_events')
