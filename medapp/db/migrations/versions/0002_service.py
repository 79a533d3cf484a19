"""API tokens of the inference service (medapp.service): hashed bearer secrets owned by a user.

Revision ID: 0002_service
Revises: 0001
"""
import sqlalchemy as sa
from alembic import op

revision = "0002_service"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    tz = sa.DateTime(timezone=True)
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("username", sa.String(80), sa.ForeignKey("users.username"), nullable=False, index=True),
        sa.Column("secret_sha256", sa.String(64), nullable=False, unique=True),
        sa.Column("prefix", sa.String(16), nullable=False),
        sa.Column("label", sa.String(120), nullable=False, server_default=""),
        sa.Column("may_save_cases", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("rate_per_minute", sa.Integer, nullable=True),
        sa.Column("created_by", sa.String(80), nullable=False),
        sa.Column("created_at", tz, nullable=False),
        sa.Column("expires_at", tz, nullable=True),
        sa.Column("revoked_at", tz, nullable=True),
    )


def downgrade() -> None:
    op.drop_table("api_tokens")
