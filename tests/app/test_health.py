"""GET /health and /health/live: no token, each check's state and latency, 503 naming what is
down, each check bounded in time; workers seen through the heartbeats they keep in Redis."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from starlette.testclient import TestClient

from tests.support.api import BASE_URL, open_app
from tests.support.services import make_settings, sqlite_url

UNREACHABLE_REDIS = "redis://127.0.0.1:1/0"  # port 1: refused at once


@contextmanager
def health_of(tmp_path, sqlite_template, jwt_pem, **env: str) -> Iterator[TestClient]:
    """A client (plain: /health is JSON, not JSON:API) of an app on SQLite and ``env``."""
    settings = make_settings(tmp_path, sqlite_url(sqlite_template, tmp_path), jwt_pem, **env)
    with open_app(settings) as app, TestClient(app, base_url=BASE_URL) as client:
        yield client


@contextmanager
def silent_server() -> Iterator[int]:
    """A TCP port that accepts connections and never answers: a hung Redis."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(16)  # the kernel completes connections without accept()
        yield listener.getsockname()[1]


def test_health_reports_each_check_up_with_its_latency(tmp_path, sqlite_template, jwt_pem):
    with health_of(tmp_path, sqlite_template, jwt_pem) as client:
        response = client.get("/health")  # no token
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert body["status"] == "up" and "down" not in body
    assert set(body["checks"]) == {"database", "storage", "workers"}  # no Redis configured
    for check in body["checks"].values():
        assert check["status"] == "up" and isinstance(check["latency_ms"], float)
    assert body["checks"]["workers"]["mode"] == "in-process"


def test_live_answers_whenever_the_process_can(tmp_path, sqlite_template, jwt_pem):
    with health_of(tmp_path, sqlite_template, jwt_pem, BULKPORT_REDIS_URL=UNREACHABLE_REDIS) as c:
        assert c.get("/health").status_code == 503
        live = c.get("/health/live")
    assert live.status_code == 200 and live.json() == {"status": "up"}


def test_an_unreachable_redis_is_named_and_so_are_the_workers_it_hides(
    tmp_path, sqlite_template, jwt_pem
):
    with health_of(tmp_path, sqlite_template, jwt_pem, BULKPORT_REDIS_URL=UNREACHABLE_REDIS) as c:
        response = c.get("/health")
    assert response.status_code == 503, response.text
    body = response.json()
    assert body["status"] == "down" and body["down"] == ["redis", "workers"]
    assert body["checks"]["database"]["status"] == "up"
    assert body["checks"]["redis"] == {
        "status": "down", "error": "failed (ConnectionError)",
        "latency_ms": body["checks"]["redis"]["latency_ms"],
    }  # fmt: skip
    assert "127.0.0.1" not in response.text  # the kind of failure, not where


def test_a_hung_redis_is_down_within_the_timeout(tmp_path, sqlite_template, jwt_pem):
    with (
        silent_server() as port,
        health_of(
            tmp_path,
            sqlite_template,
            jwt_pem,
            BULKPORT_HEALTH_TIMEOUT="0.5",
            BULKPORT_REDIS_URL=f"redis://127.0.0.1:{port}/0",
        ) as client,  # fmt: skip
    ):
        started = time.monotonic()
        response = client.get("/health")
        took = time.monotonic() - started
    assert response.status_code == 503
    assert took < 1.5, took  # the checks run together, each bounded
    redis_check = response.json()["checks"]["redis"]
    assert redis_check["status"] == "down"
    assert redis_check["error"] in ("no answer within 0.5 s", "failed (TimeoutError)")
    assert redis_check["latency_ms"] < 1000


def test_unwritable_storage_and_an_unreachable_database_are_named(
    tmp_path, sqlite_template, jwt_pem
):
    not_a_folder = tmp_path / "file"
    not_a_folder.write_text("x")
    with health_of(
        tmp_path, sqlite_template, jwt_pem,
        BULKPORT_STORAGE_URL=f"file://{not_a_folder}/attachments",
        BULKPORT_DATABASE_URL="postgresql+psycopg://nobody@127.0.0.1:1/none",
        BULKPORT_REDIS_URL=UNREACHABLE_REDIS,  # no in-process worker starting on that database
    ) as client:  # fmt: skip
        response = client.get("/health")
    assert response.status_code == 503
    body = response.json()
    assert body["down"] == ["database", "storage", "redis", "workers"]
    assert body["checks"]["database"]["error"] == "failed (OperationalError)"
    assert body["checks"]["storage"]["error"] == "failed (NotADirectoryError)"


@pytest.mark.services
def test_workers_are_up_while_a_worker_process_beats(service_app, worker):
    client = TestClient(service_app, base_url=BASE_URL)
    before = client.get("/health")
    assert before.status_code == 503, before.text
    assert before.json()["down"] == ["workers"]  # PostgreSQL, S3 and Redis are up
    assert "no `bulkport worker` process" in before.json()["checks"]["workers"]["error"]
    process = worker()  # ready: its first beat is written before it logs so
    up = client.get("/health")
    assert up.status_code == 200, up.text
    assert up.json()["checks"]["workers"]["processes"] == 1
    assert set(up.json()["checks"]) == {"database", "storage", "redis", "workers"}
    process.stop()  # a clean stop deletes its key: no 15 s of a dead worker counted
    after = client.get("/health")
    assert after.status_code == 503 and after.json()["down"] == ["workers"]
