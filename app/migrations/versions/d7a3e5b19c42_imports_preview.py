"""imports' preview and plan (preview, plan_counts, plan_log, previewed_at, plan_key,
plan_parts); import_profiles' require_preview

Revision ID: d7a3e5b19c42
Revises: c2d9f4a7e813
Create Date: 2026-12-04 18:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "d7a3e5b19c42"
down_revision: str | None = "c2d9f4a7e813"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _json() -> sa.types.TypeEngine:
    return sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("imports") as batch:
        batch.add_column(sa.Column("preview", sa.Boolean(), nullable=True))
        batch.add_column(sa.Column("plan_counts", _json(), nullable=True))
        batch.add_column(sa.Column("plan_log", _json(), nullable=True))
        batch.add_column(sa.Column("previewed_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("plan_key", sa.String(length=255), nullable=True))
        batch.add_column(sa.Column("plan_parts", _json(), nullable=True))
    with op.batch_alter_table("import_profiles") as batch:
        batch.add_column(sa.Column("require_preview", sa.Boolean(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("import_profiles") as batch:
        batch.drop_column("require_preview")
    with op.batch_alter_table("imports") as batch:
        for name in ("plan_parts", "plan_key", "previewed_at", "plan_log", "plan_counts",
                     "preview"):  # fmt: skip
            batch.drop_column(name)
