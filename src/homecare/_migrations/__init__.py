"""homecare's own Alembic migrations (run by `homecare db init | upgrade`, homecare.schema)."""
