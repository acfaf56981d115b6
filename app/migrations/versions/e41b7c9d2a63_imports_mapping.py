"""imports.mapping: the column mapping an import applies to its inputs

Revision ID: e41b7c9d2a63
Revises: a7c3e1f05b92
Create Date: 2026-12-04 16:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "e41b7c9d2a63"
down_revision: str | None = "a7c3e1f05b92"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    json = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
    with op.batch_alter_table("imports") as batch:
        batch.add_column(sa.Column("mapping", json, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("imports") as batch:
        batch.drop_column("mapping")
