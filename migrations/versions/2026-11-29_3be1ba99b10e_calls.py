"""Funding calls: funders, phases, criteria, applications with partners and transitions, the budget ledger,
evaluation assignments and accompaniment.

Revision ID: 3be1ba99b10e
Revises: dc02d1432df8
Create Date: 2026-11-29 17:51:31.941002
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from api.core.db import UTCDateTime

revision: str = '3be1ba99b10e'
down_revision: str | None = 'dc02d1432df8'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('calls',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=120), nullable=False),
    sa.Column('title_it', sa.String(length=300), nullable=False),
    sa.Column('title_en', sa.String(length=300), nullable=True),
    sa.Column('description_it', sa.Text(), nullable=True),
    sa.Column('description_en', sa.Text(), nullable=True),
    sa.Column('topics', sa.JSON(), nullable=False),
    sa.Column('categories', sa.JSON(), nullable=False),
    sa.Column('charge_rule', sa.JSON(), nullable=False),
    sa.Column('eligibility', sa.JSON(), nullable=False),
    sa.Column('max_grant_cents', sa.BigInteger(), nullable=True),
    sa.Column('min_investment_cents', sa.BigInteger(), nullable=True),
    sa.Column('cofinancing_rate', sa.Numeric(precision=5, scale=4), nullable=True),
    sa.Column('threshold_score', sa.Numeric(precision=8, scale=3), nullable=True),
    sa.Column('divergence_share', sa.Numeric(precision=5, scale=4), nullable=False),
    sa.Column('tie_breakers', sa.JSON(), nullable=False),
    sa.Column('required_documents', sa.JSON(), nullable=False),
    sa.Column('settings_note', sa.Text(), nullable=True),
    sa.Column('owner', sa.String(length=40), nullable=True),
    sa.Column('is_demo', sa.Boolean(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_calls')),
    sa.UniqueConstraint('slug', name=op.f('uq_calls_slug'))
    )
    op.create_table('call_criteria',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('call_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=300), nullable=False),
    sa.Column('weight', sa.Numeric(precision=8, scale=4), nullable=False),
    sa.Column('max_score', sa.Numeric(precision=8, scale=3), nullable=False),
    sa.Column('min_score', sa.Numeric(precision=8, scale=3), nullable=True),
    sa.ForeignKeyConstraint(['call_id'], ['calls.id'], name=op.f('fk_call_criteria_call_id_calls'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_call_criteria')),
    sa.UniqueConstraint('call_id', 'code', name=op.f('uq_call_criteria_call_id_code'))
    )
    with op.batch_alter_table('call_criteria', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_call_criteria_call_id'), ['call_id'], unique=False)

    op.create_table('call_phases',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('call_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('opens_at', UTCDateTime(timezone=True), nullable=True),
    sa.Column('closes_at', UTCDateTime(timezone=True), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['call_id'], ['calls.id'], name=op.f('fk_call_phases_call_id_calls'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_call_phases'))
    )
    with op.batch_alter_table('call_phases', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_call_phases_call_id'), ['call_id'], unique=False)

    op.create_table('applications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('call_id', sa.Integer(), nullable=False),
    sa.Column('phase_id', sa.Integer(), nullable=True),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('province', sa.String(length=2), nullable=True),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('summary', sa.Text(), nullable=True),
    sa.Column('category', sa.String(length=100), nullable=True),
    sa.Column('requested_cents', sa.BigInteger(), nullable=False),
    sa.Column('budget_lines', sa.JSON(), nullable=False),
    sa.Column('state', sa.String(length=32), nullable=False),
    sa.Column('state_reason', sa.Text(), nullable=True),
    sa.Column('submitted_at', UTCDateTime(timezone=True), nullable=True),
    sa.Column('score', sa.Numeric(precision=10, scale=4), nullable=True),
    sa.Column('rank', sa.Integer(), nullable=True),
    sa.Column('reserve', sa.Boolean(), nullable=False),
    sa.Column('definitive_requested_cents', sa.BigInteger(), nullable=True),
    sa.Column('definitive_submitted_at', UTCDateTime(timezone=True), nullable=True),
    sa.Column('granted_cents', sa.BigInteger(), nullable=True),
    sa.Column('created_by', sa.String(length=40), nullable=True),
    sa.Column('is_demo', sa.Boolean(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('requested_cents >= 0', name=op.f('ck_applications_requested_not_negative')),
    sa.ForeignKeyConstraint(['call_id'], ['calls.id'], name=op.f('fk_applications_call_id_calls'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_applications_organization_id_organizations'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['phase_id'], ['call_phases.id'], name=op.f('fk_applications_phase_id_call_phases'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_applications'))
    )
    with op.batch_alter_table('applications', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_applications_call_id'), ['call_id'], unique=False)
        batch_op.create_index('ix_applications_call_state', ['call_id', 'state'], unique=False)
        batch_op.create_index(batch_op.f('ix_applications_organization_id'), ['organization_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_applications_province'), ['province'], unique=False)
        batch_op.create_index(batch_op.f('ix_applications_state'), ['state'], unique=False)

    op.create_table('call_funders',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('call_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=60), nullable=False),
    sa.Column('name', sa.String(length=300), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('provinces', sa.JSON(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=True),
    sa.Column('contribution_cents', sa.BigInteger(), nullable=False),
    sa.CheckConstraint('contribution_cents >= 0', name=op.f('ck_call_funders_contribution_not_negative')),
    sa.ForeignKeyConstraint(['call_id'], ['calls.id'], name=op.f('fk_call_funders_call_id_calls'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_call_funders_organization_id_organizations'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_call_funders')),
    sa.UniqueConstraint('call_id', 'key', name=op.f('uq_call_funders_call_id_key'))
    )
    with op.batch_alter_table('call_funders', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_call_funders_call_id'), ['call_id'], unique=False)

    op.create_table('accompaniment_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('on_date', sa.Date(), nullable=True),
    sa.Column('done', sa.Boolean(), nullable=False),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('recorded_by', sa.String(length=40), nullable=False),
    sa.Column('recorded_at', UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['application_id'], ['applications.id'], name=op.f('fk_accompaniment_entries_application_id_applications'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_accompaniment_entries'))
    )
    with op.batch_alter_table('accompaniment_entries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_accompaniment_entries_application_id'), ['application_id'], unique=False)

    op.create_table('application_partners',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('receives_funds', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['application_id'], ['applications.id'], name=op.f('fk_application_partners_application_id_applications'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_application_partners_organization_id_organizations'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_application_partners')),
    sa.UniqueConstraint('application_id', 'organization_id', name=op.f('uq_application_partners_application_id_organization_id'))
    )
    with op.batch_alter_table('application_partners', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_application_partners_application_id'), ['application_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_application_partners_organization_id'), ['organization_id'], unique=False)

    op.create_table('application_transitions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('from_state', sa.String(length=32), nullable=True),
    sa.Column('to_state', sa.String(length=32), nullable=False),
    sa.Column('actor', sa.String(length=40), nullable=False),
    sa.Column('at', UTCDateTime(timezone=True), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['application_id'], ['applications.id'], name=op.f('fk_application_transitions_application_id_applications'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_application_transitions'))
    )
    with op.batch_alter_table('application_transitions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_application_transitions_application_id'), ['application_id'], unique=False)

    op.create_table('budget_ledger',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('call_id', sa.Integer(), nullable=False),
    sa.Column('funder_id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('amount_cents', sa.BigInteger(), nullable=False),
    sa.Column('author', sa.String(length=40), nullable=False),
    sa.Column('at', UTCDateTime(timezone=True), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['application_id'], ['applications.id'], name=op.f('fk_budget_ledger_application_id_applications'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['call_id'], ['calls.id'], name=op.f('fk_budget_ledger_call_id_calls'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['funder_id'], ['call_funders.id'], name=op.f('fk_budget_ledger_funder_id_call_funders'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_budget_ledger'))
    )
    with op.batch_alter_table('budget_ledger', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_budget_ledger_application_id'), ['application_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_budget_ledger_call_id'), ['call_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_budget_ledger_funder_id'), ['funder_id'], unique=False)

    op.create_table('evaluation_assignments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('evaluator_id', sa.Integer(), nullable=False),
    sa.Column('assigned_at', UTCDateTime(timezone=True), nullable=False),
    sa.Column('assigned_by', sa.String(length=40), nullable=False),
    sa.Column('scores', sa.JSON(), nullable=True),
    sa.Column('total', sa.Numeric(precision=10, scale=4), nullable=True),
    sa.Column('submitted_at', UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['application_id'], ['applications.id'], name=op.f('fk_evaluation_assignments_application_id_applications'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['evaluator_id'], ['users.id'], name=op.f('fk_evaluation_assignments_evaluator_id_users'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evaluation_assignments')),
    sa.UniqueConstraint('application_id', 'evaluator_id', name=op.f('uq_evaluation_assignments_application_id_evaluator_id'))
    )
    with op.batch_alter_table('evaluation_assignments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evaluation_assignments_application_id'), ['application_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_evaluation_assignments_evaluator_id'), ['evaluator_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('evaluation_assignments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_evaluation_assignments_evaluator_id'))
        batch_op.drop_index(batch_op.f('ix_evaluation_assignments_application_id'))

    op.drop_table('evaluation_assignments')
    with op.batch_alter_table('budget_ledger', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_budget_ledger_funder_id'))
        batch_op.drop_index(batch_op.f('ix_budget_ledger_call_id'))
        batch_op.drop_index(batch_op.f('ix_budget_ledger_application_id'))

    op.drop_table('budget_ledger')
    with op.batch_alter_table('application_transitions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_application_transitions_application_id'))

    op.drop_table('application_transitions')
    with op.batch_alter_table('application_partners', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_application_partners_organization_id'))
        batch_op.drop_index(batch_op.f('ix_application_partners_application_id'))

    op.drop_table('application_partners')
    with op.batch_alter_table('accompaniment_entries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_accompaniment_entries_application_id'))

    op.drop_table('accompaniment_entries')
    with op.batch_alter_table('call_funders', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_call_funders_call_id'))

    op.drop_table('call_funders')
    with op.batch_alter_table('applications', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_applications_state'))
        batch_op.drop_index(batch_op.f('ix_applications_province'))
        batch_op.drop_index(batch_op.f('ix_applications_organization_id'))
        batch_op.drop_index('ix_applications_call_state')
        batch_op.drop_index(batch_op.f('ix_applications_call_id'))

    op.drop_table('applications')
    with op.batch_alter_table('call_phases', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_call_phases_call_id'))

    op.drop_table('call_phases')
    with op.batch_alter_table('call_criteria', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_call_criteria_call_id'))

    op.drop_table('call_criteria')
    op.drop_table('calls')
