"""The audit trail stays append-only, with one exception: an administrator's erasure (medapp/cases/erasure.py) may
blank the free text an earlier row quoted (a verdict's final diagnosis, a case reference) when that text carried
an identifier. Such an update keeps the row's time, user, action and target and must leave an "erased" mark in its
detail; anything else is still refused by the database, and DELETE always is.

Revision ID: 0005_erasure
Revises: 0004_reference_folded
"""
from alembic import op

revision = "0005_erasure"
down_revision = "0004_reference_folded"
branch_labels = None
depends_on = None

_PG_ERASURE = """
    CREATE OR REPLACE FUNCTION audit_events_append_only() RETURNS trigger AS $$
    BEGIN
        IF TG_OP = 'UPDATE' AND NEW.id = OLD.id AND NEW.at = OLD.at AND NEW.username = OLD.username
           AND NEW.action = OLD.action AND NEW.target = OLD.target AND (NEW.detail::jsonb) ? 'erased' THEN
            RETURN NEW;
        END IF;
        RAISE EXCEPTION 'audit_events is append-only';
    END; $$ LANGUAGE plpgsql"""
_PG_APPEND_ONLY = """
    CREATE OR REPLACE FUNCTION audit_events_append_only() RETURNS trigger AS $$
    BEGIN RAISE EXCEPTION 'audit_events is append-only'; END; $$ LANGUAGE plpgsql"""
_SQLITE_ERASURE = """
    CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
    WHEN NOT (NEW.id = OLD.id AND NEW.at IS OLD.at AND NEW.username = OLD.username AND NEW.action = OLD.action
              AND NEW.target = OLD.target AND json_valid(NEW.detail) AND json_type(NEW.detail, '$.erased') IS NOT NULL)
    BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END"""
_SQLITE_APPEND_ONLY = """
    CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
    BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END"""


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_PG_ERASURE)
    else:
        op.execute("DROP TRIGGER audit_events_no_update")
        op.execute(_SQLITE_ERASURE)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_PG_APPEND_ONLY)
    else:
        op.execute("DROP TRIGGER audit_events_no_update")
        op.execute(_SQLITE_APPEND_ONLY)
