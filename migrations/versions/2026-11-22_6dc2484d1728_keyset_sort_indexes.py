"""Indexes that serve the keyset pages of clusters and organizations in every sort order.

Replaces the single-column indexes on the sort keys: (key, id) for NOT NULL keys, and for nullable ones an
ascending and a descending index led by (key IS NULL), matching the NULLs-last order of api.core.pagination.

Revision ID: 6dc2484d1728
Revises: 9044f2c8200d
Create Date: 2026-11-22 03:07:27.238689
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '6dc2484d1728'
down_revision: str | None = '9044f2c8200d'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PLAIN = {"clusters": ("name", "updated_at"), "organizations": ("name", "updated_at")}
NULLABLE = {"clusters": ("enterprises_count", "employees_count"), "organizations": ("employees",)}
# On PostgreSQL the (key, id) indexes of clusters carry the columns list filters test, for index-only scans.
INCLUDE = {"clusters": ["country", "kind", "region_code", "enterprises_count", "employees_count"]}
REPLACED = {"clusters": ("name", "enterprises_count", "employees_count"), "organizations": ("name",)}


def upgrade() -> None:
    for table, columns in REPLACED.items():
        for column in columns:
            op.drop_index(f"ix_{table}_{column}", table_name=table)
    for table, columns in PLAIN.items():
        for column in columns:
            op.create_index(f"ix_{table}_{column}_id", table, [column, "id"],
                            postgresql_include=INCLUDE.get(table, []))
    for table, columns in NULLABLE.items():
        for column in columns:
            op.create_index(f"ix_{table}_{column}_asc", table, [sa.text(f"({column} IS NULL)"), column, "id"])
            op.create_index(f"ix_{table}_{column}_desc", table,
                            [sa.text(f"({column} IS NULL)"), sa.text(f"{column} DESC"), sa.text("id DESC")])


def downgrade() -> None:
    for table, columns in NULLABLE.items():
        for column in columns:
            op.drop_index(f"ix_{table}_{column}_desc", table_name=table)
            op.drop_index(f"ix_{table}_{column}_asc", table_name=table)
    for table, columns in PLAIN.items():
        for column in columns:
            op.drop_index(f"ix_{table}_{column}_id", table_name=table)
    for table, columns in REPLACED.items():
        for column in columns:
            op.create_index(f"ix_{table}_{column}", table, [column])
