"""applications.revoked_at: `bulkport apps revoke` refuses an application's tokens from then on

Revision ID: e5b1c7d3a9f2
Revises: a7c2e9f4b613
Create Date: 2026-12-05 05:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "e5b1c7d3a9f2"
down_revision: str | None = "a7c2e9f4b613"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("applications") as batch:
        batch.add_column(sa.Column("revoked_at", sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("applications") as batch:
        batch.drop_column("revoked_at")
