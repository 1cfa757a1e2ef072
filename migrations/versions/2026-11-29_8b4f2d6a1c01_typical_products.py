"""Typical products of clusters, their LCA studies and EPDs.

Revision ID: 8b4f2d6a1c01
Revises: 3c5e8a1f0d27
Create Date: 2026-11-29 22:35:00.000000
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from api.core.db import UTCDateTime

revision: str = '8b4f2d6a1c01'
down_revision: str | None = '3c5e8a1f0d27'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('products',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('cluster_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=300), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('code', sa.String(length=16), nullable=True),
    sa.Column('declared_unit', sa.String(length=200), nullable=True),
    sa.Column('source_document_id', sa.Integer(), nullable=True),
    sa.Column('source_locator', sa.String(length=500), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['cluster_id'], ['clusters.id'], name=op.f('fk_products_cluster_id_clusters'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['source_document_id'], ['documents.id'], name=op.f('fk_products_source_document_id_documents'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_products')),
    sa.UniqueConstraint('cluster_id', 'name', name=op.f('uq_products_cluster_id_name'))
    )
    with op.batch_alter_table('products', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_products_cluster_id'), ['cluster_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_products_code'), ['code'], unique=False)

    op.create_table('lca_studies',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=True),
    sa.Column('functional_unit_quantity', sa.Numeric(precision=20, scale=6), nullable=False),
    sa.Column('functional_unit_unit', sa.String(length=16), nullable=False),
    sa.Column('functional_unit_description', sa.String(length=300), nullable=True),
    sa.Column('system_boundary', sa.String(length=32), nullable=False),
    sa.Column('reference_year', sa.Integer(), nullable=True),
    sa.Column('method', sa.String(length=100), nullable=False),
    sa.Column('practitioner', sa.String(length=300), nullable=True),
    sa.Column('is_illustrative', sa.Boolean(), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('functional_unit_quantity > 0', name=op.f('ck_lca_studies_functional_unit_positive')),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], name=op.f('fk_lca_studies_product_id_products'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lca_studies'))
    )
    with op.batch_alter_table('lca_studies', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lca_studies_product_id'), ['product_id'], unique=False)

    op.create_table('epds',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('programme_operator', sa.String(length=300), nullable=False),
    sa.Column('registration_number', sa.String(length=100), nullable=False),
    sa.Column('standards', sa.JSON(), nullable=False),
    sa.Column('pcr', sa.String(length=300), nullable=True),
    sa.Column('issue_date', sa.Date(), nullable=False),
    sa.Column('valid_until', sa.Date(), nullable=False),
    sa.Column('verifier', sa.String(length=300), nullable=True),
    sa.Column('lca_study_id', sa.Integer(), nullable=True),
    sa.Column('url', sa.String(length=500), nullable=True),
    sa.Column('is_illustrative', sa.Boolean(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('valid_until > issue_date', name=op.f('ck_epds_valid_after_issue')),
    sa.ForeignKeyConstraint(['lca_study_id'], ['lca_studies.id'], name=op.f('fk_epds_lca_study_id_lca_studies'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], name=op.f('fk_epds_product_id_products'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_epds')),
    sa.UniqueConstraint('programme_operator', 'registration_number', name=op.f('uq_epds_programme_operator_registration_number'))
    )
    with op.batch_alter_table('epds', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_epds_lca_study_id'), ['lca_study_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_epds_product_id'), ['product_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_epds_valid_until'), ['valid_until'], unique=False)

    op.create_table('lca_results',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('study_id', sa.Integer(), nullable=False),
    sa.Column('indicator', sa.String(length=48), nullable=False),
    sa.Column('value', sa.Numeric(precision=30, scale=10), nullable=False),
    sa.Column('unit', sa.String(length=40), nullable=False),
    sa.ForeignKeyConstraint(['study_id'], ['lca_studies.id'], name=op.f('fk_lca_results_study_id_lca_studies'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lca_results')),
    sa.UniqueConstraint('study_id', 'indicator', name=op.f('uq_lca_results_study_id_indicator'))
    )
    with op.batch_alter_table('lca_results', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lca_results_indicator'), ['indicator'], unique=False)

    op.create_table('lca_study_files',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('study_id', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('storage_key', sa.String(length=64), nullable=False),
    sa.Column('media_type', sa.String(length=100), nullable=False),
    sa.Column('size', sa.BigInteger(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('uploaded_at', UTCDateTime(timezone=True), nullable=False),
    sa.Column('uploaded_by', sa.String(length=40), nullable=True),
    sa.ForeignKeyConstraint(['study_id'], ['lca_studies.id'], name=op.f('fk_lca_study_files_study_id_lca_studies'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lca_study_files')),
    sa.UniqueConstraint('storage_key', name=op.f('uq_lca_study_files_storage_key')),
    sa.UniqueConstraint('study_id', 'filename', name=op.f('uq_lca_study_files_study_id_filename'))
    )
    with op.batch_alter_table('lca_study_files', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lca_study_files_study_id'), ['study_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('lca_study_files', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lca_study_files_study_id'))

    op.drop_table('lca_study_files')
    with op.batch_alter_table('lca_results', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lca_results_indicator'))

    op.drop_table('lca_results')
    with op.batch_alter_table('epds', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_epds_valid_until'))
        batch_op.drop_index(batch_op.f('ix_epds_product_id'))
        batch_op.drop_index(batch_op.f('ix_epds_lca_study_id'))

    op.drop_table('epds')
    with op.batch_alter_table('lca_studies', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lca_studies_product_id'))

    op.drop_table('lca_studies')
    with op.batch_alter_table('products', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_products_code'))
        batch_op.drop_index(batch_op.f('ix_products_cluster_id'))

    op.drop_table('products')
