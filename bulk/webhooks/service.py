"""Creating and changing webhooks: the API's side (``deliver`` sends what they listen to).

The topic must be a known one, the callback URL pass the address rule (``addresses``) and
`include_resources` name relationships of the topic's type, as `include` would. The server
makes the shared secret and shows it once; `_reset_circuit` closes the circuit.
"""

from __future__ import annotations

import secrets

from bulk.webhooks.addresses import Refused, check
from bulk.webhooks.topics import known_topics, topic_type
from core.errors import FieldError, InvalidInclude, ValidationFailed
from core.settings import Settings
from core.unit import Unit
from query.includes import parse_include
from records.draft import Draft
from records.save import save_one
from resources import REGISTRY
from resources.webhooks import resource as webhooks


class WebhookService:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def save(self, unit: Unit, draft: Draft) -> str:
        values = draft.values
        merged = {**(draft.existing or {}), **values}
        errors = [
            *self._topic_errors(values),
            *self._url_errors(values),
            *self._include_errors(merged),
        ]
        if errors:
            raise ValidationFailed(errors)
        if values.pop("_reset_circuit", None):
            values.update(circuit_state="closed", circuit_failure_count=0)
        secret = None
        if draft.existing is None:
            secret = values["secret"] = secrets.token_hex(32)
        record_id = save_one(unit.scope, webhooks, draft)
        if secret is not None:
            unit.revealed[record_id] = {"shared_secret": secret}
        return record_id

    def _topic_errors(self, values: dict) -> list[FieldError]:
        topic = values.get("topic")
        if topic is None or topic in known_topics():
            return []  # a missing topic is `can't be blank`, from the declaration
        message = f"is not a known topic ({topic!r}): <type>.create|update|destroy, or a job's"
        return [FieldError("topic", "inclusion", message)]

    def _url_errors(self, values: dict) -> list[FieldError]:
        url = values.get("callback_url")
        if not isinstance(url, str):
            return []
        try:
            check(url, self.settings.webhooks_allow_private)
        except Refused as exc:
            return [FieldError("callback_url", "invalid", str(exc))]
        return []

    def _include_errors(self, merged: dict) -> list[FieldError]:
        paths, topic = merged.get("include_resources"), merged.get("topic")
        if not paths or topic not in known_topics():
            return []
        try:
            parse_include(REGISTRY[topic_type(topic)], ",".join(paths))
        except InvalidInclude as exc:
            return [FieldError("include_resources", "invalid", str(exc.detail))]
        return []
