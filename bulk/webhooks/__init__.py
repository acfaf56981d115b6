"""Webhooks: topics, the callback address rule, the API's writes of webhooks and the delivery
of the outbox rows records/events.py queues (signed POSTs, retries, the circuit)."""
