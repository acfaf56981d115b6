"""Engine, metadata and the small column vocabulary every table shares."""

from __future__ import annotations

import os
import sqlite3
import string
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from sqlalchemy import JSON, Column, DateTime, ForeignKey, String, Table, create_engine, event
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import DBAPIError
from sqlmodel import SQLModel

from core import json_codec
from core.errors import QueryTimedOut

metadata = SQLModel.metadata

ID_ALPHABET = string.ascii_letters + string.digits
ID_LENGTH = 10

# JSON everywhere, JSONB on PostgreSQL so that `jcont` can use `@>`.
JsonType = JSON().with_variant(JSONB(), "postgresql")


# Bytes map onto the alphabet by their value modulo 62; the 8 values above 4 x 62 are dropped,
# so that every character stays equally likely.
_ID_MAP = bytes(ord(ID_ALPHABET[b % len(ID_ALPHABET)]) for b in range(256))
_ID_UNEVEN = bytes(range(len(ID_ALPHABET) * 4, 256))


def new_id() -> str:
    """10 random base-62 characters (~59 bits), with one urandom call: imports make 10,000
    at once (0.4 µs each, against 10 µs for arithmetic base conversion)."""
    while True:
        chars = os.urandom(ID_LENGTH + 6).translate(_ID_MAP, _ID_UNEVEN)
        if len(chars) >= ID_LENGTH:  # 16 bytes leave fewer than 10 about once in 10^7
            return chars[:ID_LENGTH].decode()


def utcnow() -> datetime:
    """Naive UTC with millisecond precision: the same value on SQLite and PostgreSQL."""
    now = datetime.now(UTC).replace(tzinfo=None)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


def table_of(model: type[SQLModel]) -> Table:
    """The Core table of a SQLModel class (Core statements run on it)."""
    return model.__table__  # type: ignore[attr-defined]  # set by SQLModel's metaclass


def id_column() -> Column:
    return Column("id", String(ID_LENGTH), primary_key=True, default=new_id)


def org_column(index: bool = True) -> Column:
    """`index=False` where a composite index already starts with organization_id: a second,
    narrower index tempts PostgreSQL into scanning a whole organization on stale statistics."""
    return Column(
        "organization_id",
        String(ID_LENGTH),
        ForeignKey("organizations.id", ondelete="CASCADE"),
        nullable=False,
        index=index,
    )


def timestamp_columns() -> list[Column]:
    return [
        Column("created_at", DateTime(), nullable=False, default=utcnow),
        Column("updated_at", DateTime(), nullable=False, default=utcnow, onupdate=utcnow),
    ]


def private_sqlite_file(url: str) -> None:
    """Creates the SQLite database file (and its folder) readable by its owner only, before
    SQLite would create it world-readable: it holds the signing key and every organization's
    data. SQLite gives its -wal and -shm files the same mode. A file an earlier version left
    readable by others is made private too."""
    path = make_url(url).database
    if not path or path == ":memory:" or path.startswith("file:"):
        return
    if os.path.exists(path):
        for existing in (path, f"{path}-wal", f"{path}-shm"):
            make_private(existing)
        return
    os.makedirs(os.path.dirname(os.path.abspath(path)), mode=0o700, exist_ok=True)
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        pass  # another process created it first, the same way


def make_private(path: str | os.PathLike[str]) -> None:
    """Takes group and other permissions off a file of ours, if it exists."""
    try:
        mode = os.stat(path).st_mode
        if mode & 0o077:
            os.chmod(path, mode & 0o700)
    except FileNotFoundError:
        pass
    except PermissionError:
        pass  # not ours to change (a read-only mount): the operator's decision


@contextmanager
def transaction(
    engine: Engine, write: bool = True, timeout: float | None = None
) -> Iterator[Connection]:
    """One transaction; on SQLite a read-only one does not take the write lock.

    With a ``timeout`` (seconds), the database cancels any statement of the transaction that
    runs longer, and the caller gets ``QueryTimedOut``: a request's query never holds the
    database (or a server's shutdown) after its client has given up."""
    with engine.connect() as conn:
        conn = conn.execution_options(bulkport_write=write)
        try:
            with conn.begin(), _deadline(conn, timeout):
                yield conn
        except DBAPIError as exc:
            if timeout and cancelled(exc):
                raise QueryTimedOut.after(timeout) from None
            raise


# How many SQLite virtual machine steps run between two looks at the clock: about 0.1 s of a
# pathological LIKE (one step per row), a few microseconds of overhead on ordinary queries.
_SQLITE_CHECK_EVERY = 100


@contextmanager
def _deadline(conn: Connection, timeout: float | None) -> Iterator[None]:
    """Cancels the transaction's statements after ``timeout`` seconds. PostgreSQL has a
    statement timeout (LOCAL: the pooled connection goes back without it); SQLite has none,
    so a progress handler interrupts it, and is removed before the commit or rollback."""
    if not timeout:
        yield
        return
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql(f"SET LOCAL statement_timeout = {max(1, round(timeout * 1000))}")
        yield
        return
    dbapi = conn.connection.dbapi_connection
    assert dbapi is not None
    deadline = time.monotonic() + timeout
    dbapi.set_progress_handler(lambda: time.monotonic() > deadline, _SQLITE_CHECK_EVERY)
    try:
        yield
    finally:
        dbapi.set_progress_handler(None, 0)


def cancelled(exc: DBAPIError) -> bool:
    """PostgreSQL's query_canceled (57014), or SQLite's interrupted statement."""
    orig = exc.orig
    if isinstance(orig, sqlite3.OperationalError):
        return str(orig) == "interrupted"
    return getattr(orig, "sqlstate", None) == "57014"


# JSON columns (and, on PostgreSQL, the driver's own Jsonb in COPY) encode with orjson.
_JSON_CODEC = {"json_serializer": json_codec.dumps, "json_deserializer": json_codec.loads}


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        private_sqlite_file(url)
        engine = create_engine(
            url, connect_args={"check_same_thread": False, "timeout": 30}, **_JSON_CODEC
        )

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):  # pragma: no cover - trivial
            # Foreign keys are off by default in SQLite; WAL lets readers run beside the worker.
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn):  # pragma: no cover - trivial
            # Writers take the write lock up front (BEGIN IMMEDIATE), so concurrent writers queue
            # instead of failing with "database is locked" on upgrade; readers never wait.
            write = conn.get_execution_options().get("bulkport_write", True)
            conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

        return engine
    return create_engine(url, pool_size=10, max_overflow=20, pool_pre_ping=True, **_JSON_CODEC)


# SQLSTATE classes and codes of failures that pass: connection loss (08), a transaction
# rolled back by a conflict (40), too few resources (53), the server shutting down or starting
# (57P01-57P03), a lock not available in time (55P03).
_TRANSIENT_CLASSES = ("08", "40", "53")
_TRANSIENT_CODES = frozenset({"57P01", "57P02", "57P03", "55P03"})
_SQLITE_TRANSIENT = ("database is locked", "database is busy", "disk I/O error")


def transient(exc: DBAPIError) -> bool:
    """Whether a database error may pass if the work is tried again (the database restarting,
    a lock, a conflict), as opposed to one the same work meets every time (a statement the
    database refuses): jobs retry the first kind and fail on the second."""
    if exc.connection_invalidated:
        return True
    orig = exc.orig
    if isinstance(orig, sqlite3.OperationalError):
        return str(orig).startswith(_SQLITE_TRANSIENT)
    state = getattr(orig, "sqlstate", None) or ""
    return state.startswith(_TRANSIENT_CLASSES) or state in _TRANSIENT_CODES
