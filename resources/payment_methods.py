"""Payment methods: what a market accepts (a supporting type, not importable)."""

from resources.base import Resource
from resources.currencies import CURRENCY_CODES
from resources.fields import Boolean, Integer, String
from resources.markets import market_relationship

PAYMENT_SOURCE_TYPES = (
    "adyen_payments",
    "axerve_payments",
    "braintree_payments",
    "checkout_com_payments",
    "external_payments",
    "klarna_payments",
    "paypal_payments",
    "satispay_payments",
    "stripe_payments",
    "wire_transfers",
)

resource = Resource(
    "payment_methods",
    attributes=[
        String("name"),
        String("payment_source_type", required=True, choices=PAYMENT_SOURCE_TYPES),
        String("currency_code", choices=CURRENCY_CODES),
        Integer("price_amount_cents", required=True, minimum=0),
        Boolean("moto", default=False),
        Boolean("require_capture", default=True),
        Boolean("auto_place", default=False),
        Boolean("auto_capture", default=False),
        Boolean("disabled", default=False),
    ],
    relationships=[
        market_relationship(inverse="payment_methods"),
    ],
)
