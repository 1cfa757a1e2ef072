"""The NACE division of each cluster code as a column computed by the database, indexed with the cluster.

Revision ID: 5d1e9c3a7b40
Revises: 8b4f2d6a1c02
Create Date: 2026-11-30 09:00:00.000000
"""
from __future__ import annotations

import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import sqlalchemy as sa
from alembic import op
from alembic.operations import BatchOperations

revision: str = '5d1e9c3a7b40'
down_revision: str | None = '8b4f2d6a1c02'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


@contextmanager
def _codes_table() -> Iterator[BatchOperations]:
    # SQLite rebuilds the table and reads the tables it refers to, whose expression indexes its reflection cannot
    # read (it warns); the rebuild does not need them.
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Skipped unsupported reflection of expression-based index")
        with op.batch_alter_table('cluster_nace_codes', schema=None) as batch_op:
            yield batch_op


def upgrade() -> None:
    # Dropped first: SQLite rebuilds the table to add a stored column and cannot carry an expression index over.
    op.drop_index('ix_cluster_nace_codes_division', table_name='cluster_nace_codes')
    # Computed by the database from the code, existing rows included: no writer of the table has to fill it.
    with _codes_table() as batch_op:
        batch_op.add_column(sa.Column('division', sa.String(length=2),
                                      sa.Computed('substr(code, 1, 2)', persisted=True), nullable=False))
    op.create_index('ix_cluster_nace_codes_division', 'cluster_nace_codes', ['division', 'cluster_id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_cluster_nace_codes_division', table_name='cluster_nace_codes')
    with _codes_table() as batch_op:
        batch_op.drop_column('division')
    op.create_index('ix_cluster_nace_codes_division', 'cluster_nace_codes',
                    [sa.text('substr(code, 1, 2)'), 'cluster_id', 'code'], unique=False)
