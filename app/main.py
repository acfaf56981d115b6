"""The Starlette application: routes from the resource registry, auth, error handling."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import Route

from app.auth import routes as auth_routes
from app.db import make_engine
from app.jsonapi.endpoints import resource_routes
from app.jsonapi.media import BodyLimitMiddleware, install_error_handlers
from app.settings import Settings, get_settings


def create_app(settings: Settings | None = None) -> Starlette:
    settings = settings or get_settings()
    routes: list[Route] = [*auth_routes.routes(), *resource_routes()]
    app = Starlette(
        routes=routes,
        middleware=[Middleware(BodyLimitMiddleware, max_bytes=settings.max_body_bytes)],
    )
    app.state.settings = settings
    app.state.engine = make_engine(settings.database_url)
    install_error_handlers(app)
    return app
