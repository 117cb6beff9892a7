"""projects, planting orders, tree liabilities and evidence

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06 16:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "projects",
        sa.Column("id", sa.Text(), nullable=False),
        sa.Column("partner_id", sa.Text(), nullable=False),
        sa.Column("mode", sa.Text(), nullable=False, comment="sandbox | live"),
        sa.Column("outcome", sa.Text(), nullable=False, comment="trees | land | other"),
        sa.Column(
            "species_id",
            sa.Text(),
            nullable=True,
            comment="trees only: an id of the species catalogue",
        ),
        sa.Column("unit", sa.Text(), nullable=False, comment="tree | m2 | another stated unit"),
        sa.Column("title_en", sa.Text(), nullable=False),
        sa.Column("title_zh", sa.Text(), nullable=True),
        sa.Column(
            "site",
            sa.Text(),
            nullable=False,
            comment="JSON: name, region (zh/en), GeoJSON geometry",
        ),
        sa.Column("capacity", sa.BigInteger(), nullable=False, comment="units contracted"),
        sa.Column(
            "allocated",
            sa.BigInteger(),
            nullable=False,
            comment="trees promised to it: its tree_liabilities rows, counted as they are written",
        ),
        sa.Column("unit_cost_minor", sa.BigInteger(), nullable=True),
        sa.Column("currency", sa.Text(), nullable=True),
        sa.Column("energy_price_g", sa.BigInteger(), nullable=False, comment="energy per unit"),
        sa.Column("starts_on", sa.Text(), nullable=False, comment="ISO date"),
        sa.Column("ends_on", sa.Text(), nullable=True, comment="ISO date"),
        sa.Column("evidence_required", sa.Text(), nullable=False, comment="JSON list"),
        sa.Column("status", sa.Text(), nullable=False, comment="draft | open | closed"),
        sa.Column(
            "source", sa.Text(), nullable=True, comment="catalogue id@version for default projects"
        ),
        sa.Column("created_at_us", sa.BigInteger(), nullable=False),
        sa.Column("updated_at_us", sa.BigInteger(), nullable=False),
        sa.CheckConstraint(
            "allocated >= 0 AND allocated <= capacity",
            name=op.f("ck_projects_allocated_within_capacity"),
        ),
        sa.ForeignKeyConstraint(
            ["partner_id"], ["partners.id"], name=op.f("fk_projects_partner_id_partners")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_projects")),
    )
    with op.batch_alter_table("projects", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_projects_partner_id"), ["partner_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_projects_species_id"), ["species_id"], unique=False)
    op.create_table(
        "planting_orders",
        sa.Column("id", sa.Text(), nullable=False),
        sa.Column("partner_id", sa.Text(), nullable=False),
        sa.Column("project_id", sa.Text(), nullable=False),
        sa.Column("mode", sa.Text(), nullable=False),
        sa.Column(
            "status",
            sa.Text(),
            nullable=False,
            comment="proposed | accepted | declined | fulfilled",
        ),
        sa.Column("units", sa.BigInteger(), nullable=False),
        sa.Column("created_at_us", sa.BigInteger(), nullable=False),
        sa.Column("decided_at_us", sa.BigInteger(), nullable=True),
        sa.Column(
            "decision_note",
            sa.Text(),
            nullable=True,
            comment="the partner's reason for declining",
        ),
        sa.ForeignKeyConstraint(
            ["partner_id"], ["partners.id"], name=op.f("fk_planting_orders_partner_id_partners")
        ),
        sa.ForeignKeyConstraint(
            ["project_id"], ["projects.id"], name=op.f("fk_planting_orders_project_id_projects")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_planting_orders")),
    )
    with op.batch_alter_table("planting_orders", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_planting_orders_partner_id"), ["partner_id"], unique=False
        )
    op.create_table(
        "tree_liabilities",
        sa.Column("tree_id", sa.Text(), nullable=False),
        sa.Column("species_id", sa.Text(), nullable=False),
        sa.Column("project_id", sa.Text(), nullable=True, comment="NULL: on the waiting list"),
        sa.Column("order_id", sa.Text(), nullable=True),
        sa.Column(
            "status",
            sa.Text(),
            nullable=False,
            comment="waiting | owed | ordered | planted | alive | lost",
        ),
        sa.Column("replacements", sa.Integer(), nullable=False),
        sa.Column("promised_at_us", sa.BigInteger(), nullable=False),
        sa.Column("updated_at_us", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("tree_id", name=op.f("pk_tree_liabilities")),
    )
    with op.batch_alter_table("tree_liabilities", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_tree_liabilities_order_id"), ["order_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_tree_liabilities_project_id"), ["project_id"], unique=False
        )
    op.create_table(
        "evidence",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("partner_id", sa.Text(), nullable=False),
        sa.Column("order_id", sa.Text(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False, comment="planting | survival"),
        sa.Column("document", sa.Text(), nullable=False, comment="the report as canonical JSON"),
        sa.Column("sha256", sa.Text(), nullable=False),
        sa.Column("irrigation", sa.Text(), nullable=True, comment="planting only: drip | none"),
        sa.Column("reported_at_us", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["order_id"], ["planting_orders.id"], name=op.f("fk_evidence_order_id_planting_orders")
        ),
        sa.ForeignKeyConstraint(
            ["partner_id"], ["partners.id"], name=op.f("fk_evidence_partner_id_partners")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evidence")),
    )
    with op.batch_alter_table("evidence", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_evidence_order_id"), ["order_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_evidence_partner_id"), ["partner_id"], unique=False)
    op.create_table(
        "tree_evidence",
        sa.Column("tree_id", sa.Text(), nullable=False),
        sa.Column("evidence_id", sa.Integer(), nullable=False),
        sa.Column(
            "outcome", sa.Text(), nullable=False, comment="planted | alive | dead | replanted"
        ),
        sa.ForeignKeyConstraint(
            ["evidence_id"], ["evidence.id"], name=op.f("fk_tree_evidence_evidence_id_evidence")
        ),
        sa.PrimaryKeyConstraint("tree_id", "evidence_id", name=op.f("pk_tree_evidence")),
    )
    with op.batch_alter_table("tree_evidence", schema=None) as batch_op:
        batch_op.create_index("ix_tree_evidence_evidence", ["evidence_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("tree_evidence", schema=None) as batch_op:
        batch_op.drop_index("ix_tree_evidence_evidence")
    op.drop_table("tree_evidence")
    with op.batch_alter_table("evidence", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_evidence_partner_id"))
        batch_op.drop_index(batch_op.f("ix_evidence_order_id"))
    op.drop_table("evidence")
    with op.batch_alter_table("tree_liabilities", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tree_liabilities_project_id"))
        batch_op.drop_index(batch_op.f("ix_tree_liabilities_order_id"))
    op.drop_table("tree_liabilities")
    with op.batch_alter_table("planting_orders", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_planting_orders_partner_id"))
    op.drop_table("planting_orders")
    with op.batch_alter_table("projects", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_projects_partner_id"))
        batch_op.drop_index(batch_op.f("ix_projects_species_id"))
    op.drop_table("projects")
