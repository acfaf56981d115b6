"""`imports.preview`: the one event of a preview, whose record writes are rolled back with
their deliveries (the organization's `imports_trigger_webhooks` on)."""

from __future__ import annotations

from app.provisioning import set_imports_trigger_webhooks
from tests.bulk.webhooks.test_import_cost import subscribe
from tests.support import factories
from tests.support.api import make_org, sql
from tests.support.jobs import post_import, run_to_end


def test_a_preview_sends_imports_preview_and_none_of_its_record_events(local_app):
    org = make_org(local_app, "acme")
    set_imports_trigger_webhooks(local_app.state.engine, "acme", True)
    category = factories.shipping_category(org.api, code="STANDARD")
    for topic in ("imports.preview", "skus.create", "shipping_categories.update"):
        subscribe(org.api, topic)
    item = {"code": "W-1", "name": "x", "shipping_category_id": category["id"]}
    response = post_import(org.api, "skus", [item], preview=True)
    attrs = run_to_end(org.api, "imports", response.json()["data"]["id"])
    assert attrs["status"] == "previewed"
    topics = sql(local_app, "SELECT topic, resource_id FROM webhook_deliveries")
    assert [tuple(t) for t in topics] == [("imports.preview", attrs["id"])]
