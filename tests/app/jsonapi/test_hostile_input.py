"""Inputs an attacker sends (issue "Hostile input and concurrency"): each gets a clear 4xx on
both databases, never a 500, and nothing unreadable is stored."""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import datetime

import pytest

from app.jsonapi import endpoints
from tests.support.api import BASE_URL, CheckedClient, make_org, open_app, sql
from tests.support.documents import errors

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
        "/api/promotions",
        json={
            "data": {
                "type": "promotions",
                "attributes": {
                    "name": "p", "kind": "free_shipping",
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
    started = time.monotonic()
    slow = {"filter[q][description_cont]": "a" * 999 + "b"}
    (error,) = errors(api.get("/api/skus", params=slow), 503)
    assert time.monotonic() - started < 0.9
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
