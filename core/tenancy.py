"""Organizations, and the one place where queries are scoped to one.

Every read or write of tenant data goes through a ``Scope``: it adds the organization filter to
selects, updates and deletes, and stamps ``organization_id`` on inserts. Nothing else in the code
filters on ``organization_id`` (a test scans the tree for it), so a forgotten filter cannot leak
another organization's records.

A table may also hold only some rows of its SQL table: ``info["only"]`` (column -> value) is
added to its conditions and stamped on its inserts the same way, so a concrete type sharing its
family's table (``resources.base``) never reads or writes another type's rows. A table whose
rows expire (``info["expires"]``, a column) hides them once that time has passed, until the
periodic sweep deletes them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, Table, bindparam, delete, false, func, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.sql import Select
from sqlmodel import Field, SQLModel

from core.db import ID_LENGTH, new_id, table_of, utcnow
from core.dialect import COPY_MIN_ROWS, bulk_insert, insert_ignoring_duplicates, stage, utc_now


class Organization(SQLModel, table=True):
    __tablename__ = "organizations"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=ID_LENGTH)
    slug: str = Field(unique=True, index=True, max_length=100)
    name: str = Field(max_length=255)
    # Whether records an import writes fire their webhooks (off, as in Commerce Layer).
    imports_trigger_webhooks: bool = Field(
        default=False, sa_column_kwargs={"server_default": false()}
    )
    # Plain DateTime: SQLModel's default for datetime (UTCDateTime) rejects the naive UTC values
    # utcnow() returns, and every other table stores naive UTC too.
    created_at: datetime = Field(default_factory=utcnow, sa_type=DateTime())
    updated_at: datetime = Field(default_factory=utcnow, sa_type=DateTime())


organizations = table_of(Organization)


def _only(table: Any) -> dict[str, Any]:
    """The values every row of ``table`` (or of the table an alias stands for) holds."""
    info = getattr(getattr(table, "element", table), "info", None)
    return info.get("only", {}) if info else {}


def _unexpired(table: Any) -> list[Any]:
    """The condition that a row of ``table`` has not expired, if its rows expire."""
    info = getattr(getattr(table, "element", table), "info", None)
    column = info.get("expires") if info else None
    return [table.c[column] > utc_now()] if column else []


@dataclass
class Scope:
    """A connection bound to one organization."""

    conn: Connection
    organization_id: str
    # Who writes through this scope, as versions record it: {"application": {"id", "kind"}}
    # for the API, {"import": {"id"}} for an import's chunks and cleanup, {"cleanup": {"id"}}
    # for a cleanup's chunks.
    who: dict[str, Any] | None = None
    # Whether record writes through this scope fire webhooks (an import's follow the
    # organization's `imports_trigger_webhooks`), and the outbox rows they queued: sent once
    # the transaction has committed (records/events.py).
    webhooks: bool = True
    outbox: list[str] = field(default_factory=list)

    def where(self, stmt: Any, table: Any) -> Any:
        only = _only(table)
        return stmt.where(
            table.c.organization_id == self.organization_id,
            *(table.c[column] == value for column, value in only.items()),
            *_unexpired(table),
        )

    def select(self, table: Table, *columns: Any) -> Select:
        return self.where(select(*(columns or (table,))), table)

    def count(self, table: Table) -> Select:
        return self.where(select(func.count()).select_from(table), table)

    def insert(self, table: Table, rows: list[dict[str, Any]], skip_existing: bool = False) -> None:
        if rows:
            stamp = {**_only(table), "organization_id": self.organization_id}
            stamped = [{**r, **stamp} for r in rows]
            if skip_existing:
                insert_ignoring_duplicates(self.conn, table, stamped)
            else:
                bulk_insert(self.conn, table, stamped)

    def update_rows(
        self, table: Table, rows: list[dict[str, Any]], columns: list[str], **also: Any
    ) -> None:
        """Sets `columns` of each row (matched by `id`) to its values, plus `also` on all."""
        if not rows:
            return
        if self.conn.dialect.name == "postgresql" and len(rows) >= COPY_MIN_ROWS:
            tmp = stage(self.conn, table, rows, columns)
            stmt = self.update(table).where(table.c.id == tmp.c.id)
            self.conn.execute(stmt.values({**{c: tmp.c[c] for c in columns}, **also}))
            return
        stmt = self.update(table).where(table.c.id == bindparam("_id"))
        stmt = stmt.values({**{c: bindparam(f"_{c}") for c in columns}, **also})
        self.conn.execute(
            stmt, [{"_id": r["id"], **{f"_{c}": r[c] for c in columns}} for r in rows]
        )

    def update(self, table: Table) -> Any:
        return self.where(update(table), table)

    def delete(self, table: Table) -> Any:
        return self.where(delete(table), table)

    def execute(self, stmt: Any, params: Any = None) -> Any:
        return self.conn.execute(stmt, params) if params is not None else self.conn.execute(stmt)

    def lock_organization(self) -> None:
        """Serializes per-organization limits (e.g. 10 running imports) across processes.

        PostgreSQL: a row lock on the organization until the transaction ends. SQLite writers
        already hold the database's write lock (``BEGIN IMMEDIATE``).
        """
        if self.conn.dialect.name == "postgresql":
            orgs = organizations
            stmt = select(orgs.c.id).where(orgs.c.id == self.organization_id).with_for_update()
            self.conn.execute(stmt)
