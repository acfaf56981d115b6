"""imports.inputs: gzipped bytes instead of JSON

Revision ID: 5d2e7a91c3f0
Revises: c64d675c082e
Create Date: 2026-12-03 22:00:00

Inputs of imports not yet run keep their JSON text, as bytes: the worker reads either form
(bulk/imports/inputs.py).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "5d2e7a91c3f0"
down_revision: str | None = "c64d675c082e"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_context().dialect.name == "postgresql":
        op.alter_column(
            "imports", "inputs", type_=sa.LargeBinary(),
            postgresql_using="convert_to(inputs::text, 'UTF8')",
        )  # fmt: skip
        return
    with op.batch_alter_table("imports") as batch:
        batch.alter_column("inputs", type_=sa.LargeBinary())
    op.execute("UPDATE imports SET inputs = CAST(inputs AS BLOB) WHERE inputs IS NOT NULL")


def downgrade() -> None:
    # Gzipped inputs cannot become JSON in SQL: imports not yet run lose them (and fail).
    if op.get_context().dialect.name == "postgresql":
        op.alter_column("imports", "inputs", type_=postgresql.JSONB(), postgresql_using="NULL")
        return
    op.execute("UPDATE imports SET inputs = NULL")
    with op.batch_alter_table("imports") as batch:
        batch.alter_column("inputs", type_=sa.JSON())
