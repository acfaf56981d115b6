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
METRICS_DIR_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"
LOG_FORMATS = ("text", "json")


@overload
def _env(env: dict[str, str], name: str) -> str | None: ...
@overload
def _env(env: dict[str, str], name: str, default: str) -> str: ...
def _env(env: dict[str, str], name: str, default: str | None = None) -> str | None:
    value = env.get(PREFIX + name)
    return value if value not in (None, "") else default


# A rate limit: (requests, seconds) pairs, each a sliding window, e.g. "200/60,50/10".
RateWindows = tuple[tuple[int, int], ...]
_SWITCH = {"on": True, "true": True, "1": True, "off": False, "false": False, "0": False}


def _switch(env: dict[str, str], name: str, default: str) -> bool:
    value = _env(env, name, default)
    if value.strip().lower() not in _SWITCH:
        raise ValueError(f"{PREFIX}{name} must be on or off (got {value!r})")
    return _SWITCH[value.strip().lower()]


def _whole(text: str) -> bool:
    """ASCII digits only, and not zero: what a count of requests or seconds may be."""
    return text.isascii() and text.isdecimal() and int(text) > 0


def _positive_int(env: dict[str, str], name: str, default: str) -> int:
    value = _env(env, name, default)
    if not _whole(value.strip()):
        raise ValueError(f"{PREFIX}{name} must be a whole number of at least 1 (got {value!r})")
    return int(value)


def _rate_windows(env: dict[str, str], name: str, default: str) -> RateWindows:
    value = _env(env, name, default)
    windows = []
    for part in value.split(","):
        count, slash, seconds = part.strip().partition("/")
        if not (slash and _whole(count.strip()) and _whole(seconds.strip())):
            raise ValueError(
                f"{PREFIX}{name} must be REQUESTS/SECONDS windows separated by commas, with "
                f"whole numbers of at least 1, e.g. {default!r} (got {value!r})"
            )
        windows.append((int(count), int(seconds)))
    return tuple(windows)


def _seconds(env: dict[str, str], name: str, default: str) -> float:
    value = _env(env, name, default)
    try:
        seconds = float(value)
    except ValueError:
        seconds = -1.0
    if not 0 <= seconds < 86400:  # NaN fails this too
        raise ValueError(f"{PREFIX}{name} must be a number of seconds, 0 for none (got {value!r})")
    return seconds


def _bound(env: dict[str, str], name: str, default: str) -> float:
    """Seconds something may take, never unbounded."""
    if not _seconds(env, name, default):
        got = _env(env, name, default)
        raise ValueError(f"{PREFIX}{name} must be a number of seconds above 0 (got {got!r})")
    return _seconds(env, name, default)


def _choice(env: dict[str, str], name: str, default: str, choices: tuple[str, ...]) -> str:
    value = _env(env, name, default).strip().lower()
    if value not in choices:
        raise ValueError(f"{PREFIX}{name} must be one of {', '.join(choices)} (got {value!r})")
    return value


def _metrics_dir(env: dict[str, str]) -> Path | None:
    """prometheus-client's own variable (it reads it too): the folder every process of one
    machine writes its metrics to, so that one scrape adds them up."""
    value = env.get(METRICS_DIR_VARIABLE) or None
    if value is not None and not Path(value).is_dir():
        raise ValueError(f"{METRICS_DIR_VARIABLE} must be an existing folder (got {value!r})")
    return Path(value) if value else None


def _smtp_url(env: dict[str, str]) -> str | None:
    value = _env(env, "SMTP_URL")
    if value is not None and not value.startswith(("smtp://", "smtps://")):
        raise ValueError(
            f"{PREFIX}SMTP_URL must be smtp://[user:pass@]host[:587] (STARTTLS) or "
            "smtps://[user:pass@]host[:465] (implicit TLS)"
        )
    return value


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
    upload_max_bytes: int = 50 * 1024 * 1024  # one file of a multipart import
    page_size_default: int = 10
    page_size_max: int = 25
    issuer: str = "bulkport"
    redis_namespace: str = "bulkport"
    job_stale_seconds: int = 60
    import_chunk_size: int = 500
    # Seconds an API request's statement may run before the database cancels it (0: never).
    statement_timeout: float = 5.0
    versions_retention_days: int = 30
    # Rate limits (app/ratelimit): per token, per organization (factor x a token's), per IP
    # on /oauth/token, and failed client authentications per client_id.
    rate_limits: bool = True
    rate_limit_reads: RateWindows = ((1000, 60), (250, 10))
    rate_limit_writes: RateWindows = ((200, 60), (50, 10))
    rate_limit_oauth: RateWindows = ((30, 60),)
    rate_limit_organization_factor: int = 4
    rate_limit_failed_auth: RateWindows = ((10, 60),)
    # Webhooks (bulk/webhooks): allow http and private, loopback or link-local callback
    # addresses (tests, local setups), and the delay before a failed delivery's first retry.
    webhooks_allow_private: bool = False
    webhooks_retry_seconds: float = 30.0
    # E-mail when a job ends (bulk/mail): the SMTP server, the sender, and the delay before a
    # failed send's first retry. No SMTP URL or sender: no e-mail (`notify_email` is refused).
    smtp_url: str | None = field(repr=False, default=None)
    mail_from: str | None = None
    mail_retry_seconds: float = 30.0
    # Operations (app/health.py, app/metrics.py, core/logs.py): the bearer token /metrics asks
    # for (open without one), the seconds each /health check may take, prometheus-client's
    # multiprocess folder, and the log lines' format.
    metrics_token: str | None = field(repr=False, default=None)
    health_timeout: float = 2.0
    metrics_dir: Path | None = None
    log_format: str = "text"

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
            upload_max_bytes=_positive_int(env, "UPLOAD_MAX_BYTES", str(50 * 1024 * 1024)),
            statement_timeout=_seconds(env, "STATEMENT_TIMEOUT", "5"),
            versions_retention_days=_positive_int(env, "VERSIONS_RETENTION_DAYS", "30"),
            rate_limits=_switch(env, "RATE_LIMITS", "on"),
            rate_limit_reads=_rate_windows(env, "RATE_LIMIT_READS", "1000/60,250/10"),
            rate_limit_writes=_rate_windows(env, "RATE_LIMIT_WRITES", "200/60,50/10"),
            rate_limit_oauth=_rate_windows(env, "RATE_LIMIT_OAUTH", "30/60"),
            rate_limit_organization_factor=_positive_int(
                env, "RATE_LIMIT_ORGANIZATION_FACTOR", "4"
            ),
            rate_limit_failed_auth=_rate_windows(env, "RATE_LIMIT_FAILED_AUTH", "10/60"),
            webhooks_allow_private=_switch(env, "WEBHOOKS_ALLOW_PRIVATE", "off"),
            webhooks_retry_seconds=_seconds(env, "WEBHOOKS_RETRY_SECONDS", "30"),
            smtp_url=_smtp_url(env),
            mail_from=_env(env, "MAIL_FROM"),
            mail_retry_seconds=_seconds(env, "MAIL_RETRY_SECONDS", "30"),
            metrics_token=_env(env, "METRICS_TOKEN"),
            health_timeout=_bound(env, "HEALTH_TIMEOUT", "2"),
            metrics_dir=_metrics_dir(env),
            log_format=_choice(env, "LOG_FORMAT", "text", LOG_FORMATS),
        )

    @property
    def sends_mail(self) -> bool:
        return bool(self.smtp_url and self.mail_from)

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings.from_env()
