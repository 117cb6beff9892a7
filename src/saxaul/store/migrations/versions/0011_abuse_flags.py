"""abuse flags and the forfeited account

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07 03:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

# The migration keeps its own copy of the name so this revision never changes with the code.
FORFEITED = "forfeited"


def upgrade() -> None:
    op.create_table(
        "abuse_flags",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column(
            "key",
            sa.Text(),
            nullable=False,
            comment="what was flagged (award:<id>:<rule> or <rule>:<user>:<window>): one flag each",
        ),
        sa.Column("user_id", sa.Text(), nullable=False),
        sa.Column("rule_id", sa.Text(), nullable=False),
        sa.Column("rules_ref", sa.Text(), nullable=False, comment="abuse rules id@version"),
        sa.Column("reason_en", sa.Text(), nullable=False),
        sa.Column("reason_zh", sa.Text(), nullable=False),
        sa.Column(
            "evidence",
            sa.Text(),
            nullable=False,
            comment="JSON: the numbers that tripped the rule",
        ),
        sa.Column(
            "award_id",
            sa.BigInteger(),
            nullable=True,
            comment="the flagged award (its ball's id); NULL for a detector's flag",
        ),
        sa.Column("held_g", sa.BigInteger(), nullable=False, comment="grams held when flagged"),
        sa.Column("status", sa.Text(), nullable=False, comment="open | released | confirmed"),
        sa.Column("created_at_us", sa.BigInteger(), nullable=False),
        sa.Column("decided_by", sa.Text(), nullable=True),
        sa.Column("decided_at_us", sa.BigInteger(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_abuse_flags")),
        sa.UniqueConstraint("key", name=op.f("uq_abuse_flags_key")),
    )
    op.create_index("ix_abuse_flags_status_id", "abuse_flags", ["status", "id"], unique=False)
    op.create_index(op.f("ix_abuse_flags_user_id"), "abuse_flags", ["user_id"], unique=False)
    op.create_index(op.f("ix_abuse_flags_award_id"), "abuse_flags", ["award_id"], unique=False)
    accounts = sa.table(
        "ledger_accounts",
        sa.column("id", sa.Text),
        sa.column("kind", sa.Text),
        sa.column("opened_at_us", sa.BigInteger),
    )
    op.bulk_insert(accounts, [{"id": FORFEITED, "kind": FORFEITED, "opened_at_us": 0}])


def downgrade() -> None:
    op.execute(sa.text("DELETE FROM ledger_accounts WHERE id = :id").bindparams(id=FORFEITED))
    op.drop_index(op.f("ix_abuse_flags_award_id"), table_name="abuse_flags")
    op.drop_index(op.f("ix_abuse_flags_user_id"), table_name="abuse_flags")
    op.drop_index("ix_abuse_flags_status_id", table_name="abuse_flags")
    op.drop_table("abuse_flags")
