"""`event_callbacks`: one per delivery attempt of a webhook, with what was sent and what the
receiver answered (Commerce Layer's read-only Event Callbacks API). Written by bulk/webhooks."""

from resources.base import BelongsTo, Resource
from resources.fields import Json, String, Text

resource = Resource(
    "event_callbacks",
    attributes=[
        Text("callback_url"),
        Json("payload"),
        String("response_code"),  # a string, as Commerce Layer serves it
        Text("response_message"),
    ],
    relationships=[
        BelongsTo(
            "webhook",
            "webhooks",
            required=True,
            on_delete="CASCADE",
            inverse="event_callbacks",
            writable=False,
        ),
    ],
    read_only=True,
    integration_only=True,
    versioned=False,
)
