"""import_analyses, and imports.import_analysis_id (an import of an analysed file)

Revision ID: c9e4a2f7d315
Revises: b4f2d8e61a03
Create Date: 2026-12-04 17:30:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy import Text
from sqlalchemy.dialects import postgresql

revision: str = "c9e4a2f7d315"
down_revision: str | Sequence[str] | None = "b4f2d8e61a03"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _json() -> sa.types.TypeEngine:
    return sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "import_analyses",
        sa.Column("id", sa.String(length=10), nullable=False),
        sa.Column("organization_id", sa.String(length=10), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("resource_type", sa.String(length=255), nullable=True),
        sa.Column("file_name", sa.String(length=255), nullable=True),
        sa.Column("file_size", sa.Integer(), nullable=True),
        sa.Column("file_type", sa.String(length=255), nullable=True),
        sa.Column("encoding", sa.String(length=255), nullable=True),
        sa.Column("delimiter", sa.String(length=255), nullable=True),
        sa.Column("sheet", sa.String(length=255), nullable=True),
        sa.Column("sheet_names", _json(), nullable=True),
        sa.Column("total_rows", sa.Integer(), nullable=True),
        sa.Column("columns", _json(), nullable=True),
        sa.Column("preview_rows", _json(), nullable=True),
        sa.Column("suggested_mapping", _json(), nullable=True),
        sa.Column("unmapped_required", _json(), nullable=True),
        sa.Column("problems", _json(), nullable=True),
        sa.Column("problems_count", sa.Integer(), nullable=True),
        sa.Column("expires_at", sa.DateTime(), nullable=True),
        sa.Column("reference", sa.String(length=255), nullable=True),
        sa.Column("reference_origin", sa.String(length=255), nullable=True),
        sa.Column("metadata", _json(), nullable=True),
        sa.Column("attachment_key", sa.String(length=255), nullable=True),
        sa.ForeignKeyConstraint(["organization_id"], ["organizations.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("import_analyses", schema=None) as batch_op:
        batch_op.create_index("ix_import_analyses_expires_at", ["expires_at"], unique=False)
        batch_op.create_index(
            "ix_import_analyses_org_created", ["organization_id", "created_at"], unique=False
        )
    with op.batch_alter_table("imports") as batch:
        batch.add_column(sa.Column("import_analysis_id", sa.String(length=255), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("imports") as batch:
        batch.drop_column("import_analysis_id")
    with op.batch_alter_table("import_analyses", schema=None) as batch_op:
        batch_op.drop_index("ix_import_analyses_org_created")
        batch_op.drop_index("ix_import_analyses_expires_at")
    op.drop_table("import_analyses")
