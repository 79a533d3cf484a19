"""The code that made each saved analysis: medapp's version and a digest of its sources (medapp/build.py).

A saved analysis named its model's version only, but the checks, scoring and wording a result passes through
live in medapp's code, which changed many times under one package version (a quality auditor's review).
Analyses saved before this revision keep NULL: their code was not recorded, and pages say so.

Revision ID: 0008_app_version
Revises: 0007_verdict_draft
"""
import sqlalchemy as sa
from alembic import op

revision = "0008_app_version"
down_revision = "0007_verdict_draft"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("analyses") as batch:
        batch.add_column(sa.Column("app_version", sa.String(60), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("analyses") as batch:
        batch.drop_column("app_version")
