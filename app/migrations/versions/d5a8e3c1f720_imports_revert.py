"""imports: reverted_at, reverted_count and the revert's cursor and force flag

Revision ID: d5a8e3c1f720
Revises: d7a3e5b19c42
Create Date: 2026-12-04 18:30:00

PATCH `_revert` undoes an import from its versions (bulk/imports/revert.py).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "d5a8e3c1f720"
down_revision: str | None = "d7a3e5b19c42"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("imports") as batch:
        batch.add_column(sa.Column("reverted_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("reverted_count", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("revert_cursor", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("revert_force", sa.Boolean(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("imports") as batch:
        batch.drop_column("revert_force")
        batch.drop_column("revert_cursor")
        batch.drop_column("reverted_count")
        batch.drop_column("reverted_at")
