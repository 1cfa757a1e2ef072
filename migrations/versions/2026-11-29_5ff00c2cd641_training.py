"""Training and information: sustainability goals, programmes with outputs, events with sessions,
registrations, attendance, the outbox of messages to registrants.

Revision ID: 5ff00c2cd641
Revises: 86489625f9f0
Create Date: 2026-11-29 18:18:32.919257
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from api.core.db import UTCDateTime

revision: str = '5ff00c2cd641'
down_revision: str | None = '86489625f9f0'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('sustainability_goals',
    sa.Column('scheme', sa.String(length=20), nullable=False),
    sa.Column('code', sa.String(length=20), nullable=False),
    sa.Column('title', sa.String(length=500), nullable=False),
    sa.Column('area', sa.String(length=100), nullable=True),
    sa.PrimaryKeyConstraint('scheme', 'code', name=op.f('pk_sustainability_goals'))
    )
    op.create_table('programmes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('promoter_id', sa.Integer(), nullable=True),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=False),
    sa.Column('internal_resources_cents', sa.BigInteger(), nullable=True),
    sa.Column('external_resources_cents', sa.BigInteger(), nullable=True),
    sa.Column('goals', sa.JSON(), nullable=False),
    sa.Column('owner', sa.String(length=40), nullable=True),
    sa.Column('is_demo', sa.Boolean(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['promoter_id'], ['organizations.id'], name=op.f('fk_programmes_promoter_id_organizations'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_programmes'))
    )
    op.create_table('programme_outputs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('programme_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('target_count', sa.Integer(), nullable=False),
    sa.Column('attendance_min', sa.Integer(), nullable=True),
    sa.Column('attendance_max', sa.Integer(), nullable=True),
    sa.Column('counts_events', sa.Boolean(), nullable=False),
    sa.Column('achieved_manually', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['programme_id'], ['programmes.id'], name=op.f('fk_programme_outputs_programme_id_programmes'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_programme_outputs'))
    )
    with op.batch_alter_table('programme_outputs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_programme_outputs_programme_id'), ['programme_id'], unique=False)

    op.create_table('events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('topics', sa.JSON(), nullable=False),
    sa.Column('audience', sa.String(length=30), nullable=False),
    sa.Column('organizer_id', sa.Integer(), nullable=True),
    sa.Column('venue', sa.String(length=300), nullable=True),
    sa.Column('address', sa.String(length=500), nullable=True),
    sa.Column('online_url', sa.String(length=500), nullable=True),
    sa.Column('starts_at', UTCDateTime(timezone=True), nullable=True),
    sa.Column('ends_at', UTCDateTime(timezone=True), nullable=True),
    sa.Column('date_note', sa.String(length=200), nullable=True),
    sa.Column('capacity', sa.Integer(), nullable=False),
    sa.Column('per_organization_limit', sa.Integer(), nullable=True),
    sa.Column('registration_opens_at', UTCDateTime(timezone=True), nullable=True),
    sa.Column('registration_closes_at', UTCDateTime(timezone=True), nullable=True),
    sa.Column('language', sa.String(length=5), nullable=False),
    sa.Column('programme_id', sa.Integer(), nullable=True),
    sa.Column('output_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('sequence', sa.Integer(), nullable=False),
    sa.Column('registered', sa.Integer(), nullable=False),
    sa.Column('owner', sa.String(length=40), nullable=True),
    sa.Column('is_demo', sa.Boolean(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('capacity > 0', name=op.f('ck_events_capacity_positive')),
    sa.CheckConstraint('ends_at > starts_at', name=op.f('ck_events_ends_after_start')),
    sa.ForeignKeyConstraint(['organizer_id'], ['organizations.id'], name=op.f('fk_events_organizer_id_organizations'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['output_id'], ['programme_outputs.id'], name=op.f('fk_events_output_id_programme_outputs'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['programme_id'], ['programmes.id'], name=op.f('fk_events_programme_id_programmes'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_events'))
    )
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_events_kind'), ['kind'], unique=False)
        batch_op.create_index(batch_op.f('ix_events_organizer_id'), ['organizer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_events_programme_id'), ['programme_id'], unique=False)
        batch_op.create_index('ix_events_starts_at', ['starts_at'], unique=False)

    op.create_table('event_sessions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('starts_at', UTCDateTime(timezone=True), nullable=True),
    sa.Column('ends_at', UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['event_id'], ['events.id'], name=op.f('fk_event_sessions_event_id_events'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_event_sessions'))
    )
    with op.batch_alter_table('event_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_event_sessions_event_id'), ['event_id'], unique=False)

    op.create_table('registrations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('position', sa.Integer(), nullable=True),
    sa.Column('name', sa.String(length=200), nullable=True),
    sa.Column('email', sa.String(length=254), nullable=True),
    sa.Column('organization_id', sa.Integer(), nullable=True),
    sa.Column('organization_name', sa.String(length=300), nullable=True),
    sa.Column('role', sa.String(length=200), nullable=True),
    sa.Column('token_hash', sa.String(length=64), nullable=True),
    sa.Column('registered_by', sa.String(length=40), nullable=True),
    sa.Column('created_at', UTCDateTime(timezone=True), nullable=False),
    sa.Column('confirmed_at', UTCDateTime(timezone=True), nullable=True),
    sa.Column('cancelled_at', UTCDateTime(timezone=True), nullable=True),
    sa.Column('erased_at', UTCDateTime(timezone=True), nullable=True),
    sa.Column('is_demo', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['event_id'], ['events.id'], name=op.f('fk_registrations_event_id_events'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_registrations_organization_id_organizations'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_registrations')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_registrations_token_hash'))
    )
    with op.batch_alter_table('registrations', schema=None) as batch_op:
        batch_op.create_index('ix_registrations_event_status', ['event_id', 'status', 'position'], unique=False)
        batch_op.create_index(batch_op.f('ix_registrations_organization_id'), ['organization_id'], unique=False)
        batch_op.create_index('uq_registrations_event_email', ['event_id', 'email'], unique=True)

    op.create_table('attendance',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('registration_id', sa.Integer(), nullable=False),
    sa.Column('session_key', sa.Integer(), nullable=False),
    sa.Column('attended', sa.Boolean(), nullable=False),
    sa.Column('checked_at', UTCDateTime(timezone=True), nullable=False),
    sa.Column('checked_by', sa.String(length=40), nullable=False),
    sa.ForeignKeyConstraint(['registration_id'], ['registrations.id'], name=op.f('fk_attendance_registration_id_registrations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attendance')),
    sa.UniqueConstraint('registration_id', 'session_key', name=op.f('uq_attendance_registration_id_session_key'))
    )
    with op.batch_alter_table('attendance', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_attendance_registration_id'), ['registration_id'], unique=False)

    op.create_table('outbox_messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('to_email', sa.String(length=254), nullable=False),
    sa.Column('subject', sa.String(length=300), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('registration_id', sa.Integer(), nullable=True),
    sa.Column('created_at', UTCDateTime(timezone=True), nullable=False),
    sa.Column('sent_at', UTCDateTime(timezone=True), nullable=True),
    sa.Column('detail', sa.JSON(), nullable=True),
    sa.ForeignKeyConstraint(['registration_id'], ['registrations.id'], name=op.f('fk_outbox_messages_registration_id_registrations'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox_messages'))
    )


def downgrade() -> None:
    op.drop_table('outbox_messages')
    with op.batch_alter_table('attendance', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_attendance_registration_id'))

    op.drop_table('attendance')
    with op.batch_alter_table('registrations', schema=None) as batch_op:
        batch_op.drop_index('uq_registrations_event_email')
        batch_op.drop_index(batch_op.f('ix_registrations_organization_id'))
        batch_op.drop_index('ix_registrations_event_status')

    op.drop_table('registrations')
    with op.batch_alter_table('event_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_event_sessions_event_id'))

    op.drop_table('event_sessions')
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.drop_index('ix_events_starts_at')
        batch_op.drop_index(batch_op.f('ix_events_programme_id'))
        batch_op.drop_index(batch_op.f('ix_events_organizer_id'))
        batch_op.drop_index(batch_op.f('ix_events_kind'))

    op.drop_table('events')
    with op.batch_alter_table('programme_outputs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_programme_outputs_programme_id'))

    op.drop_table('programme_outputs')
    op.drop_table('programmes')
    op.drop_table('sustainability_goals')
