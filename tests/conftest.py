"""Test fixtures: real SQLite always, real PostgreSQL when reachable (required in CI).

Every test that takes ``api`` runs once per database backend. Every response the ``api`` client
receives is checked against the official JSON:API schema. The helpers tests import live in
tests/support/ (api, documents, jobs, world, factories, services); the service fixtures
(databases, Redis, S3, worker processes) are in tests/support/services.py.

A guard holds for the whole run: no test may leave threads behind (each app is closed through
its lifespan; see ``no_thread_leak``). dramatiq's time-limit watchdog runs once per process
(bulk/broker.ProcessTimeLimit), however many apps the tests build.
"""

from __future__ import annotations

import dataclasses
import functools
import threading
import time
from collections.abc import Iterator

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from app.auth import keys
from core.settings import Settings
from tests.support.api import ApiClient, Org, count_queries, make_org, open_app
from tests.support.api import anonymous as anonymous_client
from tests.support.services import database_url, make_settings

pytest_plugins = ["tests.support.services"]

# Threads beyond those of the session's start that a test may leave to the next one: those of
# module and session fixtures (a module's shared app with its worker and portal, moto's server).
THREADS_PER_TEST = 12
# ... and that may be left at the very end: the time-limit watchdog.
THREADS_AT_END = 1


# -- the process ---------------------------------------------------------------------------------


def _describe(threads: list[threading.Thread]) -> str:
    return "\n".join(
        f"  {t.name} ({type(t).__module__}.{type(t).__qualname__}, "
        f"target {getattr(getattr(t, '_target', None), '__qualname__', None)}, daemon={t.daemon})"
        for t in threads
    )


def _new_threads(before: set[threading.Thread], bound: int) -> list[threading.Thread]:
    """Threads started since `before` that are still alive, if more than `bound` (threads that
    are stopping get up to a second to end)."""
    deadline = time.monotonic() + 1
    while True:
        new = [t for t in threading.enumerate() if t not in before and t.is_alive()]
        if len(new) <= bound or time.monotonic() > deadline:
            return new if len(new) > bound else []
        time.sleep(0.01)


@pytest.fixture(scope="session", autouse=True)
def threads_at_start() -> Iterator[set[threading.Thread]]:
    """Fails the run, at its end, if it leaves threads behind."""
    before = set(threading.enumerate())
    yield before
    left = _new_threads(before, THREADS_AT_END)
    assert not left, f"the test run left {len(left)} threads running:\n{_describe(left)}"


@pytest.fixture(autouse=True)
def no_thread_leak(threads_at_start) -> Iterator[None]:
    """Fails the test that leaves more threads running than module and session fixtures hold
    (apps not closed, dispatchers not stopped, clients of servers not closed)."""
    yield
    left = _new_threads(threads_at_start, THREADS_PER_TEST)
    assert not left, f"{len(left)} threads are left running:\n{_describe(left)}"


@pytest.fixture(scope="session")
def jwt_pem() -> str:
    """One RSA key for the session: generating one per test would dominate the suite's time."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


@pytest.fixture(scope="session", autouse=True)
def signing_keys_parsed_once() -> Iterator[None]:
    """Every test's app parses the session's JWT key from its PEM, and cryptography's check of
    an RSA key costs ~36 ms: a third of a small test's setup. The app caches the parsed key per
    engine, that is per test; here the same PEM is parsed once per test process. A PEM that does
    not parse still fails each time (lru_cache keeps no exceptions)."""
    with pytest.MonkeyPatch.context() as mp:
        parse = functools.lru_cache(maxsize=32)(keys.SigningKey.from_pem)
        mp.setattr(keys.SigningKey, "from_pem", staticmethod(parse))
        yield


# -- the application on each backend -------------------------------------------------------------


@pytest.fixture(params=["sqlite", "postgresql"])
def settings(request, tmp_path, jwt_pem) -> Settings:
    return make_settings(tmp_path, database_url(request, request.param, tmp_path), jwt_pem)


@pytest.fixture
def app(settings):
    with open_app(settings) as application:
        yield application


@pytest.fixture
def small_limit_app(settings):
    """An app whose uploads may hold 1,000 bytes at most."""
    with open_app(dataclasses.replace(settings, upload_max_bytes=1000)) as application:
        yield application


@pytest.fixture
def org(app) -> Org:
    return make_org(app, "acme")


@pytest.fixture
def api(org) -> ApiClient:
    return org.api


@pytest.fixture
def other_org(app) -> Org:
    return make_org(app, "globex")


@pytest.fixture
def anonymous(app) -> ApiClient:
    return anonymous_client(app)


@pytest.fixture
def queries(app):
    return lambda: count_queries(app.state.engine)
