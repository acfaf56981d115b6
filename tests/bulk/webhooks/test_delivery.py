"""Deliveries to a real receiver: signed as Commerce Layer signs them, after commit, retried,
stopped by the circuit; every attempt an event callback."""

from __future__ import annotations

import dataclasses

import pytest

from app.cli import main
from bulk.actors import DELIVER
from bulk.webhooks.deliver import CIRCUIT_THRESHOLD, post
from tests.support import factories
from tests.support.api import make_org, sql
from tests.support.jobs import (
    eventually,
    patch_job,
    post_import,
    run_cleanup,
    run_export,
    run_import,
)

WAIT = 20.0


def subscribe(api, receiver, topic: str, **attributes) -> tuple[str, str]:
    """A webhook of `topic` calling the receiver: (id, shared secret)."""
    attrs = {"topic": topic, "callback_url": receiver.url(f"/{topic}"), **attributes}
    response = api.post("/api/webhooks", json={"data": {"type": "webhooks", "attributes": attrs}})
    assert response.status_code == 201, response.text
    data = response.json()["data"]
    return data["id"], data["attributes"]["shared_secret"]


def received(receiver, topic: str, count: int = 1):
    return eventually(
        lambda: (calls := receiver.of(topic)) and len(calls) >= count and calls,
        WAIT, lambda: f"{count} {topic} expected, got {receiver.topics()}",
    )  # fmt: skip


def callbacks(api, hook: str) -> list[dict]:
    response = api.get(f"/api/webhooks/{hook}/event_callbacks", params={"sort": "created_at"})
    assert response.status_code == 200, response.text
    return [c["attributes"] for c in response.json()["data"]]


def pending(app) -> int:
    """Deliveries queued and not yet sent or given up."""
    return sql(app, "SELECT count(*) FROM webhook_deliveries")[0][0]


def webhook(api, hook: str) -> dict:
    return api.get(f"/api/webhooks/{hook}").json()["data"]["attributes"]


def test_a_sku_created_through_the_api_is_delivered_signed(local_app, receiver):
    api = make_org(local_app, "acme").api
    hook, secret = subscribe(api, receiver, "skus.create", include_resources=["shipping_category"])
    sku = factories.sku(api, code="HOOKED")

    call = received(receiver, "skus.create")[0]
    assert call.signed_with(secret)
    assert not call.signed_with(secret + "x")
    assert call.headers["content-type"] == "application/vnd.api+json"
    doc = call.document
    assert (doc["data"]["type"], doc["data"]["id"]) == ("skus", sku["id"])
    assert doc["data"]["attributes"]["code"] == "HOOKED"
    category = doc["data"]["relationships"]["shipping_category"]["data"]
    assert [(i["type"], i["id"]) for i in doc["included"]] == [(category["type"], category["id"])]
    shown = api.get(f"/api/skus/{sku['id']}", params={"include": "shipping_category"}).json()
    assert doc == {"data": shown["data"], "included": shown["included"]}

    logged = eventually(lambda: callbacks(api, hook), WAIT, lambda: "no event callback")
    assert [(c["response_code"], c["callback_url"]) for c in logged] == [
        ("200", receiver.url("/skus.create"))
    ]
    assert logged[0]["payload"] == doc
    everything = api.get("/api/event_callbacks", params={"include": "webhook"}).json()
    assert everything["included"][0]["id"] == hook
    assert everything["included"][0]["attributes"]["shared_secret"] is None


def test_destroy_carries_the_type_and_id_only(local_app, receiver):
    api = make_org(local_app, "acme").api
    _, secret = subscribe(api, receiver, "skus.destroy")
    sku = factories.sku(api)
    assert api.delete(f"/api/skus/{sku['id']}").status_code == 204
    call = received(receiver, "skus.destroy")[0]
    assert call.signed_with(secret)
    assert call.document == {"data": {"id": sku["id"], "type": "skus"}}


def test_an_import_lifecycle_is_delivered(local_app, receiver):
    api = make_org(local_app, "acme").api
    secrets = {t: subscribe(api, receiver, t)[1]
               for t in ("imports.create", "imports.start", "imports.complete")}  # fmt: skip
    category = factories.shipping_category(api)
    done = run_import(api, "skus", [{"code": "IMP1", "name": "One",
                                     "shipping_category_id": category["id"]}])  # fmt: skip
    assert done["status"] == "completed"
    for topic, secret in secrets.items():
        call = received(receiver, topic)[0]
        assert call.signed_with(secret), topic
        assert call.document["data"]["id"] == done["id"]
    assert (
        received(receiver, "imports.complete")[0].document["data"]["attributes"]["status"]
        == "completed"
    )


def test_an_import_revert_is_delivered(local_app, receiver):
    api = make_org(local_app, "acme").api
    _, secret = subscribe(api, receiver, "imports.revert")
    done = run_import(api, "tags", [{"name": "undone"}])
    response = patch_job(api, "imports", done["id"], _revert=True)
    assert response.status_code == 200, response.text
    call = received(receiver, "imports.revert")[0]
    assert call.signed_with(secret)
    attributes = call.document["data"]["attributes"]
    assert (attributes["status"], attributes["reverted_count"]) == ("reverted", 1)


def test_records_an_import_writes_fire_only_with_the_organization_setting(
    local_app, local_settings, receiver, capsys
):
    org = make_org(local_app, "acme")
    api = org.api
    subscribe(api, receiver, "skus.create")
    subscribe(api, receiver, "imports.complete")
    category = factories.shipping_category(api)

    def import_skus(prefix: str) -> None:
        inputs = [{"code": f"{prefix}{i}", "name": "x", "shipping_category_id": category["id"]}
                  for i in range(3)]  # fmt: skip
        assert run_import(api, "skus", inputs)["status"] == "completed"

    import_skus("OFF")
    received(receiver, "imports.complete", 1)
    eventually(lambda: pending(local_app) == 0, WAIT, lambda: "deliveries still pending")
    assert receiver.of("skus.create") == []

    argv = ["orgs", "set", org.slug, "--imports-trigger-webhooks", "on"]
    assert main(argv, settings=local_settings) == 0
    assert "imports_trigger_webhooks on" in capsys.readouterr().out
    import_skus("ON")
    calls = received(receiver, "skus.create", 3)
    assert sorted(c.document["data"]["attributes"]["code"] for c in calls) == ["ON0", "ON1", "ON2"]


def test_a_failed_delivery_is_retried(local_app, receiver):
    api = make_org(local_app, "acme").api
    hook, secret = subscribe(api, receiver, "skus.create")
    receiver.answers = [500]
    factories.sku(api)
    calls = received(receiver, "skus.create", 2)
    assert calls[0].body == calls[1].body and calls[1].signed_with(secret)
    logged = eventually(lambda: len(callbacks(api, hook)) == 2 and callbacks(api, hook),
                        WAIT, lambda: str(callbacks(api, hook)))  # fmt: skip
    assert [c["response_code"] for c in logged] == ["500", "200"]
    assert webhook(api, hook)["circuit_failure_count"] == 0


def test_the_circuit_opens_after_repeated_failures_until_reset(local_app, receiver):
    api = make_org(local_app, "acme").api
    hook, _ = subscribe(api, receiver, "skus.create")
    receiver.status = 503
    category = factories.shipping_category(api)
    for _ in range(CIRCUIT_THRESHOLD):
        factories.sku(api, category=category)

    def opened_circuit() -> dict | None:
        attributes = webhook(api, hook)
        return attributes if attributes["circuit_state"] == "open" else None

    opened = eventually(opened_circuit, WAIT, lambda: str(webhook(api, hook)))
    assert opened["circuit_failure_count"] >= CIRCUIT_THRESHOLD
    eventually(lambda: pending(local_app) == 0, WAIT, lambda: "deliveries still pending")
    attempts = len(receiver.calls)
    factories.sku(api, category=category)  # not even queued while open
    assert pending(local_app) == 0
    assert len(receiver.calls) == attempts

    receiver.status = 200
    body = {"data": {"type": "webhooks", "id": hook, "attributes": {"_reset_circuit": True}}}
    reset = api.patch(f"/api/webhooks/{hook}", json=body)
    assert reset.status_code == 200, reset.text
    attributes = reset.json()["data"]["attributes"]
    assert (attributes["circuit_state"], attributes["circuit_failure_count"]) == ("closed", 0)
    sku = factories.sku(api, category=category)
    eventually(lambda: any(c.document["data"]["id"] == sku["id"] for c in receiver.calls),
               WAIT, lambda: "no delivery after the reset")  # fmt: skip


@pytest.mark.parametrize("address", ["127.0.0.1", "localhost"])
def test_the_address_rule_is_checked_again_at_delivery(local_settings, receiver, address):
    """A callback URL accepted once (or a name rebound since) is refused when it is sent."""
    strict = dataclasses.replace(local_settings, webhooks_allow_private=False)
    url = receiver.url().replace("127.0.0.1", address).replace("http:", "https:")
    hook = {"callback_url": url, "secret": "s"}
    status, message = post(strict, hook, "skus.create", b"{}")
    assert status is None
    assert message.startswith("callback_url must not resolve to a loopback address"), message
    assert receiver.calls == []


def test_export_lifecycle_and_an_interrupt_and_destroy_through_the_api(
    local_app, receiver, monkeypatch
):
    api = make_org(local_app, "acme").api
    topics = ("exports.create", "exports.start", "exports.complete", "imports.interrupt",
              "imports.destroy")  # fmt: skip
    secrets = {topic: subscribe(api, receiver, topic)[1] for topic in topics}
    factories.sku(api)
    export = run_export(api, "skus")[0]
    for topic in ("exports.create", "exports.start", "exports.complete"):
        call = received(receiver, topic)[0]
        assert call.signed_with(secrets[topic]) and call.document["data"]["id"] == export["id"]

    dispatcher = local_app.state.dispatcher
    send = dispatcher.send  # the import stays pending: only webhook deliveries leave
    monkeypatch.setattr(dispatcher, "send", lambda actor, i: actor == DELIVER and send(actor, i))
    created = post_import(api, "skus", [{"code": "NEVER", "name": "x"}])
    assert created.status_code == 201, created.text
    import_id = created.json()["data"]["id"]
    body = {"data": {"type": "imports", "id": import_id, "attributes": {"_interrupt": True}}}
    assert api.patch(f"/api/imports/{import_id}", json=body).status_code == 200
    interrupted = received(receiver, "imports.interrupt")[0]
    assert interrupted.document["data"]["attributes"]["status"] == "interrupted"
    assert api.delete(f"/api/imports/{import_id}").status_code == 204
    destroyed = received(receiver, "imports.destroy")[0]
    assert destroyed.signed_with(secrets["imports.destroy"])
    assert destroyed.document == {"data": {"id": import_id, "type": "imports"}}


def test_cleanup_lifecycle(local_app, receiver):
    api = make_org(local_app, "acme").api
    topics = ("cleanups.create", "cleanups.start", "cleanups.complete")
    secrets = {topic: subscribe(api, receiver, topic)[1] for topic in topics}
    factories.sku(api)
    cleanup = run_cleanup(api, "skus")
    for topic in topics:
        call = received(receiver, topic)[0]
        assert call.signed_with(secrets[topic]) and call.document["data"]["id"] == cleanup["id"]
    completed = received(receiver, "cleanups.complete")[0].document["data"]["attributes"]
    assert completed["status"] == "completed" and completed["processed_count"] == 1
