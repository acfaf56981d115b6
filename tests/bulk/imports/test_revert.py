"""PATCH `_revert`: an import undone from its versions, as a job of its own (reverting ->
reverted): creates deleted, updates restored, what it destroyed recreated with its ids, nested
children and tags; records changed since left with a warning unless forced."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest

from bulk.actors import REVERT
from bulk.imports import revert as pipeline
from core.db import utcnow
from tests.support import factories
from tests.support.api import open_app, sql
from tests.support.documents import attrs_of, by, list_all, ok, patch, q, tag_names
from tests.support.jobs import (
    counts,
    fixture,
    go_stale,
    hold_jobs,
    patch_job,
    post_import,
    read_job,
    revert,
    run_import,
)
from tests.support.world import Catalog

CHANGED = "changed after the import: left as it is (revert with _revert_force to overwrite it)"


@pytest.fixture
def app(settings):
    """Overrides conftest's app: chunks of 3, so that imports and reverts take several."""
    with open_app(dataclasses.replace(settings, import_chunk_size=3)) as application:
        yield application


def versions_of(api, resource_id: str) -> list[dict]:
    params = {**q(resource_id_eq=resource_id), "sort": "created_at", "page[size]": "25"}
    return [v["attributes"] for v in ok(api.get("/api/versions", params=params))["data"]]


def tag(api, record: dict, *names: str) -> None:
    tags = [factories.tag(api, name) for name in names]
    linkage = {"data": [{"type": "tags", "id": t["id"]} for t in tags]}
    path = f"/api/{record['type']}/{record['id']}/relationships/tags"
    assert api.patch(path, json=linkage).status_code == 204


def test_creates_are_deleted_and_updates_restored_with_their_tags(api):
    cat = Catalog(api)
    shirt = cat.skus["TSHIRT-S"]
    tag(api, shirt, "basic")
    done = run_import(api, "skus", [
        {"code": "NEW-1", "name": "New", "shipping_category_code": "STANDARD", "tags": ["fresh"]},
        {"code": "TSHIRT-S", "name": "Renamed", "weight": 200, "tags": ["fresh", "sale"]},
    ])  # fmt: skip
    assert (done["created_count"], done["updated_count"]) == (1, 1), done
    new = by(list_all(api, "/api/skus"), "code")["NEW-1"]

    attrs = revert(api, done["id"])
    assert (attrs["reverted_count"], attrs["warnings_count"]) == (2, 0), attrs
    assert attrs["reverted_at"] is not None
    skus = by(list_all(api, "/api/skus"), "code")
    assert "NEW-1" not in skus
    restored = skus["TSHIRT-S"]
    assert (restored["attributes"]["name"], restored["attributes"]["weight"]) == ("T-shirt", None)
    assert tag_names(api, restored) == ["basic"]
    # The revert's writes are versions, signed by it.
    last = versions_of(api, shirt["id"])[-1]
    assert last["who"] == {"revert": {"id": done["id"]}}
    assert last["event"] == "update"
    assert last["changes"]["name"] == ["Renamed", "T-shirt"]
    assert last["changes"]["weight"] == [200.0, None]
    (created, destroyed) = versions_of(api, new["id"])
    assert (created["event"], created["who"]) == ("create", {"import": {"id": done["id"]}})
    assert (destroyed["event"], destroyed["who"]) == ("destroy", {"revert": {"id": done["id"]}})


def test_prices_and_their_tiers_come_back(api):
    cat = Catalog(api)
    first = run_import(api, "prices", fixture("prices", "valid.json"),
                       parent_resource_id=cat.eur["id"])  # fmt: skip
    assert counts(first) == ("completed", 4, 0, 0, 0), first
    tiers_before = attrs_of(list_all(api, "/api/price_tiers"), "name", "up_to",
                            "price_amount_cents")  # fmt: skip
    ids_before = sorted(t["id"] for t in list_all(api, "/api/price_tiers"))
    second = run_import(api, "prices", fixture("prices", "update.json"),
                        parent_resource_id=cat.eur["id"])  # fmt: skip
    assert counts(second) == ("completed", 2, 0, 0, 0), second

    attrs = revert(api, second["id"])
    assert attrs["warnings_log"] == {}, attrs
    prices = {p["attributes"]["sku_code"]: p["attributes"] for p in list_all(api, "/api/prices")}
    assert (prices["TSHIRT-S"]["amount_cents"], prices["TSHIRT-M"]["amount_cents"]) == (1900, 1900)
    tiers = list_all(api, "/api/price_tiers")
    assert attrs_of(tiers, "name", "up_to", "price_amount_cents") == tiers_before
    assert sorted(t["id"] for t in tiers) == ids_before  # the removed tiers, with their ids

    attrs = revert(api, first["id"])
    assert attrs["reverted_count"] == 4 + 3, attrs  # the prices and their tiers
    assert list_all(api, "/api/prices") == []
    assert list_all(api, "/api/price_tiers") == []


def test_what_a_cleanup_destroyed_is_recreated_with_its_id_children_and_tags(api):
    cat = Catalog(api)
    kept, gone = cat.price("TSHIRT-S"), cat.price("TSHIRT-M")
    tier = factories.price_tier(api, gone, name="old tier")
    done = run_import(api, "prices", [{"sku_code": "TSHIRT-S", "amount_cents": 1}],
                      parent_resource_id=cat.eur["id"], cleanup_records=True)  # fmt: skip
    assert counts(done) == ("completed", 1, 0, 0, 1), done
    assert api.get(f"/api/prices/{gone['id']}").status_code == 404

    attrs = revert(api, done["id"])
    assert attrs["reverted_count"] == 3, attrs  # kept restored; gone and its tier recreated
    back = ok(api.get(f"/api/prices/{gone['id']}"))["data"]["attributes"]
    assert (back["sku_code"], back["amount_cents"]) == ("TSHIRT-M", 1000)
    tiers = list_all(api, f"/api/prices/{gone['id']}/price_tiers")
    assert [(t["id"], t["attributes"]["name"]) for t in tiers] == [(tier["id"], "old tier")]
    assert ok(api.get(f"/api/prices/{kept['id']}"))["data"]["attributes"]["amount_cents"] == 1000

    category = factories.shipping_category(api, "Parcel")
    old = factories.sku(api, "OLD-1", category, description="Kept text")
    tag(api, old, "keep", "winter")
    done = run_import(api, "skus", [{"code": "NEW-1", "name": "New",
                                     "shipping_category_id": category["id"]}],
                      cleanup_records=True, cleanup_max_ratio=1)  # fmt: skip
    assert done["destroyed_count"] >= 1, done
    revert(api, done["id"])
    back = ok(api.get(f"/api/skus/{old['id']}"))["data"]
    assert (back["attributes"]["code"], back["attributes"]["description"]) == (
        "OLD-1", "Kept text")  # fmt: skip
    assert tag_names(api, back) == ["keep", "winter"]
    assert "NEW-1" not in by(list_all(api, "/api/skus"), "code")
    recreated = versions_of(api, old["id"])[-1]
    assert (recreated["event"], recreated["who"]) == ("create", {"revert": {"id": done["id"]}})


def test_an_interrupted_import_is_undone_as_far_as_it_went(api):
    done = run_import(api, "tags", [{"name": "a"}, {"name": "b"}, {"name": "bad name!"},
                                    {"name": "c"}])  # fmt: skip
    assert done["status"] == "interrupted", done
    assert tag_names(api) == ["a", "b"]
    attrs = revert(api, done["id"])
    assert attrs["reverted_count"] == 2
    assert tag_names(api) == []


def test_a_record_changed_after_the_import_is_left_with_a_warning_unless_forced(api):
    category = factories.shipping_category(api, "Parcel")
    for force in (False, True):
        one, two = (factories.sku(api, f"{code}-{force}", category) for code in ("A", "B"))
        done = run_import(
            api,
            "skus",
            [
                {"code": one["attributes"]["code"], "name": "Imported"},
                {"code": two["attributes"]["code"], "name": "Imported"},
            ],
        )
        assert ok(patch(api, one, {"name": "Edited"}))

        attrs = revert(api, done["id"], **({"_revert_force": True} if force else {}))
        names = {s["id"]: s["attributes"]["name"] for s in list_all(api, "/api/skus")}
        assert names[two["id"]] == "T-shirt"
        if force:
            assert names[one["id"]] == "T-shirt"
            assert (attrs["reverted_count"], attrs["warnings_log"]) == (2, {})
        else:
            assert names[one["id"]] == "Edited"
            assert attrs["reverted_count"] == 1
            assert attrs["warnings_log"] == {f"skus A-{force}": [CHANGED]}


def test_a_revert_is_refused_when_it_cannot_be_done(app, api):
    done = run_import(api, "tags", [{"name": "a"}])
    response = patch_job(api, "imports", done["id"], _revert_force=True)
    assert response.status_code == 422
    assert response.json()["errors"][0]["source"] == {"pointer": "/data/attributes/_revert_force"}
    revert(api, done["id"])
    again = patch_job(api, "imports", done["id"], _revert=True)
    assert again.status_code == 422
    (error,) = again.json()["errors"]
    assert error["source"] == {"pointer": "/data/attributes/_revert"}
    assert "reverted already" in error["detail"]
    # past the versions' retention: they may be pruned, so it is refused
    old = run_import(api, "tags", [{"name": "b"}])
    days = app.state.settings.versions_retention_days
    long_ago = utcnow() - timedelta(days=days, minutes=1)
    sql(app, "UPDATE imports SET completed_at = :t WHERE id = :id", t=long_ago, id=old["id"])
    response = patch_job(api, "imports", old["id"], _revert=True)
    assert response.status_code == 422
    assert f"past their retention ({days} days)" in response.json()["errors"][0]["detail"]


def test_a_pending_import_cannot_be_reverted(app, api, monkeypatch):
    hold_jobs(app, monkeypatch)
    response = post_import(api, "tags", [{"name": "a"}])
    pending = patch_job(api, "imports", response.json()["data"]["id"], _revert=True)
    assert pending.status_code == 422
    assert "only completed or interrupted ones" in pending.json()["errors"][0]["detail"]


class Crash(BaseException):
    """The worker process dying mid-revert: nothing of it runs after."""


def test_a_crashed_revert_resumes_at_its_cursor(app, api, monkeypatch):
    done = run_import(api, "tags", [{"name": f"t{i}"} for i in range(7)])
    sent = hold_jobs(app, monkeypatch)
    assert patch_job(api, "imports", done["id"], _revert=True).status_code == 200
    assert sent == [(REVERT, done["id"])]
    real = pipeline.run_chunk
    calls: list[int] = []

    def dies_after_one(engine, import_id, lease, chunk, webhooks):
        if calls:
            raise Crash()
        calls.append(len(chunk))
        return real(engine, import_id, lease, chunk, webhooks)

    monkeypatch.setattr(pipeline, "run_chunk", dies_after_one)
    with pytest.raises(Crash):
        pipeline.run_revert(app.state.engine, app.state.settings, done["id"])
    monkeypatch.setattr(pipeline, "run_chunk", real)
    query = "SELECT status, revert_cursor, lease FROM imports WHERE id = :id"
    ((status, cursor, lease),) = sql(app, query, id=done["id"])
    assert (status, cursor, len(tag_names(api))) == ("reverting", 3, 4) and lease
    # its lease is fresh: another delivery leaves it alone
    pipeline.run_revert(app.state.engine, app.state.settings, done["id"])
    assert len(tag_names(api)) == 4
    # once stale, the sweep sends it again and the next delivery resumes at the cursor
    go_stale(app, "imports", done["id"])
    sent.clear()

    def send(actor: str, job_id: str) -> bool:  # recovery counts what it sent
        sent.append((actor, job_id))
        return True

    monkeypatch.setattr(app.state.dispatcher, "send", send)
    app.state.dispatcher.recover(all_pending=False)
    assert (REVERT, done["id"]) in sent
    pipeline.run_revert(app.state.engine, app.state.settings, done["id"])
    attrs = read_job(api, "imports", done["id"])
    assert (attrs["status"], attrs["reverted_count"]) == ("reverted", 7)
    assert tag_names(api) == []


def test_a_csv_import_is_reverted_as_a_json_one(api):
    cat = Catalog(api)
    csv = 'code,name,shipping_category_code,tags.name\nCSV-1,One,STANDARD,"a,b"\nTSHIRT-M,M2,,\n'
    done = run_import(api, "skus", csv)
    assert (done["created_count"], done["updated_count"]) == (1, 1), done
    attrs = revert(api, done["id"])
    assert attrs["reverted_count"] == 2
    skus = by(list_all(api, "/api/skus"), "code")
    assert "CSV-1" not in skus
    assert skus["TSHIRT-M"]["attributes"]["name"] == cat.skus["TSHIRT-M"]["attributes"]["name"]
