"""The client's connection against a real `bulkport serve`: credentials from flags or the
environment, a clear message when they are wrong or the server is not there, and rate limits
waited out instead of failing the job."""

from __future__ import annotations

import time

import pytest

from app.cli import main
from client.connection import Api, ApiFailure, ClientError, Target
from tests.support.live_server import free_port, live_server


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("connection")
    limits = {"BULKPORT_RATE_LIMITS": "on", "BULKPORT_RATE_LIMIT_READS": "4/2"}
    with live_server(folder, **limits) as running:
        yield running


def target(server, secret: str | None = None) -> Target:
    return Target(server.url, server.client_id, secret or server.client_secret)


def test_reads_past_the_rate_limit_wait_for_room_instead_of_failing(server):
    started = time.monotonic()
    with Api(target(server)) as api:
        counts = [api.get("/api/skus")["meta"]["record_count"] for _ in range(10)]
    assert counts == [0] * 10
    # 4 reads per 2 s: ten reads cannot all fit in the first window.
    assert time.monotonic() - started > 2
    assert '"GET /api/skus HTTP/1.1" 429' in server.log()


def test_a_refusal_names_the_problem(server):
    with Api(target(server)) as api, pytest.raises(ApiFailure) as refused:
        api.get("/api/skus", **{"filter[q][nope_eq]": "1"})
    assert refused.value.status == 400
    assert "nope_eq" in str(refused.value)


def test_wrong_credentials_exit_2_with_one_line(server, capsys, monkeypatch):
    monkeypatch.setenv("BULKPORT_URL", server.url)
    monkeypatch.setenv("BULKPORT_CLIENT_ID", server.client_id)
    monkeypatch.setenv("BULKPORT_CLIENT_SECRET", "not-the-secret")
    assert main(["imports", "list"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("bulkport: ") and "refused the client credentials" in err
    assert "Traceback" not in err and "not-the-secret" not in err


def test_no_server_at_the_url_is_said_at_once():
    started = time.monotonic()
    nowhere = Target(f"http://127.0.0.1:{free_port()}", "id", "secret")
    with Api(nowhere) as api, pytest.raises(ClientError, match="cannot reach http://127.0.0.1"):
        api.get("/api/skus")
    assert time.monotonic() - started < 5


def test_missing_settings_are_named(monkeypatch):
    for name in ("BULKPORT_URL", "BULKPORT_CLIENT_ID", "BULKPORT_CLIENT_SECRET"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(ClientError) as missing:
        Target.from_options("http://example.test", None, None)
    assert "--client-id/BULKPORT_CLIENT_ID" in str(missing.value)
    assert "--client-secret/BULKPORT_CLIENT_SECRET" in str(missing.value)
    assert "--url" not in str(missing.value)
