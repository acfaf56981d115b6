"""Provisioning: organizations and their API applications (used by the CLI).

The client secret is returned once, here, and only its hash is stored.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError

from app.auth.credentials import hash_secret, new_client_id, new_client_secret
from app.auth.models import applications
from app.auth.principal import INTEGRATION, KINDS
from core.db import new_id
from core.errors import FieldError, NotFound, ValidationFailed
from core.tenancy import Scope, organizations

SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,99}$")


def _slug_taken(slug: str) -> ValidationFailed:
    return ValidationFailed([FieldError("slug", "taken", f"{slug!r} has already been taken")])


def _check_slug(slug: str) -> None:
    if not SLUG.match(slug):
        message = (
            f"{slug!r} is invalid: use 1 to 100 lowercase letters, digits and dashes, "
            "starting with a letter or a digit"
        )
        raise ValidationFailed([FieldError("slug", "invalid", message)])


def _check_kind(kind: str) -> None:
    if kind not in KINDS:
        message = f"{kind!r} is not included in the list ({', '.join(KINDS)})"
        raise ValidationFailed([FieldError("kind", "inclusion", message)])


def _add_application(conn: Connection, organization_id: str, kind: str, name: str) -> dict:
    secret = new_client_secret() if kind == INTEGRATION else None
    row = {
        "id": new_id(),
        "kind": kind,
        "name": name,
        "client_id": new_client_id(),
        "secret_hash": hash_secret(secret) if secret else None,
    }
    Scope(conn, organization_id).insert(applications, [row])
    return {"id": row["id"], "kind": kind, "client_id": row["client_id"], "client_secret": secret}


def create_organization(engine: Engine, slug: str, name: str | None = None) -> dict[str, Any]:
    """A new organization with one integration application."""
    _check_slug(slug)
    name = name or slug
    organization = {"id": new_id(), "slug": slug, "name": name}
    try:
        with engine.begin() as conn:
            if conn.scalar(select(organizations.c.id).where(organizations.c.slug == slug)):
                raise _slug_taken(slug)
            conn.execute(insert(organizations).values(**organization))
            application = _add_application(conn, organization["id"], INTEGRATION, "Integration")
    except IntegrityError:
        raise _slug_taken(slug) from None  # lost a race with a concurrent create
    return {"organization": organization, "application": application}


def create_application(
    engine: Engine, org_slug: str, kind: str, name: str | None = None
) -> dict[str, Any]:
    """Another application for an existing organization; sales channels get no secret."""
    _check_kind(kind)
    with engine.begin() as conn:
        organization_id = conn.scalar(
            select(organizations.c.id).where(organizations.c.slug == org_slug)
        )
        if organization_id is None:
            raise NotFound(f"There is no organization with slug {org_slug!r}")
        default_name = "Sales channel" if kind != INTEGRATION else "Integration"
        application = _add_application(conn, organization_id, kind, name or default_name)
    return {"application": application}


def set_imports_trigger_webhooks(engine: Engine, org_slug: str, on: bool) -> dict[str, Any]:
    """Whether the records the organization's imports write fire webhooks (off by default)."""
    with engine.begin() as conn:
        stmt = update(organizations).where(organizations.c.slug == org_slug)
        if not conn.execute(stmt.values(imports_trigger_webhooks=on)).rowcount:
            raise NotFound(f"There is no organization with slug {org_slug!r}")
    return {"organization": {"slug": org_slug, "imports_trigger_webhooks": on}}
