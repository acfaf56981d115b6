"""The source tree as pyproject.toml declares it: where tests that read the code look."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
PACKAGES: list[str] = PYPROJECT["tool"]["importlinter"]["root_packages"]


def sources() -> list[Path]:
    """Every module of the package, tests and benchmarks aside."""
    return sorted(p for package in PACKAGES for p in (ROOT / package).rglob("*.py"))
