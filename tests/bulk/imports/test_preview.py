"""Preview, then commit: `preview: true` runs the whole pipeline and writes nothing, leaving a
plan (`plan_counts`, `plan_log`, `plan_url`); `_commit` applies the same inputs; a preview not
committed in 24 hours expires."""

from __future__ import annotations

import dataclasses
import gzip
import json

import pytest

from bulk import admission
from tests.bulk.imports.test_upload import post_file
from tests.support.api import make_org, open_app, sql
from tests.support.documents import by, created, list_all, post
from tests.support.jobs import (
    counts,
    download,
    hold_jobs,
    patch_job,
    post_import,
    read_job,
    run_import,
    run_to_end,
)  # fmt: skip
from tests.support.world import Catalog


def plan_of(api, attrs: dict) -> list[dict]:
    """The lines of the plan file behind `plan_url`."""
    text = gzip.decompress(download(api, attrs["plan_url"])).decode()
    return [json.loads(line) for line in text.splitlines()]


def skus(api) -> dict[str, dict]:
    return {c: s["attributes"] for c, s in by(list_all(api, "/api/skus"), "code").items()}


def written(app) -> tuple[int, ...]:
    """What any write leaves: SKUs, tags, versions, webhook deliveries, touched records."""
    tables = ("skus", "tags", "versions", "webhook_deliveries", "import_records")
    return tuple(sql(app, f"SELECT count(*) FROM {t}")[0][0] for t in tables)  # noqa: S608


def preview(api, resource_type: str, inputs, **attributes) -> dict:
    response = post_import(api, resource_type, inputs, preview=True, **attributes)
    assert response.status_code == 201, response.text
    attrs = run_to_end(api, "imports", response.json()["data"]["id"])
    assert attrs["status"] == "previewed", attrs
    return attrs


def commit(api, import_id: str) -> dict:
    response = patch_job(api, "imports", import_id, _commit=True)
    assert response.status_code == 200, response.text
    assert response.json()["data"]["attributes"]["status"] == "pending"
    return run_to_end(api, "imports", import_id)


FIRST = [
    {"code": "A", "name": "Old A", "shipping_category_code": "STANDARD", "tags": ["x"]},
    {"code": "B", "name": "B", "shipping_category_code": "STANDARD"},
    {"code": "C", "name": "C", "shipping_category_code": "STANDARD"},
]
SECOND = [
    {"code": "A", "name": "New A", "weight": 12, "tags": ["x", "new-tag"]},  # update
    {"code": "B", "name": "B"},  # unchanged
    {"code": "D", "name": "D", "shipping_category_code": "STANDARD"},  # create
    {"code": "E", "name": "E", "shipping_category_code": "NOPE"},  # error
]


def test_a_json_preview_plans_every_action_writes_nothing_and_its_commit_applies(app, api):
    Catalog(api)
    run_import(api, "skus", FIRST)
    before, stored = written(app), skus(api)
    attrs = preview(api, "skus", SECOND, cleanup_records=True, skip_errors=True,
                    cleanup_max_ratio=1)  # fmt: skip
    # cleanup: the catalog's four SKUs and C, which the import does not name
    assert attrs["plan_counts"] == {"create": 1, "update": 1, "unchanged": 1, "delete": 5,
                                    "error": 1}  # fmt: skip
    assert (attrs["processed_count"], attrs["created_count"], attrs["errors_count"]) == (0, 0, 0)
    assert list(attrs["errors_log"]) == ["E"]  # what the preview found
    assert written(app) == before and skus(api) == stored  # nothing written, no versions
    plan = plan_of(api, attrs)
    lines = {line["key"]: line for line in plan}
    update = lines["A"]
    assert update["action"] == "update"
    assert update["changes"]["name"] == ["Old A", "New A"]
    assert update["changes"]["weight"] == [None, 12]
    tag_before, tag_after = update["changes"]["tags"]  # linked ids, as versions record them
    assert len(tag_before) == 1 and len(tag_after) == 2 and tag_before[0] in tag_after
    assert (lines["B"]["action"], lines["D"]["action"]) == ("unchanged", "create")
    assert lines["E"]["action"] == "error" and "shipping_category" in str(lines["E"]["errors"])
    deleted = sorted(k for k, line in lines.items() if line["action"] == "delete")
    assert deleted == ["C", "MUG-01", "TSHIRT-L", "TSHIRT-M", "TSHIRT-S"]
    assert [line["key"] for line in attrs["plan_log"]] == [
        line["key"] for line in plan if line["action"] != "unchanged"
    ]

    done = commit(api, attrs["id"])
    assert counts(done) == ("completed", 3, 1, 0, 5)
    assert (done["created_count"], done["updated_count"], done["unchanged_count"]) == (1, 1, 1)
    assert done["plan_counts"] == attrs["plan_counts"]  # the plan stays to compare with
    final = skus(api)
    assert sorted(final) == ["A", "B", "D"]
    assert (final["A"]["name"], final["A"]["weight"]) == ("New A", 12)
    a_id = by(list_all(api, "/api/skus"), "code")["A"]["id"]
    history = api.get(f"/api/skus/{a_id}/versions").json()["data"]
    mine = [v["attributes"] for v in history if v["attributes"]["who"] == {"import": {"id":
                                                                          done["id"]}}]  # fmt: skip
    assert len(mine) == 1 and mine[0]["changes"]["name"] == ["Old A", "New A"]
    again = patch_job(api, "imports", done["id"], _commit=True)
    assert again.status_code == 422
    assert again.json()["errors"][0]["source"] == {"pointer": "/data/attributes/_commit"}


def test_a_csv_preview_of_prices_plans_nested_tier_changes(app, api):
    cat = Catalog(api)
    eur = cat.eur["id"]
    run_import(api, "prices", [{"sku_code": "TSHIRT-S", "amount_cents": 1900, "price_tiers": [
        {"type": "PriceVolumeTier", "name": "5 pack", "up_to": 5, "price_amount_cents": 1800},
    ]}], parent_resource_id=eur)  # fmt: skip
    csv = (
        "sku_code,amount_cents,price_tiers.type,price_tiers.name,price_tiers.up_to,"
        "price_tiers.price_amount_cents\n"
        "TSHIRT-S,1850,PriceVolumeTier,5 pack,5,1700\n"
        "TSHIRT-S,1850,PriceVolumeTier,10 pack,10,1600\n"
        "TSHIRT-M,2000,,,,\n"
    )
    before = written(app), sql(app, "SELECT count(*) FROM price_tiers")[0][0]
    attrs = preview(api, "prices", csv, parent_resource_id=eur)
    assert attrs["plan_counts"] == {"create": 1, "update": 1, "unchanged": 0, "delete": 0,
                                    "error": 0}  # fmt: skip
    assert (written(app), sql(app, "SELECT count(*) FROM price_tiers")[0][0]) == before
    (update,) = [line for line in plan_of(api, attrs) if line["action"] == "update"]
    assert update["changes"]["amount_cents"] == [1900, 1850]
    tiers = {t["key"]: t for t in update["changes"]["price_tiers"]}
    assert len(tiers) == 2
    changed = [t for t in tiers.values() if t["action"] == "update"]
    assert changed[0]["changes"]["price_amount_cents"] == [1800, 1700]
    assert [t["action"] for t in tiers.values()].count("create") == 1

    done = commit(api, attrs["id"])
    assert counts(done) == ("completed", 2, 0, 0, 0)
    prices = {p["attributes"]["sku_code"]: p for p in list_all(api, "/api/prices")}
    assert prices["TSHIRT-S"]["attributes"]["amount_cents"] == 1850
    assert sql(app, "SELECT count(*) FROM price_tiers")[0][0] == 2


def test_an_uploaded_file_is_previewed_then_committed_from_the_same_file(app, api):
    Catalog(api)
    csv = b"code,name,shipping_category_code\nUP-1,One,STANDARD\nUP-2,Two,STANDARD\n"
    response = post_file(api, "feed.csv", csv, preview="true")
    assert response.status_code == 201, response.text
    attrs = run_to_end(api, "imports", response.json()["data"]["id"])
    assert (attrs["status"], attrs["preview"], attrs["inputs_size"]) == ("previewed", True, 2)
    assert attrs["plan_counts"]["create"] == 2
    assert [line["key"] for line in plan_of(api, attrs)] == ["UP-1", "UP-2"]
    assert "UP-1" not in skus(api)
    done = commit(api, attrs["id"])
    assert (done["status"], done["created_count"]) == ("completed", 2)
    assert skus(api)["UP-2"]["name"] == "Two"
    assert done["attachment_url"] is not None  # the uploaded file, kept as with any import


def test_a_profile_requiring_previews_makes_its_imports_previews(api):
    Catalog(api)
    feed = created(post(api, "import_profiles", {"name": "Feed", "resource_type": "skus",
                                                 "require_preview": True}))  # fmt: skip
    assert feed["attributes"]["require_preview"] is True
    item = [{"code": "P-1", "name": "P", "shipping_category_code": "STANDARD"}]
    response = post_import(api, "skus", item, import_profile_id=feed["id"], preview=False)
    assert response.status_code == 201, response.text
    attrs = run_to_end(api, "imports", response.json()["data"]["id"])
    assert (attrs["status"], attrs["preview"]) == ("previewed", True)
    assert "P-1" not in skus(api)


def test_a_preview_not_committed_in_24_hours_expires_with_its_inputs(app, api):
    Catalog(api)
    response = post_file(api, "feed.csv", b"code,name\nEX-1,x\n", preview="true")
    attrs = run_to_end(api, "imports", response.json()["data"]["id"])
    assert attrs["status"] == "previewed"
    sql(app, "UPDATE imports SET previewed_at = previewed_at - INTERVAL '25 hours'"
        if app.state.engine.dialect.name == "postgresql"
        else "UPDATE imports SET previewed_at = datetime(previewed_at, '-25 hours')")  # fmt: skip
    app.state.dispatcher.maintain()
    expired = read_job(api, "imports", attrs["id"])
    assert (expired["status"], expired["attachment_url"]) == ("expired", None)
    assert sql(app, "SELECT count(*) FROM imports WHERE inputs IS NOT NULL")[0][0] == 0
    refused = patch_job(api, "imports", attrs["id"], _commit=True)
    assert refused.status_code == 422
    assert "only a previewed import" in refused.json()["errors"][0]["detail"]


def test_a_previewed_import_holds_no_active_slot_but_its_commit_needs_one(app, api, monkeypatch):
    Catalog(api)
    monkeypatch.setattr(admission, "MAX_ACTIVE", 1)
    attrs = preview(api, "skus", [{"code": "L-1", "name": "x"}])
    hold_jobs(app, monkeypatch)
    pending = post_import(api, "skus", [{"code": "L-2", "name": "y"}])
    assert pending.status_code == 201, pending.text  # the previewed one takes no slot
    refused = patch_job(api, "imports", attrs["id"], _commit=True)
    assert refused.status_code == 422
    assert "too many imports pending or in progress" in refused.json()["errors"][0]["detail"]
    assert read_job(api, "imports", attrs["id"])["status"] == "previewed"


@pytest.fixture
def small_chunks_app(settings):
    """An app whose imports run 40 items a chunk."""
    with open_app(dataclasses.replace(settings, import_chunk_size=40)) as application:
        yield application


def test_a_plan_over_many_chunks_is_whole_in_its_file_and_its_log_shows_100(small_chunks_app):
    app = small_chunks_app
    api = make_org(app, "acme").api
    Catalog(api)
    items = [{"code": f"N-{i:03d}", "name": f"n{i}", "shipping_category_code": "STANDARD"}
             for i in range(130)]  # fmt: skip
    attrs = preview(api, "skus", items)
    assert attrs["plan_counts"]["create"] == 130
    assert [line["key"] for line in plan_of(api, attrs)] == [i["code"] for i in items]
    assert [line["key"] for line in attrs["plan_log"]] == [i["code"] for i in items[:100]]
    assert written(app)[0] == 4  # the catalog's SKUs only
    done = commit(api, attrs["id"])
    assert (done["status"], done["created_count"]) == ("completed", 130)
