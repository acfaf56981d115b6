"""Request authentication: ``Authorization: Bearer <jwt>`` to a ``Principal``.

Besides the signature, every request checks that the token's application still exists and is
not revoked (one primary-key query). Nothing about applications is cached, so revoking or
deleting an application, or deleting its organization, locks its tokens out at once instead of
when they expire hours later. (What is
cached is the signature check of a token already verified, until it expires: app/auth/tokens.)
"""

from __future__ import annotations

from sqlalchemy import func, select, true
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.sql import Select
from starlette.requests import Request

from app.auth import tokens
from app.auth.models import applications
from app.auth.principal import Principal
from app.jsonapi.statements import Memo
from core import request_id
from core.db import transaction
from core.errors import InvalidToken, Unauthorized
from core.settings import Settings
from core.tenancy import Scope

NO_TOKEN = (
    "This endpoint needs an access token: get one from POST /oauth/token (client_credentials) "
    "and send it as `Authorization: Bearer <access_token>`."
)
NOT_ALLOWED = "You are not authorized to perform this action on the requested resource."
CHALLENGE = {"WWW-Authenticate": 'Bearer realm="bulkport"'}
INVALID = {"WWW-Authenticate": 'Bearer realm="bulkport", error="invalid_token"'}


def bearer_token(request: Request) -> str:
    scheme, _, token = request.headers.get("authorization", "").strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized(NO_TOKEN, headers=CHALLENGE)
    return token.strip()


# The statement of each application's check: the same one, request after request.
_CHECKS: Memo[Select] = Memo(1024)


def check_application(
    conn: Connection, principal: Principal, statement_timeout: float | None = None
) -> None:
    """The token's application must still exist, unrevoked: revoking or deleting it locks its
    tokens out at once.

    With ``statement_timeout`` (seconds; PostgreSQL), the same statement also sets the
    transaction's statement timeout (``set_config(..., is_local)``, what ``SET LOCAL`` does) for
    the statements after it: a request's first round trip does both."""
    milliseconds = max(1, round(statement_timeout * 1000)) if statement_timeout else None

    def build() -> Select:
        scope = Scope(conn, principal.organization_id)
        stmt = scope.select(applications, applications.c.id).where(
            applications.c.id == principal.application_id,
            applications.c.client_id == principal.client_id,
            applications.c.revoked_at.is_(None),
        )
        if milliseconds is None:
            return stmt
        timeout = func.set_config("statement_timeout", str(milliseconds), true())
        return select(stmt.scalar_subquery(), timeout)

    if conn.scalar(_CHECKS.get((principal, milliseconds), build)) is None:
        error = InvalidToken(
            "The application this access token was issued to was revoked or no longer exists"
        )
        error.headers = INVALID
        raise error


def principal_for(engine: Engine, settings: Settings, token: str) -> Principal:
    """Verify a token and that its application is still registered (blocking: does a query)."""
    principal = tokens.verify(engine, settings, token)
    with transaction(engine, write=False) as conn:
        check_application(conn, principal)
    return principal


def _remember(request: Request, principal: Principal) -> None:
    """The caller, for the request's handlers and its log lines (core/request_id.py)."""
    request.state.principal = principal
    request_id.tag(organization_id=principal.organization_id)


def verify_request(request: Request) -> Principal:
    """The token's claims, checked by signature and expiry only (no query once the key is
    cached): callers then run ``check_application`` in their own transaction."""
    state = request.app.state
    try:
        principal = tokens.verify(state.engine, state.settings, bearer_token(request))
    except InvalidToken as exc:
        exc.headers = INVALID
        raise
    _remember(request, principal)
    return principal


def authenticate(request: Request) -> Principal:
    """The caller of a request, also stored as ``request.state.principal``.

    Blocking (one indexed query): call it from sync code or a thread.
    """
    state = request.app.state
    try:
        principal = principal_for(state.engine, state.settings, bearer_token(request))
    except InvalidToken as exc:
        exc.headers = INVALID
        raise
    _remember(request, principal)
    return principal


def require_writer(principal: Principal) -> None:
    """Sales channels only read: writes, imports and exports answer 401 like Commerce Layer."""
    if not principal.can_write:
        raise Unauthorized(NOT_ALLOWED, title="Access denied")
