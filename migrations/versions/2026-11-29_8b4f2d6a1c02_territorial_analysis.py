"""The territorial analysis: EWC reference data, business-register and MUD imports, symbiosis mapping.

Revision ID: 8b4f2d6a1c02
Revises: 8b4f2d6a1c01
Create Date: 2026-11-29 22:35:00.000000
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from api.core.db import UTCDateTime

revision: str = '8b4f2d6a1c02'
down_revision: str | None = '8b4f2d6a1c01'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "ewc_chapters",
        sa.Column("code", sa.String(length=2), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_ewc_chapters")),
    )
    op.create_table(
        "ewc_codes",
        sa.Column("code", sa.String(length=6), nullable=False),
        sa.Column("chapter_code", sa.String(length=2), nullable=False),
        sa.Column("title", sa.String(length=500), nullable=False),
        sa.Column("hazardous", sa.Boolean(), nullable=False),
        sa.Column("added_by", sa.String(length=40), nullable=True),
        sa.ForeignKeyConstraint(["chapter_code"], ["ewc_chapters.code"],
                                name=op.f("fk_ewc_codes_chapter_code_ewc_chapters")),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_ewc_codes")),
    )
    op.create_index(op.f("ix_ewc_codes_chapter_code"), "ewc_codes", ["chapter_code"], unique=False)
    op.create_table(
        "symbiosis_mappings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ewc_prefix", sa.String(length=6), nullable=False),
        sa.Column("nace_code", sa.String(length=10), nullable=False),
        sa.Column("material", sa.String(length=200), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("illustrative", sa.Boolean(), nullable=False),
        sa.Column("updated_by", sa.String(length=40), nullable=True),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_symbiosis_mappings")),
        sa.UniqueConstraint("ewc_prefix", "nace_code", name=op.f("uq_symbiosis_mappings_ewc_prefix_nace_code")),
    )
    op.create_index(op.f("ix_symbiosis_mappings_ewc_prefix"), "symbiosis_mappings", ["ewc_prefix"], unique=False)
    op.create_table(
        "territory_imports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("filename", sa.String(length=300), nullable=True),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("inserted", sa.Integer(), nullable=False),
        sa.Column("updated", sa.Integer(), nullable=False),
        sa.Column("unchanged", sa.Integer(), nullable=False),
        sa.Column("organizations_created", sa.Integer(), nullable=False),
        sa.Column("is_demo", sa.Boolean(), nullable=False),
        sa.Column("imported_by", sa.String(length=40), nullable=True),
        sa.Column("imported_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_territory_imports")),
    )
    op.create_table(
        "register_entries",
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("vat_number", sa.String(length=11), nullable=True),
        sa.Column("tax_code", sa.String(length=16), nullable=True),
        sa.Column("legal_form", sa.String(length=100), nullable=True),
        sa.Column("ateco_code", sa.String(length=10), nullable=False),
        sa.Column("province", sa.String(length=2), nullable=False),
        sa.Column("municipality", sa.String(length=200), nullable=True),
        sa.Column("istat_municipality_code", sa.String(length=6), nullable=True),
        sa.Column("employees_class", sa.String(length=20), nullable=True),
        sa.Column("import_id", sa.Integer(), nullable=True),
        sa.Column("is_demo", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["import_id"], ["territory_imports.id"],
                                name=op.f("fk_register_entries_import_id_territory_imports"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["organization_id"], ["organizations.id"],
                                name=op.f("fk_register_entries_organization_id_organizations"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("organization_id", name=op.f("pk_register_entries")),
    )
    op.create_index("ix_register_entries_province_ateco", "register_entries", ["province", "ateco_code"],
                    unique=False)
    op.create_table(
        "waste_declarations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.SmallInteger(), nullable=False),
        sa.Column("ewc_code", sa.String(length=6), nullable=False),
        sa.Column("activity", sa.String(length=8), nullable=False),
        sa.Column("local_unit", sa.String(length=100), nullable=False),
        sa.Column("quantity_g", sa.BigInteger(), nullable=False),
        sa.Column("import_id", sa.Integer(), nullable=True),
        sa.Column("is_demo", sa.Boolean(), nullable=False),
        sa.CheckConstraint("quantity_g >= 0", name=op.f("ck_waste_declarations_quantity_not_negative")),
        sa.CheckConstraint("activity IN ('produced', 'managed')", name=op.f("ck_waste_declarations_activity_known")),
        sa.ForeignKeyConstraint(["ewc_code"], ["ewc_codes.code"], name=op.f("fk_waste_declarations_ewc_code_ewc_codes")),
        sa.ForeignKeyConstraint(["import_id"], ["territory_imports.id"],
                                name=op.f("fk_waste_declarations_import_id_territory_imports"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["organization_id"], ["organizations.id"],
                                name=op.f("fk_waste_declarations_organization_id_organizations"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_waste_declarations")),
        sa.UniqueConstraint("organization_id", "year", "ewc_code", "activity", "local_unit",
                            name="uq_waste_declarations_key"),
    )
    op.create_index(op.f("ix_waste_declarations_organization_id"), "waste_declarations", ["organization_id"],
                    unique=False)
    op.create_index("ix_waste_declarations_year_ewc_code", "waste_declarations", ["year", "ewc_code"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_waste_declarations_year_ewc_code", table_name="waste_declarations")
    op.drop_index(op.f("ix_waste_declarations_organization_id"), table_name="waste_declarations")
    op.drop_table("waste_declarations")
    op.drop_index("ix_register_entries_province_ateco", table_name="register_entries")
    op.drop_table("register_entries")
    op.drop_table("territory_imports")
    op.drop_index(op.f("ix_symbiosis_mappings_ewc_prefix"), table_name="symbiosis_mappings")
    op.drop_table("symbiosis_mappings")
    op.drop_index(op.f("ix_ewc_codes_chapter_code"), table_name="ewc_codes")
    op.drop_table("ewc_codes")
    op.drop_table("ewc_chapters")
