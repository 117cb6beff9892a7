"""webhook subscriptions, outbox, deliveries and attempts

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06 16:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "webhook_subscriptions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("partner_id", sa.Text(), nullable=False),
        sa.Column("mode", sa.Text(), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("event_types", sa.Text(), nullable=False, comment="';'-joined, sorted"),
        sa.Column("secret_version", sa.Integer(), nullable=False),
        sa.Column("created_at_us", sa.BigInteger(), nullable=False),
        sa.Column("disabled_at_us", sa.BigInteger(), nullable=True),
        sa.Column(
            "after_seq", sa.BigInteger(), nullable=False, comment="events after this one are its"
        ),
        sa.Column("rotated_at_us", sa.BigInteger(), nullable=True, comment="last secret rotation"),
        sa.Column(
            "failed_at_us", sa.BigInteger(), nullable=True, comment="a delivery finally failed"
        ),
        sa.ForeignKeyConstraint(
            ["partner_id"],
            ["partners.id"],
            name=op.f("fk_webhook_subscriptions_partner_id_partners"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_subscriptions")),
    )
    with op.batch_alter_table("webhook_subscriptions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_webhook_subscriptions_partner_id"), ["partner_id"], unique=False
        )
    op.create_table(
        "webhook_events",
        sa.Column(
            "seq",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("id", sa.Text(), nullable=False, comment="evt_…, sent to the receiver"),
        sa.Column("partner_id", sa.Text(), nullable=False),
        sa.Column("mode", sa.Text(), nullable=False),
        sa.Column("type", sa.Text(), nullable=False, comment="order.created, evidence.accepted, …"),
        sa.Column("payload", sa.Text(), nullable=False, comment="JSON"),
        sa.Column("created_at_us", sa.BigInteger(), nullable=False),
        sa.Column(
            "subscription_id",
            sa.Integer(),
            nullable=True,
            comment="addressed to it alone (tests)",
        ),
        sa.Column("fanned_out_at_us", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_webhook_events")),
        sa.UniqueConstraint("id", name=op.f("uq_webhook_events_id")),
    )
    with op.batch_alter_table("webhook_events", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_webhook_events_fanned_out_at_us"), ["fanned_out_at_us"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_webhook_events_partner_id"), ["partner_id"], unique=False
        )
    op.create_table(
        "webhook_deliveries",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("subscription_id", sa.Integer(), nullable=False),
        sa.Column("event_seq", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.Text(), nullable=False, comment="pending | delivered | failed"),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column(
            "next_attempt_at_us",
            sa.BigInteger(),
            nullable=False,
            comment="or a claim's lease end",
        ),
        sa.Column("delivered_at_us", sa.BigInteger(), nullable=True),
        sa.Column(
            "queued_at_us", sa.BigInteger(), nullable=False, comment="fanned out or replayed"
        ),
        sa.Column("queued_attempts", sa.Integer(), nullable=False, comment="attempts before that"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_deliveries")),
        sa.UniqueConstraint(
            "subscription_id",
            "event_seq",
            name=op.f("uq_webhook_deliveries_subscription_id_event_seq"),
        ),
    )
    with op.batch_alter_table("webhook_deliveries", schema=None) as batch_op:
        batch_op.create_index(
            "ix_webhook_deliveries_due", ["status", "next_attempt_at_us"], unique=False
        )
    op.create_table(
        "webhook_attempts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("delivery_id", sa.Integer(), nullable=False),
        sa.Column("at_us", sa.BigInteger(), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("duration_us", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_attempts")),
    )
    with op.batch_alter_table("webhook_attempts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_webhook_attempts_delivery_id"), ["delivery_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("webhook_attempts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_webhook_attempts_delivery_id"))
    op.drop_table("webhook_attempts")
    with op.batch_alter_table("webhook_deliveries", schema=None) as batch_op:
        batch_op.drop_index("ix_webhook_deliveries_due")
    op.drop_table("webhook_deliveries")
    with op.batch_alter_table("webhook_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_webhook_events_partner_id"))
        batch_op.drop_index(batch_op.f("ix_webhook_events_fanned_out_at_us"))
    op.drop_table("webhook_events")
    with op.batch_alter_table("webhook_subscriptions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_webhook_subscriptions_partner_id"))
    op.drop_table("webhook_subscriptions")
