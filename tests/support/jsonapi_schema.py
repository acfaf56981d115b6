"""The official JSON:API 1.0 JSON Schema as a python-jsonschema validator.

Two load-time rewrites make the upstream files mean under python-jsonschema what they mean under
Ajv (see shared/jsonapi/README.md): `patternProperties: {"": ...}` becomes `"^"`, and the
pre-2019 `dependencies` keyword becomes `dependentRequired` / `dependentSchemas`.
"""

from __future__ import annotations

import json
import os
from functools import lru_cache
from pathlib import Path

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


@lru_cache(maxsize=1)
def validators() -> dict[str, Draft202012Validator]:
    folder = schema_dir()
    schemas = {p.stem: _normalize(json.loads(p.read_text())) for p in folder.glob("schema*.json")}
    registry = Registry().with_resources(
        [(s["$id"], Resource.from_contents(s)) for s in schemas.values()]
    )
    return {
        name: Draft202012Validator(
            s, registry=registry, format_checker=Draft202012Validator.FORMAT_CHECKER
        )
        for name, s in schemas.items()
    }


def problems(document: dict, schema: str = "schema") -> list[str]:
    """Why `document` is not valid JSON:API (against `schema`), one line per violation."""
    return [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
        for e in validators()[schema].iter_errors(document)
    ]
