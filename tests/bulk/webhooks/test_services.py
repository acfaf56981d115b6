"""Deliveries in the production setup: PostgreSQL, Redis, `bulkport worker` processes.

The API queues a record's event after commit through Redis; an import's lifecycle events are
sent by the worker's poll. Skipped with the reason when a service is unreachable (failures with
REQUIRE_SERVICES=1); fixtures in tests/support/services.py."""

from __future__ import annotations

import pytest

from core.settings import Settings
from tests.bulk.webhooks.conftest import LOCAL
from tests.bulk.webhooks.test_delivery import callbacks, received, subscribe
from tests.support import factories
from tests.support.api import make_org, open_app
from tests.support.jobs import eventually, post_import, run_to_end

pytestmark = pytest.mark.services


@pytest.fixture
def redis_app(service_env):
    with open_app(Settings.from_env({**service_env, **LOCAL})) as application:
        yield application


def test_deliveries_through_redis_workers(redis_app, worker, receiver):
    w = worker(**LOCAL)
    api = make_org(redis_app, "acme").api
    hook, secret = subscribe(api, receiver, "skus.create")
    _, start_secret = subscribe(api, receiver, "imports.start")
    _, complete_secret = subscribe(api, receiver, "imports.complete")

    sku = factories.sku(api, code="REDIS1")
    call = received(receiver, "skus.create")[0]
    assert call.signed_with(secret) and call.document["data"]["id"] == sku["id"]
    logged = eventually(lambda: callbacks(api, hook), 20, lambda: "no event callback")
    assert [c["response_code"] for c in logged] == ["200"]

    category = factories.shipping_category(api)
    inputs = [{"code": "REDIS2", "name": "x", "shipping_category_id": category["id"]}]
    response = post_import(api, "skus", inputs)
    assert response.status_code == 201, response.text
    done = run_to_end(api, "imports", response.json()["data"]["id"], workers=[w])
    assert done["status"] == "completed"
    assert received(receiver, "imports.start")[0].signed_with(start_secret)
    assert received(receiver, "imports.complete")[0].signed_with(complete_secret)
    assert receiver.of("skus.create") == [call]  # the import's own SKU: the setting is off
