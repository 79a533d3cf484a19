"""Provenance and integrity of saved analyses (a quality auditor's review, 2026-12-07).

- `analyses.app_version`: the code that made the analysis, medapp's version and a digest of its sources
  (medapp/build.py). The checks, scoring and wording a result passes through live in the code, which changed many
  times under one package version.
- `analyses.card_sha256` and the table `model_cards`: the model card the analysis was made with, kept once per
  distinct card. Pages and reports redraw a saved analysis (its model's name, labels, threshold, bands, intended
  use) from that card, not from today's, which a later version may have reworded or re-banded; the card names its
  weights by SHA-256, so the analysis names them too.
- A saved analysis and a kept card are never changed: the database refuses UPDATE of `analyses` and UPDATE or DELETE
  of `model_cards` (erasure deletes analyses; nothing updates them).
- The audit trail's one exception (0005_erasure) is narrowed to what an erasure does: the same keys, each value
  unchanged or, for the free-text keys an erasure blanks, "[erased]", no key written twice, and an "erased" mark
  naming a later erasure event. Before, any detail holding an "erased" key was taken, so a row's label, version and
  input hash could be rewritten. PostgreSQL also refuses TRUNCATE of the audit trail, analyses and kept cards; on
  SQLite the application's connections set recursive_triggers, so REPLACE INTO meets the DELETE triggers.

Analyses saved before this revision keep NULL in both columns; pages say their code was not recorded and draw them
from the current card.

Revision ID: 0008_provenance
Revises: 0007_verdict_draft
"""
import sqlalchemy as sa
from alembic import op

revision = "0008_provenance"
down_revision = "0007_verdict_draft"
branch_labels = None
depends_on = None

_PG_FUNCTIONS = """
    CREATE OR REPLACE FUNCTION audit_events_append_only() RETURNS trigger AS $$
    DECLARE old_detail jsonb := COALESCE(OLD.detail::jsonb, '{}'::jsonb); new_detail jsonb := NEW.detail::jsonb;
    BEGIN
        IF TG_OP = 'UPDATE' AND NEW.id = OLD.id AND NEW.at = OLD.at AND NEW.username = OLD.username
           AND NEW.action = OLD.action AND NEW.target = OLD.target AND jsonb_typeof(new_detail) = 'object'
           AND jsonb_typeof(new_detail -> 'erased') = 'object'
           AND EXISTS (SELECT 1 FROM audit_events e WHERE e.id::text = new_detail -> 'erased' ->> 'event'
                       AND e.id > OLD.id AND e.action IN (%(erasures)s))
           AND NOT EXISTS (SELECT 1 FROM jsonb_each(old_detail) o WHERE o.key <> 'erased'
                           AND NOT (new_detail ? o.key AND (new_detail -> o.key = o.value
                                    OR (new_detail -> o.key = '"[erased]"'::jsonb AND o.key IN (%(blankable)s)))))
           AND NOT EXISTS (SELECT 1 FROM jsonb_object_keys(new_detail) k WHERE k <> 'erased' AND NOT old_detail ? k)
        THEN
            RETURN NEW;
        END IF;
        RAISE EXCEPTION 'audit_events is append-only';
    END; $$ LANGUAGE plpgsql;
    CREATE OR REPLACE FUNCTION saved_rows_unchanged() RETURNS trigger AS $$
    BEGIN RAISE EXCEPTION '%% rows are not changed once saved', TG_TABLE_NAME; END; $$ LANGUAGE plpgsql"""

_PG_0005_FUNCTION = """
    CREATE OR REPLACE FUNCTION audit_events_append_only() RETURNS trigger AS $$
    BEGIN
        IF TG_OP = 'UPDATE' AND NEW.id = OLD.id AND NEW.at = OLD.at AND NEW.username = OLD.username
           AND NEW.action = OLD.action AND NEW.target = OLD.target AND (NEW.detail::jsonb) ? 'erased' THEN
            RETURN NEW;
        END IF;
        RAISE EXCEPTION 'audit_events is append-only';
    END; $$ LANGUAGE plpgsql"""

# Every key of the old detail kept, unchanged or (a free-text key only) "[erased]"; no key added but the mark, which
# names a later erasure event; no key written twice (SQLite keeps both, and readers take the last). json_each gives
# an object's or array's value as its JSON text, the same for the same content.
_SQLITE_AUDIT = """
    CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
    WHEN NOT (NEW.id = OLD.id AND NEW.at IS OLD.at AND NEW.username = OLD.username AND NEW.action = OLD.action
              AND NEW.target = OLD.target AND json_valid(NEW.detail) AND json_type(NEW.detail, '$.erased') = 'object'
              AND EXISTS (SELECT 1 FROM audit_events e WHERE e.id = json_extract(NEW.detail, '$.erased.event')
                          AND e.id > OLD.id AND e.action IN (%(erasures)s))
              AND (SELECT count(*) FROM json_each(NEW.detail)) = (SELECT count(DISTINCT key) FROM json_each(NEW.detail))
              AND NOT EXISTS (SELECT 1 FROM json_each(OLD.detail) o WHERE o.key <> 'erased' AND NOT EXISTS (
                  SELECT 1 FROM json_each(NEW.detail) n WHERE n.key = o.key
                  AND ((n.type = o.type AND n.value IS o.value)
                       OR (n.type = 'text' AND n.value = '[erased]' AND o.key IN (%(blankable)s)))))
              AND NOT EXISTS (SELECT 1 FROM json_each(NEW.detail) n WHERE n.key <> 'erased' AND NOT EXISTS (
                  SELECT 1 FROM json_each(OLD.detail) o WHERE o.key = n.key)))
    BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END"""
# what an erasure may blank (medapp/cases/erasure._TYPED) and the events that erase (a snapshot, as migrations are)
_WORDS = {"blankable": "'final_diagnosis', 'reference', 'title', 'comment', 'case'",
          "erasures": "'case.erase', 'title.erase', 'analysis.erase', 'verdict.erase'"}
_SQLITE_0005_AUDIT = """
    CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
    WHEN NOT (NEW.id = OLD.id AND NEW.at IS OLD.at AND NEW.username = OLD.username AND NEW.action = OLD.action
              AND NEW.target = OLD.target AND json_valid(NEW.detail) AND json_type(NEW.detail, '$.erased') IS NOT NULL)
    BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END"""

_UNCHANGED = (("analyses", "UPDATE"), ("model_cards", "UPDATE"), ("model_cards", "DELETE"))
_NO_TRUNCATE = ("audit_events", "analyses", "model_cards")  # PostgreSQL only: SQLite has no TRUNCATE


def upgrade() -> None:
    with op.batch_alter_table("analyses") as batch:  # SQLite adds columns in place (no rebuild: triggers stay)
        batch.add_column(sa.Column("app_version", sa.String(60), nullable=True))
        batch.add_column(sa.Column("card_sha256", sa.String(64), nullable=True))
    op.create_table(
        "model_cards",
        sa.Column("sha256", sa.String(64), primary_key=True),
        sa.Column("model_id", sa.String(80), nullable=False, index=True),
        sa.Column("version", sa.String(40), nullable=False),
        sa.Column("card", sa.Text, nullable=False),
        sa.Column("first_saved_at", sa.DateTime(timezone=True), nullable=False),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_PG_FUNCTIONS % _WORDS)
        for table, verb in _UNCHANGED:
            op.execute(f"CREATE TRIGGER {table}_no_{verb.lower()} BEFORE {verb} ON {table} "
                       "FOR EACH ROW EXECUTE FUNCTION saved_rows_unchanged()")
        for table in _NO_TRUNCATE:  # a statement no row trigger sees
            op.execute(f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                       "FOR EACH STATEMENT EXECUTE FUNCTION saved_rows_unchanged()")
    else:
        op.execute("DROP TRIGGER audit_events_no_update")
        op.execute(_SQLITE_AUDIT % _WORDS)
        for table, verb in _UNCHANGED:
            op.execute(f"CREATE TRIGGER {table}_no_{verb.lower()} BEFORE {verb} ON {table} "
                       f"BEGIN SELECT RAISE(ABORT, '{table} rows are not changed once saved'); END")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in _NO_TRUNCATE:
            op.execute(f"DROP TRIGGER {table}_no_truncate ON {table}")
    for table, verb in _UNCHANGED:
        op.execute(f"DROP TRIGGER {table}_no_{verb.lower()}" +
                   (f" ON {table}" if op.get_bind().dialect.name == "postgresql" else ""))
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_PG_0005_FUNCTION)
        op.execute("DROP FUNCTION saved_rows_unchanged()")
    else:
        op.execute("DROP TRIGGER audit_events_no_update")
        op.execute(_SQLITE_0005_AUDIT)
    op.drop_table("model_cards")
    with op.batch_alter_table("analyses") as batch:
        batch.drop_column("card_sha256")
        batch.drop_column("app_version")
