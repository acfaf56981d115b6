"""The webhooks resource: the secret shown once, topics and include_resources checked, the
callback address rule (https, no loopback, private or link-local address) unless
BULKPORT_WEBHOOKS_ALLOW_PRIVATE allows it."""

from __future__ import annotations

import pytest

from tests.support.api import make_org


def webhook_body(topic: str, url: str, **attributes) -> dict:
    attrs = {"topic": topic, "callback_url": url, **attributes}
    return {"data": {"type": "webhooks", "attributes": attrs}}


def errors_of(response) -> list[tuple[str, str]]:
    return [(e["source"]["pointer"], e["detail"]) for e in response.json()["errors"]]


def test_the_secret_is_shown_in_the_create_response_only(local_app):
    api = make_org(local_app, "acme").api
    created = api.post("/api/webhooks", json=webhook_body("skus.create", "http://127.0.0.1:9/x"))
    assert created.status_code == 201, created.text
    data = created.json()["data"]
    secret = data["attributes"]["shared_secret"]
    assert isinstance(secret, str) and len(secret) == 64
    assert data["attributes"]["circuit_state"] == "closed"
    assert data["attributes"]["circuit_failure_count"] == 0

    shown = api.get(f"/api/webhooks/{data['id']}").json()["data"]["attributes"]
    listed = api.get("/api/webhooks").json()["data"][0]["attributes"]
    patched = api.patch(f"/api/webhooks/{data['id']}",
                        json={"data": {"type": "webhooks", "id": data["id"],
                                       "attributes": {"name": "renamed"}}})  # fmt: skip
    assert patched.status_code == 200, patched.text
    for attributes in (shown, listed, patched.json()["data"]["attributes"]):
        assert attributes["shared_secret"] is None
        assert secret not in str(attributes)


def test_topic_and_include_resources_are_checked(local_app):
    api = make_org(local_app, "acme").api
    url = "http://127.0.0.1:9/x"
    unknown = api.post("/api/webhooks", json=webhook_body("skus.explode", url))
    assert unknown.status_code == 422, unknown.text
    assert errors_of(unknown)[0][0] == "/data/attributes/topic"
    assert "skus.explode" in errors_of(unknown)[0][1]

    bad_paths = webhook_body("skus.create", url, include_resources=["prices.nope"])
    bad = api.post("/api/webhooks", json=bad_paths)
    assert bad.status_code == 422, bad.text
    assert errors_of(bad) == [
        (
            "/data/attributes/include_resources",
            "include_resources - prices.nope is not a relationship of prices",
        )
    ]
    good_paths = webhook_body("skus.create", url, include_resources=["prices.price_tiers"])
    good = api.post("/api/webhooks", json=good_paths)
    assert good.status_code == 201, good.text
    for topic in ("imports.start", "exports.complete", "prices.destroy", "skus.update"):
        assert api.post("/api/webhooks", json=webhook_body(topic, url)).status_code == 201


@pytest.mark.parametrize(
    ("url", "rule"),
    [
        ("http://example.com/hooks", "must be an https URL"),
        ("https://127.0.0.1/hooks", "must not resolve to a loopback address"),
        ("https://localhost:8443/hooks", "must not resolve to a loopback address"),
        ("https://[::1]/hooks", "must not resolve to a loopback address"),
        ("https://10.1.2.3/hooks", "must not resolve to a private address"),
        ("https://192.168.0.1/hooks", "must not resolve to a private address"),
        ("https://169.254.169.254/latest/meta-data", "must not resolve to a link-local address"),
        ("https://0.0.0.0/hooks", "must not resolve to an unspecified address"),
        ("ftp://example.com/hooks", "must be an https URL"),
    ],
)
def test_callback_urls_into_private_networks_are_refused(api, url, rule):
    response = api.post("/api/webhooks", json=webhook_body("skus.create", url))
    assert response.status_code == 422, response.text
    pointer, detail = errors_of(response)[0]
    assert pointer == "/data/attributes/callback_url"
    assert detail.startswith(f"callback_url - {rule}"), detail


def test_a_changed_callback_url_is_checked_too(api):
    created = api.post("/api/webhooks", json=webhook_body("skus.create", "https://1.1.1.1/h"))
    assert created.status_code == 201, created.text
    hook = created.json()["data"]["id"]
    body = {"data": {"type": "webhooks", "id": hook,
                     "attributes": {"callback_url": "https://10.0.0.7/h"}}}  # fmt: skip
    response = api.patch(f"/api/webhooks/{hook}", json=body)
    assert response.status_code == 422, response.text
    assert "private address" in errors_of(response)[0][1]


def test_private_addresses_and_http_are_allowed_when_the_setting_says_so(local_app):
    api = make_org(local_app, "acme").api
    for url in ("http://127.0.0.1:8080/h", "http://localhost/h", "https://10.1.2.3/h"):
        response = api.post("/api/webhooks", json=webhook_body("skus.create", url))
        assert response.status_code == 201, response.text


@pytest.mark.parametrize(
    ("attributes", "pointer"),
    [
        ({"include_resources": "prices"}, "/data/attributes/include_resources"),
        ({"include_resources": ["a.b.c.d"]}, "/data/attributes/include_resources"),
        ({"callback_url": "https://host:99999/x"}, "/data/attributes/callback_url"),
        ({"callback_url": "https://" + "a" * 70 + ".example/x"}, "/data/attributes/callback_url"),
        ({"callback_url": "not a url"}, "/data/attributes/callback_url"),
        ({"topic": None}, "/data/attributes/topic"),
        ({"shared_secret": "mine"}, "/data/attributes/shared_secret"),
    ],
)
def test_bad_webhook_attributes_are_422s_naming_them(local_app, attributes, pointer):
    api = make_org(local_app, "acme").api
    body = webhook_body("skus.create", "http://127.0.0.1:9/x")
    body["data"]["attributes"].update(attributes)
    response = api.post("/api/webhooks", json=body)
    assert response.status_code in (400, 422), response.text
    assert pointer in [e["source"].get("pointer") for e in response.json()["errors"]], response.text
