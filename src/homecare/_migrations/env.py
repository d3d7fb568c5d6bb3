"""Alembic's environment for homecare's own migrations.

Run only through `homecare.schema` (`homecare db init | upgrade | check`),
which passes an open connection and the schema in `config.attributes`.
Versions are kept in `homecare_alembic_version`, never in a host's
`alembic_version`; only homecare's tables are compared.
"""

from __future__ import annotations

from alembic import context

from homecare.schema import VERSION_TABLE, include_name, target_metadata

config = context.config
connection = config.attributes["connection"]
schema = config.attributes.get("schema")

context.configure(
    connection=connection,
    target_metadata=target_metadata(),
    version_table=VERSION_TABLE,
    version_table_schema=schema,
    include_name=include_name,
    include_schemas=False,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)

with context.begin_transaction():
    context.run_migrations()
