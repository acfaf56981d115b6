"""Per-organization counters (order numbers, stock transfer numbers), safe across processes:
one UPDATE ... RETURNING reserves a whole block for a chunk of imported records."""

from __future__ import annotations

from sqlalchemy import Column, Integer, PrimaryKeyConstraint, String, Table
from sqlalchemy.exc import IntegrityError

from core.db import metadata, org_column
from core.tenancy import Scope

sequences = Table(
    "sequences",
    metadata,
    org_column(index=False),
    Column("name", String(40), nullable=False),
    Column("value", Integer, nullable=False),
    PrimaryKeyConstraint("organization_id", "name"),
)

FIRST = 1000  # numbers look like Commerce Layer's from the first order on


def next_values(scope: Scope, name: str, count: int) -> list[int]:
    """`count` fresh values of the organization's counter `name`, in increasing order."""
    if count <= 0:
        return []
    for _attempt in range(3):
        stmt = (
            scope.update(sequences)
            .where(sequences.c.name == name)
            .values(value=sequences.c.value + count)
            .returning(sequences.c.value)
        )
        last = scope.execute(stmt).scalar()
        if last is not None:
            return list(range(last - count + 1, last + 1))
        savepoint = scope.conn.begin_nested()
        try:
            scope.insert(sequences, [{"name": name, "value": FIRST + count - 1}])
            savepoint.commit()
            return list(range(FIRST, FIRST + count))
        except IntegrityError:
            savepoint.rollback()  # another transaction created the counter first: update it
    raise RuntimeError(f"could not reserve {count} values of sequence {name!r}")


__all__ = ["next_values", "sequences"]
