"""erasure: the participant's erased mark and the archive data keys

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07 04:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("participants") as batch:
        batch.add_column(
            sa.Column(
                "erased_at_us",
                sa.BigInteger(),
                nullable=True,
                comment="erased on request: personal data gone, pseudonym kept for sums",
            )
        )
    op.create_table(
        "personal_keys",
        sa.Column("user_id", sa.Text(), nullable=False),
        sa.Column(
            "data_key",
            sa.Text(),
            nullable=False,
            comment="AES-256-GCM key (hex) of the participant's personal columns in archives",
        ),
        sa.Column("created_at_us", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_personal_keys")),
    )


def downgrade() -> None:
    op.drop_table("personal_keys")
    with op.batch_alter_table("participants") as batch:
        batch.drop_column("erased_at_us")
