"""Review: optimistic concurrency (a version on cases and verdicts) and revocable browser sessions.

Revision ID: 0002_review
Revises: 0001
"""
import sqlalchemy as sa
from alembic import op

revision = "0002_review"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Each update checks the version the user saw and increments it; a stale write is refused.
    for table in ("cases", "verdicts"):
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("version", sa.Integer, nullable=False, server_default="1"))
    # A browser session survives a reload through an opaque token; only its sha256 is stored,
    # and signing out (or an administrator) revokes it.
    op.create_table(
        "web_sessions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("token_sha256", sa.String(64), nullable=False, unique=True),
        sa.Column("username", sa.String(80), nullable=False, index=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("web_sessions")
    for table in ("verdicts", "cases"):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("version")
