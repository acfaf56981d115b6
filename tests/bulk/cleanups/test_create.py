"""POST /api/cleanups: what is accepted, and the exact 422 of everything that is not."""

from __future__ import annotations

from bulk import admission
from bulk.cleanups import service
from resources import cleanable_types
from tests.support import factories
from tests.support.api import sales_channel, sql
from tests.support.documents import errors, only_error
from tests.support.jobs import hold_jobs, post_cleanup

CLEANABLE = ["bundles", "gift_cards", "prices", "promotions", "sku_lists", "sku_options", "skus",
             "stock_items"]  # fmt: skip


def test_created_pending_with_its_records_count(app, api, monkeypatch):
    sent = hold_jobs(app, monkeypatch)
    for code in ("OLD-1", "OLD-2", "NEW-1"):
        factories.sku(api, code=code)
    response = post_cleanup(api, "skus", filters={"code_start": "OLD"}, reference="grp-1")
    assert response.status_code == 201, response.text
    data = response.json()["data"]
    assert response.headers["location"] == f"http://testserver/api/cleanups/{data['id']}"
    attrs = data["attributes"]
    assert {k: attrs[k] for k in ("resource_type", "filters", "status", "records_count",
                                  "processed_count", "errors_count", "errors_log",
                                  "reference")} == {
        "resource_type": "skus", "filters": {"code_start": "OLD"}, "status": "pending",
        "records_count": 2, "processed_count": 0, "errors_count": 0, "errors_log": {},
        "reference": "grp-1",
    }  # fmt: skip
    assert attrs["started_at"] is None and attrs["completed_at"] is None
    assert "attachment_url" not in attrs  # a cleanup leaves no file
    assert sent == [("cleanups.run", data["id"])]


def test_nothing_matching_is_accepted(app, api, monkeypatch):
    hold_jobs(app, monkeypatch)
    response = post_cleanup(api, "skus", filters={"code_eq": "NONE"})
    assert response.status_code == 201, response.text
    assert response.json()["data"]["attributes"]["records_count"] == 0


def test_only_commerce_layers_types_can_be_cleaned_up(api):
    assert cleanable_types() == CLEANABLE
    for resource_type in ("tags", "orders", "cleanups", "nothing"):
        error = only_error(post_cleanup(api, resource_type))
        assert error["source"] == {"pointer": "/data/attributes/resource_type"}
        assert error["meta"] == {"error": "inclusion", "allowed": CLEANABLE}
        assert error["detail"] == (
            f"resource_type - is not included in the list ({', '.join(CLEANABLE)})"
        )


def test_missing_resource_type_and_bad_filters_are_named(api):
    response = api.post("/api/cleanups", json={"data": {"type": "cleanups", "attributes": {
        "filters": ["code_eq"]}}})  # fmt: skip
    assert response.status_code == 422, response.text
    assert {e["source"]["pointer"]: e["detail"] for e in errors(response)} == {
        "/data/attributes/resource_type": "resource_type - can't be blank",
        "/data/attributes/filters": "filters - is invalid",
    }
    for filters, detail in (
        ({"colour_eq": "red"}, "filters - colour_eq is not a filter of skus"),
        ({"pieces_per_pack_gt": "many"},
         "filters - 'many' is not a valid value for pieces_per_pack_gt"),
    ):  # fmt: skip
        error = only_error(post_cleanup(api, "skus", filters=filters))
        assert error["source"] == {"pointer": "/data/attributes/filters"}
        assert error["detail"] == detail
    assert sql(api.app, "SELECT count(*) FROM cleanups") == [(0,)]


def test_more_than_the_limit_is_refused_naming_count_and_limit(app, api, monkeypatch):
    hold_jobs(app, monkeypatch)
    monkeypatch.setattr(service, "MAX_RECORDS", 2)
    for code in ("A-1", "A-2", "A-3"):
        factories.sku(api, code=code)
    error = only_error(post_cleanup(api, "skus"))
    assert error["source"] == {"pointer": "/data/attributes/records_count"}
    assert error["meta"] == {"error": "less_than_or_equal_to", "value": 3, "count": 2}
    assert error["detail"] == "records_count - must be less than or equal to 2"
    assert post_cleanup(api, "skus", filters={"code_not_eq": "A-1"}).status_code == 201


def test_the_limits_are_ten_thousand_records_and_ten_at_once():
    assert service.MAX_RECORDS == 10_000 and admission.MAX_ACTIVE == 10


def test_at_most_ten_active_cleanups_per_organization(app, api, other_org, monkeypatch):
    sent = hold_jobs(app, monkeypatch)
    ids = [post_cleanup(api, "skus").json()["data"]["id"] for _ in range(10)]
    error = only_error(post_cleanup(api, "skus"))
    assert error["source"] == {"pointer": "/data"}
    assert error["meta"] == {"error": "too_many_active"}
    assert error["detail"] == (
        "base - has too many cleanups pending or in progress (10 at most per organization): "
        "wait for one to complete"
    )
    assert post_cleanup(other_org.api, "skus").status_code == 201  # not another organization's
    patch = {"data": {"type": "cleanups", "id": ids[0], "attributes": {"_interrupt": True}}}
    assert api.patch(f"/api/cleanups/{ids[0]}", json=patch).status_code == 200
    assert post_cleanup(api, "skus").status_code == 201  # an interrupted one frees a slot
    assert len(sent) == 12


def test_sales_channel_cannot_clean_up_or_read_cleanups(app, api):
    channel = sales_channel(app, "acme")
    for response in (post_cleanup(channel, "skus"), channel.get("/api/cleanups")):
        assert response.status_code == 401, response.text
        assert errors(response, 401)[0]["code"] == "UNAUTHORIZED"
    assert sql(app, "SELECT count(*) FROM cleanups") == [(0,)]
