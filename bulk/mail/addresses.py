"""`notify_email` as a job or a profile gives it: addresses that are e-mail addresses, on a
server that can send mail."""

from __future__ import annotations

from typing import Any

from email_validator import EmailNotValidError, validate_email

from core.errors import FieldError
from core.settings import Settings

NO_SETTINGS = (
    "cannot be sent: the server has no mail settings (BULKPORT_SMTP_URL and BULKPORT_MAIL_FROM)"
)


def notify_errors(settings: Settings, values: dict[str, Any]) -> list[FieldError]:
    addresses = values.get("notify_email") or ()
    if not addresses:
        return []
    if not settings.sends_mail:
        return [FieldError("notify_email", "invalid", NO_SETTINGS)]
    errors = []
    for address in addresses:
        try:
            validate_email(address, check_deliverability=False)
        except EmailNotValidError as exc:
            message = f"has {address!r}, which is no e-mail address: {exc}"
            errors.append(FieldError("notify_email", "invalid", message))
    return errors
