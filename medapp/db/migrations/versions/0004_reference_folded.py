"""A unique index on lower(cases.reference): two users creating "MDT-7" and "mdt-7" at the same moment made two
cases (medapp/db/reference_index.py, which also says what happens when such twins exist already).

Revision ID: 0004_reference_folded
Revises: 0003_patient
"""
from alembic import op

from medapp.db import reference_index

revision = "0004_reference_folded"
down_revision = "0003_patient"
branch_labels = None
depends_on = None


def upgrade() -> None:
    reference_index.ensure(op.get_bind(), warn=False)  # medapp.db.engine.migrate says it, once, right after


def downgrade() -> None:
    if reference_index.present(op.get_bind()):
        op.drop_index(reference_index.INDEX, table_name="cases")
