"""Verdict drafts: what a reviewer chose and typed in a verdict form and has not recorded yet.

A reload (or a closed tab, or a connection the browser could not resume) starts a new browser session, and the
verdict forms came back empty: a comment typed in a review meeting was lost. The page keeps each form's draft
here as the reviewer goes, and fills the form in from it in the new session.

Revision ID: 0007_verdict_draft
Revises: 0006_meeting_lead
"""
import sqlalchemy as sa
from alembic import op

revision = "0007_verdict_draft"
down_revision = "0006_meeting_lead"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "verdict_drafts",
        sa.Column("analysis_id", sa.Integer, sa.ForeignKey("analyses.id"), primary_key=True),
        sa.Column("reviewer", sa.String(80), primary_key=True),
        sa.Column("verdict", sa.String(20), nullable=True),
        sa.Column("final_diagnosis", sa.Text, nullable=False),
        sa.Column("comment", sa.Text, nullable=False),
        sa.Column("base_version", sa.Integer, nullable=False),
        sa.Column("saved_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("verdict_drafts")
