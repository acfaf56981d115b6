"""The e-mail of a job that ended: what it is, its status, its counts, its first errors and
its links, read from the job's row when the e-mail is sent.

Generic over job types: the counts are the type's `*_count` attributes, the links its computed
`*_url` attributes (the attachment, and any file a job type adds, such as an errors file),
signed as a GET of the job signs them, so they expire as those do; the job's own API link
gives fresh ones.
"""

from __future__ import annotations

import json
from email.message import EmailMessage
from email.utils import formatdate
from types import SimpleNamespace
from typing import Any

from bulk.webhooks.payload import LOCAL_URL
from core.settings import Settings
from resources.base import Resource

FIRST_ERRORS = 10  # entries of `errors_log` an e-mail shows


def compose(
    settings: Settings, resource: Resource, job: dict[str, Any], notification: dict[str, Any]
) -> EmailMessage:
    base = settings.public_url or LOCAL_URL
    what = resource.type
    if job.get("resource_type"):
        what += f" of {job['resource_type']}"
    message = EmailMessage()
    message["Subject"] = f"Bulkport: {what} {job['id']} {notification['status']}"
    message["From"] = settings.mail_from
    message["To"] = ", ".join(notification["recipients"])
    message["Date"] = formatdate(usegmt=True)
    # The same id on every attempt: a message that was sent though its attempt seemed to fail
    # (the connection dropped after DATA) is one message to the recipient's client.
    message["Message-ID"] = f"<{notification['id']}.{notification['resource_id']}@bulkport>"
    message.set_content("\n".join(body_lines(settings, base, resource, job, notification)))
    return message


def body_lines(
    settings: Settings,
    base: str,
    resource: Resource,
    job: dict[str, Any],
    notification: dict[str, Any],
) -> list[str]:
    lines = [
        f"{resource.type} {job['id']}: {notification['status']}",
        "",
        f"id: {job['id']}",
        f"status: {notification['status']}",
    ]
    if job.get("resource_type"):
        lines.append(f"resource_type: {job['resource_type']}")
    for name in resource.attributes:
        if name.endswith("_count") and job.get(name) is not None:
            lines.append(f"{name}: {job[name]}")
    lines += ["", f"{resource.type}: {base}/api/{resource.type}/{job['id']}"]
    renderer = SimpleNamespace(base=base, settings=settings, revealed={})
    for name, attr in resource.attributes.items():
        if name.endswith("_url") and attr.compute is not None:
            url = attr.compute(job, renderer)
            if url:
                lines.append(f"{name}: {url}")
    errors = list((job.get("errors_log") or {}).items())
    if errors:
        lines += ["", f"first errors ({min(len(errors), FIRST_ERRORS)} of {len(errors)}):"]
        lines += [f"  {key}: {json.dumps(messages, ensure_ascii=False, default=str)}"
                  for key, messages in errors[:FIRST_ERRORS]]  # fmt: skip
    return lines
