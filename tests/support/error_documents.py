"""What every error response must be, wherever in the suite it is received: a JSON:API error
document that tells the client what went wrong and nothing about how the server is built (no
stack trace, SQL, driver or constraint name, or source file path).

`/oauth/token` answers `application/json` in the shape of Commerce Layer's auth server: the same
checks but the schema's, and its `status` is a string like every other error's."""

from __future__ import annotations

import json
import re

from tests.support import jsonapi_schema

# Each pattern is something only internals produce; user-facing details never need them.
LEAKS = {
    "a stack trace": re.compile(r"Traceback \(most recent call last\)|File \"[^\"]+\", line \d+"),
    "a source file path": re.compile(r"(?:/[\w.-]+)+\.py\b|site-packages"),
    "SQL": re.compile(
        r"\bSELECT\b.+\bFROM\b|\bINSERT INTO\b|\bDELETE FROM\b|\bUPDATE \w+ SET\b|\[SQL: "
    ),
    "a database driver's words": re.compile(
        r"psycopg|sqlalchemy|sqlite3|IntegrityError|OperationalError|ProgrammingError"
        r"|violates (?:unique|foreign key|check|not-null) constraint|CONTEXT: "
    ),
    "a constraint name": re.compile(r"\b(?:uq|fk|ix|ck|pk)_[a-z_]+\b"),
}


def problems(status: int, content_type: str, body: bytes) -> list[str]:
    """Why an error response (status >= 400) is not a clean JSON:API error document."""
    try:
        document = json.loads(body)
    except ValueError:
        return [f"a {status} whose body is not JSON: {body[:200]!r}"]
    found = []
    if content_type.startswith("application/vnd.api+json"):
        found += [f"not JSON:API: {p}" for p in jsonapi_schema.problems(document)]
    elif content_type != "application/json":
        found.append(f"media type {content_type!r}")
    if not isinstance(document, dict) or not document.get("errors"):
        found.append("no `errors` member")
    else:
        statuses = {e.get("status") for e in document["errors"] if isinstance(e, dict)}
        if statuses != {str(status)}:  # a string, as JSON:API has it
            found.append(f"error objects say status {sorted(statuses)}, the response {status}")
    text = body.decode("utf-8", "replace")
    found += [
        f"it shows {what}: {m.group(0)!r}" for what, p in LEAKS.items() if (m := p.search(text))
    ]
    return found
