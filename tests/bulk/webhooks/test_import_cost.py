"""What webhooks cost an import: nothing while the organization's `imports_trigger_webhooks`
is off (a webhook listening or not), and with it on the same statements per chunk at any size
(one lookup of the listening webhooks and one outbox insert per batch of writes)."""

from __future__ import annotations

from app.provisioning import set_imports_trigger_webhooks
from tests.bulk.imports.test_statement_count import LARGE, SMALL, skus, statements_of
from tests.support import factories
from tests.support.api import make_org, sql


def subscribe(api, topic: str) -> None:
    attrs = {"topic": topic, "callback_url": "http://127.0.0.1:9/never"}
    response = api.post("/api/webhooks", json={"data": {"type": "webhooks", "attributes": attrs}})
    assert response.status_code == 201, response.text


def imported(app, monkeypatch, slug: str, n: int, topics=(), trigger: bool = False) -> int:
    """The statements of a new organization's import of `n` new SKUs."""
    org = make_org(app, slug)
    set_imports_trigger_webhooks(app.state.engine, slug, trigger)
    for topic in topics:
        subscribe(org.api, topic)
    category = factories.shipping_category(org.api)["id"]
    return statements_of(app, org.api, monkeypatch, "skus", skus(n, category))


def pending(app) -> int:
    return sql(app, "SELECT count(*) FROM webhook_deliveries")[0][0]


def test_record_webhooks_cost_an_import_nothing_while_the_setting_is_off(local_app, monkeypatch):
    without = imported(local_app, monkeypatch, "plain", LARGE)
    hooked = imported(local_app, monkeypatch, "hooked", LARGE, ("skus.create", "skus.update"))
    assert hooked == without
    assert pending(local_app) == 0


def test_with_the_setting_on_an_import_chunk_costs_the_same_at_any_size(local_app, monkeypatch):
    hooks = ("skus.create",)
    small = imported(local_app, monkeypatch, "small", SMALL, hooks, trigger=True)
    large = imported(local_app, monkeypatch, "large", LARGE, hooks, trigger=True)
    assert small == large
    assert pending(local_app) == SMALL + LARGE  # held: hold_jobs records messages instead
