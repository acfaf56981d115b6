"""The Starlette application: routes from the resource registry, auth, jobs, error handling."""

from __future__ import annotations

import contextlib

from starlette.applications import Starlette
from starlette.middleware import Middleware

from app import attachments
from app.auth import routes as auth_routes
from app.db import make_engine
from app.jsonapi.endpoints import resource_routes
from app.jsonapi.media import BodyLimitMiddleware, install_error_handlers
from app.settings import Settings, get_settings
from workers.jobs import Jobs


def create_app(settings: Settings | None = None) -> Starlette:
    settings = settings or get_settings()
    engine = make_engine(settings.database_url)
    jobs = Jobs(settings, engine)

    @contextlib.asynccontextmanager
    async def lifespan(_app):
        if jobs.in_process:
            jobs.start_worker()
            jobs.recover()  # jobs a previous run of this server left unfinished
        yield
        jobs.stop()

    app = Starlette(
        routes=[*auth_routes.routes(), *attachments.routes(), *resource_routes()],
        middleware=[Middleware(BodyLimitMiddleware, max_bytes=settings.max_body_bytes)],
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.jobs = jobs
    install_error_handlers(app)
    return app
