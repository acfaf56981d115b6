"""Request and assertion helpers shared by the resource tests."""

from __future__ import annotations

import re
from typing import Any

TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")

# Rails' messages, spelled out here so a change to app/errors.py cannot pass unnoticed.
MESSAGES = {
    "blank": "can't be blank",
    "taken": "has already been taken",
    "required": "must exist",
    "inclusion": "is not included in the list",
    "not_a_number": "is not a number",
    "not_an_integer": "must be an integer",
    "invalid": "is invalid",
}


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


def errors(response, status: int = 422) -> list[dict]:
    assert response.status_code == status, response.text
    return response.json()["errors"]


def pointers(response) -> set[tuple[str, str]]:
    """{(pointer, meta.error)} of a 422."""
    return {(e["source"]["pointer"], e["meta"]["error"]) for e in errors(response)}


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


def assert_rendered(data: dict, expected: dict) -> None:
    """Every expected attribute rendered with its value and JSON type, timestamps well formed."""
    attributes = data["attributes"]
    for name, value in expected.items():
        assert attributes[name] == value, (name, attributes[name], value)
        assert type(attributes[name]) is type(value), (name, attributes[name], value)
    for name in ("created_at", "updated_at"):
        assert TIMESTAMP.match(attributes[name]), attributes[name]
    assert isinstance(attributes["metadata"], dict)


def no_duplicate_errors(response) -> bool:
    seen = [e["source"]["pointer"] for e in errors(response)]
    return len(seen) == len(set(seen))


def listed(api, type_: str, attribute: str, **filters: str) -> list:
    """`attribute` of the records a filtered list returns, sorted by that attribute."""
    query = {f"filter[q][{k}]": v for k, v in filters.items()}
    response = api.get(f"/api/{type_}", params={**query, "sort": attribute})
    assert response.status_code == 200, response.text
    return [r["attributes"][attribute] for r in response.json()["data"]]
