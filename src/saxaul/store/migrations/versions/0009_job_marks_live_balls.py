"""job progress marks and the live-ball index

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06 20:20:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

LIVE_BALL_ACCOUNT = sa.text("kind = 'ball' AND balance_g > 0")


def upgrade() -> None:
    op.create_table(
        "job_marks",
        sa.Column(
            "name",
            sa.Text(),
            nullable=False,
            comment="the job and what it walks, e.g. mint.awards",
        ),
        sa.Column(
            "value", sa.BigInteger(), nullable=False, comment="the highest id the job has passed"
        ),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_job_marks")),
    )
    op.create_index(
        "ix_ledger_accounts_live_balls",
        "ledger_accounts",
        ["id"],
        unique=False,
        sqlite_where=LIVE_BALL_ACCOUNT,
        postgresql_where=LIVE_BALL_ACCOUNT,
    )


def downgrade() -> None:
    op.drop_index(
        "ix_ledger_accounts_live_balls",
        table_name="ledger_accounts",
        sqlite_where=LIVE_BALL_ACCOUNT,
        postgresql_where=LIVE_BALL_ACCOUNT,
    )
    op.drop_table("job_marks")
