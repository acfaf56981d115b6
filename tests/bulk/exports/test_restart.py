"""`_start`: an interrupted or failed export starts again from the beginning, queued as a new
one is (a free slot, its message after commit); any other status is a 422."""

from __future__ import annotations

import pytest

from bulk.exports import run
from tests.support import factories
from tests.support.api import sql
from tests.support.documents import only_error
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


@pytest.fixture
def tags(api) -> list[str]:
    names = ["t1", "t2", "t3", "t4", "t5"]
    for name in names:
        factories.tag(api, name)
    return names


def test_an_export_interrupted_half_way_starts_again_from_the_beginning(app, api, tags,
                                                                         monkeypatch):  # fmt: skip
    sent = hold_jobs(app, monkeypatch)
    monkeypatch.setattr(run, "PAGE", 2)
    export_id = post_export(api, "tags").json()["data"]["id"]
    real = run.report

    def interrupting(engine, row, lease, done):
        real(engine, row, lease, done)
        if done == 2:
            assert patch(api, export_id, _interrupt=True).status_code == 200

    monkeypatch.setattr(run, "report", interrupting)
    deliver_export(app, export_id)
    stopped = read_job(api, "exports", export_id)
    assert (stopped["status"], stopped["processed_count"], stopped["progress"]) == (
        "interrupted", 2, 40.0)  # fmt: skip
    monkeypatch.setattr(run, "report", real)

    response = patch(api, export_id, _start=True)
    assert response.status_code == 200, response.text
    attrs = response.json()["data"]["attributes"]
    assert "_start" not in attrs
    assert {k: attrs[k] for k in ("status", "processed_count", "progress", "records_count",
                                  "started_at", "interrupted_at", "completed_at",
                                  "estimated_completion_at", "attachment_url")} == {
        "status": "pending", "processed_count": 0, "progress": 0.0, "records_count": 5,
        "started_at": None, "interrupted_at": None, "completed_at": None,
        "estimated_completion_at": None, "attachment_url": None,
    }  # fmt: skip
    assert sent == [("exports.run", export_id)] * 2  # its create, then its start

    deliver_export(app, export_id)
    done = read_job(api, "exports", export_id)
    assert (done["status"], done["processed_count"], done["progress"]) == ("completed", 5, 100.0)
    assert sorted(i["name"] for i in items(download(api, done["attachment_url"]))) == tags


def test_a_failed_export_starts_again_without_its_errors(app, api, tags, monkeypatch):
    real = run.fetch

    def boom(*_args):
        raise RuntimeError("the reader broke")

    monkeypatch.setattr(run, "fetch", boom)
    export_id = post_export(api, "tags", format="csv").json()["data"]["id"]
    assert run_to_end(api, "exports", export_id)["status"] == "failed"
    monkeypatch.setattr(run, "fetch", real)
    attrs = patch(api, export_id, _start=True).json()["data"]["attributes"]
    assert (attrs["status"], attrs["errors_log"]) == ("pending", None)
    attrs = run_to_end(api, "exports", export_id)
    assert (attrs["status"], attrs["processed_count"], attrs["errors_log"]) == (
        "completed", 5, None)  # fmt: skip


def test_start_is_refused_unless_interrupted_or_failed(app, api, tags, monkeypatch):
    done, _file = run_export(api, "tags")
    sent = hold_jobs(app, monkeypatch)
    pending = post_export(api, "tags").json()["data"]["id"]
    running = post_export(api, "tags").json()["data"]["id"]
    sql(app, "UPDATE exports SET status = 'in_progress' WHERE id = :id", id=running)
    for export_id, status in ((done["id"], "completed"), (pending, "pending"),
                              (running, "in_progress")):  # fmt: skip
        error = only_error(patch(api, export_id, _start=True))
        assert error["source"] == {"pointer": "/data/attributes/_start"}
        assert error["detail"] == (
            f"_start - cannot restart one of the exports that is {status}: "
            "only interrupted or failed ones can be restarted"
        )
        assert read_job(api, "exports", export_id)["status"] == status
    assert len(sent) == 2  # the two creates: no message for a refused start
    assert patch(api, done["id"], _start=False).status_code == 200  # nothing asked, nothing done


def test_start_takes_a_free_slot_as_a_create_does(app, api, tags, monkeypatch):
    sent = hold_jobs(app, monkeypatch)
    stopped = post_export(api, "tags").json()["data"]["id"]
    patch(api, stopped, _interrupt=True)
    ids = [post_export(api, "tags").json()["data"]["id"] for _ in range(10)]
    error = only_error(patch(api, stopped, _start=True))
    assert error["meta"] == {"error": "too_many_active"}
    assert read_job(api, "exports", stopped)["status"] == "interrupted"
    patch(api, ids[0], _interrupt=True)
    assert patch(api, stopped, _start=True).json()["data"]["attributes"]["status"] == "pending"
    assert len(sent) == 12


def test_start_counts_the_records_again(app, api, tags, monkeypatch):
    hold_jobs(app, monkeypatch)
    export_id = post_export(api, "tags").json()["data"]["id"]
    patch(api, export_id, _interrupt=True)
    factories.tag(api, "t6")
    assert patch(api, export_id, _start=True).json()["data"]["attributes"]["records_count"] == 6
    patch(api, export_id, _interrupt=True)
    sql(app, "DELETE FROM tags")
    error = only_error(patch(api, export_id, _start=True))
    assert (error["source"], error["meta"]) == (
        {"pointer": "/data/attributes/records_count"},
        {"error": "greater_than", "count": 0},
    )
    assert read_job(api, "exports", export_id)["status"] == "interrupted"
