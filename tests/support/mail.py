"""A real SMTP server on 127.0.0.1 (aiosmtpd on a free port) that keeps what it is given, and
can refuse the next messages with a temporary failure (451) to show the retries."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from core.settings import Settings
from tests.support.api import BASE_URL
from tests.support.services import database_url, make_settings

SENDER = "bulkport@example.com"


@dataclass
class Received:
    sender: str
    recipients: list[str]
    message: EmailMessage

    @property
    def body(self) -> str:
        return self.message.get_content()


class MailServer:
    def __init__(self) -> None:
        self.received: list[Received] = []
        self.refused = 0  # messages refused so far
        self.refuse = 0  # the next messages to refuse
        self._lock = threading.Lock()
        with socket.socket() as probe:  # a free port (aiosmtpd needs one before it starts)
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)

    @property
    def env(self) -> dict[str, str]:
        return {"BULKPORT_SMTP_URL": f"smtp://127.0.0.1:{self.port}",
                "BULKPORT_MAIL_FROM": SENDER, "BULKPORT_MAIL_RETRY_SECONDS": "0.2"}  # fmt: skip

    async def handle_DATA(self, _server: Any, _session: Any, envelope: Any) -> str:  # noqa: N802
        with self._lock:
            if self.refuse:
                self.refuse -= 1
                self.refused += 1
                return "451 4.3.0 try again later"
            message = message_from_bytes(envelope.content, policy=policy.default)
            assert isinstance(message, EmailMessage)
            self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), message))
        return "250 OK"

    def messages(self) -> list[Received]:
        with self._lock:
            return list(self.received)


@pytest.fixture
def mail_server() -> Iterator[MailServer]:
    server = MailServer()
    server.controller.start()
    try:
        yield server
    finally:
        server.controller.stop()


def settings_sending_to(request, tmp_path, jwt_pem, server: MailServer) -> Settings:
    """A `settings` fixture's value (database `request.param`) whose e-mail goes to
    ``server``, with links under the test client's base URL."""
    url = database_url(request, request.param, tmp_path)
    return make_settings(tmp_path, url, jwt_pem, **server.env, BULKPORT_PUBLIC_URL=BASE_URL)
