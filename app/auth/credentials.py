"""Client credentials: how they are minted, stored and checked.

Secrets are 256 random bits, so a plain SHA-256 is enough to store them: there is nothing for a
slow password hash to protect against that brute force could reach.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets


def new_client_id() -> str:
    return _token()


def new_client_secret() -> str:
    return _token()


def _token() -> str:
    """256 random bits, URL-safe, never starting with `-`: one in 64 did, and a command line
    (`bulkport import --client-id <id>`) then read the id as an option."""
    while (token := secrets.token_urlsafe(32)).startswith("-"):
        pass
    return token


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def secret_matches(secret_hash: str | None, secret: str | None) -> bool:
    if not secret_hash or not secret:
        return False
    return hmac.compare_digest(secret_hash, hash_secret(secret))
