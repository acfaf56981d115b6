"""One message through the SMTP server of BULKPORT_SMTP_URL, with the stdlib's smtplib.

`smtps://` is TLS from the first byte (port 465 by default). `smtp://` upgrades with STARTTLS
when the server offers it (port 587 by default); credentials are never sent over a connection
that is not encrypted, so a server that offers no STARTTLS gets mail only without them (a local
relay).
"""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from urllib.parse import unquote, urlsplit

TIMEOUT_SECONDS = 10.0


class MailError(Exception):
    """The message could not be handed over now; another attempt may succeed."""


def send(smtp_url: str, message: EmailMessage) -> None:
    url = urlsplit(smtp_url)
    implicit_tls = url.scheme == "smtps"
    host, port = url.hostname or "localhost", url.port or (465 if implicit_tls else 587)
    context = ssl.create_default_context()
    try:
        client = (
            smtplib.SMTP_SSL(host, port, timeout=TIMEOUT_SECONDS, context=context)
            if implicit_tls
            else smtplib.SMTP(host, port, timeout=TIMEOUT_SECONDS)
        )
        with client:
            client.ehlo()
            encrypted = implicit_tls
            if not encrypted and client.has_extn("starttls"):
                client.starttls(context=context)
                client.ehlo()
                encrypted = True
            if url.username:
                if not encrypted:
                    raise MailError(f"{host}:{port} offers no STARTTLS: credentials not sent")
                client.login(unquote(url.username), unquote(url.password or ""))
            client.send_message(message)
    except (OSError, smtplib.SMTPException) as exc:  # refused, unreachable, timed out, TLS
        raise MailError(f"{type(exc).__name__}: {exc}") from exc
