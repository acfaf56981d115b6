"""Alembic environment. Run it through ``app.migrate`` (or ``bulkport migrate``), which builds
the Config in code: the database URL comes from Settings, not from an ini file."""

from __future__ import annotations

import logging.config

from alembic import context
from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.pool import NullPool

import app.auth.models  # noqa: F401  (registers applications, server_keys)
import core.tenancy  # noqa: F401  (registers organizations)
import resources  # noqa: F401  (the registry: importing it declares every resource table)
from core.db import metadata

config = context.config
if config.config_file_name is not None:
    logging.config.fileConfig(config.config_file_name, disable_existing_loggers=False)

target_metadata = metadata
# Any fixed number: every process migrating a PostgreSQL database takes the same lock.
PG_LOCK_ID = 0x42_75_6C_6B


def _engine(url: str) -> Engine:
    if not url.startswith("sqlite"):
        return create_engine(url, poolclass=NullPool)
    engine = create_engine(url, poolclass=NullPool, connect_args={"timeout": 30})

    @event.listens_for(engine, "connect")
    def _connect(dbapi_conn, _record):
        # Batch mode rebuilds a table by copy, drop and rename; with foreign keys on, dropping
        # a parent would cascade-delete its children, so they stay off while migrating.
        dbapi_conn.isolation_level = None
        dbapi_conn.execute("PRAGMA foreign_keys=OFF")
        dbapi_conn.execute("PRAGMA busy_timeout=30000")

    @event.listens_for(engine, "begin")
    def _begin(conn):
        # pysqlite would run DDL outside any transaction: an explicit BEGIN IMMEDIATE makes the
        # upgrade atomic, and makes a second process starting at the same time wait for it.
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def _configure(**kwargs) -> None:
    url = config.get_main_option("sqlalchemy.url") or ""
    context.configure(
        target_metadata=target_metadata,
        render_as_batch=url.startswith("sqlite"),
        compare_type=True,
        **kwargs,
    )


def run_migrations_offline() -> None:
    _configure(url=config.get_main_option("sqlalchemy.url"), literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    engine = _engine(config.get_main_option("sqlalchemy.url") or "")
    try:
        with engine.connect() as connection:
            _configure(connection=connection)
            with context.begin_transaction():
                if connection.dialect.name == "postgresql":
                    connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({PG_LOCK_ID})")
                context.run_migrations()
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
