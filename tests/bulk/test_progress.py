"""Live progress on imports, exports and cleanups: `progress` (percent), `items_per_second` and
`estimated_completion_at`, computed on read from the job's counters and times."""

from __future__ import annotations

from datetime import datetime

import pytest

from tests.support import factories
from tests.support.api import sql
from tests.support.jobs import hold_jobs, import_body, read_job, run_to_end

STARTED = datetime(2026, 12, 4, 10, 0, 0)
BEAT = datetime(2026, 12, 4, 10, 0, 10)  # its last chunk, 10 s after its start


def running(app, table: str, job_id: str, done_column: str, done: int) -> None:
    """A job mid-run, as a worker leaves it between two chunks."""
    sql(app, f"UPDATE {table} SET status = 'in_progress', started_at = :s, heartbeat_at = :b, "
        f"{done_column} = :d WHERE id = :id", s=STARTED, b=BEAT, d=done, id=job_id)  # fmt: skip


def create(api, kind: str, body: dict) -> str:
    response = api.post(f"/api/{kind}", json=body)
    assert response.status_code == 201, response.text
    return response.json()["data"]["id"]


def test_a_running_import_shows_its_progress_rate_and_estimate(app, api, monkeypatch):
    hold_jobs(app, monkeypatch)
    import_id = create(api, "imports", import_body("skus", [{"code": f"P{i}"} for i in range(8)]))
    pending = read_job(api, "imports", import_id)
    assert (pending["progress"], pending["items_per_second"],
            pending["estimated_completion_at"]) == (0.0, None, None)  # fmt: skip
    running(app, "imports", import_id, "cursor", 2)  # 2 of 8 items in 10 s
    attrs = read_job(api, "imports", import_id)
    assert (attrs["progress"], attrs["items_per_second"], attrs["estimated_completion_at"]) == (
        25.0, 0.2, "2026-12-04T10:00:40.000Z")  # fmt: skip


def test_a_running_cleanup_shows_its_progress_rate_and_estimate(app, api, monkeypatch):
    for code in "ABCD":
        factories.sku(api, code=code)
    hold_jobs(app, monkeypatch)
    body = {"data": {"type": "cleanups", "attributes": {"resource_type": "skus"}}}
    cleanup_id = create(api, "cleanups", body)
    running(app, "cleanups", cleanup_id, "processed_count", 1)  # 1 of 4 in 10 s
    attrs = read_job(api, "cleanups", cleanup_id)
    assert (attrs["progress"], attrs["items_per_second"], attrs["estimated_completion_at"]) == (
        25.0, 0.1, "2026-12-04T10:00:40.000Z")  # fmt: skip


def test_a_running_export_shows_its_rate_beside_its_progress(app, api, monkeypatch):
    for code in "AB":
        factories.sku(api, code=code)
    hold_jobs(app, monkeypatch)
    body = {"data": {"type": "exports", "attributes": {"resource_type": "skus"}}}
    export_id = create(api, "exports", body)
    running(app, "exports", export_id, "processed_count", 1)
    assert read_job(api, "exports", export_id)["items_per_second"] == 0.1


@pytest.mark.parametrize(("kind", "done"), [("imports", 2), ("cleanups", 1)])
def test_a_finished_job_shows_100_percent_its_rate_and_no_estimate(app, api, kind, done):
    factories.sku(api, code="A")
    attributes: dict = {"resource_type": "skus"}
    if kind == "imports":
        attributes.update(inputs=[{"code": "A"}, {"code": "B"}], format="json", skip_errors=True)
    job_id = create(api, kind, {"data": {"type": kind, "attributes": attributes}})
    attrs = run_to_end(api, kind, job_id)
    assert (attrs["status"], attrs["progress"], attrs["estimated_completion_at"]) == (
        "completed", 100.0, None), attrs  # fmt: skip
    # its rate over its whole run: from its start to its end
    sql(app, f"UPDATE {kind} SET started_at = :s, completed_at = :c WHERE id = :id",
        s=STARTED, c=BEAT, id=job_id)  # fmt: skip
    assert read_job(api, kind, job_id)["items_per_second"] == done / 10
