"""One live Bulkport per test process for the official clients' checks (each check makes data
of its own, under unique codes): starting a server costs seconds, a check less."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.clients.node import node_modules
from tests.support.live_server import Server, live_server


@pytest.fixture(scope="session")
def bulkport(tmp_path_factory) -> Iterator[Server]:
    node_modules()
    folder = tmp_path_factory.mktemp("bulkport")
    # The webhook checks' receiver is a local http endpoint.
    with live_server(folder, slug="clients-org", BULKPORT_WEBHOOKS_ALLOW_PRIVATE="1") as server:
        yield server
