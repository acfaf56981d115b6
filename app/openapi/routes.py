"""`GET /api/openapi.json`, `GET /docs` and Swagger UI's files under `/docs/static/`, all
without a token. Swagger UI comes from the `swagger-ui-bundle-v2` package: the page loads
nothing from elsewhere, so the reference works on a server with no Internet access."""

from __future__ import annotations

import gzip
import json
import threading
import time
from collections.abc import Mapping
from html import escape

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles
from swagger_ui_bundle import swagger_ui_path

from app.jsonapi.encoding import dumps
from app.openapi.document import build
from app.openapi.paths import Wiring
from resources import checked_choices
from resources.base import Resource

DOCUMENT = "/api/openapi.json"
DOCS = "/docs"
STATIC = "/docs/static"

PAGE = """<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Bulkport API reference</title>
  <link rel="stylesheet" href="{static}/swagger-ui.css">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="{static}/swagger-ui-bundle.js"></script>
  <script>
    window.ui = SwaggerUIBundle({{
      url: {document}, dom_id: "#swagger-ui", deepLinking: true, docExpansion: "none",
      filter: true, persistAuthorization: true, defaultModelsExpandDepth: -1,
      showExtensions: true, tryItOutEnabled: false,
    }});
  </script>
</body>
</html>
"""


class Reference:
    """The document of one app, built on its first request (some 0.1 s) and kept encoded, plain
    (1.2 MB) and gzipped (47 kB): the declarations do not change while the app runs."""

    def __init__(self, registry: Mapping[str, Resource], wiring: Wiring) -> None:
        self.registry = registry
        self.wiring = wiring
        self.body: bytes | None = None
        self.gzipped = b""
        self.build_seconds: float | None = None
        self._lock = threading.Lock()

    def encoded(self, request: Request) -> bytes:
        with self._lock:
            if self.body is None:
                started = time.perf_counter()
                app = request.app
                document = build(
                    self.registry, self.wiring, app.state.settings, app.routes, checked_choices()
                )
                self.body = dumps(document)
                self.gzipped = gzip.compress(self.body)
                self.build_seconds = time.perf_counter() - started
            return self.body

    async def document(self, request: Request) -> Response:
        body = await run_in_threadpool(self.encoded, request)
        headers = {"Vary": "Accept-Encoding"}
        if "gzip" in request.headers.get("accept-encoding", ""):
            body, headers["Content-Encoding"] = self.gzipped, "gzip"
        return Response(body, media_type="application/json", headers=headers)


async def docs(request: Request) -> Response:
    root = request.scope.get("root_path", "")
    page = PAGE.format(static=escape(root + STATIC), document=json.dumps(root + DOCUMENT))
    return HTMLResponse(page)


def routes(registry: Mapping[str, Resource], wiring: Wiring) -> list[BaseRoute]:
    reference = Reference(registry, wiring)
    return [
        Route(DOCUMENT, reference.document, methods=["GET"]),
        Route(DOCS, docs, methods=["GET"]),
        Mount(STATIC, app=StaticFiles(directory=str(swagger_ui_path)), name="swagger-ui"),
    ]
