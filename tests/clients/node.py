"""Commerce Layer's official JS clients (tests/clients/js: the SDK and the two CLI plugins,
pinned in its package-lock.json) run against a live Bulkport, the way the README points them at
it: the SDK through its `fetch` option, the CLIs with a preload that redirects their fetch and
the access token of the organization's integration application.

``node_modules()`` skips the test where `node` is missing and installs the packages (`npm ci`,
once, under a lock: xdist workers share the folder) where they are not installed yet.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.support.layout import ROOT
from tests.support.live_server import Server

JS = ROOT / "tests" / "clients" / "js"
PACKAGES = ("sdk", "cli-plugin-imports", "cli-plugin-exports")
PLUGINS = {
    "imports": JS / "node_modules/@commercelayer/cli-plugin-imports/bin/run.js",
    "exports": JS / "node_modules/@commercelayer/cli-plugin-exports/bin/run.js",
}
TIMEOUT = 120


def _installed() -> bool:
    return all(
        (JS / "node_modules/@commercelayer" / name / "package.json").exists() for name in PACKAGES
    )


def node_modules() -> Path:
    """The installed packages' folder (skips the test without `node`)."""
    if shutil.which("node") is None or shutil.which("npm") is None:
        pytest.skip("node/npm not installed: the official Commerce Layer clients need Node.js 20+")
    if not _installed():
        with open(JS / ".npm-ci.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if not _installed():
                done = subprocess.run(
                    ["npm", "ci", "--no-audit", "--no-fund"],
                    cwd=JS, capture_output=True, text=True, timeout=600,
                )  # fmt: skip
                assert done.returncode == 0, f"npm ci failed:\n{done.stdout}\n{done.stderr}"
    return JS / "node_modules"


def _env(server: Server, **extra: str) -> dict[str, str]:
    """The clients' environment: the variables the CLIs read for the organization and token
    (the SDK scripts read the same), and where redirect.cjs sends their requests."""
    return {
        **os.environ,
        "CL_REDIRECT_URL": server.url,
        "CL_CLI_ORGANIZATION": server.organization_slug,
        "CL_CLI_ACCESS_TOKEN": server.token,
        "NO_UPDATE_NOTIFIER": "1",
        "NO_COLOR": "1",
        "FORCE_COLOR": "0",
        **extra,
    }


def sdk(server: Server, script: str, **env: str) -> Any:
    """Runs tests/clients/js/sdk/<script>.cjs (`env` added to its environment): the JSON it
    prints."""
    done = subprocess.run(
        ["node", str(JS / "sdk" / f"{script}.cjs")],
        cwd=JS, env=_env(server, **env), capture_output=True, text=True, timeout=TIMEOUT,
    )  # fmt: skip
    assert done.returncode == 0, f"sdk/{script}.cjs failed:\n{done.stderr}\n{server.log()[-3000:]}"
    return json.loads(done.stdout)


def cli(
    server: Server, plugin: str, *args: str, cwd: Path, preload: Path | None = None
) -> subprocess.CompletedProcess:
    """Runs a command of the CLI plugin ("imports" or "exports") as its users do, with the
    organization's token and its requests redirected to `server` (`preload`: one more module
    required first)."""
    preloads = [JS / "redirect.cjs", *([preload] if preload else [])]
    # The plugins keep files under oclif's cache folder and expect the main `commercelayer` CLI
    # to have made it: a folder of the test's own, made here.
    home = cwd / ".commercelayer"
    (home / "cache" / "@commercelayer" / f"cli-plugin-{plugin}").mkdir(parents=True, exist_ok=True)
    env = _env(
        server,
        XDG_CACHE_HOME=str(home / "cache"),
        XDG_CONFIG_HOME=str(home / "config"),
        XDG_DATA_HOME=str(home / "data"),
        NODE_OPTIONS=" ".join(f"--require {path}" for path in preloads),
    )
    return subprocess.run(
        ["node", str(PLUGINS[plugin]), *args],
        cwd=cwd, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True,
        timeout=TIMEOUT,
    )  # fmt: skip
