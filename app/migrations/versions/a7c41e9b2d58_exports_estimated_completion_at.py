"""exports.estimated_completion_at: when a running export should be done, extrapolated per page

Revision ID: a7c41e9b2d58
Revises: 5d2e7a91c3f0
Create Date: 2026-12-04 14:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "a7c41e9b2d58"
down_revision: str | None = "5d2e7a91c3f0"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("exports") as batch:
        batch.add_column(sa.Column("estimated_completion_at", sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("exports") as batch:
        batch.drop_column("estimated_completion_at")
