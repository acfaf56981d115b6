"""Imports, exports and cleanups as a client drives them: create one, run it to its end, read
its file.

``run_to_end`` is the one way a test waits for a job. In the embedded setup the job runs on the
app's in-process dramatiq worker: joining the dispatcher (its queue drained, the worker idle)
means the job has run, so nothing sleeps. With Redis the job runs in ``bulkport worker``
subprocesses, beyond any queue this process can join: there it polls, with a deadline, through
``eventually`` (the suite's one polling loop).
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import time
from collections.abc import Callable, Iterable
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from bulk.cleanups.run import run_cleanup as cleanup_pipeline
from bulk.exports.run import run_export as export_pipeline
from bulk.imports.run import run_import as import_pipeline
from core.db import utcnow
from tests.support.api import sql
from tests.support.layout import ROOT

FIXTURES = ROOT / "fixtures" / "imports"
DONE = {
    "imports": ("completed", "interrupted", "previewed"),  # a preview ends previewed
    "exports": ("completed", "interrupted", "failed"),
    "cleanups": ("completed", "interrupted", "failed"),
}


def eventually(
    condition: Callable[[], Any], timeout: float, describe: Callable[[], str], every: float = 0.02
) -> Any:
    """`condition()`'s first truthy value, asked every `every` s for `timeout` s at most; then
    an AssertionError saying `describe()`. For what no queue can be joined on: work in another
    process (Redis workers), a worker process starting."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(describe())
        time.sleep(every)


# -- any job ---------------------------------------------------------------------------------------


def read_job(api, kind: str, job_id: str) -> dict:
    """The job's attributes, with its `id` (`kind`: "imports", "exports" or "cleanups")."""
    response = api.get(f"/api/{kind}/{job_id}")
    assert response.status_code == 200, response.text
    data = response.json()["data"]
    return {"id": data["id"], **data["attributes"]}


def run_to_end(api, kind: str, job_id: str, workers: Iterable = (), timeout: float = 30) -> dict:
    """The job's attributes (with `id`) once it has run to its end: completed or interrupted
    (an export may also have failed). `workers`: the ``bulkport worker`` processes of a Redis
    setup, whose logs a timeout shows."""
    dispatcher = api.app.state.dispatcher
    done = DONE[kind]
    if dispatcher.in_process:
        dispatcher.join(timeout_ms=int(timeout * 1000))
        attrs = read_job(api, kind, job_id)
        assert attrs["status"] in done, f"{kind} {job_id} still {attrs['status']}: {attrs}"
        return attrs
    last: dict = {}

    def finished() -> dict | None:
        last.update(read_job(api, kind, job_id))
        return dict(last) if last["status"] in done else None

    def describe() -> str:
        logs = "\n".join(f"-- worker {w.pid}:\n{w.tail()}" for w in workers)
        return f"{kind} {job_id} still {last.get('status')} after {timeout} s\n{logs}"

    return eventually(finished, timeout, describe, every=0.05)


def hold_jobs(app, monkeypatch) -> list[tuple[str, str]]:
    """Keeps created jobs pending: messages are recorded instead of sent."""
    sent: list[tuple[str, str]] = []
    monkeypatch.setattr(
        app.state.dispatcher, "send", lambda actor, job_id: sent.append((actor, job_id))
    )
    return sent


# -- imports ---------------------------------------------------------------------------------------


def fixture(resource_type: str, name: str) -> Any:
    """An import fixture file's inputs: the parsed JSON array, or the CSV text as is."""
    path: Path = FIXTURES / resource_type / name
    text = path.read_bytes().decode("utf-8")  # as is: BOM and CRLF included
    return json.loads(text) if name.endswith(".json") else text


def import_body(resource_type: str, inputs: Any, **attributes: Any) -> dict:
    attrs = {"resource_type": resource_type, "inputs": inputs, **attributes}
    if isinstance(inputs, str) and "format" not in attributes:
        attrs["format"] = "csv"
    return {"data": {"type": "imports", "attributes": attrs}}


def post_import(api, resource_type: str, inputs: Any, **attributes: Any):
    return api.post("/api/imports", json=import_body(resource_type, inputs, **attributes))


def run_import(api, resource_type: str, inputs: Any, **attributes: Any) -> dict:
    """Creates an import and runs it to its end; its attributes (with `id`)."""
    response = post_import(api, resource_type, inputs, **attributes)
    assert response.status_code == 201, response.text
    return run_to_end(api, "imports", response.json()["data"]["id"])


def counts(attrs: dict) -> tuple[str, int, int, int, int]:
    """(status, processed, errors, warnings, destroyed): one assertion for the whole outcome."""
    return (
        attrs["status"],
        attrs["processed_count"],
        attrs["errors_count"],
        attrs["warnings_count"],
        attrs["destroyed_count"],
    )


def deliver_import(app, import_id: str) -> None:
    """What a worker does with the import's message, here and now."""
    import_pipeline(app.state.engine, app.state.settings, import_id)


# -- exports ---------------------------------------------------------------------------------------


def export_body(resource_type: str, **attributes: Any) -> dict:
    return {"data": {"type": "exports", "attributes": {"resource_type": resource_type,
                                                        **attributes}}}  # fmt: skip


def post_export(api, resource_type: str, **attributes: Any):
    return api.post("/api/exports", json=export_body(resource_type, **attributes))


def download(api, url: str) -> bytes:
    """The gzipped file behind a local attachment URL (through the test client)."""
    parts = urlsplit(url)
    assert (parts.scheme, parts.netloc) == ("http", "testserver"), url
    response = api.client.get(f"{parts.path}?{parts.query}")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/gzip"
    return response.content


def run_export(api, resource_type: str, **attributes: Any) -> tuple[dict, bytes]:
    """Creates an export and runs it to its end, which must be completed; (attributes, gzipped
    file)."""
    response = post_export(api, resource_type, **attributes)
    assert response.status_code == 201, response.text
    attrs = run_to_end(api, "exports", response.json()["data"]["id"])
    assert attrs["status"] == "completed", attrs
    return attrs, download(api, attrs["attachment_url"])


def deliver_export(app, export_id: str) -> None:
    """What a worker does with the export's message, here and now."""
    export_pipeline(app.state.engine, app.state.settings, export_id)


def text(gz: bytes) -> str:
    return gzip.decompress(gz).decode("utf-8")


def items(gz: bytes) -> list[dict]:
    return json.loads(text(gz))


def csv_rows(gz: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text(gz), newline="")))


# -- cleanups --------------------------------------------------------------------------------------


def post_cleanup(api, resource_type: str, **attributes: Any):
    attrs = {"resource_type": resource_type, **attributes}
    return api.post("/api/cleanups", json={"data": {"type": "cleanups", "attributes": attrs}})


def run_cleanup(api, resource_type: str, **attributes: Any) -> dict:
    """Creates a cleanup and runs it to its end; its attributes (with `id`)."""
    response = post_cleanup(api, resource_type, **attributes)
    assert response.status_code == 201, response.text
    return run_to_end(api, "cleanups", response.json()["data"]["id"])


def deliver_cleanup(app, cleanup_id: str) -> None:
    """What a worker does with the cleanup's message, here and now."""
    cleanup_pipeline(app.state.engine, app.state.settings, cleanup_id)


def patch_job(api, kind: str, job_id: str, **attributes: Any):
    """PATCH of a job's attributes (`_interrupt`, `_start`, ...): the response."""
    doc = {"data": {"type": kind, "id": job_id, "attributes": attributes}}
    return api.patch(f"/api/{kind}/{job_id}", json=doc)


def revert(api, import_id: str, **attributes: Any) -> dict:
    """PATCHes an import's `_revert` and waits for the revert to end; the import's attributes."""
    response = patch_job(api, "imports", import_id, _revert=True, **attributes)
    assert response.status_code == 200, response.text
    assert response.json()["data"]["attributes"]["status"] == "reverting"
    dispatcher = api.app.state.dispatcher
    if dispatcher.in_process:
        dispatcher.join()
    return eventually(
        lambda: (attrs := read_job(api, "imports", import_id))["status"] == "reverted" and attrs,
        30,
        lambda: f"import {import_id} not reverted: {read_job(api, 'imports', import_id)}",
    )


def go_stale(app, kind: str, job_id: str) -> None:
    """Ages a job's heartbeat past BULKPORT_JOB_STALE_SECONDS, as a dead worker leaves it."""
    stale = utcnow() - timedelta(seconds=app.state.settings.job_stale_seconds + 1)
    sql(app, f"UPDATE {kind} SET heartbeat_at = :t WHERE id = :id", t=stale, id=job_id)
