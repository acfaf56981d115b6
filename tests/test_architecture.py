"""The shape ARCHITECTURE.md describes, checked on the code: layers cover every package, no
module imports its way round in a cycle, imports sit at module level, and generic code names no
resource type (declarations do)."""

from __future__ import annotations

import ast

import grimp
import pytest

from resources import REGISTRY
from tests.support.layout import PACKAGES, PYPROJECT, ROOT, sources

# The client speaks the API's resource names over HTTP as any client does (`/api/imports`).
GENERIC = [p for p in PACKAGES if p not in ("resources", "client")]
MIGRATIONS = ROOT / "app" / "migrations" / "versions"


def test_the_layers_contract_covers_every_package():
    contracts = PYPROJECT["tool"]["importlinter"]["contracts"]
    (contract,) = [c for c in contracts if c["type"] == "layers"]
    layered = {name.strip() for layer in contract["layers"] for name in layer.split("|")}
    installed = {
        p.rstrip("*") for p in PYPROJECT["tool"]["setuptools"]["packages"]["find"]["include"]
    }
    assert layered == set(PACKAGES) == installed


def test_no_import_cycle_between_modules():
    graph = grimp.build_graph(*PACKAGES, include_external_packages=False)
    cycles = [
        (a, b)
        for a in sorted(graph.modules)
        for b in graph.find_modules_directly_imported_by(a)
        if graph.chain_exists(importer=b, imported=a)
    ]
    assert cycles == []


# The command line loads each long-running command's stack on demand (a worker process does not
# hold the HTTP server's modules): memory, not a cycle, and the only place allowed to.
ON_DEMAND = {ROOT / "app" / "cli.py"}


def test_first_party_imports_sit_at_module_level():
    """A function-level import of our own code is how cycles hide: none outside ON_DEMAND."""
    hidden = []
    for path in set(sources()) - ON_DEMAND:
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for inner in ast.walk(node):
                if isinstance(inner, ast.ImportFrom) and inner.module:
                    names = [inner.module]
                elif isinstance(inner, ast.Import):
                    names = [alias.name for alias in inner.names]
                else:
                    continue
                if any(n.split(".")[0] in PACKAGES for n in names):
                    hidden.append(f"{path.relative_to(ROOT)}:{inner.lineno}")
    assert hidden == []


@pytest.mark.parametrize("package", GENERIC)
def test_generic_code_names_no_resource_type(package):
    """Types, and the relationships and triggers declarations add, are named only in resources/
    (documentation strings may use them as examples)."""
    names = set(REGISTRY)
    for resource in REGISTRY.values():
        for rel in resource.named_links:
            names |= {rel.name, *rel.triggers, f"{rel.name}.id", f"{rel.name}.{rel.named_by}"}
    found = []
    for path in (ROOT / package).rglob("*.py"):
        if MIGRATIONS in path.parents:
            continue  # generated from the declarations
        tree = ast.parse(path.read_text())
        docstrings = {
            id(node.body[0].value)
            for node in ast.walk(tree)
            if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
            and node.body
            and isinstance(node.body[0], ast.Expr)
        }
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Constant)
                and node.value in names
                and id(node) not in docstrings
            ):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.value!r}")
    assert found == []
