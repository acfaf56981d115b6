"""Waits and request ids in the production setup: PostgreSQL, Redis, a `bulkport worker`.

Skipped with the reason when a service is unreachable; failures when REQUIRE_SERVICES=1.
"""

from __future__ import annotations

import pytest

from tests.support import factories
from tests.support.api import make_org
from tests.support.jobs import eventually, import_body

pytestmark = pytest.mark.services


def test_a_wait_sees_a_redis_worker_finish_and_its_log_names_the_request(service_app, worker):
    a = worker()
    org = make_org(service_app, "acme")
    api = org.api
    category = factories.shipping_category(api)
    inputs = [{"code": f"R{i}", "name": "Shirt", "shipping_category_id": category["id"]}
              for i in range(50)] + [{"code": "BAD"}]  # fmt: skip
    headers = {"Prefer": "wait=30", "X-Request-Id": "nightly-sync-7"}
    body = import_body("skus", inputs, skip_errors=True)
    response = api.post("/api/imports", json=body, headers=headers)
    assert response.status_code == 201, response.text
    assert response.headers["Preference-Applied"] == "wait=30"
    assert response.headers["X-Request-Id"] == "nightly-sync-7"
    attrs = response.json()["data"]["attributes"]
    outcome = (attrs["status"], attrs["created_count"], attrs["errors_count"], attrs["request_id"])
    assert outcome == ("completed", 50, 1, "nightly-sync-7"), attrs
    import_id = response.json()["data"]["id"]
    line = f"[nightly-sync-7 org={org.id} job={import_id}] imports.run {import_id} returned"
    eventually(lambda: line in a.log(), 10, a.tail)
