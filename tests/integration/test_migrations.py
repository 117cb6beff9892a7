"""Every migration goes down and up again, on both stores, to the schema the code expects.

Why: a downgrade is only written for the day something goes wrong, which is the worst day to
find out it fails; and a view or table a revision drops must come back exactly.
"""

from __future__ import annotations

import hashlib

import sqlalchemy as sa
from alembic import command

from saxaul.bootstrap import bootstrap
from saxaul.config import Settings
from saxaul.domain.operators import OperatorRole
from saxaul.services.api_keys import authenticate
from saxaul.store.engine import make_engine
from saxaul.store.migrate import alembic_config, upgrade


def _names(engine: sa.Engine) -> tuple[set[str], set[str]]:
    inspector = sa.inspect(engine)
    return set(inspector.get_table_names()), set(inspector.get_view_names())


def test_downgrade_to_base_and_upgrade_again_gives_the_same_schema(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        upgrade(engine)
        tables, views = _names(engine)
        assert "balls" in tables and "energy_balls" not in views
        config = alembic_config(engine)
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.downgrade(config, "0003")
        assert "energy_balls" in _names(engine)[1]
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.downgrade(config, "base")
        assert _names(engine)[0] <= {"alembic_version"}
        upgrade(engine)
        assert _names(engine) == (tables, views)
    finally:
        engine.dispose()


def test_the_migrated_schema_is_the_one_the_code_declares(database_url: str) -> None:
    """Every table, column and index in ``store.tables`` is what the migrations create, so a
    change to one without the other fails here rather than on an operator's upgrade. On
    PostgreSQL the partitioned schema adds ``store.partitions``' tables and keeps the unique
    transfer id in one of them; the partitions themselves are not declared."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from saxaul.store import partitions
    from saxaul.store.tables import metadata

    engine = make_engine(database_url)
    try:
        upgrade(engine)
        with engine.connect() as connection:
            if connection.dialect.name == "postgresql":
                context = MigrationContext.configure(
                    connection, opts={"include_object": partitions.declared}
                )
                differences = compare_metadata(context, [metadata, partitions.postgres_metadata])
            else:
                differences = compare_metadata(MigrationContext.configure(connection), metadata)
        assert differences == []
    finally:
        engine.dispose()


def test_keys_made_before_roles_become_admins_and_keep_working(database_url: str) -> None:
    """0010: a key stored by 0009's code (role ``operator``, all-powerful) is an ``admin``
    afterwards and still authenticates, so upgrading locks nobody out."""
    secret = "sxk_made-before-roles"
    engine = make_engine(database_url)
    try:
        upgrade(engine, "0009")
        with engine.begin() as connection:
            connection.execute(
                sa.text(
                    "INSERT INTO api_keys (name, key_hash, role, created_at_us) "
                    "VALUES ('old-ingest', :hash, 'operator', 0)"
                ),
                {"hash": hashlib.sha256(secret.encode()).hexdigest()},
            )
        upgrade(engine)
        with engine.connect() as connection:
            roles = connection.execute(sa.text("SELECT name, role FROM api_keys")).all()
    finally:
        engine.dispose()
    assert [tuple(row) for row in roles] == [("old-ingest", "admin")]
    rt = bootstrap(Settings(database_url=database_url))
    try:
        assert authenticate(rt, secret).role == OperatorRole.ADMIN
    finally:
        rt.db.dispose()
