"""Meeting mode's presenter: which case each presenter shows, so the screens that follow them move with them.

Every screen in a review meeting moved on its own; a reviewer at a workstation had to find the case the projector
showed. A presenter who leads writes the case they show here; a screen that follows reads it every few seconds.

Revision ID: 0006_meeting_lead
Revises: 0005_erasure
"""
import sqlalchemy as sa
from alembic import op

revision = "0006_meeting_lead"
down_revision = "0005_erasure"
branch_labels = None
depends_on = None


def upgrade() -> None:
    tz = sa.DateTime(timezone=True)
    op.create_table(
        "meeting_leads",
        sa.Column("presenter", sa.String(80), primary_key=True),
        sa.Column("case_id", sa.Integer, nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("count", sa.Integer, nullable=False),
        sa.Column("since", tz, nullable=False),
        sa.Column("moved_at", tz, nullable=False),
        sa.Column("seen_at", tz, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("meeting_leads")
