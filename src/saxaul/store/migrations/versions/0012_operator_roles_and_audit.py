"""operator roles on API keys and the append-only operator audit log

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07 02:40:00.000000

Every key made before roles existed could do everything, so it becomes ``admin``: nothing that
worked stops working. The downgrade turns every role back into ``operator`` (what the code of
0009 stored), losing which key had which role.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

ROLES = "admin | operations | analyst | support (0010)"
APPEND_ONLY = "operator_audit is append-only"
_SQLITE_TRIGGERS = {
    f"operator_audit_no_{verb.lower()}": (
        f"CREATE TRIGGER operator_audit_no_{verb.lower()} BEFORE {verb} ON operator_audit "
        f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END"
    )
    for verb in ("UPDATE", "DELETE")
}
_PG_FUNCTION = f"""
CREATE FUNCTION operator_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION '{APPEND_ONLY}'; END $$
"""
_PG_TRIGGER = (
    "CREATE TRIGGER operator_audit_append_only BEFORE UPDATE OR DELETE OR TRUNCATE "
    "ON operator_audit FOR EACH STATEMENT EXECUTE FUNCTION operator_audit_append_only()"
)


def upgrade() -> None:
    op.execute("UPDATE api_keys SET role = 'admin' WHERE role = 'operator'")
    if op.get_bind().dialect.name == "postgresql":
        op.alter_column(
            "api_keys", "role", existing_type=sa.Text(), existing_nullable=False, comment=ROLES
        )
    op.create_table(
        "operator_audit",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("at_us", sa.BigInteger(), nullable=False),
        sa.Column("key_id", sa.Integer(), nullable=False),
        sa.Column("key_name", sa.Text(), nullable=False),
        sa.Column("role", sa.Text(), nullable=False, comment="the key's role when it acted"),
        sa.Column("permission", sa.Text(), nullable=False, comment="e.g. participants.read"),
        sa.Column("method", sa.Text(), nullable=False),
        sa.Column("route", sa.Text(), nullable=False, comment="the route template, never the URL"),
        sa.Column(
            "user_id",
            sa.Text(),
            nullable=False,
            comment="the participant concerned (pseudonymous)",
        ),
        sa.Column("outcome", sa.Text(), nullable=False, comment="ok, or the refusal code"),
        sa.ForeignKeyConstraint(
            ["key_id"], ["api_keys.id"], name=op.f("fk_operator_audit_key_id_api_keys")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_operator_audit")),
    )
    op.create_index("ix_operator_audit_user_id_id", "operator_audit", ["user_id", "id"])
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_PG_FUNCTION)
        op.execute(_PG_TRIGGER)
    else:
        for create in _SQLITE_TRIGGERS.values():
            op.execute(create)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER operator_audit_append_only ON operator_audit")
        op.execute("DROP FUNCTION operator_audit_append_only()")
    else:
        for name in _SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER {name}")
    op.drop_index("ix_operator_audit_user_id_id", table_name="operator_audit")
    op.drop_table("operator_audit")
    if op.get_bind().dialect.name == "postgresql":
        op.alter_column(
            "api_keys", "role", existing_type=sa.Text(), existing_nullable=False, comment="operator"
        )
    op.execute("UPDATE api_keys SET role = 'operator'")
