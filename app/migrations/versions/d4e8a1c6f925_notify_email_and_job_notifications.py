"""notify_email on imports, exports and cleanups, and the e-mail outbox (job_notifications)

Revision ID: d4e8a1c6f925
Revises: d5a8e3c1f720
Create Date: 2026-12-04 18:15:00

One outbox row per job that ended with `notify_email`, written with its status change and
deleted once the e-mail is sent (bulk/mail).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "d4e8a1c6f925"
down_revision: str | None = "d5a8e3c1f720"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JOBS = ("imports", "exports", "cleanups")


def _json() -> sa.types.TypeEngine:
    return sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    for table in JOBS:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("notify_email", _json(), nullable=True))
    op.create_table(
        "job_notifications",
        sa.Column("id", sa.String(length=10), nullable=False),
        sa.Column("organization_id", sa.String(length=10), nullable=False),
        sa.Column("resource_type", sa.String(length=255), nullable=False),
        sa.Column("resource_id", sa.String(length=10), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("recipients", _json(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("due_at", sa.DateTime(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["organization_id"], ["organizations.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_job_notifications_due_at", "job_notifications", ["due_at"])
    op.create_index(
        "ix_job_notifications_organization_id", "job_notifications", ["organization_id"]
    )


def downgrade() -> None:
    op.drop_index("ix_job_notifications_organization_id", table_name="job_notifications")
    op.drop_index("ix_job_notifications_due_at", table_name="job_notifications")
    op.drop_table("job_notifications")
    for table in JOBS:
        with op.batch_alter_table(table) as batch:
            batch.drop_column("notify_email")
