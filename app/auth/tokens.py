"""Access tokens: RS512 JWTs shaped like Commerce Layer's, so its clients can decode them.

Commerce Layer's SDK reads ``organization.slug`` and ``application.kind`` from the payload and
treats a 401 ``INVALID_TOKEN`` as "refresh and retry", so the claims and errors follow it.
"""

from __future__ import annotations

import secrets
import threading
import time
from typing import Any

import jwt
from sqlalchemy.engine import Engine

from app.auth.keys import ALGORITHM, signing_key
from app.auth.principal import INTEGRATION, KINDS, SALES_CHANNEL, Principal
from core.errors import InvalidToken
from core.settings import Settings

SCOPE = "market:all"
_random = secrets.SystemRandom()


def lifetime(settings: Settings, kind: str) -> int:
    if kind == SALES_CHANNEL:
        return settings.token_ttl_sales_channel
    return settings.token_ttl_integration


def issue(engine: Engine, settings: Settings, application: Any, organization: Any) -> dict:
    """The OAuth token response for an application (any object or Row with its columns)."""
    key = signing_key(engine, settings)
    now = int(time.time())
    expires_in = lifetime(settings, application.kind)
    claims = {
        "organization": {"id": organization.id, "slug": organization.slug},
        "application": {
            "id": application.id,
            "client_id": application.client_id,
            "kind": application.kind,
            "public": application.kind == SALES_CHANNEL,
            "confidential": application.kind == INTEGRATION,
        },
        "scope": SCOPE,
        "exp": now + expires_in,
        "iat": now,
        "test": False,
        # Two tokens minted in the same second for the same client must still differ.
        "rand": _random.random(),
        "iss": settings.issuer,
    }
    token = jwt.encode(claims, key.private_key, algorithm=ALGORITHM, headers={"kid": key.kid})
    return {
        "access_token": token,
        "token_type": "bearer",
        "expires_in": expires_in,
        "scope": SCOPE,
        "created_at": now,
    }


def _claims(engine: Engine, settings: Settings, token: str) -> dict[str, Any]:
    try:
        header = jwt.get_unverified_header(token)
    except jwt.DecodeError:
        raise InvalidToken("The access token is malformed") from None
    key = signing_key(engine, settings)
    if header.get("kid") != key.kid:
        raise InvalidToken("The access token was not signed by this server's key")
    try:
        return jwt.decode(
            token,
            key.public_key,
            algorithms=[ALGORITHM],
            issuer=settings.issuer,
            options={"require": ["exp", "iat", "iss"]},
        )
    except jwt.ExpiredSignatureError:
        raise InvalidToken("The access token has expired") from None
    except jwt.InvalidSignatureError:
        raise InvalidToken("The access token signature is invalid") from None
    except jwt.InvalidIssuerError:
        raise InvalidToken("The access token was issued by another server") from None
    except jwt.InvalidTokenError as exc:
        raise InvalidToken(f"The access token is invalid: {exc}") from None


# Tokens whose signature and claims were verified, until they expire: a client sends the same
# token with every request, and an RSA verification costs more than the request's rendering.
# Keyed by the exact token text and what it was verified against (signing key, issuer); only
# tokens this server signed get in, so the size bound is for memory, not against forgeries.
# Whether the token's application still exists is not cached (see app/auth/backend.py).
VERIFIED_MAX = 4096
_verified: dict[tuple[str, str, str], tuple[Principal, int]] = {}
_verified_lock = threading.Lock()


def verify(engine: Engine, settings: Settings, token: str) -> Principal:
    """The caller a token stands for; ``InvalidToken`` saying why when it cannot be trusted."""
    key = (signing_key(engine, settings).kid, settings.issuer, token)
    hit = _verified.get(key)
    if hit is not None and time.time() < hit[1]:  # PyJWT's rule: expired once `exp` <= now
        return hit[0]
    principal, expires = _verify(engine, settings, token)  # raises once expired
    with _verified_lock:
        if len(_verified) >= VERIFIED_MAX:
            del _verified[next(iter(_verified))]  # the oldest entry
        _verified[key] = (principal, expires)
    return principal


def _verify(engine: Engine, settings: Settings, token: str) -> tuple[Principal, int]:
    claims = _claims(engine, settings, token)
    try:
        organization, application = claims["organization"], claims["application"]
        principal = Principal(
            organization_id=str(organization["id"]),
            organization_slug=str(organization["slug"]),
            application_id=str(application["id"]),
            client_id=str(application["client_id"]),
            kind=str(application["kind"]),
            test=bool(claims.get("test", False)),
        )
    except (KeyError, TypeError):
        raise InvalidToken("The access token lacks organization or application claims") from None
    if principal.kind not in KINDS:
        raise InvalidToken("The access token names an unknown application kind")
    return principal, int(claims["exp"])  # an integer: PyJWT checked it
