"""the errors file of imports: errors_key, and import_failures (the failed items' inputs)

Revision ID: f1a3b5c7d9e2
Revises: d4e8a1c6f925
Create Date: 2026-12-04 18:35:00

Failed items are kept with their chunk's commit until the import ends and its errors file is
written from them (bulk/imports/failures.py).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "f1a3b5c7d9e2"
down_revision: str | None = "d4e8a1c6f925"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _json() -> sa.types.TypeEngine:
    return sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("imports") as batch:
        batch.add_column(sa.Column("errors_key", sa.String(length=255), nullable=True))
    op.create_table(
        "import_failures",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("organization_id", sa.String(length=10), nullable=False),
        sa.Column("import_id", sa.String(length=10), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("raw", _json(), nullable=True),
        sa.Column("errors", _json(), nullable=False),
        sa.ForeignKeyConstraint(["organization_id"], ["organizations.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["import_id"], ["imports.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_import_failures_import_id", "import_failures", ["import_id"])


def downgrade() -> None:
    op.drop_index("ix_import_failures_import_id", table_name="import_failures")
    op.drop_table("import_failures")
    with op.batch_alter_table("imports") as batch:
        batch.drop_column("errors_key")
