"""Running cleanups: what is deleted, what is kept and why, versions, interrupts, crashes,
other organizations, and deleting a cleanup."""

from __future__ import annotations

import re

import pytest

from bulk.cleanups import run
from tests.support import factories
from tests.support.documents import list_all, q
from tests.support.jobs import (
    deliver_cleanup,
    go_stale,
    hold_jobs,
    patch_job,
    post_cleanup,
    read_job,
    run_cleanup,
)


def codes(api, type_: str = "skus") -> list[str]:
    return sorted(r["attributes"]["code"] for r in list_all(api, f"/api/{type_}"))


def summary(attrs: dict) -> tuple:
    return (attrs["status"], attrs["records_count"], attrs["processed_count"],
            attrs["errors_count"])  # fmt: skip


def patch(api, job_id: str, **attributes):
    return patch_job(api, "cleanups", job_id, **attributes)


@pytest.fixture
def skus(api) -> dict[str, dict]:
    category = factories.shipping_category(api)
    return {code: factories.sku(api, code=code, category=category)
            for code in ("OLD-1", "OLD-2", "OLD-3", "NEW-1", "NEW-2")}  # fmt: skip


def test_deletes_only_what_the_filters_match(api, other_org, skus):
    factories.sku(other_org.api, code="OLD-THEIRS")
    plist = factories.price_list(api)
    factories.price(api, skus["OLD-1"], plist)
    attrs = run_cleanup(api, "skus", filters={"code_start": "OLD"})
    assert summary(attrs) == ("completed", 3, 3, 0), attrs
    assert attrs["errors_log"] == {}
    assert attrs["started_at"] <= attrs["completed_at"] and attrs["interrupted_at"] is None
    assert codes(api) == ["NEW-1", "NEW-2"]
    assert codes(other_org.api) == ["OLD-THEIRS"]  # another organization's records stay
    assert list_all(api, "/api/prices") == []  # the SKU's price went with it


def test_without_filters_every_record_of_the_type(api, skus):
    attrs = run_cleanup(api, "skus")
    assert summary(attrs) == ("completed", 5, 5, 0), attrs
    assert codes(api) == []
    assert len(list_all(api, "/api/shipping_categories")) == 1  # other types stay


def test_every_deletion_leaves_a_version_by_the_cleanup(api, skus):
    attrs = run_cleanup(api, "skus", filters={"code_in": ["OLD-1", "OLD-2"]})
    versions = list_all(api, "/api/versions", **q(event_eq="destroy"))
    assert sorted(v["attributes"]["resource_id"] for v in versions) == sorted(
        [skus["OLD-1"]["id"], skus["OLD-2"]["id"]]
    )
    for version in versions:
        assert version["attributes"]["resource_type"] == "skus"
        assert version["attributes"]["who"] == {"cleanup": {"id": attrs["id"]}}
        assert version["attributes"]["changes"]["code"][1] is None  # its before-image


def test_a_record_others_need_is_an_error_and_its_neighbours_go(api):
    lists = {name: factories.sku_list(api, name) for name in ("Summer", "Winter", "Spring")}
    factories.bundle(api, lists["Winter"], "WINTER-KIT")
    attrs = run_cleanup(api, "sku_lists")
    assert summary(attrs) == ("completed", 3, 3, 1), attrs
    assert attrs["errors_log"] == {
        lists["Winter"]["id"]: {"base": ["cannot be deleted because dependent bundles exist"]}
    }
    remaining = list_all(api, "/api/sku_lists")
    assert [r["attributes"]["name"] for r in remaining] == ["Winter"]
    assert len(list_all(api, "/api/bundles")) == 1


def test_a_dependency_found_only_by_the_database_is_an_error_too(api, monkeypatch):
    """A record others started to need after the check (a concurrent write): the database's
    refusal is caught, and the chunk's records are then deleted one by one."""
    lists = {name: factories.sku_list(api, name) for name in ("Summer", "Winter", "Spring")}
    factories.bundle(api, lists["Winter"], "WINTER-KIT")
    monkeypatch.setattr(run, "dependents", lambda *_args: {})
    attrs = run_cleanup(api, "sku_lists")
    assert summary(attrs) == ("completed", 3, 3, 1), attrs
    assert attrs["errors_log"] == {
        lists["Winter"]["id"]: {"base": ["cannot be deleted because dependent records exist"]}
    }
    assert [r["attributes"]["name"] for r in list_all(api, "/api/sku_lists")] == ["Winter"]
    versions = list_all(api, "/api/versions", **q(event_eq="destroy"))
    assert len(versions) == 2  # the refused attempt left none


def test_chunks_are_committed_one_by_one_and_interrupt_stops_between_them(
    app, api, skus, monkeypatch
):
    hold_jobs(app, monkeypatch)
    monkeypatch.setattr(run, "CHUNK", 2)
    cleanup_id = post_cleanup(api, "skus").json()["data"]["id"]
    real = run.run_chunk
    seen = []

    def chunk(engine, job_id, lease):
        seen.append(read_job(api, "cleanups", job_id)["processed_count"])
        if len(seen) == 2:  # the CLI's interrupt, between the first and second chunk
            assert patch(api, job_id, _interrupt=True).status_code == 200
        return real(engine, job_id, lease)

    monkeypatch.setattr(run, "run_chunk", chunk)
    deliver_cleanup(app, cleanup_id)
    attrs = read_job(api, "cleanups", cleanup_id)
    assert seen == [0, 2]
    assert summary(attrs) == ("interrupted", 5, 2, 0), attrs
    assert attrs["interrupted_at"] and attrs["completed_at"] is None
    assert len(codes(api)) == 3
    deliver_cleanup(app, cleanup_id)  # its message again: an interrupted cleanup stays so
    assert summary(read_job(api, "cleanups", cleanup_id)) == ("interrupted", 5, 2, 0)


def test_interrupting_a_pending_cleanup_deletes_nothing(app, api, skus, monkeypatch):
    hold_jobs(app, monkeypatch)
    cleanup_id = post_cleanup(api, "skus").json()["data"]["id"]
    attrs = patch(api, cleanup_id, _interrupt=True).json()["data"]["attributes"]
    assert attrs["status"] == "interrupted" and "_interrupt" not in attrs
    deliver_cleanup(app, cleanup_id)
    assert read_job(api, "cleanups", cleanup_id)["started_at"] is None
    assert len(codes(api)) == 5


class Crash(BaseException):
    """The worker process dying mid-run: nothing of the pipeline runs after it."""


def test_a_crashed_run_is_taken_over_and_resumes_after_its_last_chunk(app, api, skus, monkeypatch):
    hold_jobs(app, monkeypatch)
    monkeypatch.setattr(run, "CHUNK", 2)
    cleanup_id = post_cleanup(api, "skus", filters={"code_start": "OLD"}).json()["data"]["id"]
    real = run.run_chunk
    calls = []

    def dies_after_one(engine, job_id, lease):
        if calls:
            raise Crash()
        calls.append(lease)
        return real(engine, job_id, lease)

    monkeypatch.setattr(run, "run_chunk", dies_after_one)
    with pytest.raises(Crash):
        deliver_cleanup(app, cleanup_id)
    middle = read_job(api, "cleanups", cleanup_id)
    assert summary(middle) == ("in_progress", 3, 2, 0)
    monkeypatch.setattr(run, "run_chunk", real)
    deliver_cleanup(app, cleanup_id)  # its lease is fresh: a redelivery leaves it alone
    assert read_job(api, "cleanups", cleanup_id)["processed_count"] == 2
    go_stale(app, "cleanups", cleanup_id)
    resent: list[tuple[str, str]] = []  # what a worker's recovery sweep sends again
    monkeypatch.setattr(app.state.dispatcher, "send", lambda *m: resent.append(m) or True)
    assert app.state.dispatcher.recover(all_pending=False) == 1
    assert resent == [("cleanups.run", cleanup_id)]
    deliver_cleanup(app, cleanup_id)
    done = read_job(api, "cleanups", cleanup_id)
    assert summary(done) == ("completed", 3, 3, 0), done
    assert done["started_at"] == middle["started_at"]
    assert codes(api) == ["NEW-1", "NEW-2"]
    destroyed = list_all(api, "/api/versions", **q(event_eq="destroy"))
    assert len(destroyed) == 3  # each record deleted, and versioned, once


def test_an_error_fails_the_cleanup_naming_only_an_error_id(api, skus, monkeypatch):
    def boom(*_args):
        raise RuntimeError("the deleter broke")

    monkeypatch.setattr(run, "delete", boom)
    attrs = run_cleanup(api, "skus")
    assert attrs["status"] == "failed"
    (message,) = attrs["errors_log"]["base"]["base"]
    assert re.fullmatch(
        r"the cleanup stopped on an internal error \(error id [0-9a-f]{12} in the server log\)",
        message,
    )
    assert len(codes(api)) == 5
    assert post_cleanup(api, "skus").status_code == 201  # a failed cleanup is not active


def test_read_list_delete_and_other_organizations(api, other_org, skus):
    done = run_cleanup(api, "skus", filters={"code_eq": "NEW-1"}, reference="grp-1")
    listed = api.get("/api/cleanups", params={"filter[q][status_eq]": "completed"})
    assert [d["id"] for d in listed.json()["data"]] == [done["id"]]
    assert other_org.api.get("/api/cleanups").json()["data"] == []
    for response in (other_org.api.get(f"/api/cleanups/{done['id']}"),
                     patch(other_org.api, done["id"], reference="x"),
                     other_org.api.delete(f"/api/cleanups/{done['id']}")):  # fmt: skip
        assert response.status_code == 404
    for name, value in (("resource_type", "prices"), ("filters", {}), ("status", "pending")):
        response = patch(api, done["id"], **{name: value})
        assert response.status_code == 400, response.text
    assert api.delete(f"/api/cleanups/{done['id']}").status_code == 204
    assert api.get(f"/api/cleanups/{done['id']}").status_code == 404
    assert len(codes(api)) == 4  # deleting the cleanup brings nothing back, deletes no more


def test_deleting_a_pending_cleanup_means_it_never_runs(app, api, skus, monkeypatch):
    hold_jobs(app, monkeypatch)
    cleanup_id = post_cleanup(api, "skus").json()["data"]["id"]
    assert api.delete(f"/api/cleanups/{cleanup_id}").status_code == 204
    deliver_cleanup(app, cleanup_id)
    assert len(codes(api)) == 5
