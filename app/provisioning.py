"""Provisioning: organizations and their API applications (used by the CLI).

The client secret is returned once, here, and only its hash is stored. Everything returned is
plain JSON (datetimes as ISO 8601 text), what `--json` prints.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.engine import Connection, Engine, Row
from sqlalchemy.exc import IntegrityError

from app.auth.credentials import hash_secret, new_client_id, new_client_secret
from app.auth.models import applications
from app.auth.principal import INTEGRATION, KINDS
from core.db import new_id, utcnow
from core.errors import BadRequest, Conflict, FieldError, NotFound, ValidationFailed
from core.tenancy import Scope, organizations
from resources.fields import format_datetime

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


def _organization_id(conn: Connection, slug: str) -> str:
    organization_id = conn.scalar(select(organizations.c.id).where(organizations.c.slug == slug))
    if organization_id is None:
        raise NotFound(f"There is no organization with slug {slug!r}")
    return organization_id


def _organization(row: Row) -> dict[str, Any]:
    return {
        "id": row.id,
        "slug": row.slug,
        "name": row.name,
        "imports_trigger_webhooks": row.imports_trigger_webhooks,
        "created_at": format_datetime(row.created_at),
    }


def _application(row: Row) -> dict[str, Any]:
    return {
        "id": row.id,
        "kind": row.kind,
        "name": row.name,
        "client_id": row.client_id,
        "created_at": format_datetime(row.created_at),
        "revoked_at": format_datetime(row.revoked_at) if row.revoked_at else None,
    }


def list_organizations(engine: Engine) -> list[dict[str, Any]]:
    """Every organization, by slug, with how many applications it has."""
    # The join follows the foreign key: no organization filter of our own (core/tenancy).
    stmt = (
        select(organizations, func.count(applications.c.id).label("n"))
        .select_from(organizations.outerjoin(applications))
        .group_by(*organizations.c)
        .order_by(organizations.c.slug)
    )
    with engine.connect() as conn:
        return [{**_organization(row), "applications_count": row.n} for row in conn.execute(stmt)]


def _applications_of(conn: Connection, organization_id: str) -> list[dict[str, Any]]:
    stmt = Scope(conn, organization_id).select(applications)
    rows = conn.execute(stmt.order_by(applications.c.created_at, applications.c.id))
    return [_application(row) for row in rows]


def show_organization(engine: Engine, slug: str) -> dict[str, Any]:
    """One organization's settings and its applications."""
    with engine.connect() as conn:
        row = conn.execute(select(organizations).where(organizations.c.slug == slug)).one_or_none()
        if row is None:
            raise NotFound(f"There is no organization with slug {slug!r}")
        return {"organization": _organization(row), "applications": _applications_of(conn, row.id)}


def update_organization(
    engine: Engine,
    slug: str,
    *,
    name: str | None = None,
    imports_trigger_webhooks: bool | None = None,
) -> dict[str, Any]:
    """Changes what is given (None: unchanged) and returns the organization as it is then."""
    values: dict[str, Any] = {}
    if name is not None:
        if not name.strip():
            raise ValidationFailed([FieldError.of("name", "blank")])
        values["name"] = name
    if imports_trigger_webhooks is not None:
        values["imports_trigger_webhooks"] = imports_trigger_webhooks
    if not values:
        raise BadRequest("nothing to change: give --name or --imports-trigger-webhooks")
    with engine.begin() as conn:
        stmt = update(organizations).where(organizations.c.slug == slug)
        if not conn.execute(stmt.values(**values, updated_at=utcnow())).rowcount:
            raise NotFound(f"There is no organization with slug {slug!r}")
    return {"organization": show_organization(engine, slug)["organization"]}


def list_applications(engine: Engine, org_slug: str) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        return _applications_of(conn, _organization_id(conn, org_slug))


def _live_application(conn: Connection, application_id: str) -> Row:
    """The application with this id (any organization's), refused when revoked."""
    stmt = select(applications).where(applications.c.id == application_id)
    row = conn.execute(stmt.with_for_update()).one_or_none()
    if row is None:
        raise NotFound(f"There is no application with id {application_id!r}")
    if row.revoked_at is not None:
        when = format_datetime(row.revoked_at)
        raise Conflict(f"application {application_id} was revoked at {when}")
    return row


def rotate_secret(engine: Engine, application_id: str) -> dict[str, Any]:
    """A new client secret for an integration; the old one stops working at once. Tokens
    already issued stay valid until they expire (`revoke_application` refuses them too)."""
    with engine.begin() as conn:
        row = _live_application(conn, application_id)
        if row.kind != INTEGRATION:
            raise Conflict(
                f"application {application_id} is a {row.kind}: it has no secret to rotate"
            )
        secret = new_client_secret()
        conn.execute(
            update(applications)
            .where(applications.c.id == application_id)
            .values(secret_hash=hash_secret(secret), updated_at=utcnow())
        )
    application = {"id": row.id, "kind": row.kind, "client_id": row.client_id}
    return {"application": {**application, "client_secret": secret}}


def revoke_application(engine: Engine, application_id: str) -> dict[str, Any]:
    """From now on the application gets no token and the tokens it has are refused."""
    now = utcnow()
    with engine.begin() as conn:
        _live_application(conn, application_id)
        conn.execute(
            update(applications)
            .where(applications.c.id == application_id)
            .values(revoked_at=now, updated_at=now)
        )
        row = conn.execute(select(applications).where(applications.c.id == application_id)).one()
    return {"application": _application(row)}
