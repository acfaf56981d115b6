"""The official JSON:API 1.0 JSON Schema as a validator of every response the suite receives.

Two load-time rewrites make the upstream files mean under python-jsonschema what they mean under
Ajv (see shared/jsonapi/README.md): `patternProperties: {"": ...}` becomes `"^"`, and the
pre-2019 `dependencies` keyword becomes `dependentRequired` / `dependentSchemas`.

The verdict comes from jsonschema-rs on the same rewritten schemas: python-jsonschema took ~6 ms
a document, a third of the time of the API-heavy tests; jsonschema-rs takes ~20 µs and agreed
with it on every response of the API tests and on 56,000 mutations of them (a member removed,
retyped, added; a bad URI). python-jsonschema still words the problems of a document found
invalid, as before.
"""

from __future__ import annotations

import json
import os
from functools import lru_cache
from pathlib import Path

import jsonschema_rs
from jsonschema import Draft202012Validator
from referencing import Registry, Resource

from tests.support.layout import ROOT


def schema_dir() -> Path:
    """shared/jsonapi/1.0 beside the checkout (CI and sessions), or BULKPORT_JSONAPI_SCHEMA_DIR."""
    configured = os.environ.get("BULKPORT_JSONAPI_SCHEMA_DIR")
    candidates = [Path(configured)] if configured else []
    candidates += [ROOT.parent / "shared" / "jsonapi" / "1.0", ROOT / "tests" / "jsonapi-1.0"]
    for path in candidates:
        if (path / "schema.json").exists():
            return path
    raise FileNotFoundError("JSON:API schema not found; set BULKPORT_JSONAPI_SCHEMA_DIR")


def _normalize(node):
    if isinstance(node, list):
        return [_normalize(x) for x in node]
    if not isinstance(node, dict):
        return node
    node = {k: _normalize(v) for k, v in node.items()}
    pp = node.get("patternProperties")
    if isinstance(pp, dict) and "" in pp:
        pp["^"] = pp.pop("")
    deps = node.pop("dependencies", None)
    if isinstance(deps, dict):
        for k, v in deps.items():
            key = "dependentRequired" if isinstance(v, list) else "dependentSchemas"
            node.setdefault(key, {})[k] = v
    return node


def schemas() -> dict[str, dict]:
    folder = schema_dir()
    return {p.stem: _normalize(json.loads(p.read_text())) for p in folder.glob("schema*.json")}


@lru_cache(maxsize=1)
def validators() -> dict[str, Draft202012Validator]:
    found = schemas()
    registry = Registry().with_resources(
        [(s["$id"], Resource.from_contents(s)) for s in found.values()]
    )
    return {
        name: Draft202012Validator(
            s, registry=registry, format_checker=Draft202012Validator.FORMAT_CHECKER
        )
        for name, s in found.items()
    }


@lru_cache(maxsize=1)
def fast_validators() -> dict[str, jsonschema_rs.Draft202012Validator]:
    found = schemas()
    registry = jsonschema_rs.Registry([(s["$id"], s) for s in found.values()])
    return {
        name: jsonschema_rs.Draft202012Validator(s, registry=registry, validate_formats=True)
        for name, s in found.items()
    }


def problems(document: dict, schema: str = "schema") -> list[str]:
    """Why `document` is not valid JSON:API (against `schema`), one line per violation."""
    fast = fast_validators()[schema]
    if fast.is_valid(document):
        return []
    worded = [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
        for e in validators()[schema].iter_errors(document)
    ]
    # Should the two ever disagree, the stricter verdict stands, in jsonschema-rs's words.
    return worded or [
        f"{'/'.join(map(str, e.instance_path))}: {e.message}" for e in fast.iter_errors(document)
    ]
