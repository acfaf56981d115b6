"""The migrations create exactly the schema the declarations describe (a declaration changed
without a new revision fails here, on both databases)."""

import json
from collections.abc import Iterator
from datetime import datetime

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text

import resources  # noqa: F401 - every table declared
from app.migrate import upgrade
from core.db import make_engine, metadata
from resources.import_inputs import unpack
from tests.support.services import empty_postgres, make_settings


def test_migrated_schema_matches_the_declarations(app):
    with app.state.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        assert compare_metadata(context, metadata) == []


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database(request, tmp_path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'old.sqlite3'}"
    else:
        with empty_postgres() as url:
            yield url


PENDING_IMPORTS = [
    ("imp0000001", "json", [{"name": "summer"}, {"name": "sale", "metadata": {"n": 2**70}}]),
    ("imp0000002", "csv", "name\nwinter\n"),
]


def test_a_database_of_the_first_release_upgrades_in_place(empty_database, tmp_path, jwt_pem):
    """Servers already running keep their data: each schema change after the initial one is a
    revision of its own, applied over the existing tables."""
    settings = make_settings(tmp_path, empty_database, jwt_pem)
    upgrade(settings, "8e8498fd8ccf")
    engine = make_engine(settings.database_url)
    try:
        columns = {c["name"] for c in inspect(engine).get_columns("exports")}
        assert "csv_safe" not in columns  # the first release's schema
        with engine.begin() as conn:
            conn.execute(
                text("INSERT INTO organizations (id, slug, name, created_at, updated_at) "
                     "VALUES ('org0000001', 'acme', 'Acme', :now, :now)"),
                {"now": datetime(2026, 11, 1)},
            )  # fmt: skip
            for job_id, fmt, inputs in PENDING_IMPORTS:
                conn.execute(
                    text("INSERT INTO imports (id, organization_id, created_at, updated_at, "
                         "resource_type, format, inputs, status, cursor) VALUES (:id, "
                         "'org0000001', :now, :now, 'tags', :fmt, :inputs, 'pending', 0)"),
                    {"id": job_id, "fmt": fmt, "inputs": json.dumps(inputs),
                     "now": datetime(2026, 11, 1)},
                )  # fmt: skip
        upgrade(settings)
        with engine.connect() as conn:
            assert conn.execute(text("SELECT slug FROM organizations")).scalars().all() == ["acme"]
            # Imports created before the upgrade and not yet run keep their inputs.
            stored = dict(conn.execute(text("SELECT id, inputs FROM imports")).all())
            for job_id, _fmt, inputs in PENDING_IMPORTS:
                assert unpack(bytes(stored[job_id])) == inputs
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            assert compare_metadata(context, metadata) == []
    finally:
        engine.dispose()
