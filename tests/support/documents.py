"""JSON:API documents as tests send and read them: request bodies, records, collections, errors.

The expected error messages are Rails', spelled out here so that a change to core/errors.py
cannot pass unnoticed.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from sqlalchemy import update

from resources import REGISTRY
from tests.support.api import MEDIA

TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")

# The messages clients see, pinned here rather than read from core.errors: a change of the wire
# format must fail a test.
MESSAGES = {
    "blank": "can't be blank",
    "taken": "has already been taken",
    "required": "must exist",
    "inclusion": "is not included in the list",
    "not_a_number": "is not a number",
    "not_an_integer": "must be an integer",
    "invalid": "is invalid",
}


# -- requests ------------------------------------------------------------------------------------


def linkage(value: Any) -> Any:
    """A record dict, a list of them, a (type, id) pair or None -> JSON:API linkage."""
    if value is None:
        return None
    if isinstance(value, list):
        return [linkage(v) for v in value]
    if isinstance(value, tuple):
        return {"type": value[0], "id": value[1]}
    return {"type": value["type"], "id": value["id"]}


def document(
    type_: str,
    attributes: dict | None = None,
    relationships: dict | None = None,
    id_: str | None = None,
) -> dict:
    data: dict[str, Any] = {"type": type_}
    if id_:
        data["id"] = id_
    if attributes is not None:
        data["attributes"] = attributes
    if relationships:
        data["relationships"] = {k: {"data": linkage(v)} for k, v in relationships.items()}
    return {"data": data}


def post(api, type_: str, attributes: dict | None = None, relationships: dict | None = None):
    return api.post(f"/api/{type_}", json=document(type_, attributes or {}, relationships))


def patch(api, record: dict, attributes: dict | None = None, relationships: dict | None = None):
    doc = document(record["type"], attributes, relationships, id_=record["id"])
    return api.patch(f"/api/{record['type']}/{record['id']}", json=doc)


def q(**filters: str) -> dict[str, str]:
    """filter[q][...] parameters from keyword arguments."""
    return {f"filter[q][{k}]": v for k, v in filters.items()}


# -- records and collections ---------------------------------------------------------------------


def ok(response, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == MEDIA
    return response.json()


def created(response) -> dict:
    assert response.status_code == 201, response.text
    return response.json()["data"]


def fetch(api, record: dict) -> dict:
    response = api.get(f"/api/{record['type']}/{record['id']}")
    assert response.status_code == 200, response.text
    return response.json()["data"]


def gone(api, record: dict) -> bool:
    return api.get(f"/api/{record['type']}/{record['id']}").status_code == 404


def related_id(record: dict, rel: str) -> str | None:
    data = record["relationships"][rel]["data"]
    return data["id"] if data else None


def listing(api, path: str, **params: str) -> dict[str, Any]:
    """GET a collection with query parameters sent URL-encoded (as real clients do)."""
    return ok(api.get(path, params=params))


def list_all(api, path: str, **params: str) -> list[dict]:
    """Every resource object of a collection (all pages)."""
    out: list[dict] = []
    page = 1
    while True:
        query = {**params, "page[size]": "25", "page[number]": str(page)}
        response = api.get(path, params=query)
        assert response.status_code == 200, response.text
        doc = response.json()
        out += doc["data"]
        if page >= doc["meta"]["page_count"]:
            return out
        page += 1


def listed(api, type_: str, attribute: str, **filters: str) -> list:
    """`attribute` of the records a filtered list returns, sorted by that attribute."""
    response = api.get(f"/api/{type_}", params={**q(**filters), "sort": attribute})
    assert response.status_code == 200, response.text
    return [r["attributes"][attribute] for r in response.json()["data"]]


def ids(doc: dict[str, Any]) -> list[str]:
    return [r["id"] for r in doc["data"]]


def attr(doc: dict[str, Any], name: str) -> list[Any]:
    return [r["attributes"][name] for r in doc["data"]]


def by(records: list[dict], attribute: str) -> dict[Any, dict]:
    return {r["attributes"][attribute]: r for r in records}


def attrs_of(records: list[dict], *names: str) -> list[tuple]:
    return sorted(tuple(r["attributes"][n] for n in names) for r in records)


def rel_attrs_of(records: list[dict], rel: str, *names: str) -> list[tuple]:
    """Sorted (related id, *attributes) of each record, e.g. a price's price list and sku code."""
    return sorted(
        (r["relationships"][rel]["data"]["id"], *(r["attributes"][n] for n in names))
        for r in records
    )


def tag_names(api, record: dict | None = None) -> list[str]:
    """The sorted names of a record's tags (every page), or of all the organization's tags."""
    path = "/api/tags" if record is None else f"/api/{record['type']}/{record['id']}/tags"
    return sorted(t["attributes"]["name"] for t in list_all(api, path))


def assert_rendered(data: dict, expected: dict) -> None:
    """Every expected attribute rendered with its value and JSON type, timestamps well formed."""
    attributes = data["attributes"]
    for name, value in expected.items():
        assert attributes[name] == value, (name, attributes[name], value)
        assert type(attributes[name]) is type(value), (name, attributes[name], value)
    for name in ("created_at", "updated_at"):
        assert TIMESTAMP.match(attributes[name]), attributes[name]
    assert isinstance(attributes["metadata"], dict)


def set_created_at(app, type_: str, times: dict[str, str]) -> None:
    """Gives records (by id) known creation times, e.g. {"abc": "2026-01-01T10:00:00"}."""
    table = REGISTRY[type_].table
    with app.state.engine.begin() as conn:
        for record_id, when in times.items():
            stmt = update(table).where(table.c.id == record_id)
            conn.execute(stmt.values(created_at=datetime.fromisoformat(when)))


# -- errors --------------------------------------------------------------------------------------


def errors(response, status: int = 422) -> list[dict]:
    """The error objects of a response that must have `status`."""
    assert response.status_code == status, response.text
    return response.json()["errors"]


def only_error(response) -> dict:
    """The one validation error object of a 422."""
    (error,) = errors(response)
    assert (error["code"], error["status"]) == ("VALIDATION_ERROR", "422")
    return error


def pointers(response) -> set[tuple[str, str]]:
    """{(pointer, meta.error)} of a 422."""
    return {(e["source"]["pointer"], e["meta"]["error"]) for e in errors(response)}


def no_duplicate_errors(response) -> bool:
    seen = [e["source"]["pointer"] for e in errors(response)]
    return len(seen) == len(set(seen))


def assert_error(
    response,
    status: int,
    code: str,
    *,
    parameter: str | None = None,
    pointer: str | None = None,
) -> dict[str, Any]:
    """The response is one JSON:API error object with this status, code and source."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == MEDIA
    (error,) = response.json()["errors"]
    assert error["code"] == code, error
    assert error["status"] == str(status)
    assert error["title"] and error["detail"]
    if parameter is not None:
        assert error["source"] == {"parameter": parameter}, error
    if pointer is not None:
        assert error["source"] == {"pointer": pointer}, error
    return error


def error_object(name: str, error: str, *, relationship: bool = False, **meta: Any) -> dict:
    """The full JSON:API error object the server sends for one failing field."""
    where = "relationships" if relationship else "attributes"
    message = MESSAGES[error]
    return {
        "title": message,
        "detail": f"{name} - {message}",
        "code": "VALIDATION_ERROR",
        "source": {"pointer": f"/data/{where}/{name}"},
        "status": "422",
        "meta": {"error": error, **meta},
    }


def assert_invalid(response, name: str, error: str, *, relationship: bool = False) -> dict:
    """A 422 carrying the exact Rails-style error object for `name` (meta may add details)."""
    expected = error_object(name, error, relationship=relationship)
    for obj in errors(response):
        if obj.get("source") == expected["source"] and obj["meta"].get("error") == error:
            assert {k: v for k, v in obj.items() if k != "meta"} == {
                k: v for k, v in expected.items() if k != "meta"
            }
            return obj
    raise AssertionError(f"no {error} error on {name}: {response.text}")


def assert_taken(response, name: str, *, relationship: bool = False) -> None:
    assert_invalid(response, name, "taken", relationship=relationship)


def assert_must_exist(response, rel: str) -> None:
    assert_invalid(response, rel, "required", relationship=True)
