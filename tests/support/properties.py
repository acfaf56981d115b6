"""What the property tests (hypothesis) share: their settings, the app a module opens once, the
values hostile clients send, and the checks every answer must pass.

Hypothesis runs a test's body many times inside one call of the test function, so the app is a
module fixture (opened once per backend, never reset between examples): each example works on
records of its own (``unique``), never on what an earlier example left.
"""

from __future__ import annotations

import dataclasses
import itertools
import json
import os
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from hypothesis import event, settings
from hypothesis import strategies as st
from starlette.applications import Starlette

from tests.support.api import MEDIA, open_app
from tests.support.services import database_url, make_settings

# No example database (nothing written into the working tree), no deadline (a request on a
# loaded machine takes what it takes), few examples: the modules run in well under a minute on
# 2 CPUs. BULKPORT_PROPERTY_EXAMPLES=2000 hunts longer. A failure prints the shrunk input: pin
# it in a plain regression test beside the others.
EXAMPLES = int(os.environ.get("BULKPORT_PROPERTY_EXAMPLES", "60"))
PROPERTIES = settings(database=None, deadline=None, max_examples=EXAMPLES)

_examples = itertools.count(1)


def unique(prefix: str = "P") -> str:
    """A prefix no other example of the run uses (codes, names)."""
    return f"{prefix}{next(_examples):05d}"


@contextmanager
def module_app(
    request, tmp_path_factory, jwt_pem, backend: str, **changes: Any
) -> Iterator[Starlette]:
    """The app on a fresh database of `backend` for a module; ``changes``: settings replaced."""
    folder = tmp_path_factory.mktemp(f"properties-{backend}")
    settings_ = make_settings(folder, database_url(request, backend, folder), jwt_pem)
    with open_app(dataclasses.replace(settings_, **changes)) as app:
        yield app


# -- values --------------------------------------------------------------------------------------

# Text that reads as the server's internals (a constraint name, SQL, a driver): answers echo
# what a client sent ("ix_a_eq is not a filter of skus"), and the suite's check of every error
# document (tests/support/api.py) cannot tell an echo from a leak, so the properties send none.
LOOKS_INTERNAL = re.compile(
    r"\b(?:uq|fk|ix|ck|pk)_[a-z_]+|\bSELECT\b.+\bFROM\b|\bINSERT INTO\b|\bDELETE FROM\b"
    r"|\bUPDATE \w+ SET\b|\[SQL: |psycopg|sqlalchemy|sqlite3|IntegrityError|OperationalError"
    r"|ProgrammingError|violates|CONTEXT: |Traceback|File \"|\.py\b|site-packages",
    re.IGNORECASE | re.DOTALL,
)


def plain(strategy: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return strategy.filter(lambda text: not LOOKS_INTERNAL.search(text))


# Any character but NUL (PostgreSQL text cannot hold it; the API refuses it) and lone surrogates.
CHARS = st.characters(codec="utf-8", exclude_characters="\x00")
# ... and every code point: NUL and lone surrogates (\ud800) included.
ANY_CHARS = st.characters(exclude_categories=())
TEXT = plain(st.text(CHARS, max_size=30))
ANY_TEXT = plain(st.text(ANY_CHARS, max_size=30))

# Numbers at and beyond the columns' bounds: 4-byte integers, 8-byte integers, doubles.
EDGE_INTS = st.sampled_from([0, -1, 2**31 - 1, 2**31, -(2**31) - 1, 2**63, -(2**63) - 1, 10**400])
EDGE_FLOATS = st.sampled_from([0.0, -0.0, 5e-324, 1.7976931348623157e308, -1e308, 1e-7])
LONG_TEXT = st.builds(  # at the bounds of a string column and of a filter value
    lambda c, n: c * n,
    st.sampled_from(["x", "é", "😀", ","]),
    st.sampled_from([255, 256, 1000, 1001, 5000]),
)

# Scalars JSON can carry and a database can store, at their edges.
STORABLE_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()
    | EDGE_INTS
    | st.floats(allow_nan=False, allow_infinity=False)
    | EDGE_FLOATS
    | TEXT
    | LONG_TEXT
)
# ... and what Python's json module writes but no database should get: NaN, Infinity, lone
# surrogates, NUL.
HOSTILE_SCALARS = STORABLE_SCALARS | st.floats() | ANY_TEXT


def json_values(scalars: st.SearchStrategy = STORABLE_SCALARS, keys=TEXT, leaves: int = 12):
    """Nested lists and objects of `scalars`."""
    return st.recursive(
        scalars,
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(keys, inner, max_size=4),
        max_leaves=leaves,
    )


STORABLE_JSON = json_values()
HOSTILE_JSON = json_values(HOSTILE_SCALARS, ANY_TEXT)


def nested(value: Any, depth: int) -> Any:
    """`value` inside `depth` arrays or objects, alternating."""
    for level in range(depth):
        value = [value] if level % 2 else {"a": value}
    return value


DEEP_JSON = st.builds(nested, STORABLE_SCALARS, st.integers(60, 70) | st.integers(0, 1200))


def often(strategy: st.SearchStrategy, instead: st.SearchStrategy) -> st.SearchStrategy:
    """`strategy` nine times in ten, else `instead` (`strategy | instead` would draw each half
    the time)."""
    return st.integers(0, 9).flatmap(lambda n: instead if n == 7 else strategy)


def comma_list(items: st.SearchStrategy[str], max_size: int = 6) -> st.SearchStrategy[str]:
    return st.lists(items, max_size=max_size).map(",".join)


# -- what every answer must be ------------------------------------------------------------------


def answered(response) -> str:
    """The answer's status and error code, for hypothesis' statistics of what the examples
    reached (`--hypothesis-show-statistics`)."""
    if response.status_code < 400:
        return str(response.status_code)
    return f"{response.status_code} {response.json()['errors'][0].get('code')}"


def assert_handled(response) -> None:
    """Not a server error; an error answer is a JSON:API error document (the ApiClient has
    already checked every JSON:API answer against the schema)."""
    event(answered(response))
    assert response.status_code < 500, f"{response.status_code}: {response.text[:2000]}"
    if response.status_code >= 400:
        assert response.headers["content-type"].startswith(MEDIA), response.headers
        errors = response.json()["errors"]
        assert errors and all(e["status"] == str(response.status_code) for e in errors), errors


# What a database, a driver or Python would say; none of it may reach a client.
INTERNALS = re.compile(
    r"\bSELECT\b|\bINSERT\b|\bUPDATE\b|\bDELETE\b|\bVALUES\b|NOT NULL|UNIQUE"  # SQL as written
    r"|(?i:sqlite3?\b|psycopg|sqlalchemy|IntegrityError|OperationalError|DataError"
    r"|ProgrammingError|Traceback|File \"|\.py\b|/work/|/tmp/|site-packages|constraint"
    r"|violates|\(Background on this error|internal error|error id)"
)


def user_strings(value: Any) -> set[str]:
    """Every string a client sent (keys, values, CSV cells and lines), to tell what a message
    quotes from the inputs from what it says of its own."""
    found: set[str] = set()
    stack = [value]
    while stack:
        node = stack.pop()
        if isinstance(node, str):
            found.add(node)
            found.update(re.split(r"[\r\n,\"]+", node))
        elif isinstance(node, dict):
            stack.extend(node)
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
        elif node is not None:
            found.add(json.dumps(node))
    return {s for s in found if len(s) >= 2}


def internals_in(messages: Iterable[str], sent: set[str]) -> list[str]:
    """The messages that say something of the server's internals, once what the client sent
    is taken out of them."""
    leaks = []
    for message in messages:
        own = message
        for text in sorted(sent, key=len, reverse=True):
            own = own.replace(text, "")
        if INTERNALS.search(own):
            leaks.append(message)
    return leaks


def log_messages(log: dict) -> list[str]:
    """The messages of an errors_log (`{key: {attr: [messages]}}`) or a warnings_log (`{key:
    [messages]}`), with their keys and attributes."""
    out = []
    for key, entry in log.items():
        out.append(key)
        if isinstance(entry, dict):
            for attr, messages in entry.items():
                out += [attr, *messages]
        else:
            out += list(entry)
    return out
