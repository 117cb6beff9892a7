"""imported personal carbon statements

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-10 10:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "imported_statements",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column(
            "user_id", sa.Text(), nullable=False, comment="the participant here who brought it"
        ),
        sa.Column(
            "sha256", sa.Text(), nullable=False, comment="of the signed file: the same file once"
        ),
        sa.Column("issuer_key_id", sa.Text(), nullable=False),
        sa.Column(
            "origin_user_id",
            sa.Text(),
            nullable=False,
            comment="their id at the issuing instance",
        ),
        sa.Column("period_from_us", sa.BigInteger(), nullable=False),
        sa.Column("period_to_us", sa.BigInteger(), nullable=False),
        sa.Column("generated_at_us", sa.BigInteger(), nullable=False),
        sa.Column("document", sa.Text(), nullable=False, comment="the signed file, verbatim"),
        sa.Column("imported_at_us", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_imported_statements")),
        sa.UniqueConstraint(
            "user_id", "sha256", name=op.f("uq_imported_statements_user_id_sha256")
        ),
    )


def downgrade() -> None:
    op.drop_table("imported_statements")
