"""import owner, lease and failure

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-03 10:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Rows from before this revision have no owner: a run that finds one still 'running'
    # takes it over and resumes at its cursor, as it would after a crash.
    with op.batch_alter_table("imports", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("owner", sa.Text(), nullable=True, comment="host:pid:run of the process")
        )
        batch_op.add_column(
            sa.Column(
                "lease_until_us",
                sa.BigInteger(),
                nullable=True,
                comment="another process may take the import over after this instant",
            )
        )
        batch_op.add_column(
            sa.Column("error", sa.Text(), nullable=True, comment="why the last run failed")
        )
        batch_op.alter_column(
            "status",
            existing_type=sa.Text(),
            existing_nullable=False,
            comment="running | done | failed",
            existing_comment="running | done",
        )


def downgrade() -> None:
    with op.batch_alter_table("imports", schema=None) as batch_op:
        batch_op.alter_column(
            "status",
            existing_type=sa.Text(),
            existing_nullable=False,
            comment="running | done",
            existing_comment="running | done | failed",
        )
        batch_op.drop_column("error")
        batch_op.drop_column("lease_until_us")
        batch_op.drop_column("owner")
