"""`bulkport serve` with BULKPORT_LOG_FORMAT=json: one JSON object per line, each line of a
request or job naming its request id, organization and job; and no secret, token or signed
URL in any line, whatever the requests carried."""

from __future__ import annotations

import json
import signal
import time

import httpx2 as httpx
import pytest

from tests.support.api import make_org
from tests.support.jobs import eventually, post_import, run_to_end
from tests.support.live_server import MEDIA, Server, live_server

KEYS = {"time", "level", "logger", "process", "message", "request_id", "organization_id",
        "job_id"}  # fmt: skip


def until_done(server: Server, kind: str, job_id: str) -> dict:
    deadline = time.monotonic() + 30
    while True:
        response = httpx.get(f"{server.url}/api/{kind}/{job_id}", headers=server.headers())
        attributes = response.json()["data"]["attributes"]
        if attributes["status"] in ("completed", "interrupted", "failed"):
            return attributes
        assert time.monotonic() < deadline, attributes
        time.sleep(0.05)


def test_json_lines_carry_the_ids_and_no_secret(tmp_path):
    with live_server(tmp_path, BULKPORT_LOG_FORMAT="json") as server:
        form = {"grant_type": "client_credentials", "client_id": server.client_id}
        wrong = "not-the-secret-" + server.client_secret[:8]
        refused = httpx.post(f"{server.url}/oauth/token", json={**form, "client_secret": wrong})
        assert refused.status_code == 401
        issued = httpx.post(f"{server.url}/oauth/token",
                            json={**form, "client_secret": server.client_secret})  # fmt: skip
        tokens = [server.token, issued.json()["access_token"]]
        headers = {**server.headers(), "X-Request-Id": "logs-json-1"}
        upload = httpx.post(
            f"{server.url}/api/imports", headers=headers, data={"resource_type": "tags"},
            files={"file": ("tags.csv", b"name\nalpha\nbeta\n", "text/csv")},
        )  # fmt: skip
        assert upload.status_code == 201, upload.text
        import_id = upload.json()["data"]["id"]
        imported = until_done(server, "imports", import_id)
        assert imported["status"] == "completed", imported
        body = {"data": {"type": "exports", "attributes": {"resource_type": "tags"}}}
        export = httpx.post(f"{server.url}/api/exports", json=body,
                            headers={**server.headers(), "Content-Type": MEDIA})  # fmt: skip
        assert export.status_code == 201, export.text
        exported = until_done(server, "exports", export.json()["data"]["id"])
        for signed in (exported["attachment_url"], imported["attachment_url"]):
            assert "signature=" in signed
            assert httpx.get(signed).status_code == 200  # a download through the signed URL
        server.proc.send_signal(signal.SIGTERM)
        server.proc.wait(timeout=15)
    log = server.log()

    for secret in (server.client_secret, wrong, *tokens, "signature=", "expires="):
        assert secret not in log, secret
    lines = []
    for text in log.splitlines():
        line = json.loads(text)  # every line is one JSON object, the start-up notes' too
        assert KEYS <= set(line), line
        lines.append(line)
    assert any(line["message"].startswith("Uvicorn running on") for line in lines)  # uvicorn's
    assert any(line["message"].startswith("Database migrated:") for line in lines)  # serve's

    (access,) = [line for line in lines if line["request_id"] == "logs-json-1"
                 and line["logger"] == "bulkport.access"]  # fmt: skip
    assert access["organization_id"] == server.organization_id
    assert (access["method"], access["path"], access["status"]) == ("POST", "/api/imports", 201)
    assert isinstance(access["duration_ms"], float) and access["job_id"] is None
    job = [line for line in lines if line["job_id"] == import_id]
    assert [line["message"] for line in job] == [
        f"imports.run {import_id} started", f"imports.run {import_id} returned"]  # fmt: skip
    assert {(line["request_id"], line["organization_id"]) for line in job} == {
        ("logs-json-1", server.organization_id)}  # fmt: skip
    refused_line = [line for line in lines if line.get("path") == "/oauth/token"
                    and line.get("status") == 401]  # fmt: skip
    assert len(refused_line) == 1 and refused_line[0]["organization_id"] is None


@pytest.mark.services
def test_a_worker_writes_json_lines_tagged_with_its_jobs(service_app, worker):
    process = worker(BULKPORT_LOG_FORMAT="json")
    org = make_org(service_app, "acme")
    created = post_import(org.api, "tags", [{"name": "one"}])
    assert created.status_code == 201, created.text
    import_id = created.json()["data"]["id"]
    run_to_end(org.api, "imports", import_id, [process])
    returned = f"imports.run {import_id} returned"
    eventually(lambda: returned in process.log(), 10, process.tail)
    lines = [json.loads(text) for text in process.log().splitlines()]  # every line
    (line,) = [line for line in lines if line["message"] == returned]
    assert (line["job_id"], line["organization_id"]) == (import_id, org.id)
    assert line["request_id"] == created.headers["X-Request-Id"]
    assert any(line["message"].startswith("worker ready") for line in lines)
