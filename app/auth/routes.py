"""Auth endpoints: the OAuth token endpoint, the JWK Set, and the caller's own records.

The OAuth endpoints speak plain ``application/json`` with Commerce Layer's (Doorkeeper's) error
bodies, not JSON:API: that is what its auth client parses.
"""

from __future__ import annotations

import base64
import binascii
from types import SimpleNamespace
from typing import Any
from urllib.parse import unquote_plus

from sqlalchemy import select
from sqlalchemy.engine import Engine
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from app.auth import keys, tokens
from app.auth.backend import authenticate
from app.auth.credentials import secret_matches
from app.auth.models import applications
from app.auth.principal import INTEGRATION, Principal
from app.jsonapi.media import JsonApiResponse, base_url, check_accept
from core import strict_json
from core.db import transaction
from core.errors import NotFound
from core.settings import Settings
from core.tenancy import Scope, organizations
from resources.fields import format_datetime

FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
# RFC 6749 5.1: token responses must not be cached anywhere.
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
INVALID_REQUEST = (
    "The request is missing a required parameter, includes an unsupported parameter value, "
    "or is otherwise malformed."
)
UNSUPPORTED_GRANT = "The authorization grant type is not supported by the authorization server."
INVALID_CLIENT = (
    "Client authentication failed due to unknown client, no client authentication included, "
    "or unsupported authentication method."
)


def _oauth_error(status: int, title: str, detail: str) -> JSONResponse:
    code = "UNAUTHORIZED" if status == 401 else "BAD_REQUEST"
    # `status` a string, as in every other error document of the server (JSON:API's rule).
    error = {"code": code, "detail": detail, "status": str(status), "title": title}
    return JSONResponse({"errors": [error]}, status_code=status, headers=NO_STORE)


def _basic_credentials(request: Request) -> dict[str, str]:
    """client_secret_basic (RFC 6749 2.3.1): each half is form-encoded, then base64."""
    scheme, _, encoded = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "basic":
        return {}
    try:
        client_id, _, secret = base64.b64decode(encoded.strip()).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return {}
    return {"client_id": unquote_plus(client_id), "client_secret": unquote_plus(secret)}


async def token_params(request: Request) -> dict[str, str] | None:
    """The token request's parameters from a JSON or form body; None when unreadable."""
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type in FORM_TYPES:
        form = await request.form()
        body: Any = dict(form.items())
    else:
        raw = await request.body()
        try:
            body = strict_json.loads(raw) if raw.strip() else {}
        except strict_json.JsonRejected:
            return None
        if not isinstance(body, dict):
            return None
    # A non-string value can be neither a grant type nor a credential: treat it as absent.
    params = {k: v for k, v in body.items() if isinstance(v, str)}
    for name, value in _basic_credentials(request).items():
        params.setdefault(name, value)
    return params


def _storable(text: str) -> bool:
    """Text a database can compare: no NUL, no lone surrogate (which has no UTF-8 encoding)."""
    return "\x00" not in text and strict_json.problem_of(text) is None


def _grant(
    engine: Engine, settings: Settings, client_id: str | None, secret: str | None
) -> dict[str, Any] | None:
    if not client_id or not _storable(client_id):
        return None  # no application has such an id; PostgreSQL would refuse to look
    stmt = (
        select(applications, organizations.c.slug.label("organization_slug"))
        .join_from(applications, organizations)
        .where(applications.c.client_id == client_id, applications.c.revoked_at.is_(None))
    )
    with transaction(engine, write=False) as conn:
        row = conn.execute(stmt).one_or_none()
    if row is None:
        return None
    # Sales channels are public clients (client_id only); integrations must prove the secret.
    if row.kind == INTEGRATION and not secret_matches(row.secret_hash, secret):
        return None
    organization = SimpleNamespace(id=row.organization_id, slug=row.organization_slug)
    return tokens.issue(engine, settings, row, organization)


async def token(request: Request) -> Response:
    params = await token_params(request)
    if params is None:
        return _oauth_error(400, "invalid_request", INVALID_REQUEST)
    if params.get("grant_type") != "client_credentials":
        return _oauth_error(400, "unsupported_grant_type", UNSUPPORTED_GRANT)
    state = request.app.state
    granted = await run_in_threadpool(
        _grant, state.engine, state.settings, params.get("client_id"), params.get("client_secret")
    )
    if granted is None:
        return _oauth_error(401, "invalid_client", INVALID_CLIENT)
    return JSONResponse(granted, headers=NO_STORE)


async def jwks(request: Request) -> Response:
    state = request.app.state
    key_set = await run_in_threadpool(keys.jwks, state.engine, state.settings)
    return JSONResponse(key_set, headers={"Cache-Control": "public, max-age=300"})


def _resource(
    request: Request, type_: str, path: str, row: Any, attributes: dict, principal: Principal
) -> dict[str, Any]:
    return {
        "data": {
            "id": row.id,
            "type": type_,
            "links": {"self": f"{base_url(request)}{path}"},
            "attributes": {
                **attributes,
                "created_at": format_datetime(row.created_at),
                "updated_at": format_datetime(row.updated_at),
                "reference": None,
                "reference_origin": None,
                "metadata": {},
            },
            "meta": {"mode": principal.mode},
        }
    }


def _application_document(request: Request) -> dict[str, Any]:
    principal = authenticate(request)
    with transaction(request.app.state.engine, write=False) as conn:
        stmt = Scope(conn, principal.organization_id).select(applications)
        row = conn.execute(stmt.where(applications.c.id == principal.application_id)).one_or_none()
    if row is None:
        raise NotFound()
    attributes = {"name": row.name, "kind": row.kind, "client_id": row.client_id}
    return _resource(request, "applications", "/api/application", row, attributes, principal)


def _organization_document(request: Request) -> dict[str, Any]:
    principal = authenticate(request)
    stmt = select(organizations).where(organizations.c.id == principal.organization_id)
    with transaction(request.app.state.engine, write=False) as conn:
        row = conn.execute(stmt).one_or_none()
    if row is None:
        raise NotFound()
    attributes = {"name": row.name, "slug": row.slug}
    return _resource(request, "organizations", "/api/organization", row, attributes, principal)


async def application(request: Request) -> Response:
    check_accept(request)
    return JsonApiResponse(await run_in_threadpool(_application_document, request))


async def organization(request: Request) -> Response:
    check_accept(request)
    return JsonApiResponse(await run_in_threadpool(_organization_document, request))


def routes() -> list[Route]:
    return [
        Route("/oauth/token", token, methods=["POST"]),
        Route("/.well-known/jwks.json", jwks, methods=["GET"]),
        Route("/api/application", application, methods=["GET"]),
        Route("/api/organization", organization, methods=["GET"]),
    ]
