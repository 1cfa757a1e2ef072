"""Eco-Cluster programme: programme steps, territorial indicator series with values and targets, APO
attestations.

Revision ID: dc02d1432df8
Revises: e7a87eae0912
Create Date: 2026-11-29 17:42:32.327342
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from api.core.db import UTCDateTime

revision: str = 'dc02d1432df8'
down_revision: str | None = 'e7a87eae0912'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('apo_attestations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('cluster_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('requested_date', sa.Date(), nullable=True),
    sa.Column('issuer', sa.String(length=300), nullable=True),
    sa.Column('granted_date', sa.Date(), nullable=True),
    sa.Column('valid_until', sa.Date(), nullable=True),
    sa.Column('reference', sa.String(length=300), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['cluster_id'], ['clusters.id'], name=op.f('fk_apo_attestations_cluster_id_clusters'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_apo_attestations'))
    )
    with op.batch_alter_table('apo_attestations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_apo_attestations_cluster_id'), ['cluster_id'], unique=False)

    op.create_table('indicator_series',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('cluster_id', sa.Integer(), nullable=False),
    sa.Column('indicator', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('unit', sa.String(length=40), nullable=False),
    sa.Column('base_year', sa.Integer(), nullable=True),
    sa.Column('better', sa.String(length=8), nullable=False),
    sa.Column('created_at', UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['cluster_id'], ['clusters.id'], name=op.f('fk_indicator_series_cluster_id_clusters'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_indicator_series')),
    sa.UniqueConstraint('cluster_id', 'name', name=op.f('uq_indicator_series_cluster_id_name'))
    )
    with op.batch_alter_table('indicator_series', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_indicator_series_cluster_id'), ['cluster_id'], unique=False)

    op.create_table('programme_steps',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('cluster_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('roles', sa.JSON(), nullable=False),
    sa.Column('depends_on', sa.JSON(), nullable=False),
    sa.Column('start_date', sa.Date(), nullable=True),
    sa.Column('due_date', sa.Date(), nullable=True),
    sa.Column('completed_date', sa.Date(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['cluster_id'], ['clusters.id'], name=op.f('fk_programme_steps_cluster_id_clusters'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_programme_steps'))
    )
    with op.batch_alter_table('programme_steps', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_programme_steps_cluster_id'), ['cluster_id'], unique=False)

    op.create_table('indicator_targets',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('series_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('value', sa.Numeric(precision=24, scale=6), nullable=False),
    sa.Column('note', sa.String(length=500), nullable=True),
    sa.ForeignKeyConstraint(['series_id'], ['indicator_series.id'], name=op.f('fk_indicator_targets_series_id_indicator_series'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_indicator_targets')),
    sa.UniqueConstraint('series_id', 'year', name=op.f('uq_indicator_targets_series_id_year'))
    )
    with op.batch_alter_table('indicator_targets', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_indicator_targets_series_id'), ['series_id'], unique=False)

    op.create_table('indicator_values',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('series_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('value', sa.Numeric(precision=24, scale=6), nullable=False),
    sa.Column('source', sa.String(length=500), nullable=True),
    sa.Column('recorded_at', UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['series_id'], ['indicator_series.id'], name=op.f('fk_indicator_values_series_id_indicator_series'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_indicator_values')),
    sa.UniqueConstraint('series_id', 'year', name=op.f('uq_indicator_values_series_id_year'))
    )
    with op.batch_alter_table('indicator_values', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_indicator_values_series_id'), ['series_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('indicator_values', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_indicator_values_series_id'))

    op.drop_table('indicator_values')
    with op.batch_alter_table('indicator_targets', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_indicator_targets_series_id'))

    op.drop_table('indicator_targets')
    with op.batch_alter_table('programme_steps', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_programme_steps_cluster_id'))

    op.drop_table('programme_steps')
    with op.batch_alter_table('indicator_series', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_indicator_series_cluster_id'))

    op.drop_table('indicator_series')
    with op.batch_alter_table('apo_attestations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_apo_attestations_cluster_id'))

    op.drop_table('apo_attestations')
