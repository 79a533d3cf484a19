"""Patient check on save: a keyed hash of the patient identifier an input carries (DICOM Patient ID), and
the installation's key for it.

An image of another patient saved into an existing case was stored without a word. The identifier itself is
never stored (inputs are de-identified); its HMAC under a secret drawn once per database lets every app process
and API worker compare two inputs' patients without keeping who they are.

Revision ID: 0003_patient
Revises: 0002_review, 0002_service
"""
import secrets

import sqlalchemy as sa
from alembic import op

revision = "0003_patient"
down_revision = ("0002_review", "0002_service")
branch_labels = None
depends_on = None


def upgrade() -> None:
    settings = op.create_table(
        "installation_settings",
        sa.Column("name", sa.String(80), primary_key=True),
        sa.Column("value", sa.String(255), nullable=False),
    )
    op.bulk_insert(settings, [{"name": "patient_key_secret", "value": secrets.token_hex(32)}])
    with op.batch_alter_table("analyses") as batch:
        batch.add_column(sa.Column("patient_key", sa.String(64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("analyses") as batch:
        batch.drop_column("patient_key")
    op.drop_table("installation_settings")
