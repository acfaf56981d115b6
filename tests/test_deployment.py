"""The deployment files: compose.yaml is valid and sets only settings the server reads, its
commands are `bulkport` commands, the image carries every package, and the README's settings
table lists every setting."""

from __future__ import annotations

import re
import shutil
import subprocess
import tomllib
from functools import cache
from typing import Any

import pytest
import yaml

from app.cli import build_parser
from tests.support.layout import ROOT

COMPOSE = ROOT / "compose.yaml"


@cache
def compose_command() -> list[str] | None:
    """`docker compose` (v2), else `docker-compose` (v1), whichever works here."""
    for command in (["docker", "compose"], ["docker-compose"]):
        if shutil.which(command[0]) is None:
            continue
        probe = subprocess.run([*command, "version"], capture_output=True, timeout=60)
        if probe.returncode == 0:
            return command
    return None


def test_compose_file_is_valid():
    command = compose_command()
    if command is None:
        pytest.skip("neither `docker compose` nor `docker-compose` works on this machine")
    checked = subprocess.run(
        [*command, "--file", str(COMPOSE), "config", "--quiet"],
        cwd=ROOT, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert checked.returncode == 0, checked.stderr


def services() -> dict[str, Any]:
    return yaml.safe_load(COMPOSE.read_text())["services"]  # anchors and merge keys resolved


def settings_read() -> set[str]:
    """The BULKPORT_* variables core/settings.py reads (each helper takes `env, "NAME"`)."""
    source = (ROOT / "core" / "settings.py").read_text()
    return {f"BULKPORT_{name}" for name in re.findall(r"\(\s*env,\s*\"([A-Z0-9_]+)\"", source)}


def test_settings_are_read_from_the_source():
    read = settings_read()
    assert {"BULKPORT_DATABASE_URL", "BULKPORT_SMTP_URL", "BULKPORT_RATE_LIMIT_OAUTH"} <= read


def test_compose_sets_only_settings_the_server_reads():
    read = settings_read()
    for name, service in services().items():
        environment = service.get("environment") or {}
        unknown = {key for key in environment if key.startswith("BULKPORT_")} - read
        assert unknown == set(), f"{name} sets {sorted(unknown)}"
    api = services()["api"]["environment"]
    for needed in ("DATABASE_URL", "REDIS_URL", "STORAGE_URL", "S3_ENDPOINT_URL"):
        assert f"BULKPORT_{needed}" in api


def test_compose_runs_the_api_two_workers_and_the_migration_with_real_commands():
    found = services()
    parser = build_parser()
    for name, handler in (
        ("api", "cmd_serve"),
        ("worker", "cmd_worker"),
        ("migrate", "cmd_migrate"),
    ):
        args = parser.parse_args(found[name]["command"])  # exits on an unknown option
        assert args.handler.__name__ == handler
        assert found[name]["image"] == "bulkport:latest"
    assert found["worker"]["deploy"]["replicas"] == 2
    assert set(found) >= {"postgres", "redis", "minio", "bucket"}
    for name in ("api", "worker"):
        assert found[name]["depends_on"]["migrate"] == {
            "condition": "service_completed_successfully"
        }
        assert found[name]["depends_on"]["bucket"] == {
            "condition": "service_completed_successfully"
        }
    assert "mc mb --ignore-existing local/bulkport" in " ".join(found["bucket"]["command"])
    bucket = found["api"]["environment"]["BULKPORT_STORAGE_URL"].removeprefix("s3://")
    assert bucket.split("/")[0] == "bulkport"


def test_the_image_holds_every_package_and_runs_unprivileged():
    dockerfile = (ROOT / "Dockerfile").read_text()
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    packages = {
        p.rstrip("*") for p in pyproject["tool"]["setuptools"]["packages"]["find"]["include"]
    }
    copied = set(re.findall(r"^COPY (\w+) \./\1$", dockerfile, re.MULTILINE))
    assert copied == packages
    final_stage = dockerfile.rsplit("\nFROM ", 1)[1]
    assert re.search(r"^USER (?!root\b|0\b)\w+", final_stage, re.MULTILINE)
    assert "HEALTHCHECK" in final_stage and "/health/live" in final_stage


def test_every_setting_is_in_a_readme_settings_table():
    rows = [line for line in (ROOT / "README.md").read_text().splitlines() if line.startswith("|")]
    table = "\n".join(rows)
    missing = sorted(name for name in settings_read() if not re.search(rf"\b{name}\b", table))
    assert missing == []
