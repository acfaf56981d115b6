"""Media types, content negotiation, body limits and the shape of request-level errors."""

from __future__ import annotations

import dataclasses
import json

import pytest

from tests.support import factories
from tests.support.api import MEDIA, client_of, open_app
from tests.support.documents import assert_error, ok

CATEGORY = {"data": {"type": "shipping_categories", "attributes": {"name": "Apparel"}}}


def post(api, content_type: str | None, body=CATEGORY, path="/api/shipping_categories", **kw):
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    return api.post(path, content=content, headers={"Content-Type": content_type, **kw})


def test_request_content_type(api):
    for content_type in (
        "application/json",
        f"{MEDIA}; charset=utf-8",
        f"{MEDIA}; ext=x; charset=utf-8",
        "text/plain",
        "application/vnd.api+json-patch",
        None,
    ):
        assert_error(post(api, content_type), 415, "UNSUPPORTED_MEDIA_TYPE")
    for content_type in (
        MEDIA,
        f'{MEDIA}; ext="https://jsonapi.org/ext/atomic"',
        f'{MEDIA};profile="https://example.com/p"',
        "Application/VND.API+JSON",
    ):
        body = {"data": {"type": "shipping_categories", "attributes": {"name": content_type}}}
        response = post(api, content_type, body)
        assert ok(response, 201)["data"]["attributes"]["name"] == content_type


def test_patch_checks_the_content_type_too(api):
    category = factories.shipping_category(api)
    body = {"data": {"type": "shipping_categories", "id": category["id"], "attributes": {}}}
    response = api.patch(
        f"/api/shipping_categories/{category['id']}",
        content=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
    )
    assert_error(response, 415, "UNSUPPORTED_MEDIA_TYPE")


def test_accept_header(api):
    for accept in (
        f"{MEDIA}; charset=utf-8",
        f"{MEDIA}; charset=utf-8, {MEDIA}; foo=bar",
        "text/html",
    ):
        assert_error(api.get("/api/skus", headers={"Accept": accept}), 406, "NOT_ACCEPTABLE")
    for accept in (
        "*/*",
        "application/*",
        None,
        MEDIA,
        f"{MEDIA}; charset=utf-8, {MEDIA}",
        f'{MEDIA}; ext="https://jsonapi.org/ext/atomic"',
        f"text/html, {MEDIA};q=0.9",
        "text/html, */*;q=0.8",
    ):
        response = api.get("/api/skus", headers={"Accept": accept})
        assert ok(response)["data"] == [], accept


def test_responses_are_json_api_documents(api, anonymous):
    created = post(api, MEDIA)
    assert created.status_code == 201 and created.headers["content-type"] == MEDIA
    assert created.headers["location"] == created.json()["data"]["links"]["self"]
    assert ok(api.get("/api/shipping_categories"))["meta"]["record_count"] == 1
    assert_error(anonymous.get("/api/skus"), 401, "UNAUTHORIZED")
    assert_error(api.get("/api/skus/nothere"), 404, "RECORD_NOT_FOUND")
    assert_error(api.get("/api/nothing"), 404, "RECORD_NOT_FOUND")
    assert_error(api.get("/api/skus/x/y/z"), 404, "RECORD_NOT_FOUND")


def test_a_trailing_slash_is_a_404_that_says_so_never_a_redirect(api, anonymous):
    sku = factories.sku(api)
    for path in ("/api/skus/", f"/api/skus/{sku['id']}/", "/oauth/token/"):
        response = api.get(path, follow_redirects=False)
        assert_error(response, 404, "RECORD_NOT_FOUND")
        assert response.json()["errors"][0]["detail"] == (
            f"No route matches this path: paths take no trailing slash ({path.rstrip('/')})"
        )
    created = api.post("/api/skus/", json={"data": {"type": "skus"}}, follow_redirects=False)
    assert_error(created, 404, "RECORD_NOT_FOUND")
    unknown = anonymous.get("/api/nothing/", follow_redirects=False)
    assert unknown.json()["errors"][0]["detail"] == "No route matches this path"


def test_wrong_method_is_405_with_allow(api):
    sku = factories.sku(api)
    cases = [
        ("PUT", "/api/skus", {"GET", "HEAD", "POST"}),
        ("DELETE", "/api/skus", {"GET", "HEAD", "POST"}),
        ("POST", f"/api/skus/{sku['id']}", {"GET", "HEAD", "PATCH", "DELETE"}),
        ("PATCH", f"/api/skus/{sku['id']}/prices", {"GET", "HEAD"}),
    ]
    for method, path, allowed in cases:
        response = api.request(method, path)
        assert_error(response, 405, "METHOD_NOT_ALLOWED")
        assert set(response.headers["allow"].replace(" ", "").split(",")) == allowed


def test_head_answers_like_get_without_a_body(api):
    sku = factories.sku(api)
    for path in ("/api/skus", f"/api/skus/{sku['id']}", f"/api/skus/{sku['id']}/prices",
                 f"/api/skus/{sku['id']}/relationships/tags"):  # fmt: skip
        response = api.client.head(path, headers=api.headers())
        assert response.status_code == 200, (path, response.status_code)
        assert response.headers["content-type"] == MEDIA
        assert response.content == b""


def test_malformed_documents(api):
    sku = factories.sku(api)
    path = f"/api/skus/{sku['id']}"
    cases = [
        (post(api, MEDIA, b'{"data": '), 400, "BAD_REQUEST", None),
        (post(api, MEDIA, b""), 400, "BAD_REQUEST", None),
        (post(api, MEDIA, b"\xff\xfe"), 400, "BAD_REQUEST", None),
        (post(api, MEDIA, []), 400, "BAD_REQUEST", ""),
        (post(api, MEDIA, {"meta": {}}), 400, "BAD_REQUEST", "/data"),
        (post(api, MEDIA, {"data": [CATEGORY["data"]]}), 400, "BAD_REQUEST", "/data"),
        (post(api, MEDIA, {"data": {**CATEGORY["data"], "type": "skus"}}), 409, "CONFLICT",
         "/data/type"),
        (post(api, MEDIA, {"data": {**CATEGORY["data"], "id": "abcdefghij"}}), 403, "FORBIDDEN",
         "/data/id"),
        (post(api, MEDIA, {"data": {"type": "shipping_categories",
                                    "attributes": {"name": "x", "bogus": 1}}}),
         400, "BAD_REQUEST", "/data/attributes/bogus"),
        (post(api, MEDIA, {"data": {"type": "shipping_categories",
                                    "attributes": {"name": "x", "created_at": "2026-01-01"}}}),
         400, "BAD_REQUEST", "/data/attributes/created_at"),
        (post(api, MEDIA, {"data": {"type": "shipping_categories", "attributes": []}}),
         400, "BAD_REQUEST", "/data/attributes"),
        (post(api, MEDIA, {"data": {"type": "shipping_categories", "attributes": {"name": "x"},
                                    "relationships": {"bogus": {"data": None}}}}),
         400, "BAD_REQUEST", "/data/relationships/bogus"),
        (api.patch(path, json={"data": {"type": "skus", "id": "other", "attributes": {}}}),
         409, "CONFLICT", "/data/id"),
        (post(api, MEDIA, {"data": {"attributes": {"name": "x"}}}), 400, "BAD_REQUEST",
         "/data/type"),
        (api.patch(path, json={"data": {"type": "skus", "attributes": {}}}), 400, "BAD_REQUEST",
         "/data/id"),
        (api.patch(path, json={"data": {"type": "prices", "id": sku["id"]}}), 409, "CONFLICT",
         "/data/type"),
    ]  # fmt: skip
    for response, status, code, pointer in cases:
        assert_error(response, status, code, pointer=pointer)
    assert ok(api.get("/api/shipping_categories"))["meta"]["record_count"] == 1


@pytest.fixture
def small_app(app):
    """The same database and keys behind an app that takes bodies of 1 KB at most."""
    with open_app(dataclasses.replace(app.state.settings, max_body_bytes=1024)) as small:
        yield client_of(small)


def test_body_limit(api, small_app):
    headers = api.headers(body=True)
    attributes = {"name": "x", "reference": "r" * 2000}
    big = json.dumps({"data": {"type": "shipping_categories", "attributes": attributes}}).encode()
    fits = json.dumps(CATEGORY).encode()
    declared = small_app.post("/api/shipping_categories", content=big, headers=headers)
    assert_error(declared, 413, "PAYLOAD_TOO_LARGE")

    def chunks(body: bytes):
        for i in range(0, len(body), 300):
            yield body[i : i + 300]

    streamed = small_app.post("/api/shipping_categories", content=chunks(big), headers=headers)
    assert "content-length" not in streamed.request.headers
    assert_error(streamed, 413, "PAYLOAD_TOO_LARGE")
    assert "1024 bytes" in streamed.json()["errors"][0]["detail"]
    accepted = small_app.post("/api/shipping_categories", content=chunks(fits), headers=headers)
    assert ok(accepted, 201)["data"]["attributes"]["name"] == "Apparel"
    assert ok(api.get("/api/shipping_categories"))["meta"]["record_count"] == 1


def test_default_limit_is_50_megabytes(api):
    limit = 50 * 1024 * 1024
    assert api.client.app.state.settings.max_body_bytes == limit
    headers = {**api.headers(body=True), "Content-Length": str(limit + 1)}
    response = api.client.post("/api/shipping_categories", content=b"{}", headers=headers)
    assert_error(response, 413, "PAYLOAD_TOO_LARGE")
    assert "50 MB" in response.json()["errors"][0]["detail"]
