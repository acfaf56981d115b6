"""The official clients on what issue 11's other parts add (concrete promotion types, coupon
codes promotion rules, webhooks, cleanups), written against Commerce Layer's documented
behaviour and the SDK's own types; enabled once those parts are merged."""

from __future__ import annotations

import base64
import hashlib
import hmac
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.clients.node import sdk
from tests.support.jobs import eventually

pytestmark = pytest.mark.skip(reason="enabled when issue 11's promotions/webhooks/cleanups land")


@dataclass
class Delivery:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    url: str
    deliveries: list[Delivery] = field(default_factory=list)


@pytest.fixture(scope="module")
def receiver() -> Iterator[Receiver]:
    """A real HTTP endpoint for webhook deliveries: it keeps each request and answers 200."""
    deliveries: list[Delivery] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            headers = {name.lower(): value for name, value in self.headers.items()}
            deliveries.append(Delivery(self.path, headers, body))
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args) -> None:  # quiet
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield Receiver(f"http://127.0.0.1:{server.server_address[1]}/hooks", deliveries)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)


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


def signature(secret: str, body: bytes) -> str:
    """As Commerce Layer tells receivers to check it: Base64(HMAC-SHA256(raw body, secret))."""
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def test_webhooks_created_fired_signed_reset_and_deleted(bulkport, receiver):
    result = sdk(bulkport, "webhooks", RECEIVER_URL=receiver.url)
    assert result["topic"] == "imports.complete"
    assert result["shared_secret"] and result["secret_on_retrieve"] is None
    assert result["listed"] == [result["webhook_id"]]
    assert result["import_status"] == "completed"
    assert result["callback"] == {"callback_url": receiver.url, "response_code": "200"}
    assert result["reset"] == {"circuit_state": "closed", "circuit_failure_count": 0}
    assert result["updated"].endswith("/hooks/moved")
    assert result["invalid"] == 422
    assert result["deleted"]["status"] == 404

    def delivered() -> list[Delivery]:
        return [d for d in receiver.deliveries if result["import_id"].encode() in d.body]

    [delivery] = eventually(delivered, 30, lambda: f"no delivery: {receiver.deliveries}")
    assert delivery.path == "/hooks"
    assert delivery.headers["x-commercelayer-topic"] == "imports.complete"
    expected = signature(result["shared_secret"], delivery.body)
    assert hmac.compare_digest(delivery.headers["x-commercelayer-signature"], expected)


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
