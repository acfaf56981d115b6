"""`Prefer: wait=N` on job creation: the response waits for the job's end, at most N (and at
most 60) seconds, and says so in `Preference-Applied`."""

from __future__ import annotations

import time

from app.jsonapi import waiting
from tests.support import factories
from tests.support.jobs import hold_jobs, import_body

WAIT = {"Prefer": "wait=20"}


def test_a_small_import_answers_completed_with_its_errors_in_one_round_trip(api):
    category = factories.shipping_category(api)
    inputs = [
        {"code": f"W{i:03d}", "name": f"Shirt {i}", "shipping_category_id": category["id"]}
        for i in range(999)
    ] + [{"code": "BAD"}]  # no name: an error
    body = import_body("skus", inputs, skip_errors=True)
    response = api.post("/api/imports", json=body, headers=WAIT)
    assert response.status_code == 201, response.text
    assert response.headers["Preference-Applied"] == "wait=20"
    attrs = response.json()["data"]["attributes"]
    assert (attrs["status"], attrs["created_count"], attrs["errors_count"]) == (
        "completed", 999, 1), attrs  # fmt: skip
    assert list(attrs["errors_log"]) == ["BAD"], attrs["errors_log"]
    assert attrs["progress"] == 100.0


def test_without_the_header_nothing_waits(api):
    response = api.post("/api/imports", json=import_body("skus", [{"code": "A"}]))
    assert response.status_code == 201
    assert "Preference-Applied" not in response.headers
    assert response.json()["data"]["attributes"]["status"] == "pending"


def test_a_wait_that_cannot_be_read_is_ignored(api):
    response = api.post("/api/imports", json=import_body("skus", [{"code": "A"}]),
                        headers={"Prefer": "wait=soon"})  # fmt: skip
    assert response.status_code == 201
    assert "Preference-Applied" not in response.headers


def test_a_wait_ends_after_its_seconds_with_the_job_as_it_is(app, api, monkeypatch):
    hold_jobs(app, monkeypatch)  # the job never starts
    started = time.monotonic()
    response = api.post("/api/imports", json=import_body("skus", [{"code": "A"}]),
                        headers={"Prefer": "respond-async, wait=1"})  # fmt: skip
    elapsed = time.monotonic() - started
    assert response.status_code == 201
    assert response.headers["Preference-Applied"] == "wait=1"
    assert response.json()["data"]["attributes"]["status"] == "pending"
    assert 1 <= elapsed < 3, elapsed


def test_longer_waits_are_capped_at_60_seconds(api):
    factories.sku(api, code="A")
    body = {"data": {"type": "exports", "attributes": {"resource_type": "skus"}}}
    response = api.post("/api/exports", json=body, headers={"Prefer": "wait=3600"})
    assert response.status_code == 201, response.text
    assert response.headers["Preference-Applied"] == "wait=60"
    attrs = response.json()["data"]["attributes"]
    assert (attrs["status"], attrs["records_count"], attrs["progress"]) == ("completed", 1, 100)
    assert attrs["attachment_url"]


def test_a_cleanup_waits_too(api):
    factories.sku(api, code="A")
    body = {"data": {"type": "cleanups", "attributes": {"resource_type": "skus"}}}
    response = api.post("/api/cleanups", json=body, headers=WAIT)
    assert response.status_code == 201, response.text
    attrs = response.json()["data"]["attributes"]
    assert (attrs["status"], attrs["processed_count"]) == ("completed", 1), attrs
    assert api.get("/api/skus").json()["data"] == []


def test_a_refused_job_is_answered_at_once(api):
    started = time.monotonic()
    response = api.post("/api/imports", json=import_body("nothing", [{"code": "A"}]), headers=WAIT)
    assert response.status_code == 422
    assert "Preference-Applied" not in response.headers
    assert time.monotonic() - started < 5


def test_a_wait_holds_no_database_connection_while_it_sleeps(app, api, monkeypatch):
    hold_jobs(app, monkeypatch)
    pool = app.state.engine.pool
    held: list[int] = []
    sleep = waiting.asyncio.sleep

    async def watched(seconds: float) -> None:
        held.append(pool.checkedout())
        await sleep(seconds)

    monkeypatch.setattr(waiting.asyncio, "sleep", watched)
    response = api.post("/api/imports", json=import_body("skus", [{"code": "A"}]),
                        headers={"Prefer": "wait=1"})  # fmt: skip
    assert response.headers["Preference-Applied"] == "wait=1"
    assert len(held) > 3 and set(held) == {0}, held


def test_an_uploaded_file_waits_too(api):
    files = {"file": ("skus.csv", b"code,name\nU1,Shirt\n", "text/csv")}
    form = {"resource_type": "skus", "skip_errors": "true"}
    headers = {**api.headers(), "Prefer": "wait=20"}
    response = api.client.post("/api/imports", data=form, files=files, headers=headers)
    assert response.status_code == 201, response.text
    assert response.headers["Preference-Applied"] == "wait=20"
    attrs = response.json()["data"]["attributes"]
    assert (attrs["status"], attrs["errors_count"], attrs["inputs_size"]) == ("completed", 1, 1)
