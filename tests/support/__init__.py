"""What tests share, in one place: apps and clients (api), JSON:API documents and assertions
(documents), imports and exports and the one way to wait for them (jobs), the fixture world
(world), records built through the API (factories), the service fixtures (services), the
JSON:API schema (jsonapi_schema) and the source tree (layout)."""

import pytest

# Before any of them is imported: their asserts explain themselves as a test's do.
pytest.register_assert_rewrite(
    *(
        f"tests.support.{name}"
        for name in ("api", "documents", "factories", "jobs", "services", "world")
    )  # fmt: skip
)
