"""Shared helpers for the export tests: create, wait, download, read the file."""

from __future__ import annotations

import csv
import gzip
import io
import json
import time
from typing import Any
from urllib.parse import urlsplit

from bulk.exports import run as pipeline

DONE = ("completed", "interrupted", "failed")


def body(resource_type: str, **attributes: Any) -> dict:
    return {"data": {"type": "exports", "attributes": {"resource_type": resource_type,
                                                        **attributes}}}  # fmt: skip


def post_export(api, resource_type: str, **attributes: Any):
    return api.post("/api/exports", json=body(resource_type, **attributes))


def read(api, export_id: str) -> dict:
    response = api.get(f"/api/exports/{export_id}")
    assert response.status_code == 200, response.text
    data = response.json()["data"]
    return {"id": data["id"], **data["attributes"]}


def wait(api, export_id: str, timeout: float = 30) -> dict:
    """The export's attributes (with `id`) once it is completed, interrupted or failed."""
    deadline = time.monotonic() + timeout
    while True:
        attrs = read(api, export_id)
        if attrs["status"] in DONE:
            return attrs
        if time.monotonic() > deadline:
            raise AssertionError(f"export {export_id} still {attrs['status']}")
        time.sleep(0.01)


def download(api, url: str) -> bytes:
    """The gzipped file behind a local attachment URL (through the test client)."""
    parts = urlsplit(url)
    assert (parts.scheme, parts.netloc) == ("http", "testserver"), url
    response = api.client.get(f"{parts.path}?{parts.query}")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/gzip"
    return response.content


def run_export(api, resource_type: str, **attributes: Any) -> tuple[dict, bytes]:
    """Creates an export, waits for it to complete; (attributes, gzipped file)."""
    response = post_export(api, resource_type, **attributes)
    assert response.status_code == 201, response.text
    attrs = wait(api, response.json()["data"]["id"])
    assert attrs["status"] == "completed", attrs
    return attrs, download(api, attrs["attachment_url"])


def text(gz: bytes) -> str:
    return gzip.decompress(gz).decode("utf-8")


def items(gz: bytes) -> list[dict]:
    return json.loads(text(gz))


def csv_rows(gz: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text(gz), newline="")))


def errors(response) -> list[dict]:
    return response.json()["errors"]


def only_error(response) -> dict:
    assert response.status_code == 422, response.text
    (error,) = errors(response)
    assert (error["code"], error["status"]) == ("VALIDATION_ERROR", "422")
    return error


def deliver(app, export_id: str) -> None:
    """What a worker does with the export's message, here and now."""
    pipeline.run_export(app.state.engine, app.state.settings, export_id)
