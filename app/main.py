"""The composition root: the Starlette application, wired from the registry and the services."""

from __future__ import annotations

import contextlib

from starlette.applications import Starlette
from starlette.middleware import Middleware

from app import attachments, health, import_types, metrics
from app.access_log import AccessLogMiddleware
from app.auth import routes as auth_routes
from app.jsonapi.endpoints import resource_routes
from app.jsonapi.media import BodyLimitMiddleware, install_error_handlers
from app.openapi import routes as reference
from app.openapi.paths import Wiring
from app.ratelimit.middleware import RateLimitMiddleware, make_limiter
from app.request_id import RequestIdMiddleware
from bulk import files
from bulk.actors import CLEANUPS, EXPORTS, IMPORTS, JOB_TYPES, REVERT
from bulk.analysis.service import AnalysisService
from bulk.cleanups.service import CleanupService
from bulk.dispatch import Dispatcher
from bulk.exports.service import ExportService
from bulk.imports.profiles import ProfileService
from bulk.imports.service import ImportService
from bulk.webhooks.service import WebhookService
from core.db import make_engine
from core.settings import Settings, get_settings
from resources import REGISTRY
from resources.import_analyses import resource as analyses
from resources.import_profiles import resource as import_profiles
from resources.versions import resource as versions
from resources.webhooks import resource as webhooks


def create_app(settings: Settings | None = None) -> Starlette:
    settings = settings or get_settings()
    engine = make_engine(settings.database_url)
    dispatcher = Dispatcher(settings, engine)
    limiter = make_limiter(settings, engine)  # None when BULKPORT_RATE_LIMITS=off
    import_service = ImportService(
        settings, dispatcher.sender(IMPORTS), lambda i: dispatcher.send(REVERT, i)
    )
    analysis_service = AnalysisService(settings)
    savers = {
        IMPORTS.resource.type: import_service.save,
        EXPORTS.resource.type: ExportService(dispatcher.sender(EXPORTS), settings).save,
        CLEANUPS.resource.type: CleanupService(dispatcher.sender(CLEANUPS), settings).save,
        webhooks.type: WebhookService(settings).save,
        analyses.type: analysis_service.save,
        import_profiles.type: ProfileService(settings).save,
    }
    destroyers = {job.resource.type: files.destroyer(settings, job.resource) for job in JOB_TYPES}
    destroyers[analyses.type] = files.destroyer(settings, analyses)  # its file goes with it
    uploaders = {
        IMPORTS.resource.type: import_service.upload,
        analyses.type: analysis_service.upload,
    }
    waits = {job.resource.type for job in JOB_TYPES}  # `Prefer: wait=N`
    checks = health.Health(settings, engine, dispatcher)

    @contextlib.asynccontextmanager
    async def lifespan(_app):
        if dispatcher.in_process:
            dispatcher.start_worker()
            dispatcher.recover()  # jobs a previous run of this server left unfinished
            dispatcher.start_sweep()
        yield
        dispatcher.stop()
        checks.close()
        if limiter is not None:
            limiter.close()

    app = Starlette(
        routes=[
            *auth_routes.routes(),
            *attachments.routes(),
            *import_types.routes(),
            *health.routes(checks),
            *metrics.routes(settings, engine, dispatcher),
            *resource_routes(
                REGISTRY, savers, destroyers, history=versions, uploaders=uploaders, waits=waits
            ),
            # /api/openapi.json and /docs: the API reference, generated from the same wiring
            *reference.routes(REGISTRY, Wiring(set(uploaders), waits, history=versions)),
        ],
        middleware=[
            Middleware(RequestIdMiddleware),  # first: the access log line carries the id
            Middleware(AccessLogMiddleware),
            Middleware(metrics.HttpMetrics),  # by route template, method and status
            # Before the body limit: a refused request costs no body read, and every response
            # of /api and /oauth/token (413s included) gets the X-Ratelimit-* headers.
            Middleware(RateLimitMiddleware, limiter=limiter),
            Middleware(
                BodyLimitMiddleware,
                max_bytes=settings.max_body_bytes,
                upload_max_bytes=settings.upload_max_bytes,
            ),
        ],
        lifespan=lifespan,
    )
    # A trailing slash gets a JSON:API 404 that says so, not Starlette's empty 307 redirect
    # (which clients following it would resend without their body or Authorization header).
    app.router.redirect_slashes = False
    app.state.settings = settings
    app.state.engine = engine
    app.state.dispatcher = dispatcher
    app.state.limiter = limiter
    install_error_handlers(app)
    return app
