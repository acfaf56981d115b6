"""E-mail when a job ends: the outbox rows records/events.py queues (``notify``), composed
(``compose``) and sent over SMTP (``smtp``) by a worker, retried (``send``)."""
