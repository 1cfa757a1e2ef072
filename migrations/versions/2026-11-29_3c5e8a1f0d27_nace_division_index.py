"""An index of the clusters' NACE codes by division, for the sector statistics.

Revision ID: 3c5e8a1f0d27
Revises: 056cd194c008
Create Date: 2026-11-29 22:30:00.000000
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '3c5e8a1f0d27'
down_revision: str | None = '056cd194c008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index('ix_cluster_nace_codes_division', 'cluster_nace_codes',
                    [sa.text('substr(code, 1, 2)'), 'cluster_id', 'code'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_cluster_nace_codes_division', table_name='cluster_nace_codes')
