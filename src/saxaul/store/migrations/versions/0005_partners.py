"""partners, their members and API keys

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06 16:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "partners",
        sa.Column(
            "id", sa.Text(), nullable=False, comment="a slug chosen at sign-up, e.g. see-foundation"
        ),
        sa.Column("name_en", sa.Text(), nullable=False),
        sa.Column("name_zh", sa.Text(), nullable=True),
        sa.Column("kind", sa.Text(), nullable=False, comment="ngo | business | operator"),
        sa.Column("status", sa.Text(), nullable=False, comment="pending | approved | suspended"),
        sa.Column("contact_email", sa.Text(), nullable=False),
        sa.Column("created_at_us", sa.BigInteger(), nullable=False),
        sa.Column("decided_at_us", sa.BigInteger(), nullable=True),
        sa.Column(
            "decided_by", sa.Text(), nullable=True, comment="the operator key that approved it"
        ),
        sa.Column("decision_note", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_partners")),
    )
    op.create_table(
        "partner_members",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("partner_id", sa.Text(), nullable=False),
        sa.Column("email", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("role", sa.Text(), nullable=False, comment="owner | admin | developer | viewer"),
        sa.Column("created_at_us", sa.BigInteger(), nullable=False),
        sa.Column("removed_at_us", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["partner_id"], ["partners.id"], name=op.f("fk_partner_members_partner_id_partners")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_partner_members")),
        sa.UniqueConstraint(
            "partner_id", "email", name=op.f("uq_partner_members_partner_id_email")
        ),
    )
    op.create_table(
        "partner_keys",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("partner_id", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("key_hash", sa.Text(), nullable=False, comment="sha256 of the secret"),
        sa.Column("mode", sa.Text(), nullable=False, comment="sandbox | live"),
        sa.Column("scopes", sa.Text(), nullable=False, comment="';'-joined sorted scopes"),
        sa.Column("member_id", sa.Integer(), nullable=True, comment="the member it acts for"),
        sa.Column("created_at_us", sa.BigInteger(), nullable=False),
        sa.Column(
            "expires_at_us",
            sa.BigInteger(),
            nullable=True,
            comment="set when rotated: a grace period",
        ),
        sa.Column("revoked_at_us", sa.BigInteger(), nullable=True),
        sa.Column(
            "replaced_by", sa.Integer(), nullable=True, comment="the key that rotated this one out"
        ),
        sa.ForeignKeyConstraint(
            ["partner_id"], ["partners.id"], name=op.f("fk_partner_keys_partner_id_partners")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_partner_keys")),
        sa.UniqueConstraint("key_hash", name=op.f("uq_partner_keys_key_hash")),
    )
    with op.batch_alter_table("partner_keys", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_partner_keys_partner_id"), ["partner_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("partner_keys", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_partner_keys_partner_id"))
    op.drop_table("partner_keys")
    op.drop_table("partner_members")
    op.drop_table("partners")
