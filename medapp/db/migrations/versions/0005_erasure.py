"""Erasure (medapp/cases/erasure.py) deletes cases, analyses and verdicts, so two things change:

- The audit trail stays append-only, with one exception: an erasure may blank the free text an earlier row quoted (a
  verdict's final diagnosis, a case reference). Such an update keeps the row's time, user, action and target and must
  leave an "erased" mark in its detail; anything else is still refused by the database, and DELETE always is.
- A deleted id is never given again. SQLite gives a new row the largest id plus one, so after the newest case or
  analysis was erased the next would have taken its number: an open page, a link (?case=7) or a reviewer's form
  would then have reached another patient's case, and the audit rows of the erased one would have named it. The
  three tables are rebuilt with AUTOINCREMENT (PostgreSQL's sequences never go back).

Revision ID: 0005_erasure
Revises: 0004_reference_folded
"""
import sqlalchemy as sa
from alembic import op

from medapp.db import reference_index

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


def _case_tables(autoincrement: bool) -> None:
    """cases, analyses and verdicts as migrations 0001-0004 left them, with or without AUTOINCREMENT."""
    tz, options = sa.DateTime(timezone=True), {"sqlite_autoincrement": autoincrement}
    op.create_table(
        "cases",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("reference", sa.String(80), nullable=False, unique=True),
        sa.Column("title", sa.String(200), nullable=False, server_default=""),
        sa.Column("status", sa.String(20), nullable=False, server_default="open"),
        sa.Column("created_by", sa.String(80), nullable=False),
        sa.Column("created_at", tz, nullable=False),
        sa.Column("updated_at", tz, nullable=False),
        sa.Column("version", sa.Integer, nullable=False, server_default="1"),
        **options,
    )
    op.create_table(
        "analyses",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("case_id", sa.Integer, sa.ForeignKey("cases.id"), nullable=False, index=True),
        sa.Column("modality", sa.String(20), nullable=False),
        sa.Column("model_id", sa.String(80), nullable=False),
        sa.Column("model_version", sa.String(40), nullable=False),
        sa.Column("input_sha256", sa.String(64), nullable=False),
        sa.Column("input_name", sa.String(255), nullable=False),
        sa.Column("label", sa.String(120), nullable=False),
        sa.Column("prediction", sa.JSON, nullable=False),
        sa.Column("explanation", sa.JSON, nullable=True),
        sa.Column("author", sa.String(80), nullable=False),
        sa.Column("created_at", tz, nullable=False),
        sa.Column("patient_key", sa.String(64), nullable=True),
        **options,
    )
    op.create_table(
        "verdicts",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("analysis_id", sa.Integer, sa.ForeignKey("analyses.id"), nullable=False, index=True),
        sa.Column("reviewer", sa.String(80), nullable=False),
        sa.Column("verdict", sa.String(20), nullable=False),
        sa.Column("final_diagnosis", sa.String(255), nullable=False, server_default=""),
        sa.Column("comment", sa.Text, nullable=False, server_default=""),
        sa.Column("updated_at", tz, nullable=False),
        sa.Column("version", sa.Integer, nullable=False, server_default="1"),
        sa.UniqueConstraint("analysis_id", "reviewer"),
        **options,
    )


def _rebuild_case_tables(autoincrement: bool) -> None:
    """SQLite cannot add AUTOINCREMENT to a table: copy the rows aside, drop the tables child first (so no foreign
    key is ever left pointing at a dropped parent: foreign keys are on, inside this transaction), create them again
    and copy the rows back with their ids."""
    tables = ("cases", "analyses", "verdicts")
    columns = {t: [c["name"] for c in sa.inspect(op.get_bind()).get_columns(t)] for t in tables}
    for table in tables:
        op.execute(f"CREATE TABLE _copy_{table} AS SELECT * FROM {table}")
    for table in reversed(tables):
        op.execute(f"DROP TABLE {table}")
    _case_tables(autoincrement)
    for table in tables:
        names = ", ".join(columns[table])
        op.execute(f"INSERT INTO {table} ({names}) SELECT {names} FROM _copy_{table}")
        op.execute(f"DROP TABLE _copy_{table}")
    reference_index.ensure(op.get_bind(), warn=False)


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_PG_ERASURE)
    else:
        op.execute("DROP TRIGGER audit_events_no_update")
        op.execute(_SQLITE_ERASURE)
        _rebuild_case_tables(autoincrement=True)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_PG_APPEND_ONLY)
    else:
        op.execute("DROP TRIGGER audit_events_no_update")
        op.execute(_SQLITE_APPEND_ONLY)
        _rebuild_case_tables(autoincrement=False)
