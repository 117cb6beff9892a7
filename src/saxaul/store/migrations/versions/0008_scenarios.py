"""business green scenarios

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06 16:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "scenarios",
        sa.Column("id", sa.Text(), nullable=False),
        sa.Column("partner_id", sa.Text(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column(
            "fragment",
            sa.Text(),
            nullable=False,
            comment="the methodology fragment as canonical JSON",
        ),
        sa.Column(
            "status",
            sa.Text(),
            nullable=False,
            comment="draft | submitted | approved | rejected | suspended",
        ),
        sa.Column(
            "sandbox_result", sa.Text(), nullable=True, comment="JSON of the last sandbox run"
        ),
        sa.Column(
            "budget_g",
            sa.BigInteger(),
            nullable=True,
            comment="energy the operator allows in total",
        ),
        sa.Column("pack_id", sa.Text(), nullable=True),
        sa.Column("pack_version", sa.Text(), nullable=True),
        sa.Column("created_at_us", sa.BigInteger(), nullable=False),
        sa.Column("submitted_at_us", sa.BigInteger(), nullable=True),
        sa.Column("decided_at_us", sa.BigInteger(), nullable=True),
        sa.Column("decided_by", sa.Text(), nullable=True),
        sa.Column("decision_note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["partner_id"], ["partners.id"], name=op.f("fk_scenarios_partner_id_partners")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scenarios")),
    )
    with op.batch_alter_table("scenarios", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_scenarios_partner_id"), ["partner_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("scenarios", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_scenarios_partner_id"))
    op.drop_table("scenarios")
