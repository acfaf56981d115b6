"""Following an export: status, progress, `_interrupt`, failure, the signed attachment, and
listing / filtering / sorting as the official CLI does."""

from __future__ import annotations

import re
import sqlite3
import time
import types
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy.exc import OperationalError

from bulk.exports import run
from core import storage
from tests.support import factories
from tests.support.api import sql
from tests.support.jobs import (
    deliver_export,
    download,
    hold_jobs,
    items,
    patch_job,
    post_export,
    read_job,
    run_export,
    run_to_end,
)


def patch(api, job_id: str, **attributes):
    return patch_job(api, "exports", job_id, **attributes)


def ids(response) -> list[str]:
    assert response.status_code == 200, response.text
    return [d["id"] for d in response.json()["data"]]


@pytest.fixture
def tags(api) -> list[str]:
    names = ["t1", "t2", "t3", "t4", "t5"]
    for name in names:
        factories.tag(api, name)
    return names


def test_progress_is_committed_page_by_page(app, api, tags, monkeypatch):
    hold_jobs(app, monkeypatch)
    monkeypatch.setattr(run, "PAGE", 2)
    seen = []
    real = run.report

    def report(engine, row, lease, done):
        real(engine, row, lease, done)
        seen.append(tuple(sql(app, "SELECT status, processed_count, progress FROM exports")[0]))

    monkeypatch.setattr(run, "report", report)
    export_id = post_export(api, "tags").json()["data"]["id"]
    deliver_export(app, export_id)
    assert seen == [("in_progress", 2, 40.0), ("in_progress", 4, 80.0),
                    ("in_progress", 5, 100.0)]  # fmt: skip
    attrs = read_job(api, "exports", export_id)
    assert (attrs["status"], attrs["processed_count"], attrs["records_count"], attrs["progress"]) \
        == ("completed", 5, 5, 100.0)  # fmt: skip
    assert attrs["started_at"] <= attrs["completed_at"] and attrs["interrupted_at"] is None
    exported = items(download(api, attrs["attachment_url"]))
    in_id_order = [r[0] for r in sql(app, "SELECT id FROM tags ORDER BY id")]  # collation's
    assert [i["id"] for i in exported] == in_id_order
    assert sorted(i["name"] for i in exported) == tags
    deliver_export(app, export_id)  # a message delivered twice does nothing more
    assert read_job(api, "exports", export_id)["completed_at"] == attrs["completed_at"]


def test_estimated_completion_is_extrapolated_page_by_page(app, api, tags, monkeypatch):
    hold_jobs(app, monkeypatch)
    monkeypatch.setattr(run, "PAGE", 2)
    export_id = post_export(api, "tags").json()["data"]["id"]
    assert read_job(api, "exports", export_id)["estimated_completion_at"] is None
    real = run.report
    seen = []

    def report(engine, row, lease, done):
        time.sleep(0.2)  # each page takes a measurable time
        real(engine, row, lease, done)
        seen.append((read_job(api, "exports", export_id), datetime.now(UTC)))

    monkeypatch.setattr(run, "report", report)
    deliver_export(app, export_id)
    (first, read_at), (second, _), (last, _) = seen
    assert (first["status"], first["progress"], second["progress"]) == ("in_progress", 40.0, 80.0)
    started, eta = moment(first["started_at"]), moment(first["estimated_completion_at"])
    # 2 of 5 records in about 0.2 s: the 3 left take about 0.3 s more
    assert eta > read_at and eta - started >= timedelta(seconds=0.45)
    assert moment(second["estimated_completion_at"]) > read_at
    assert last["progress"] == 100.0
    attrs = read_job(api, "exports", export_id)
    assert (attrs["status"], attrs["progress"], attrs["estimated_completion_at"]) == (
        "completed", 100.0, None)  # as Commerce Layer shows a completed export  # fmt: skip


def moment(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def test_interrupt_while_in_progress_stops_at_the_next_page(app, api, tags, monkeypatch):
    hold_jobs(app, monkeypatch)
    monkeypatch.setattr(run, "PAGE", 2)
    export_id = post_export(api, "tags").json()["data"]["id"]
    real = run.report

    def report(engine, row, lease, done):
        if done == 4:  # the CLI's `exports:interrupt` between two pages
            response = patch(api, export_id, _interrupt=True)
            assert response.status_code == 200, response.text
        real(engine, row, lease, done)

    monkeypatch.setattr(run, "report", report)
    deliver_export(app, export_id)
    attrs = read_job(api, "exports", export_id)
    assert (attrs["status"], attrs["processed_count"], attrs["attachment_url"]) == (
        "interrupted", 2, None)  # fmt: skip
    assert attrs["interrupted_at"] and attrs["completed_at"] is None


def test_interrupt_a_pending_export_and_a_completed_one(app, api, tags, monkeypatch):
    done, _file = run_export(api, "tags")
    response = patch(api, done["id"], _interrupt=True)
    assert response.status_code == 200
    assert response.json()["data"]["attributes"]["status"] == "completed"  # nothing to stop
    hold_jobs(app, monkeypatch)
    export_id = post_export(api, "tags").json()["data"]["id"]
    attrs = patch(api, export_id, _interrupt=True).json()["data"]["attributes"]
    assert attrs["status"] == "interrupted" and "_interrupt" not in attrs
    deliver_export(app, export_id)  # its message, delivered late, does nothing
    assert read_job(api, "exports", export_id)["started_at"] is None


@pytest.mark.parametrize(
    "error",
    [
        RuntimeError("the reader broke"),
        # A statement the database refuses every time: retrying it would keep the export in
        # progress forever (the sweep re-sends it once its retries run out).
        OperationalError("SELECT", {}, sqlite3.OperationalError("Expression tree is too large")),
    ],
)
def test_an_error_fails_the_export(app, api, tags, monkeypatch, error):
    def boom(*_args):
        raise error

    monkeypatch.setattr(run, "fetch", boom)  # pages shaped in Python or in the database alike
    export_id = post_export(api, "tags").json()["data"]["id"]
    attrs = run_to_end(api, "exports", export_id)
    assert (attrs["status"], attrs["attachment_url"]) == ("failed", None)
    (message,) = attrs["errors_log"]["base"]
    assert re.fullmatch(
        r"the export stopped on an internal error \(error id [0-9a-f]{12} in the server log\)",
        message,
    )
    assert "reader" not in str(attrs["errors_log"])  # internals stay in the server log
    assert "Expression" not in str(attrs["errors_log"])
    assert post_export(api, "tags").status_code == 201  # a failed export is not active


def test_patch_reference_and_metadata_only(api, tags):
    done, _file = run_export(api, "tags")
    response = patch(api, done["id"], reference="grp-9", metadata={"by": "ops"})
    assert response.status_code == 200, response.text
    for name, value in (("resource_type", "skus"), ("status", "pending"), ("records_count", 9)):
        response = patch(api, done["id"], **{name: value})
        assert response.status_code == 400, response.text
        assert response.json()["errors"][0]["source"] == {"pointer": f"/data/attributes/{name}"}
    attrs = read_job(api, "exports", done["id"])
    assert (attrs["reference"], attrs["metadata"], attrs["status"]) == (
        "grp-9", {"by": "ops"}, "completed")  # fmt: skip


def test_delete_and_other_organizations(api, other_org, tags):
    done, _file = run_export(api, "tags")
    assert ids(other_org.api.get("/api/exports")) == []
    for response in (other_org.api.get(f"/api/exports/{done['id']}"),
                     patch(other_org.api, done["id"], reference="x"),
                     other_org.api.delete(f"/api/exports/{done['id']}")):  # fmt: skip
        assert response.status_code == 404
    assert api.delete(f"/api/exports/{done['id']}").status_code == 204
    assert api.get(f"/api/exports/{done['id']}").status_code == 404
    assert len(api.get("/api/tags").json()["data"]) == 5  # the records stay
    # A link handed out before the delete, still within its five minutes, serves nothing.
    gone = api.client.get(done["attachment_url"].removeprefix("http://testserver"))
    assert gone.status_code == 404
    assert gone.json()["errors"][0]["detail"] == "This attachment no longer exists"


def test_attachment_url_is_signed_for_five_minutes_and_afresh_per_read(api, org, tags,
                                                                       monkeypatch):  # fmt: skip
    clock = types.SimpleNamespace(now=storage.time.time())
    monkeypatch.setattr(storage, "time", types.SimpleNamespace(time=lambda: clock.now))
    done, gz = run_export(api, "tags", format="csv")
    url = done["attachment_url"]
    assert urlsplit(url).path == f"/attachments/exports/{org.id}/{done['id']}.csv.gz"
    expires = int(parse_qs(urlsplit(url).query)["expires"][0])
    assert expires == int(clock.now) + 300
    clock.now += 301
    assert api.client.get(url.removeprefix("http://testserver")).status_code == 403
    fresh = read_job(api, "exports", done["id"])["attachment_url"]
    assert int(parse_qs(urlsplit(fresh).query)["expires"][0]) == int(clock.now) + 300
    assert download(api, fresh) == gz


@pytest.fixture
def three(app, api, tags, monkeypatch) -> dict[str, str]:
    """a: tags completed (grp-1), b: skus completed (grp-1), c: tags interrupted (grp-0)."""
    factories.sku(api, code="S1")
    a, _ = run_export(api, "tags", reference="grp-1")
    b, _ = run_export(api, "skus", reference="grp-1")
    hold_jobs(app, monkeypatch)
    c = post_export(api, "tags", reference="grp-0").json()["data"]["id"]
    patch(api, c, _interrupt=True)
    return {a["id"]: "a", b["id"]: "b", c: "c"}


LISTINGS = [
    ({"sort": "-started_at", "page[size]": "25"}, ["c", "b", "a"]),  # exports:list
    ({"sort": "-started_at", "filter[q][resource_type_eq]": "tags"}, ["c", "a"]),
    ({"sort": "-started_at", "filter[q][status_eq]": "completed"}, ["b", "a"]),
    ({"sort": "-started_at", "filter[q][status_eq]": "interrupted"}, ["c"]),
    ({"sort": "reference,-completed_at", "filter[q][reference_start]": "grp-1"}, ["b", "a"]),
    ({"sort": "-created_at", "filter[q][records_count_gt]": "1"}, ["c", "a"]),
    ({"sort": "started_at", "page[size]": "1", "page[number]": "2"}, ["b"]),
]


def test_list_as_the_cli_does(api, three):
    for params, expected in LISTINGS:
        assert [three[i] for i in ids(api.get("/api/exports", params=params))] == expected, params
