"""Real services, as fixtures: SQLite and PostgreSQL databases, Redis, S3 over HTTP, workers.

Registered for every test by ``pytest_plugins`` in tests/conftest.py. Each fixture skips its
test with the reason when its service is unreachable, or fails it when ``REQUIRE_SERVICES=1``
(``service_unavailable``). Everything is safe under pytest-xdist: each worker process has its
own PostgreSQL database, moto server (a free port), Redis namespaces and worker subprocesses.

- ``sqlite_template`` / ``postgres_url``: a migrated SQLite file copied per test, and a
  PostgreSQL database of this process's own (``bulkport_test_<pid>_<random>``), emptied per test.
- ``moto_endpoint``: moto's S3 served over real HTTP on 127.0.0.1 (a free port) for the session,
  with one bucket. Moto does not check the signature of presigned URLs; S3 does, so the server
  here checks SigV4 query signatures and expiry (``check_presigned``) before handing the request
  to moto: a URL the application signs wrongly, or a tampered one, gets 403 as from S3.
- ``redis_url``: 127.0.0.1:6379 or ``BULKPORT_TEST_REDIS_URL``, pinged.
- ``service_env`` / ``service_settings``: the per-run PostgreSQL database (emptied), the Redis URL
  with a namespace of the test's own (deleted afterwards), ``s3://<bucket>/<unique prefix>``.
- ``service_app``: the application on those settings (it sends jobs to Redis).
- ``worker``: starts ``python -m app.cli worker`` subprocesses on the same settings; they are
  stopped at teardown, and die with this process whatever happens to it (Ctrl-C, SIGKILL).
"""

from __future__ import annotations

import atexit
import hashlib
import hmac
import os
import shutil
import signal
import subprocess
import sys
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qsl, quote

import boto3
import psycopg
import pytest
import redis
from sqlalchemy.engine import make_url

import resources
from app.migrate import upgrade
from core.db import metadata
from core.settings import Settings
from tests.support.api import open_app
from tests.support.jobs import eventually
from tests.support.layout import ROOT

REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"
PG_URL = os.environ.get(
    "BULKPORT_TEST_DATABASE_URL", "postgresql+psycopg://root@127.0.0.1:5432/test"
)
BUCKET = "bulkport-test"
AWS_ENV = {
    "AWS_ACCESS_KEY_ID": "bulkport-test-key",
    "AWS_SECRET_ACCESS_KEY": "bulkport-test-secret",
    "AWS_DEFAULT_REGION": "us-east-1",
}
# Variables that would make boto3 look past the test credentials above.
AWS_UNSET = ("AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "AWS_PROFILE", "AWS_ENDPOINT_URL")
REDIS_URL = os.environ.get("BULKPORT_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def service_unavailable(what: str, why: Exception | str) -> None:
    message = f"{what} not reachable ({why})"
    if REQUIRE_SERVICES:
        pytest.fail(f"{message} and REQUIRE_SERVICES=1", pytrace=False)
    pytest.skip(f"{message}: set REQUIRE_SERVICES=1 to make this a failure")


# -- Databases -----------------------------------------------------------------------------------


def make_settings(data_dir: Path, database_url: str, jwt_pem: str, **extra: str) -> Settings:
    env = {
        "BULKPORT_DATA_DIR": str(data_dir),
        "BULKPORT_DATABASE_URL": database_url,
        "BULKPORT_JWT_PRIVATE_KEY": jwt_pem,
        "BULKPORT_ATTACHMENT_SECRET": "test-attachment-secret",
        # Tests send hundreds of requests a second per organization: tests/app/test_rate_limits.py
        # turns the limits on, with small ones.
        "BULKPORT_RATE_LIMITS": "off",
        **extra,
    }
    return Settings.from_env(env)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory, jwt_pem) -> Path:
    folder = tmp_path_factory.mktemp("sqlite-template")
    path = folder / "bulkport.sqlite3"
    upgrade(make_settings(folder, f"sqlite:///{path}", jwt_pem))
    return path


def sqlite_url(template: Path, folder: Path) -> str:
    """A fresh copy of the migrated template database in `folder`."""
    shutil.copy(template, folder / "bulkport.sqlite3")
    return f"sqlite:///{folder / 'bulkport.sqlite3'}"


@contextmanager
def empty_postgres() -> Iterator[str]:
    """A new, empty PostgreSQL database (dropped on the way out): its URL. Its own name, so
    concurrent runs (and xdist workers) on one server never collide."""
    admin = PG_URL.replace("+psycopg", "")
    name = f"bulkport_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    try:
        with psycopg.connect(admin, connect_timeout=3, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
    except Exception as exc:  # noqa: BLE001 - any failure means "not reachable"
        service_unavailable("PostgreSQL", exc)
    try:
        yield make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def postgres_url(tmp_path_factory, jwt_pem) -> Iterator[str]:
    """A migrated database of this test process's own."""
    with empty_postgres() as url:
        upgrade(make_settings(tmp_path_factory.mktemp("pg"), url, jwt_pem))
        yield url


def truncate_postgres(url: str) -> None:
    """Empties every table but the schema's own: DELETE in dependency order is 5-10x faster
    than TRUNCATE on small tables, and the suite does this before every PostgreSQL test."""
    assert resources.REGISTRY  # every table declared
    keep = {"alembic_version", "server_keys"}
    tables = [t.name for t in reversed(metadata.sorted_tables) if t.name not in keep]
    with psycopg.connect(url.replace("+psycopg", ""), autocommit=True) as conn:
        conn.execute("; ".join(f'DELETE FROM "{name}"' for name in tables))


def database_url(request, backend: str, folder: Path) -> str:
    """A fresh, migrated database of `backend` ("sqlite" or "postgresql") for one test (or one
    module's shared organization), its files in `folder`."""
    if backend == "sqlite":
        return sqlite_url(request.getfixturevalue("sqlite_template"), folder)
    url = request.getfixturevalue("postgres_url")
    truncate_postgres(url)
    return url


# -- S3: moto over HTTP, checking presigned URLs the way S3 does ----------------------------------


def _hmac(key: bytes, message: str) -> bytes:
    return hmac.new(key, message.encode(), hashlib.sha256).digest()


def check_presigned(
    method: str, raw_path: str, query: str, host: str, secrets: dict[str, str]
) -> str | None:
    """Why S3 would refuse this presigned request (AWS SigV4 query authentication), or None.

    https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-query-string-auth.html
    """
    params = parse_qsl(query, keep_blank_values=True)
    given = dict(params)
    if given.get("X-Amz-Algorithm") != "AWS4-HMAC-SHA256":
        return "AuthorizationQueryParametersError: only AWS4-HMAC-SHA256 presigned URLs"
    try:
        access_key, date, region, service, terminal = given["X-Amz-Credential"].split("/")
        amz_date = given["X-Amz-Date"]
        expires = int(given["X-Amz-Expires"])
        signed_headers = given["X-Amz-SignedHeaders"]
        signature = given["X-Amz-Signature"]
        signed_at = datetime.strptime(amz_date, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    except (KeyError, ValueError) as exc:
        return f"AuthorizationQueryParametersError: {exc}"
    if access_key not in secrets:
        return "InvalidAccessKeyId"
    if not 1 <= expires <= 604_800:
        return "AuthorizationQueryParametersError: X-Amz-Expires out of range"
    if datetime.now(UTC) > signed_at + timedelta(seconds=expires):
        return "AccessDenied: Request has expired"
    if signed_headers != "host":
        return f"unexpected signed headers {signed_headers!r}"

    def enc(value: str) -> str:
        return quote(value, safe="-_.~")

    canonical_query = "&".join(
        f"{enc(k)}={enc(v)}" for k, v in sorted(params) if k != "X-Amz-Signature"
    )
    canonical_request = "\n".join(
        [method, raw_path, canonical_query, f"host:{host}\n", "host", "UNSIGNED-PAYLOAD"]
    )
    scope = f"{date}/{region}/{service}/{terminal}"
    string_to_sign = "\n".join(
        [
            "AWS4-HMAC-SHA256",
            amz_date,
            scope,
            hashlib.sha256(canonical_request.encode()).hexdigest(),
        ]
    )
    key = ("AWS4" + secrets[access_key]).encode()
    for part in (date, region, service, terminal):
        key = _hmac(key, part)
    expected = hmac.new(key, string_to_sign.encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, signature):
        return "SignatureDoesNotMatch"
    return None


class PresignCheck:
    """WSGI middleware: requests carrying query-string credentials must be valid presigned
    requests; everything else (boto3's header-signed calls) goes straight to moto."""

    def __init__(self, app, secrets: dict[str, str]) -> None:
        self.app = app
        self.secrets = secrets

    def __call__(self, environ, start_response):
        query = environ.get("QUERY_STRING", "")
        if "X-Amz-Signature=" in query or "Signature=" in query:
            raw = environ.get("RAW_URI") or environ.get("REQUEST_URI") or environ["PATH_INFO"]
            raw_path = raw.split("?", 1)[0]
            host = environ.get("HTTP_HOST", "")
            problem = check_presigned(
                environ["REQUEST_METHOD"], raw_path, query, host, self.secrets
            )
            if problem:
                code, _, message = problem.partition(": ")
                body = (
                    '<?xml version="1.0" encoding="UTF-8"?>\n'
                    f"<Error><Code>{code}</Code><Message>{message or code}</Message></Error>"
                ).encode()
                start_response(
                    "403 Forbidden",
                    [("Content-Type", "application/xml"), ("Content-Length", str(len(body)))],
                )
                return [body]
        return self.app(environ, start_response)


class S3Endpoint:
    """moto's S3 on a werkzeug server thread of this process: a real HTTP endpoint that the
    worker subprocesses reach too."""

    def __init__(self) -> None:
        self.server = None
        self.thread = None
        self.url = ""

    def start(self) -> str:
        from moto.moto_server.werkzeug_app import (
            DomainDispatcherApplication,
            MotoRequestHandler,
            create_backend_app,
        )
        from werkzeug.serving import make_server

        app = PresignCheck(
            DomainDispatcherApplication(create_backend_app),
            {AWS_ENV["AWS_ACCESS_KEY_ID"]: AWS_ENV["AWS_SECRET_ACCESS_KEY"]},
        )
        self.server = make_server(
            "127.0.0.1", 0, app, threaded=True, request_handler=MotoRequestHandler
        )
        # Checks for shutdown every 50 ms (0.5 s by default): teardown, Ctrl-C included, is quick.
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self.thread.start()
        host, port = self.server.server_address[:2]
        self.url = f"http://{host}:{port}"
        return self.url

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.thread.join(timeout=10)


def create_bucket(endpoint: str) -> None:
    client = boto3.client("s3", endpoint_url=endpoint)
    try:
        client.create_bucket(Bucket=BUCKET)
    finally:
        client.close()


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    """URL of an S3 endpoint (moto, over HTTP) holding the bucket ``BUCKET``."""
    with pytest.MonkeyPatch.context() as mp:
        for name, value in AWS_ENV.items():
            mp.setenv(name, value)
        for name in AWS_UNSET:
            mp.delenv(name, raising=False)
        endpoint = S3Endpoint()
        try:
            url = endpoint.start()
            create_bucket(url)
        except Exception as exc:  # noqa: BLE001 - moto missing or the server not starting
            endpoint.stop()
            service_unavailable("S3 (moto server)", exc)
        try:
            yield url
        finally:
            endpoint.stop()


# -- Redis -------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def redis_url() -> str:
    try:
        client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
        client.ping()
        client.close()
    except Exception as exc:  # noqa: BLE001 - any failure means "not reachable"
        service_unavailable(f"Redis at {REDIS_URL}", exc)
    return REDIS_URL


def delete_namespace(url: str, namespace: str) -> int:
    """Deletes every Redis key of a dramatiq namespace (its queues, acks, heartbeats)."""
    client = redis.Redis.from_url(url)
    try:
        keys = list(client.scan_iter(match=f"{namespace}:*", count=1000))
        if keys:
            client.delete(*keys)
        return len(keys)
    finally:
        client.close()


# -- Settings and the application ----------------------------------------------------------------


@pytest.fixture
def service_env(tmp_path, postgres_url, redis_url, moto_endpoint, jwt_pem) -> Iterator[dict]:
    """The BULKPORT_* environment of a production setup, unique to this test."""
    truncate_postgres(postgres_url)
    unique = uuid.uuid4().hex[:12]
    env = {
        "BULKPORT_DATA_DIR": str(tmp_path / "data"),
        "BULKPORT_DATABASE_URL": postgres_url,
        "BULKPORT_JWT_PRIVATE_KEY": jwt_pem,
        "BULKPORT_REDIS_URL": redis_url,
        "BULKPORT_REDIS_NAMESPACE": f"bulkport-test-{unique}",
        "BULKPORT_STORAGE_URL": f"s3://{BUCKET}/test-{unique}",
        "BULKPORT_S3_ENDPOINT_URL": moto_endpoint,
        "BULKPORT_RATE_LIMITS": "off",  # see make_settings
    }
    yield env
    delete_namespace(redis_url, env["BULKPORT_REDIS_NAMESPACE"])


@pytest.fixture
def service_settings(service_env) -> Settings:
    return Settings.from_env(service_env)


@pytest.fixture
def service_app(service_settings):
    with open_app(service_settings) as application:
        yield application


# -- Worker processes ---------------------------------------------------------------------------


# Runs in the new process before it becomes the worker: ask Linux to SIGTERM it when this test
# process dies, however it dies (a second Ctrl-C, SIGKILL, an xdist worker torn down), so no
# worker outlives the run; the flag survives exec. Then exec the worker command itself.
BOOT = """
import ctypes, os, signal, sys
PR_SET_PDEATHSIG = 1
ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
if os.getppid() != int(sys.argv[1]):
    sys.exit(1)  # the test process died before the line above
os.execv(sys.executable, [sys.executable, *sys.argv[2:]])
"""
RUNNING: set[WorkerProcess] = set()  # what the atexit guard below stops
INTERRUPTED: list[bool] = []  # Ctrl-C: workers are killed at teardown, not waited for


def pytest_keyboard_interrupt(excinfo) -> None:
    """Runs before the fixtures' teardown of an interrupted run (this module is a plugin)."""
    INTERRUPTED.append(True)


class WorkerProcess:
    """One ``bulkport worker`` subprocess (its own session, so its children go with it)."""

    def __init__(self, env: dict[str, str], log_path: Path, processes: int, threads: int):
        self.log_path = log_path
        self.processes = processes
        command = ["-m", "app.cli", "worker", "--processes", str(processes)]
        command += ["--threads", str(threads)]
        self._log = open(log_path, "wb")  # closed in stop()
        self.proc = subprocess.Popen(
            [sys.executable, "-c", BOOT, str(os.getpid()), *command],
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # a terminal's Ctrl-C is the test run's, not the worker's
        )
        RUNNING.add(self)

    @property
    def pid(self) -> int:
        return self.proc.pid

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def tail(self, lines: int = 40) -> str:
        return "\n".join(self.log().splitlines()[-lines:])

    def ready_pids(self) -> list[str]:
        """The pids of the worker processes that logged "worker ready", in order."""
        return [line.split()[2] for line in self.log().splitlines() if "worker ready" in line]

    def wait_ready(self, timeout: float = 30) -> WorkerProcess:
        """Waits until every worker process logged that it consumes the queue."""

        def ready() -> bool:
            if self.proc.poll() is not None:
                raise AssertionError(
                    f"worker exited with {self.proc.returncode} before it was ready:\n{self.log()}"
                )
            return self.log().count("worker ready") >= self.processes

        eventually(ready, timeout, lambda: f"worker not ready after {timeout} s:\n{self.log()}")
        return self

    def kill(self) -> None:
        """SIGKILL: no shutdown of any kind, as in an OOM kill or a lost machine."""
        self.proc.kill()
        self.proc.wait(timeout=10)

    def stop(self, timeout: float = 60) -> int | None:
        """SIGTERM, then SIGKILL to the worker's process group if it does not exit in time
        (at once when `timeout` is 0); whatever of its group is left after it exits (children
        of a killed supervisor) too."""
        try:
            if self.proc.poll() is None and timeout > 0:
                self.proc.terminate()
                try:
                    self.proc.wait(timeout=timeout)
                except subprocess.TimeoutExpired:
                    pass
            self._kill_group()
            self.proc.wait(timeout=10)
        finally:
            RUNNING.discard(self)
            self._log.close()
        return self.proc.returncode

    def _kill_group(self) -> None:
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass  # nothing of it is left


@atexit.register
def _stop_running_workers() -> None:
    """A run interrupted before the ``worker`` fixture's teardown leaves no worker behind."""
    for process in list(RUNNING):
        process._kill_group()
        RUNNING.discard(process)


@pytest.fixture
def worker(service_env, tmp_path) -> Iterator[Callable[..., WorkerProcess]]:
    """``worker(processes=1, threads=2, ready=True, **env)`` starts a worker subprocess on the
    test's settings (``env`` overrides, e.g. ``BULKPORT_IMPORT_CHUNK_SIZE="200"``). All are
    stopped at teardown, and their logs printed (pytest shows them when the test failed)."""
    started: list[WorkerProcess] = []

    def start(
        processes: int = 1, threads: int = 2, ready: bool = True, **overrides: str
    ) -> WorkerProcess:
        env = {**os.environ, **AWS_ENV, **service_env, **overrides, "PYTHONUNBUFFERED": "1"}
        for name in AWS_UNSET:
            env.pop(name, None)
        log_path = tmp_path / f"worker-{len(started) + 1}.log"
        process = WorkerProcess(env, log_path, processes, threads)
        started.append(process)
        return process.wait_ready() if ready else process

    yield start
    for process in started:
        code = process.stop(timeout=0 if INTERRUPTED else 60)
        print(f"---- worker {process.pid} (exit {code}), log {process.log_path}:\n{process.log()}")
