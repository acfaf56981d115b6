"""The RSA key tokens are signed with (RS512), and its public half published as a JWK Set.

The key comes from ``BULKPORT_JWT_PRIVATE_KEY`` when set (several servers behind one balancer
must share it), else from the ``server_keys`` table, where the first process to need one creates
it. Either way it is loaded once per engine and then served from memory.
"""

from __future__ import annotations

import base64
import hashlib
import json
import threading
import weakref
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from sqlalchemy import insert, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from app.auth.models import server_keys
from core.settings import Settings

ALGORITHM = "RS512"
KEY_BITS = 2048
FIRST_KEY_LABEL = "primary"


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _b64url_uint(value: int) -> str:
    return _b64url(value.to_bytes((value.bit_length() + 7) // 8, "big"))


@dataclass(frozen=True)
class SigningKey:
    private_key: rsa.RSAPrivateKey
    kid: str
    jwk: dict[str, str]

    @property
    def public_key(self) -> rsa.RSAPublicKey:
        return self.private_key.public_key()

    @classmethod
    def from_pem(cls, pem: str) -> SigningKey:
        key = serialization.load_pem_private_key(pem.encode(), password=None)
        if not isinstance(key, rsa.RSAPrivateKey):
            raise ValueError("the JWT signing key must be an RSA private key in PEM format")
        numbers = key.public_key().public_numbers()
        members = {"e": _b64url_uint(numbers.e), "kty": "RSA", "n": _b64url_uint(numbers.n)}
        # RFC 7638 thumbprint: stable for a given key, so every process derives the same kid.
        canonical = json.dumps(members, separators=(",", ":"), sort_keys=True).encode()
        kid = _b64url(hashlib.sha256(canonical).digest())
        jwk = {**members, "kid": kid, "use": "sig", "alg": ALGORITHM}
        return cls(private_key=key, kid=kid, jwk=jwk)


def generate_pem() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=KEY_BITS)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


def _configured_pem(settings: Settings) -> str | None:
    pem = settings.jwt_private_key
    # Env files and container orchestrators often squash a PEM into one line of "\n" escapes.
    if pem and "\n" not in pem and "\\n" in pem:
        pem = pem.replace("\\n", "\n")
    return pem


def _stored_pem(engine: Engine) -> str:
    newest = select(server_keys.c.private_pem).order_by(server_keys.c.created_at.desc()).limit(1)
    with engine.begin() as conn:
        pem = conn.scalar(newest)
    if pem:
        return pem
    pem = generate_pem()  # before BEGIN: on SQLite that takes the write lock
    try:
        with engine.begin() as conn:
            conn.execute(insert(server_keys).values(kid=FIRST_KEY_LABEL, private_pem=pem))
    except IntegrityError:
        pass  # another process inserted the first key between our read and insert: use theirs
    with engine.begin() as conn:
        return str(conn.scalar(newest))


# Keyed by engine (not global) so that apps built on different databases, as tests do, each
# get their own key; weak so that a disposed engine does not keep its entry alive.
_cache: weakref.WeakKeyDictionary[Engine, tuple[str | None, SigningKey]] = (
    weakref.WeakKeyDictionary()
)
_lock = threading.Lock()


def signing_key(engine: Engine, settings: Settings) -> SigningKey:
    configured = _configured_pem(settings)
    cached = _cache.get(engine)
    if cached is not None and cached[0] == configured:
        return cached[1]
    with _lock:
        cached = _cache.get(engine)
        if cached is not None and cached[0] == configured:
            return cached[1]
        key = SigningKey.from_pem(configured or _stored_pem(engine))
        _cache[engine] = (configured, key)
        return key


def jwks(engine: Engine, settings: Settings) -> dict[str, Any]:
    """The RFC 7517 JWK Set clients verify tokens with."""
    return {"keys": [signing_key(engine, settings).jwk]}
