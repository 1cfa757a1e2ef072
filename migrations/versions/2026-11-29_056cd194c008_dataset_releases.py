"""Frozen releases of the open datasets.

Revision ID: 056cd194c008
Revises: 5ff00c2cd641
Create Date: 2026-11-29 18:34:49.040159
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from api.core.db import UTCDateTime

revision: str = '056cd194c008'
down_revision: str | None = '5ff00c2cd641'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('dataset_releases',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('dataset', sa.String(length=60), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('rows', sa.Integer(), nullable=False),
    sa.Column('files', sa.JSON(), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('created_at', UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=40), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dataset_releases')),
    sa.UniqueConstraint('dataset', 'number', name=op.f('uq_dataset_releases_dataset_number'))
    )
    with op.batch_alter_table('dataset_releases', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_dataset_releases_dataset'), ['dataset'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('dataset_releases', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_dataset_releases_dataset'))

    op.drop_table('dataset_releases')
