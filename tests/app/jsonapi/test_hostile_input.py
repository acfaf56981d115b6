"""Inputs an attacker sends (issue "Hostile input and concurrency"): each gets a clear 4xx on
both databases, never a 500, and nothing unreadable is stored."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

import pytest

from app.jsonapi import endpoints
from tests.support.api import BASE_URL, CheckedClient, make_org, open_app, sql
from tests.support.documents import errors
from tests.support.jobs import run_to_end

MEDIA = "application/vnd.api+json"


def post_raw(api, path: str, body: str):
    return api.post(path, content=body.encode("utf-8", "surrogatepass"))


def sku_body(attributes: str) -> str:
    return '{"data": {"type": "skus", "attributes": ' + attributes + "}}"


@pytest.mark.parametrize(
    ("attributes", "detail"),
    [
        ('{"code": "A", "name": "a", "weight": NaN}', "holds NaN, which JSON does not allow"),
        (
            '{"code": "A", "name": "a", "weight": Infinity}',
            "holds Infinity, which JSON does not allow",
        ),
        ('{"code": "A", "name": "a", "weight": 1e400}', "holds a number too large to store"),
        ('{"code": "A", "name": "\\ud800"}', "holds a lone UTF-16 surrogate"),
        ('{"code": "A", "metadata": {"\\ud800": 1}}', "holds a lone UTF-16 surrogate"),
        ('{"code": "A", "metadata": ' + "[" * 990 + "]" * 990 + "}", "nests arrays or objects"),
    ],
)
def test_bodies_json_cannot_store_are_a_400(api, attributes, detail):
    response = post_raw(api, "/api/skus", sku_body(attributes))
    (error,) = errors(response, 400)
    assert error["detail"].startswith("The request body " + detail), error
    assert api.get("/api/skus").json()["meta"]["record_count"] == 0


def test_a_deep_import_input_is_a_400(api):
    inputs = '[{"code": "A", "name": "a", "metadata": {"x": ' + "[" * 850 + "]" * 850 + "}}]"
    body = '{"data": {"type": "imports", "attributes": {"resource_type": "skus", "inputs": '
    (error,) = errors(post_raw(api, "/api/imports", body + inputs + "}}}"), 400)
    assert "nests arrays or objects more than 64 levels deep" in error["detail"]


@pytest.mark.parametrize(
    ("value", "error"),
    [
        ({"weight": 10**400}, "is not a number"),
        ({"weight": "1" + "0" * 400}, "is not a number"),
    ],
)
def test_a_number_beyond_any_float_is_a_422(api, value, error):
    response = api.post(
        "/api/skus",
        json={
            "data": {
                "type": "skus",
                "attributes": {"code": "A", "name": "a", "do_not_ship": True, **value},
            }
        },
    )
    assert [e["detail"] for e in errors(response)] == [f"weight - {error}"]


@pytest.mark.parametrize("when", ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00"])
def test_dates_beyond_utc_are_a_422_and_a_400(api, when):
    response = api.post(
        "/api/free_shipping_promotions",
        json={
            "data": {
                "type": "free_shipping_promotions",
                "attributes": {
                    "name": "p",
                    "starts_at": when, "expires_at": "2030-01-01T00:00:00Z",
                },
            }
        },
    )  # fmt: skip
    assert [e["detail"] for e in errors(response)] == ["starts_at - is invalid"]
    (error,) = errors(api.get("/api/skus", params={"filter[q][created_at_gt]": when}), 400)
    assert error["source"] == {"parameter": "filter[q][created_at_gt]"}


def test_a_nul_in_a_path_id_is_a_404(api):
    (error,) = errors(api.get("/api/skus/%00"), 404)
    assert error["code"] == "RECORD_NOT_FOUND"


@pytest.mark.parametrize(
    "relationship, data",
    [
        ("tags", [{"type": "tags", "id": "a\x00b"}]),
        ("shipping_category", {"type": "shipping_categories", "id": "\x00"}),
    ],
)
def test_a_nul_in_a_linkage_id_is_a_400_naming_it(api, relationship, data):
    attributes = {"code": "NUL", "name": "x", "do_not_ship": True}
    relationships = {relationship: {"data": data}}
    body = {"data": {"type": "skus", "attributes": attributes, "relationships": relationships}}
    (error,) = errors(api.post("/api/skus", json=body), 400)
    assert error["detail"] == "A resource identifier's id must not contain NUL (\\u0000)"
    assert error["source"]["pointer"].startswith(f"/data/relationships/{relationship}/data")


def test_filters_keep_to_their_bounds(api):
    codes = ",".join(f"C{i}" for i in range(1000))
    (error,) = errors(api.get("/api/skus", params={"filter[q][code_eq_any]": codes}), 400)
    assert error["detail"] == "code_eq_any takes at most 500 values"
    assert error["source"] == {"parameter": "filter[q][code_eq_any]"}
    (error,) = errors(api.get("/api/skus", params={"filter[q][description_cont]": "x" * 5000}), 400)
    assert error["detail"] == "description_cont: a value may be 1000 characters long at most"
    fine = ",".join(f"C{i}" for i in range(500))
    assert api.get("/api/skus", params={"filter[q][code_in]": fine}).status_code == 200


@pytest.fixture
def impatient(settings):
    """An organization on an app whose statement timeout is 0.2 s."""
    with open_app(replace(settings, statement_timeout=0.2)) as app:
        yield make_org(app, "impatient")


def test_a_query_past_the_statement_timeout_is_a_503_that_frees_the_database(impatient):
    # A pathological LIKE: 1,000 characters that almost match 5,000 at every offset, about
    # 10 ms a row on either database, 1 s for the 100 rows.
    api, org_id = impatient.api, impatient.id
    for i in range(100):
        sql(
            api.app,
            "INSERT INTO skus (id, organization_id, created_at, updated_at, code, name, "
            "description) VALUES (:id, :org, :now, :now, :code, 'Shirt', :description)",
            id=f"slow{i:06d}", org=org_id, now=datetime(2026, 1, 1), code=f"S{i}",
            description="a" * 5000,
        )  # fmt: skip
    slow = {"filter[q][description_cont]": "a" * 999 + "b"}  # a 200 after ~1 s without it
    (error,) = errors(api.get("/api/skus", params=slow), 503)
    assert error["code"] == "QUERY_TIMEOUT"
    assert error["detail"].startswith(
        "The request's database work took longer than 0.2 s and was cancelled: narrow its filters"
    )
    # Nothing is left holding the database: a write and a read go through at once.
    api.create("shipping_categories", {"name": "Parcel"})
    fast = {"filter[q][code_eq]": "S7"}
    assert api.get("/api/skus", params=fast).json()["meta"]["record_count"] == 1


@pytest.mark.parametrize(
    "body",
    [
        b"[" * 1000 + b"]" * 1000,
        b'{"grant_type": "client_credentials", "client_id": "\\ud800", "client_secret": "x"}',
    ],
)
def test_unreadable_token_requests_are_a_400(anonymous, body):
    response = anonymous.client.post(
        "/oauth/token", content=body, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["title"] == "invalid_request"


def test_a_nul_in_a_client_id_is_an_invalid_client(anonymous):
    body = {"grant_type": "client_credentials", "client_id": "a\x00b", "client_secret": "x"}
    response = anonymous.client.post("/oauth/token", json=body)
    assert response.status_code == 401
    assert response.json()["errors"][0]["title"] == "invalid_client"


@pytest.mark.parametrize(
    "query",
    ["expires=9999999999&signature=%C3%A9", "expires=%C2%B2&signature=x", "expires=" + "9" * 5000],
)
def test_attachment_links_that_are_not_ours_are_a_403(anonymous, query):
    response = anonymous.client.get(f"/attachments/imports/x/y.json.gz?{query}")
    assert response.status_code == 403
    assert response.json()["errors"][0]["code"] == "FORBIDDEN"


def test_an_unexpected_error_names_an_id_not_its_internals(app, api, monkeypatch, caplog):
    def broken(*_args, **_kwargs):
        raise RuntimeError('duplicate key value violates unique constraint "uq_skus_key"')

    monkeypatch.setattr(endpoints, "list_document", broken)
    client = CheckedClient(app, base_url=BASE_URL, raise_server_exceptions=False)
    response = client.get("/api/skus", headers=api.headers())
    assert response.status_code == 500
    (error,) = response.json()["errors"]
    error_id = error["meta"]["error_id"]
    assert (
        error["detail"] == f"An unexpected error occurred (error id {error_id} in the server log)."
    )
    assert "uq_skus_key" not in response.text
    logged = [r for r in caplog.records if error_id in r.getMessage()]
    assert logged and "uq_skus_key" in str(logged[0].exc_info[1])


def test_a_30_digit_number_in_jcont_is_compared(api):
    big = 123456789012345678901234567890
    sku = api.create(
        "skus", {"code": "B", "name": "b", "do_not_ship": True, "metadata": {"n": big}}
    )
    listed = api.get("/api/skus", params={"filter[q][metadata_jcont]": f'{{"n": {big}}}'})
    assert [s["id"] for s in listed.json()["data"]] == [sku["id"]]
    huge = "1" + "0" * 400
    too_big = api.get("/api/skus", params={"filter[q][metadata_jcont]": f'{{"n": {huge}}}'})
    (error,) = errors(too_big, 400)
    assert error["detail"] == "metadata_jcont: numbers beyond 1.8e308 cannot be compared"
    assert error["source"] == {"parameter": "filter[q][metadata_jcont]"}


# Found by the properties of tests/query/test_filtering_properties.py (shrunk inputs).


def test_ordering_a_boolean_is_a_400(api):
    (error,) = errors(api.get("/api/skus", params={"filter[q][do_not_ship_lt]": "true"}), 400)
    assert error["code"] == "FILTER_NOT_ALLOWED"
    assert error["detail"] == "do_not_ship_lt: lt does not apply to boolean attributes"
    assert error["source"] == {"parameter": "filter[q][do_not_ship_lt]"}
    filters = {"sku_list_items_sku_list_manual_lteq": "TRUE"}
    body = {
        "data": {"type": "exports", "attributes": {"resource_type": "skus", "filters": filters}}
    }
    (error,) = errors(api.post("/api/exports", json=body))
    assert error["detail"] == (
        "filters - sku_list_items_sku_list_manual_lteq: lteq does not apply to boolean attributes"
    )


def test_500_values_behind_three_relationships_are_read(api):
    """SQLite refuses an expression more than 1,000 deep; a flat OR of 500 values inside three
    subqueries was one (500, and an export that stayed in progress)."""
    sku = api.create("skus", {"code": "A", "name": "a", "do_not_ship": True})
    plist = api.create("price_lists", {"name": "L", "code": "EUR", "currency_code": "EUR"})
    refs = {"sku": ("skus", sku["id"]), "price_list": ("price_lists", plist["id"])}
    api.create("prices", {"amount_cents": 1}, refs)
    name = "sku_prices_price_list_code_does_not_match_any"
    listed = api.get("/api/prices", params={f"filter[q][{name}]": "," * 499})
    assert listed.status_code == 200, listed.text
    assert listed.json()["meta"]["record_count"] == 1
    codes = ",".join(f"C{i}" for i in range(499)) + ",EUR"
    for many in ("sku_prices_price_list_code_eq_any", "code_or_name_cont_any"):
        path = "/api/prices" if many.startswith("sku") else "/api/skus"
        listed = api.get(path, params={f"filter[q][{many}]": codes})
        assert listed.status_code == 200, listed.text
    attributes = {"resource_type": "prices", "filters": {name: "," * 499}}
    body = {"data": {"type": "exports", "attributes": attributes}}
    created = api.post("/api/exports", json=body)
    assert created.status_code == 201, created.text
    assert run_to_end(api, "exports", created.json()["data"]["id"])["status"] == "completed"


def test_a_filter_joins_five_attributes_at_most(api):
    """Each `_or_` multiplies the conditions a list of values makes: 300 of them with 500
    values took 44 s of a database before it gave up."""
    name = "_or_".join(["code"] * 6) + "_cont_any"
    values = ",".join(f"v{i}" for i in range(500))
    (error,) = errors(api.get("/api/skus", params={f"filter[q][{name}]": values}), 400)
    assert error["detail"] == f"{name} joins more than 5 attributes with _or_"
    assert error["source"] == {"parameter": f"filter[q][{name}]"}
    five = "_or_".join(["code", "name", "description", "reference", "code"]) + "_cont_any"
    assert api.get("/api/skus", params={f"filter[q][{five}]": values}).status_code == 200
