"""The migrations create exactly the schema the declarations describe (a declaration changed
without a new revision fails here, on both databases)."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

import resources  # noqa: F401 - every table declared
from core.db import metadata


def test_migrated_schema_matches_the_declarations(app):
    with app.state.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        assert compare_metadata(context, metadata) == []
