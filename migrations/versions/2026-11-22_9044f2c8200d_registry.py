"""The registry: documents, organizations, clusters and their links, networks, accounts.

Revision ID: 9044f2c8200d
Revises: 
Create Date: 2026-11-22 02:16:36.602275
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op



revision: str = '9044f2c8200d'
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('documents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=100), nullable=False),
    sa.Column('title', sa.String(length=500), nullable=False),
    sa.Column('publisher', sa.String(length=300), nullable=True),
    sa.Column('year', sa.Integer(), nullable=True),
    sa.Column('language', sa.String(length=8), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_documents')),
    sa.UniqueConstraint('key', name=op.f('uq_documents_key'))
    )
    op.create_table('login_failures',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=300), nullable=False),
    sa.Column('failed_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_login_failures'))
    )
    with op.batch_alter_table('login_failures', schema=None) as batch_op:
        batch_op.create_index('ix_login_failures_key_failed_at', ['key', 'failed_at'], unique=False)

    op.create_table('networks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=120), nullable=False),
    sa.Column('name', sa.String(length=300), nullable=False),
    sa.Column('full_name', sa.String(length=500), nullable=True),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('objectives', sa.JSON(), nullable=False),
    sa.Column('website', sa.String(length=300), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_networks')),
    sa.UniqueConstraint('slug', name=op.f('uq_networks_slug'))
    )
    op.create_table('service_accounts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.String(length=64), nullable=False),
    sa.Column('secret_hash', sa.String(length=255), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('role', sa.String(length=32), nullable=False),
    sa.Column('scopes', sa.JSON(), nullable=False),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_service_accounts')),
    sa.UniqueConstraint('client_id', name=op.f('uq_service_accounts_client_id'))
    )
    op.create_table('network_declarations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('network_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=100), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('preamble', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['network_id'], ['networks.id'], name=op.f('fk_network_declarations_network_id_networks'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_network_declarations')),
    sa.UniqueConstraint('network_id', 'key', name=op.f('uq_network_declarations_network_id_key'))
    )
    with op.batch_alter_table('network_declarations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_network_declarations_network_id'), ['network_id'], unique=False)

    op.create_table('network_groups',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('network_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=300), nullable=False),
    sa.Column('mandate', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['network_id'], ['networks.id'], name=op.f('fk_network_groups_network_id_networks'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_network_groups'))
    )
    with op.batch_alter_table('network_groups', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_network_groups_network_id'), ['network_id'], unique=False)

    op.create_table('network_member_roles',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('network_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=32), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('definition', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['network_id'], ['networks.id'], name=op.f('fk_network_member_roles_network_id_networks'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_network_member_roles')),
    sa.UniqueConstraint('network_id', 'role', name=op.f('uq_network_member_roles_network_id_role'))
    )
    op.create_table('network_sources',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('network_id', sa.Integer(), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.Column('locator', sa.String(length=500), nullable=True),
    sa.ForeignKeyConstraint(['document_id'], ['documents.id'], name=op.f('fk_network_sources_document_id_documents'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['network_id'], ['networks.id'], name=op.f('fk_network_sources_network_id_networks'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_network_sources'))
    )
    with op.batch_alter_table('network_sources', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_network_sources_network_id'), ['network_id'], unique=False)

    op.create_table('organizations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=300), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('country', sa.String(length=2), nullable=True),
    sa.Column('region_code', sa.String(length=5), nullable=True),
    sa.Column('vat_number', sa.String(length=11), nullable=True),
    sa.Column('tax_code', sa.String(length=16), nullable=True),
    sa.Column('ipa_code', sa.String(length=20), nullable=True),
    sa.Column('ateco_code', sa.String(length=10), nullable=True),
    sa.Column('istat_municipality_code', sa.String(length=6), nullable=True),
    sa.Column('istat_province_code', sa.String(length=3), nullable=True),
    sa.Column('employees', sa.Integer(), nullable=True),
    sa.Column('annual_turnover_cents', sa.BigInteger(), nullable=True),
    sa.Column('balance_sheet_total_cents', sa.BigInteger(), nullable=True),
    sa.Column('size_class', sa.String(length=8), nullable=True),
    sa.Column('street_address', sa.String(length=300), nullable=True),
    sa.Column('postal_code', sa.String(length=10), nullable=True),
    sa.Column('municipality', sa.String(length=200), nullable=True),
    sa.Column('province', sa.String(length=2), nullable=True),
    sa.Column('website', sa.String(length=300), nullable=True),
    sa.Column('emas_registration_number', sa.String(length=30), nullable=True),
    sa.Column('iso14001_certificate', sa.String(length=100), nullable=True),
    sa.Column('is_demo', sa.Boolean(), nullable=False),
    sa.Column('source', sa.String(length=64), nullable=True),
    sa.Column('external_id', sa.String(length=200), nullable=True),
    sa.Column('source_document_id', sa.Integer(), nullable=True),
    sa.Column('source_locator', sa.String(length=500), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['source_document_id'], ['documents.id'], name=op.f('fk_organizations_source_document_id_documents'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_organizations')),
    sa.UniqueConstraint('source', 'external_id', name=op.f('uq_organizations_source_external_id')),
    sa.UniqueConstraint('vat_number', name=op.f('uq_organizations_vat_number'))
    )
    with op.batch_alter_table('organizations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_organizations_ateco_code'), ['ateco_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_organizations_kind'), ['kind'], unique=False)
        batch_op.create_index(batch_op.f('ix_organizations_name'), ['name'], unique=False)
        batch_op.create_index(batch_op.f('ix_organizations_region_code'), ['region_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_organizations_size_class'), ['size_class'], unique=False)
        batch_op.create_index(batch_op.f('ix_organizations_tax_code'), ['tax_code'], unique=False)

    op.create_table('clusters',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=120), nullable=False),
    sa.Column('name', sa.String(length=300), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('country', sa.String(length=2), nullable=False),
    sa.Column('region_code', sa.String(length=5), nullable=True),
    sa.Column('region_name', sa.String(length=200), nullable=True),
    sa.Column('locality', sa.String(length=200), nullable=True),
    sa.Column('location_text', sa.String(length=500), nullable=True),
    sa.Column('latitude', sa.Float(), nullable=True),
    sa.Column('longitude', sa.Float(), nullable=True),
    sa.Column('enterprises_count', sa.Integer(), nullable=True),
    sa.Column('enterprises_approximate', sa.Boolean(), nullable=False),
    sa.Column('enterprises_note', sa.Text(), nullable=True),
    sa.Column('employees_count', sa.Integer(), nullable=True),
    sa.Column('employees_approximate', sa.Boolean(), nullable=False),
    sa.Column('employees_note', sa.Text(), nullable=True),
    sa.Column('website', sa.String(length=300), nullable=True),
    sa.Column('website_note', sa.String(length=500), nullable=True),
    sa.Column('coordinating_body_id', sa.Integer(), nullable=True),
    sa.Column('constitutive_elements', sa.Text(), nullable=True),
    sa.Column('eco_innovation', sa.Text(), nullable=True),
    sa.Column('tags', sa.JSON(), nullable=False),
    sa.Column('source', sa.String(length=64), nullable=True),
    sa.Column('external_id', sa.String(length=200), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('document', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('employees_count IS NULL OR employees_count >= 0', name=op.f('ck_clusters_employees_not_negative')),
    sa.CheckConstraint('enterprises_count IS NULL OR enterprises_count >= 0', name=op.f('ck_clusters_enterprises_not_negative')),
    sa.ForeignKeyConstraint(['coordinating_body_id'], ['organizations.id'], name=op.f('fk_clusters_coordinating_body_id_organizations'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_clusters')),
    sa.UniqueConstraint('slug', name=op.f('uq_clusters_slug')),
    sa.UniqueConstraint('source', 'external_id', name=op.f('uq_clusters_source_external_id'))
    )
    with op.batch_alter_table('clusters', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_clusters_coordinating_body_id'), ['coordinating_body_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_clusters_country'), ['country'], unique=False)
        batch_op.create_index(batch_op.f('ix_clusters_employees_count'), ['employees_count'], unique=False)
        batch_op.create_index(batch_op.f('ix_clusters_enterprises_count'), ['enterprises_count'], unique=False)
        batch_op.create_index(batch_op.f('ix_clusters_kind'), ['kind'], unique=False)
        batch_op.create_index(batch_op.f('ix_clusters_name'), ['name'], unique=False)
        batch_op.create_index(batch_op.f('ix_clusters_region_code'), ['region_code'], unique=False)

    op.create_table('network_commitments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('declaration_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['declaration_id'], ['network_declarations.id'], name=op.f('fk_network_commitments_declaration_id_network_declarations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_network_commitments')),
    sa.UniqueConstraint('declaration_id', 'number', name=op.f('uq_network_commitments_declaration_id_number'))
    )
    op.create_table('network_group_members',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=32), nullable=False),
    sa.ForeignKeyConstraint(['group_id'], ['network_groups.id'], name=op.f('fk_network_group_members_group_id_network_groups'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_network_group_members_organization_id_organizations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_network_group_members')),
    sa.UniqueConstraint('group_id', 'organization_id', name=op.f('uq_network_group_members_group_id_organization_id'))
    )
    op.create_table('network_memberships',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('network_id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=32), nullable=False),
    sa.Column('joined_date', sa.Date(), nullable=True),
    sa.Column('left_date', sa.Date(), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('left_date IS NULL OR joined_date IS NULL OR left_date >= joined_date', name=op.f('ck_network_memberships_left_after_joined')),
    sa.ForeignKeyConstraint(['network_id'], ['networks.id'], name=op.f('fk_network_memberships_network_id_networks'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_network_memberships_organization_id_organizations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_network_memberships'))
    )
    with op.batch_alter_table('network_memberships', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_network_memberships_network_id'), ['network_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_network_memberships_organization_id'), ['organization_id'], unique=False)

    op.create_table('network_signatures',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('declaration_id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('signed_date', sa.Date(), nullable=True),
    sa.Column('signed_by', sa.String(length=200), nullable=True),
    sa.ForeignKeyConstraint(['declaration_id'], ['network_declarations.id'], name=op.f('fk_network_signatures_declaration_id_network_declarations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_network_signatures_organization_id_organizations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_network_signatures')),
    sa.UniqueConstraint('declaration_id', 'organization_id', name=op.f('uq_network_signatures_declaration_id_organization_id'))
    )
    op.create_table('users',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=False),
    sa.Column('role', sa.String(length=32), nullable=False),
    sa.Column('scopes', sa.JSON(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=True),
    sa.Column('full_name', sa.String(length=200), nullable=True),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('is_demo', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_users_organization_id_organizations'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_users')),
    sa.UniqueConstraint('email', name=op.f('uq_users_email'))
    )
    op.create_table('cluster_memberships',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('cluster_id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=32), nullable=False),
    sa.Column('joined_date', sa.Date(), nullable=True),
    sa.Column('left_date', sa.Date(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['cluster_id'], ['clusters.id'], name=op.f('fk_cluster_memberships_cluster_id_clusters'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_cluster_memberships_organization_id_organizations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cluster_memberships')),
    sa.UniqueConstraint('cluster_id', 'organization_id', name=op.f('uq_cluster_memberships_cluster_id_organization_id'))
    )
    with op.batch_alter_table('cluster_memberships', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cluster_memberships_cluster_id'), ['cluster_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_cluster_memberships_organization_id'), ['organization_id'], unique=False)

    op.create_table('cluster_nace_codes',
    sa.Column('cluster_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=10), nullable=False),
    sa.ForeignKeyConstraint(['cluster_id'], ['clusters.id'], name=op.f('fk_cluster_nace_codes_cluster_id_clusters'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('cluster_id', 'code', name=op.f('pk_cluster_nace_codes'))
    )
    with op.batch_alter_table('cluster_nace_codes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cluster_nace_codes_code'), ['code'], unique=False)

    op.create_table('cluster_recognitions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('cluster_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=300), nullable=False),
    sa.Column('issuer', sa.String(length=300), nullable=True),
    sa.Column('issued_date', sa.Date(), nullable=True),
    sa.Column('valid_until', sa.Date(), nullable=True),
    sa.Column('reference', sa.String(length=300), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['cluster_id'], ['clusters.id'], name=op.f('fk_cluster_recognitions_cluster_id_clusters'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cluster_recognitions'))
    )
    with op.batch_alter_table('cluster_recognitions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cluster_recognitions_cluster_id'), ['cluster_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_cluster_recognitions_kind'), ['kind'], unique=False)

    op.create_table('cluster_sectors',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('cluster_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('label', sa.String(length=300), nullable=False),
    sa.Column('nace_codes', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['cluster_id'], ['clusters.id'], name=op.f('fk_cluster_sectors_cluster_id_clusters'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cluster_sectors'))
    )
    with op.batch_alter_table('cluster_sectors', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cluster_sectors_cluster_id'), ['cluster_id'], unique=False)

    op.create_table('cluster_sources',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('cluster_id', sa.Integer(), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.Column('locator', sa.String(length=500), nullable=True),
    sa.Column('fields', sa.JSON(), nullable=True),
    sa.ForeignKeyConstraint(['cluster_id'], ['clusters.id'], name=op.f('fk_cluster_sources_cluster_id_clusters'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['document_id'], ['documents.id'], name=op.f('fk_cluster_sources_document_id_documents'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cluster_sources'))
    )
    with op.batch_alter_table('cluster_sources', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cluster_sources_cluster_id'), ['cluster_id'], unique=False)

    op.create_table('supply_chain_links',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('supplier_id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('product', sa.String(length=300), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('source_document_id', sa.Integer(), nullable=True),
    sa.Column('source_locator', sa.String(length=500), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('supplier_id <> customer_id', name=op.f('ck_supply_chain_links_not_self')),
    sa.ForeignKeyConstraint(['customer_id'], ['clusters.id'], name=op.f('fk_supply_chain_links_customer_id_clusters'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['source_document_id'], ['documents.id'], name=op.f('fk_supply_chain_links_source_document_id_documents'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['supplier_id'], ['clusters.id'], name=op.f('fk_supply_chain_links_supplier_id_clusters'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_supply_chain_links')),
    sa.UniqueConstraint('supplier_id', 'customer_id', 'product', name=op.f('uq_supply_chain_links_supplier_id_customer_id_product'))
    )
    with op.batch_alter_table('supply_chain_links', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_supply_chain_links_customer_id'), ['customer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_supply_chain_links_supplier_id'), ['supplier_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('supply_chain_links', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_supply_chain_links_supplier_id'))
        batch_op.drop_index(batch_op.f('ix_supply_chain_links_customer_id'))

    op.drop_table('supply_chain_links')
    with op.batch_alter_table('cluster_sources', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cluster_sources_cluster_id'))

    op.drop_table('cluster_sources')
    with op.batch_alter_table('cluster_sectors', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cluster_sectors_cluster_id'))

    op.drop_table('cluster_sectors')
    with op.batch_alter_table('cluster_recognitions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cluster_recognitions_kind'))
        batch_op.drop_index(batch_op.f('ix_cluster_recognitions_cluster_id'))

    op.drop_table('cluster_recognitions')
    with op.batch_alter_table('cluster_nace_codes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cluster_nace_codes_code'))

    op.drop_table('cluster_nace_codes')
    with op.batch_alter_table('cluster_memberships', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cluster_memberships_organization_id'))
        batch_op.drop_index(batch_op.f('ix_cluster_memberships_cluster_id'))

    op.drop_table('cluster_memberships')
    op.drop_table('users')
    op.drop_table('network_signatures')
    with op.batch_alter_table('network_memberships', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_network_memberships_organization_id'))
        batch_op.drop_index(batch_op.f('ix_network_memberships_network_id'))

    op.drop_table('network_memberships')
    op.drop_table('network_group_members')
    op.drop_table('network_commitments')
    with op.batch_alter_table('clusters', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_clusters_region_code'))
        batch_op.drop_index(batch_op.f('ix_clusters_name'))
        batch_op.drop_index(batch_op.f('ix_clusters_kind'))
        batch_op.drop_index(batch_op.f('ix_clusters_enterprises_count'))
        batch_op.drop_index(batch_op.f('ix_clusters_employees_count'))
        batch_op.drop_index(batch_op.f('ix_clusters_country'))
        batch_op.drop_index(batch_op.f('ix_clusters_coordinating_body_id'))

    op.drop_table('clusters')
    with op.batch_alter_table('organizations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_organizations_tax_code'))
        batch_op.drop_index(batch_op.f('ix_organizations_size_class'))
        batch_op.drop_index(batch_op.f('ix_organizations_region_code'))
        batch_op.drop_index(batch_op.f('ix_organizations_name'))
        batch_op.drop_index(batch_op.f('ix_organizations_kind'))
        batch_op.drop_index(batch_op.f('ix_organizations_ateco_code'))

    op.drop_table('organizations')
    with op.batch_alter_table('network_sources', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_network_sources_network_id'))

    op.drop_table('network_sources')
    op.drop_table('network_member_roles')
    with op.batch_alter_table('network_groups', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_network_groups_network_id'))

    op.drop_table('network_groups')
    with op.batch_alter_table('network_declarations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_network_declarations_network_id'))

    op.drop_table('network_declarations')
    op.drop_table('service_accounts')
    op.drop_table('networks')
    with op.batch_alter_table('login_failures', schema=None) as batch_op:
        batch_op.drop_index('ix_login_failures_key_failed_at')

    op.drop_table('login_failures')
    op.drop_table('documents')
