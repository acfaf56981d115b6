"""API clients (applications) and the server's token-signing keys."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Column, DateTime, Text
from sqlmodel import Field, SQLModel

from core.db import ID_LENGTH, new_id, table_of, utcnow


class Application(SQLModel, table=True):
    __tablename__ = "applications"
    __table_args__ = (
        CheckConstraint("kind IN ('integration', 'sales_channel')", name="ck_applications_kind"),
    )

    id: str = Field(default_factory=new_id, primary_key=True, max_length=ID_LENGTH)
    organization_id: str = Field(
        foreign_key="organizations.id", ondelete="CASCADE", index=True, max_length=ID_LENGTH
    )
    kind: str = Field(max_length=20)
    name: str = Field(max_length=255)
    client_id: str = Field(unique=True, index=True, max_length=64)
    # sha256 hex of the secret; NULL for sales channels, which authenticate with client_id only.
    secret_hash: str | None = Field(default=None, max_length=64)
    # Naive UTC like every other table (SQLModel's default UTCDateTime refuses naive values).
    created_at: datetime = Field(default_factory=utcnow, sa_type=DateTime())
    updated_at: datetime = Field(
        default_factory=utcnow, sa_type=DateTime(), sa_column_kwargs={"onupdate": utcnow}
    )
    # Set by `bulkport apps revoke`: the application gets no token, and the tokens it already
    # has are refused by the per-request check (app/auth/backend.py). Kept, not deleted, so
    # `apps list` still shows it and versions keep naming it.
    revoked_at: datetime | None = Field(default=None, sa_type=DateTime())


class ServerKey(SQLModel, table=True):
    """An RSA private key the server signs tokens with; the newest row signs."""

    __tablename__ = "server_keys"

    # A label, not the JWT `kid` (that one is the key's RFC 7638 thumbprint): the first key is
    # always inserted as "primary" so that two processes starting together cannot both add one.
    kid: str = Field(primary_key=True, max_length=64)
    private_pem: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_type=DateTime())


# SQLAlchemy Core handles: the rest of the auth code runs statements on these.
applications = table_of(Application)
server_keys = table_of(ServerKey)
