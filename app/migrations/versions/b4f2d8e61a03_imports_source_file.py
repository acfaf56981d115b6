"""imports.source_file_*: an import uploaded as a file (multipart), its name, size and format

Revision ID: b4f2d8e61a03
Revises: e41b7c9d2a63
Create Date: 2026-12-04 16:00:00

The file itself is stored gzipped (the import's attachment) and read from storage by the
worker; the row keeps what the API shows of it and the sheet the upload asked for.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "b4f2d8e61a03"
down_revision: str | None = "e41b7c9d2a63"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("imports") as batch:
        batch.add_column(sa.Column("source_file_name", sa.String(length=255), nullable=True))
        batch.add_column(sa.Column("source_file_size", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("source_format", sa.String(length=255), nullable=True))
        batch.add_column(sa.Column("source_sheet", sa.String(length=255), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("imports") as batch:
        for name in ("source_sheet", "source_format", "source_file_size", "source_file_name"):
            batch.drop_column(name)
