"""Selection criteria, criteria sets with their versions, screening runs and their results.

Revision ID: fecf0162cfb5
Revises: 43b040ce0dd4
Create Date: 2026-11-29 17:24:53.184710
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from api.core.db import UTCDateTime

revision: str = 'fecf0162cfb5'
down_revision: str | None = '43b040ce0dd4'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('criteria',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('weight', sa.Float(), nullable=True),
    sa.Column('definition', sa.JSON(), nullable=False),
    sa.Column('owner', sa.String(length=40), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_criteria'))
    )
    op.create_table('criteria_sets',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('owner', sa.String(length=40), nullable=True),
    sa.Column('latest_version', sa.Integer(), nullable=False),
    sa.Column('created_at', UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_criteria_sets'))
    )
    op.create_table('criteria_set_versions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('set_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('unknown_as', sa.String(length=16), nullable=False),
    sa.Column('phases', sa.JSON(), nullable=False),
    sa.Column('reported_population', sa.Integer(), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('used', sa.Boolean(), nullable=False),
    sa.Column('created_at', UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['set_id'], ['criteria_sets.id'], name=op.f('fk_criteria_set_versions_set_id_criteria_sets'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_criteria_set_versions')),
    sa.UniqueConstraint('set_id', 'number', name=op.f('uq_criteria_set_versions_set_id_number'))
    )
    with op.batch_alter_table('criteria_set_versions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_criteria_set_versions_set_id'), ['set_id'], unique=False)

    op.create_table('screenings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('set_id', sa.Integer(), nullable=False),
    sa.Column('set_version_id', sa.Integer(), nullable=False),
    sa.Column('version_number', sa.Integer(), nullable=False),
    sa.Column('scope', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('requested_by', sa.String(length=40), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('created_at', UTCDateTime(timezone=True), nullable=False),
    sa.Column('started_at', UTCDateTime(timezone=True), nullable=True),
    sa.Column('data_read_at', UTCDateTime(timezone=True), nullable=True),
    sa.Column('finished_at', UTCDateTime(timezone=True), nullable=True),
    sa.Column('lease_until', UTCDateTime(timezone=True), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('entered', sa.Integer(), nullable=True),
    sa.Column('selected', sa.Integer(), nullable=True),
    sa.Column('needs_review', sa.Integer(), nullable=True),
    sa.Column('funnel', sa.JSON(), nullable=True),
    sa.ForeignKeyConstraint(['set_id'], ['criteria_sets.id'], name=op.f('fk_screenings_set_id_criteria_sets'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['set_version_id'], ['criteria_set_versions.id'], name=op.f('fk_screenings_set_version_id_criteria_set_versions'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_screenings'))
    )
    with op.batch_alter_table('screenings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_screenings_set_id'), ['set_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_screenings_status'), ['status'], unique=False)

    op.create_table('screening_results',
    sa.Column('screening_id', sa.Integer(), nullable=False),
    sa.Column('cluster_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=300), nullable=False),
    sa.Column('country', sa.String(length=2), nullable=False),
    sa.Column('region_code', sa.String(length=5), nullable=True),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('outcome', sa.String(length=16), nullable=False),
    sa.Column('score', sa.Float(), nullable=False),
    sa.Column('criteria', sa.String(length=100), nullable=False),
    sa.Column('phases', sa.String(length=20), nullable=False),
    sa.Column('path', sa.String(length=20), nullable=False),
    sa.Column('explanations', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('screening_id', 'cluster_id', name=op.f('pk_screening_results'))
    )
    with op.batch_alter_table('screening_results', schema=None) as batch_op:
        batch_op.create_index('ix_screening_results_rank', ['screening_id', 'score', 'cluster_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('screening_results', schema=None) as batch_op:
        batch_op.drop_index('ix_screening_results_rank')

    op.drop_table('screening_results')
    with op.batch_alter_table('screenings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_screenings_status'))
        batch_op.drop_index(batch_op.f('ix_screenings_set_id'))

    op.drop_table('screenings')
    with op.batch_alter_table('criteria_set_versions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_criteria_set_versions_set_id'))

    op.drop_table('criteria_set_versions')
    op.drop_table('criteria_sets')
    op.drop_table('criteria')
