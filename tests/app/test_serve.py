"""`bulkport serve` as its users run it: a subprocess on the embedded default (SQLite, the
in-process worker, local attachments), stopped the way process managers stop it."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx2 as httpx
import pytest

from tests.support.live_server import MEDIA, Server, free_port, live_server
from tests.support.services import BOOT


@pytest.fixture
def server(tmp_path) -> Iterator[Server]:
    with live_server(tmp_path, BULKPORT_STATEMENT_TIMEOUT="1") as running:
        yield running


def slow_rows(server: Server, count: int) -> None:
    """SKUs whose descriptions make `description_cont` with a near miss take ~10 ms a row."""
    with sqlite3.connect(server.database) as db:
        db.executemany(
            "INSERT INTO skus (id, organization_id, created_at, updated_at, code, name, "
            "description) VALUES (?, ?, '2026-01-01 00:00:00', '2026-01-01 00:00:00', ?, 'x', ?)",
            [(f"slow{i:06d}", server.organization_id, f"S{i}", "a" * 5000) for i in range(count)],
        )


def test_the_first_start_says_the_database_was_migrated_and_the_full_command_to_run(tmp_path):
    """A newcomer's first `bulkport serve`: the message to copy works from any folder."""
    script = Path(sys.executable).parent / "bulkport"  # the installed command
    log_path = tmp_path / "serve.log"
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("BULKPORT_")}
    env["BULKPORT_DATA_DIR"] = str(tmp_path / "data")
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-c", BOOT, str(os.getpid()), str(script), "serve"]
            + ["--port", str(port)],
            cwd=tmp_path, env=env, stdin=subprocess.DEVNULL, stdout=log,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        while "orgs create" not in log_path.read_text() and proc.poll() is None:
            assert time.monotonic() < deadline, log_path.read_text()
            time.sleep(0.05)
    finally:
        proc.kill()
        proc.wait(10)
    lines = log_path.read_text().splitlines()
    assert lines[:4] == [
        f"Database migrated: {tmp_path / 'data' / 'bulkport.sqlite3'} is up to date.",
        f"API reference: http://127.0.0.1:{port}/docs",
        "No organization yet. For client credentials, run in a second terminal:",
        f"  {script} orgs create my-org --json",
    ]


def test_one_sigterm_stops_the_server_while_a_slow_query_runs(server):
    slow_rows(server, 1000)  # ~10 s of LIKE without the statement timeout (1 s here)
    answers: list[httpx.Response] = []
    secret = "a" * 999 + "b"

    def slow_request() -> None:
        params = {"filter[q][description_cont]": secret}
        answers.append(
            httpx.get(f"{server.url}/api/skus", params=params, headers=server.headers(), timeout=60)
        )

    client = threading.Thread(target=slow_request)
    client.start()
    time.sleep(0.3)  # the query is running
    started = time.monotonic()
    server.proc.send_signal(signal.SIGTERM)
    server.proc.wait(timeout=15)
    stopped_in = time.monotonic() - started
    client.join(10)
    assert stopped_in < 3, server.log()
    assert server.proc.returncode in (0, -signal.SIGTERM), server.log()
    (answer,) = answers
    assert answer.status_code == 503
    assert answer.json()["errors"][0]["code"] == "QUERY_TIMEOUT"
    log = server.log()
    assert "Traceback" not in log, log
    assert '"GET /api/skus HTTP/1.1" 503' in log, log
    assert "description_cont" not in log and secret not in log  # no query string logged


def test_the_access_log_keeps_attachment_signatures_out(server):
    headers = {**server.headers(), "Content-Type": MEDIA}
    body = {"data": {"type": "imports", "attributes": {"resource_type": "tags",
                                                       "inputs": [{"name": "one"}]}}}  # fmt: skip
    created = httpx.post(f"{server.url}/api/imports", json=body, headers=headers)
    assert created.status_code == 201, created.text
    job_url = f"{server.url}/api/imports/{created.json()['data']['id']}"
    deadline = time.monotonic() + 30
    while (attrs := httpx.get(job_url, headers=headers).json()["data"]["attributes"])[
        "status"
    ] != "completed":
        assert time.monotonic() < deadline, attrs
        time.sleep(0.1)
    download = httpx.get(attrs["attachment_url"])
    assert download.status_code == 200
    server.proc.send_signal(signal.SIGTERM)
    server.proc.wait(timeout=15)
    log = server.log()
    path = attrs["attachment_url"].split("?")[0].removeprefix(server.url)
    assert f'"GET {path} HTTP/1.1" 200' in log, log
    assert "signature" not in log and "expires=" not in log, log
    # The start-up note: an organization exists, so how to get a token, with the command as
    # it was started (the fixture runs `python -m app.cli`).
    assert f"Database migrated: {server.database} is up to date." in log
    assert f"POST http://127.0.0.1:{server.url.rsplit(':', 1)[1]}/oauth/token" in log
    assert f"{sys.executable} -m app.cli apps create --org SLUG --kind integration" in log


def test_the_served_log_names_each_request_and_the_job_it_started(server):
    headers = {**server.headers(), "Content-Type": MEDIA, "X-Request-Id": "nightly-serve-1",
               "Prefer": "wait=30"}  # fmt: skip
    body = {"data": {"type": "imports", "attributes": {"resource_type": "tags",
                                                       "inputs": [{"name": "one"}]}}}  # fmt: skip
    created = httpx.post(f"{server.url}/api/imports", json=body, headers=headers, timeout=60)
    assert created.status_code == 201, created.text
    assert created.headers["X-Request-Id"] == "nightly-serve-1"
    assert created.json()["data"]["attributes"]["status"] == "completed"
    import_id = created.json()["data"]["id"]
    server.proc.send_signal(signal.SIGTERM)
    server.proc.wait(timeout=15)
    log = server.log()
    access = [line for line in log.splitlines() if '"POST /api/imports HTTP/1.1" 201' in line]
    org = server.organization_id
    assert len(access) == 1 and f"[nightly-serve-1 org={org}] 127.0.0.1:" in access[0], log
    tags = f"[nightly-serve-1 org={org} job={import_id}]"
    assert f"{tags} imports.run {import_id} returned" in log, log
