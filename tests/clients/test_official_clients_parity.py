"""The official clients on what issue 11 added beyond imports and exports: concrete promotion
types, coupon codes promotion rules, webhooks (delivered to a real receiver that checks the
signature) and cleanups, checked against Commerce Layer's documented behaviour and the SDK's
own types."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.clients.node import sdk
from tests.support.jobs import eventually
from tests.support.receiver import Call, Receiver


@pytest.fixture(scope="module")
def receiver() -> Iterator[Receiver]:
    """A real HTTP endpoint for webhook deliveries, checking signatures as Commerce Layer's docs
    tell receivers to."""
    with Receiver() as running:
        yield running


def test_concrete_promotions_coupon_rules_and_coupon_imports(bulkport):
    result = sdk(bulkport, "promotions")
    prefix = result["prefix"]
    assert result["created"] == [
        "percentage_discount_promotions", "fixed_amount_promotions", "free_shipping_promotions"
    ]  # fmt: skip
    assert result["retrieved"] == {
        "type": "percentage_discount_promotions", "percentage": 10, "name": f"{prefix} 10%"
    }  # fmt: skip
    assert result["updated"] == 15
    assert result["listed"] == [
        ["percentage_discount_promotions", f"{prefix} 10%"],
        ["fixed_amount_promotions", f"{prefix} 5 EUR"],
        ["free_shipping_promotions", f"{prefix} shipping"],
    ]  # sorted by name: "10%" < "5 EUR" < "shipping"
    assert result["rule"] == {
        "type": "coupon_codes_promotion_rules",
        "promotion_type": "percentage_discount_promotions",
        "promotion_id": result["percentage_id"],
    }
    assert result["imported"] == {"status": "completed", "created_count": 2, "errors_count": 0}
    assert result["coupons"] == [
        [f"{prefix}ONE", result["rule_id"]],
        [f"{prefix}THREE", result["rule_id"]],
        [f"{prefix}TWO", result["rule_id"]],
    ]
    assert result["after_delete"]["status"] == 404


def test_webhooks_created_fired_signed_reset_and_deleted(bulkport, receiver):
    result = sdk(bulkport, "webhooks", RECEIVER_URL=receiver.url())
    assert result["topic"] == "imports.complete"
    assert result["shared_secret"] and result["secret_on_retrieve"] is None
    assert result["listed"] == [result["webhook_id"]]
    assert result["import_status"] == "completed"
    assert result["callback"] == {"callback_url": receiver.url(), "response_code": "200"}
    assert result["reset"] == {"circuit_state": "closed", "circuit_failure_count": 0}
    assert result["updated"].endswith("/hooks/moved")
    assert result["invalid"] == 422
    assert result["deleted"]["status"] == 404

    def delivered() -> list[Call]:
        return [
            c for c in receiver.of("imports.complete") if result["import_id"].encode() in c.body
        ]

    [delivery] = eventually(delivered, 30, lambda: f"no delivery: {receiver.topics()}")
    assert delivery.path == "/hooks"
    assert delivery.signed_with(result["shared_secret"])


def test_cleanups_created_polled_and_listed(bulkport):
    result = sdk(bulkport, "cleanups")
    assert result["created"] == {
        "type": "cleanups", "status": "pending", "resource_type": "skus",
        "filters": {"code_start": f"{result['prefix']}DROP"},
    }  # fmt: skip
    assert result["done"] == {
        "status": "completed", "records_count": 3, "processed_count": 3, "errors_count": 0
    }  # fmt: skip
    assert result["listed"]
    assert result["left"] == [f"{result['prefix']}KEEP1"]
