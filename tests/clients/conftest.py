"""One live Bulkport per test module (and xdist worker) for the official clients' checks; a
module overrides ``server_env`` to start it with more settings."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.clients.node import node_modules
from tests.support.live_server import Server, live_server


@pytest.fixture(scope="module")
def server_env() -> dict[str, str]:
    return {}


@pytest.fixture(scope="module")
def bulkport(tmp_path_factory, server_env) -> Iterator[Server]:
    node_modules()
    folder = tmp_path_factory.mktemp("bulkport")
    with live_server(folder, slug="clients-org", **server_env) as server:
        yield server
