"""Every setting Bulkport reads from the environment, in one place.

Nothing else in the code base reads ``os.environ``: modules take a ``Settings`` (usually
``get_settings()``), and tests build their own with ``Settings.from_env(overrides)``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import overload

PREFIX = "BULKPORT_"


@overload
def _env(env: dict[str, str], name: str) -> str | None: ...
@overload
def _env(env: dict[str, str], name: str, default: str) -> str: ...
def _env(env: dict[str, str], name: str, default: str | None = None) -> str | None:
    value = env.get(PREFIX + name)
    return value if value not in (None, "") else default


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    database_url: str
    redis_url: str | None
    storage_url: str
    s3_endpoint_url: str | None
    public_url: str | None
    jwt_private_key: str | None = field(repr=False, default=None)
    attachment_secret: str | None = field(repr=False, default=None)
    token_ttl_integration: int = 7200
    token_ttl_sales_channel: int = 14400
    attachment_ttl: int = 300
    max_body_bytes: int = 50 * 1024 * 1024
    page_size_default: int = 10
    page_size_max: int = 25
    issuer: str = "bulkport"
    redis_namespace: str = "bulkport"
    job_stale_seconds: int = 60
    import_chunk_size: int = 500

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Settings:
        env = dict(os.environ if env is None else env)
        data_dir = Path(_env(env, "DATA_DIR", "./var")).resolve()
        database_url = _env(env, "DATABASE_URL") or f"sqlite:///{data_dir / 'bulkport.sqlite3'}"
        storage_url = _env(env, "STORAGE_URL") or f"file://{data_dir / 'attachments'}"
        public_url = _env(env, "PUBLIC_URL")
        return cls(
            data_dir=data_dir,
            database_url=database_url,
            redis_url=_env(env, "REDIS_URL"),
            storage_url=storage_url,
            s3_endpoint_url=_env(env, "S3_ENDPOINT_URL"),
            public_url=public_url.rstrip("/") if public_url else None,
            jwt_private_key=_env(env, "JWT_PRIVATE_KEY"),
            attachment_secret=_env(env, "ATTACHMENT_SECRET"),
            issuer=_env(env, "ISSUER", "bulkport"),
            redis_namespace=_env(env, "REDIS_NAMESPACE", "bulkport"),
            # A job whose worker has not reported for this long is taken over by another.
            job_stale_seconds=int(_env(env, "JOB_STALE_SECONDS", "60")),
            import_chunk_size=int(_env(env, "IMPORT_CHUNK_SIZE", "500")),
        )

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings.from_env()
