"""cleanup_max_ratio on imports and import_profiles: the cleanup guard

Revision ID: a9c2e4f6b8d1
Revises: b8e2d4f6a1c3
Create Date: 2026-12-04 19:00:00

A cleanup that would delete a larger share of its scope deletes nothing
(bulk/imports/cleanup.py). Existing imports and profiles get none: the default (0.5).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "a9c2e4f6b8d1"
down_revision: str | None = "b8e2d4f6a1c3"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    for table in ("imports", "import_profiles"):
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("cleanup_max_ratio", sa.Float(), nullable=True))


def downgrade() -> None:
    for table in ("import_profiles", "imports"):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("cleanup_max_ratio")
