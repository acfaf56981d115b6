"""`predicates`, the list the API reference documents per attribute, is what `filter[q]` takes:
for an attribute of every attribute class, each predicate listed answers 200 and each other one
400."""

from __future__ import annotations

from query.filtering import BASE, filterable
from resources import REGISTRY

# A value of each kind that the predicate, not the value, decides about.
ONE = {"integer": "1", "float": "1.5", "boolean": "true", "datetime": "2026-01-01T00:00:00Z"}
FLAGS = ("null", "not_null", "present", "blank", "true", "false")


def value(kind: str, predicate: str) -> str:
    if predicate in FLAGS:
        return "true"
    if predicate == "jcont":
        return '{"color": "red"}'
    one = ONE.get(kind, "x")
    return f"{one},{one}" if predicate in ("in", "not_in") else one


def one_attribute_per_class() -> list[tuple[str, str]]:
    """(type, attribute) of a filterable attribute of each class the registry declares."""
    seen: dict[type, tuple[str, str]] = {}
    for resource in REGISTRY.values():
        for name in filterable(resource):
            attr = resource.attributes.get(name)
            if attr is not None:
                seen.setdefault(type(attr), (resource.type, name))
    return sorted(seen.values())


def test_the_listed_predicates_are_those_the_api_takes(api):
    picked = one_attribute_per_class()
    assert len(picked) >= 6  # text, integer, float, boolean, datetime, object at least
    wrong = []
    for type_, name in [*picked, ("skus", "id")]:
        resource = REGISTRY[type_]
        listed = filterable(resource)[name]
        kind = resource.attributes[name].kind if name in resource.attributes else "string"
        for predicate in BASE:
            parameter = f"filter[q][{name}_{predicate}]"
            response = api.get(f"/api/{type_}", params={parameter: value(kind, predicate)})
            expected = 200 if predicate in listed else 400
            if response.status_code != expected:
                wrong.append(f"{type_} {parameter}: {response.status_code}, not {expected}")
    assert wrong == []
