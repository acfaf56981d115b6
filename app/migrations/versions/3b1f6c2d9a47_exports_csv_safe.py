"""exports.csv_safe: the opt-in defusing of spreadsheet formulas in CSV exports

Revision ID: 3b1f6c2d9a47
Revises: 8e8498fd8ccf
Create Date: 2026-12-03 19:20:00

From here on each schema change is a revision of its own: databases of servers already running
upgrade in place, with their data.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "3b1f6c2d9a47"
down_revision: str | None = "8e8498fd8ccf"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("exports") as batch:
        batch.add_column(sa.Column("csv_safe", sa.Boolean(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("exports") as batch:
        batch.drop_column("csv_safe")
