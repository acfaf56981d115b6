"""`bulkport serve` as its users run it, for tests that need a real HTTP server: a subprocess on
the embedded default (SQLite, the in-process worker, local attachments) on a free port, with an
organization made the way the README tells users (`bulkport orgs create SLUG --json`) and an
access token from its integration application. It dies with the test process (``BOOT``).
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx2 as httpx

from tests.support.layout import ROOT
from tests.support.services import BOOT

MEDIA = "application/vnd.api+json"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    proc: subprocess.Popen
    url: str
    token: str
    organization_id: str
    organization_slug: str
    database: Path
    log_path: Path
    client_id: str = ""
    client_secret: str = ""

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}", "Accept": MEDIA}

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


@contextmanager
def live_server(folder: Path, slug: str = "acme", **env: str) -> Iterator[Server]:
    """A server with its data in `folder`, `env` added to its BULKPORT_* settings (rate limits
    off unless given)."""
    environment = {
        **{k: v for k, v in os.environ.items() if not k.startswith("BULKPORT_")},
        "BULKPORT_DATA_DIR": str(folder / "data"),
        "BULKPORT_RATE_LIMITS": "off",
        **env,
    }
    command = [sys.executable, "-m", "app.cli", "orgs", "create", slug, "--json"]
    created = subprocess.run(command, cwd=ROOT, env=environment, capture_output=True, text=True)
    assert created.returncode == 0, created.stderr
    credentials = json.loads(created.stdout)
    port = free_port()
    log_path = folder / "serve.log"
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-c", BOOT, str(os.getpid()), "-m", "app.cli", "serve"]
            + ["--port", str(port)],
            cwd=ROOT, env=environment, stdin=subprocess.DEVNULL, stdout=log,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        application = credentials["application"]
        form = {"grant_type": "client_credentials", "client_id": application["client_id"]}
        form["client_secret"] = application["client_secret"]
        token = when_up(proc, log_path, lambda: httpx.post(f"{url}/oauth/token", json=form))
        organization = credentials["organization"]
        yield Server(
            proc, url, token.json()["access_token"], organization["id"], organization["slug"],
            folder / "data" / "bulkport.sqlite3", log_path,
            application["client_id"], application["client_secret"],
        )  # fmt: skip
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)


def when_up(
    proc: subprocess.Popen, log_path: Path, call: Callable[[], httpx.Response], timeout: float = 30
) -> httpx.Response:
    deadline = time.monotonic() + timeout
    while True:
        try:
            return call()
        except httpx.TransportError:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"the server is not up:\n{log_path.read_text()}") from None
            time.sleep(0.1)
