"""drop the energy_balls view

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06 12:00:00.000000
"""

from __future__ import annotations

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

# The view as revision 0001 created it, kept here so a downgrade restores it exactly.
ENERGY_BALLS_VIEW = (
    "CREATE VIEW energy_balls AS SELECT id, id AS award_id, user_id, behaviour, day, "
    "energy_g AS amount_g, created_at_us FROM awards WHERE energy_g > 0"
)


def upgrade() -> None:
    # Balls have had their own table since revision 0002 (ADR 0005, amendment); nothing reads
    # the view, and a view nobody reads still has to be kept in step with ``awards``.
    op.execute("DROP VIEW IF EXISTS energy_balls")


def downgrade() -> None:
    op.execute(ENERGY_BALLS_VIEW)
