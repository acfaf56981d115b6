"""Generic JSON:API endpoints, built for every registered resource type.

    /api/<type>                          GET list, POST create
    /api/<type>/<id>                     GET, PATCH, DELETE
    /api/<type>/<id>/<rel>               GET the related resource(s)
    /api/<type>/<id>/relationships/<rel> GET linkage; PATCH/POST/DELETE where writable

Each handler runs its database work in one transaction on a worker thread; actions queued with
``ctx.after_commit`` (job messages) run only once that transaction has committed.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Integer, bindparam, func, select
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql import Select
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from app.auth.backend import check_application, require_writer, verify_request
from app.auth.principal import Principal
from app.jsonapi import parameters as q
from app.jsonapi import waiting
from app.jsonapi.body import linkage_ids, read_draft
from app.jsonapi.context import Context
from app.jsonapi.document import Renderer
from app.jsonapi.idempotency import Remember, idempotent, wants_idempotency
from app.jsonapi.media import JsonApiResponse, base_url, check_accept, read_document
from app.jsonapi.pagination import PageNumberPaginator
from app.jsonapi.routing import ResourceRoute
from app.jsonapi.statements import Memo
from app.jsonapi.uploads import is_upload, read_upload, upload_draft
from bulk.imports.upload import Upload
from core.db import cancelled, transaction
from core.errors import Forbidden, NotFound, ParameterNotAllowed, QueryTimedOut
from core.settings import Settings
from core.tenancy import Scope
from core.unit import Unit
from query.filtering import FilterCompiler
from query.includes import IncludeLoader, include_tree, row_dicts
from records.draft import Draft
from records.save import destroy, save_one
from resources.base import BelongsTo, HasMany, ManyToMany, Resource

Saver = Callable[[Unit, Draft], str]  # writes a draft; the record's id
Uploader = Callable[[Unit, Draft, Upload], str]  # writes a draft with its uploaded file
Destroyer = Callable[[Unit, str], None]  # deletes the record of an id

READS = ("GET", "HEAD")  # Starlette answers HEAD on every GET route


async def run(
    request: Request,
    handler: Callable[[Context, dict | None], Response],
    *,
    resource: Resource,
    write: bool = False,
    body: bool = False,
    read: Callable[[Request], Awaitable[Any]] = read_document,
) -> Response:
    # Who asks comes first: an anonymous request learns nothing, not even about media types.
    # The signature is checked here; that the application still exists, in the request's
    # own transaction below (one thread hop and one connection per request).
    principal = verify_request(request)
    if write or resource.integration_only:
        require_writer(principal)
    check_accept(request)
    doc = await read(request) if body else None

    def work() -> Response:
        settings = request.app.state.settings
        renderer = Renderer(base_url(request), principal.mode, settings=settings)
        engine = request.app.state.engine
        with request_transaction(engine, settings, principal, write) as conn:
            scope = Scope(conn, principal.organization_id, who=principal.who)
            ctx = Context(
                scope=scope, request=request, principal=principal, renderer=renderer,
                settings=settings, revealed=renderer.revealed,
            )  # fmt: skip
            response = handler(ctx, doc)
        for action in ctx.after_commit:
            action()
        request.app.state.dispatcher.deliver(scope.outbox)
        return response

    return await run_in_threadpool(work)


@contextmanager
def request_transaction(
    engine: Engine, settings: Settings, principal: Principal, write: bool
) -> Iterator[Connection]:
    """A request's transaction (``core.db.transaction`` with the statement timeout), the
    token's application checked first. On PostgreSQL the timeout is set by the check's own
    statement instead of a ``SET LOCAL`` before it: one statement and round trip less per
    request (a page with its includes stays within four)."""
    timeout = settings.statement_timeout
    if engine.dialect.name != "postgresql" or not timeout:
        with transaction(engine, write=write, timeout=timeout) as conn:
            check_application(conn, principal)
            yield conn
        return
    try:
        with transaction(engine, write=write) as conn:
            check_application(conn, principal, statement_timeout=timeout)
            yield conn
    except DBAPIError as exc:
        if not cancelled(exc):
            raise
        raise QueryTimedOut.after(timeout) from None


def get_row(scope: Scope, resource: Resource, record_id: str) -> dict[str, Any]:
    if "\x00" in record_id:  # no id holds one, and PostgreSQL refuses it in a query
        raise NotFound()
    table = resource.table
    row = scope.execute(scope.select(table).where(table.c.id == record_id)).mappings().first()
    if row is None:
        raise NotFound()
    return dict(row)


def _spec(ctx: Context, resource: Resource, collection: bool) -> q.QuerySpec:
    spec = q.parse(
        ctx.request.query_params,
        resource,
        collection=collection,
        page_size_default=ctx.settings.page_size_default,
        page_size_max=ctx.settings.page_size_max,
    )
    ctx.renderer.fields = spec.fields
    return spec


def _document(ctx: Context, resource: Resource, rows: list[dict], spec: q.QuerySpec, many: bool):
    loader = IncludeLoader(ctx.scope, {(resource.type, r["id"]) for r in rows})
    tree = include_tree(spec.include) if spec.include else {}
    loader.link_families(resource, rows, tree)
    if tree:
        loader.load(resource, rows, tree)
    data = ctx.renderer.resource_objects(resource, rows, loader.linkage)
    doc: dict[str, Any] = {"data": data if many else (data[0] if data else None)}
    if spec.include:
        doc["included"] = ctx.renderer.included_objects(loader.included, loader.linkage)
    return doc


# A list's page bounds, bound when its statement runs: one statement serves every page.
PAGE_LIMIT = bindparam("page_limit", type_=Integer)
PAGE_OFFSET = bindparam("page_offset", type_=Integer)
# The count and page statements of lists (by type, organization, filters and sort).
_LISTS: Memo[tuple[Select, Select]] = Memo(256)  # some 20 kB each


def list_statements(
    ctx: Context, resource: Resource, spec: q.QuerySpec, where: tuple[Any, ...]
) -> tuple[Select, Select]:
    """The count of a list's records and the statement of one of its pages."""
    table = resource.table
    compiler = FilterCompiler(ctx.scope, ctx.dialect)
    conditions = [*where, *(compiler.compile(resource, k, v, p) for k, v, p in spec.filters)]
    stmt = ctx.scope.select(table).where(*conditions)
    count = select(func.count()).select_from(stmt.subquery())
    # NULL sorts as the largest value on both backends (PostgreSQL's default)
    order = [
        table.c[n].desc().nulls_first() if desc else table.c[n].asc().nulls_last()
        for n, desc in spec.sort
    ]
    if not spec.sort:
        order.append(table.c.created_at.asc())
    order.append(table.c.id.asc())
    return count, stmt.order_by(*order).limit(PAGE_LIMIT).offset(PAGE_OFFSET)


def list_document(
    ctx: Context, resource: Resource, spec: q.QuerySpec, path: tuple[str, ...], *where: Any
) -> dict[str, Any]:
    if where:  # conditions of the caller's (a relationship's records): built for this request
        count, page = list_statements(ctx, resource, spec, where)
    else:
        filters, sort = tuple(spec.filters), tuple(spec.sort)
        key = (resource, ctx.scope.organization_id, ctx.dialect, filters, sort)
        count, page = _LISTS.get(key, lambda: list_statements(ctx, resource, spec, ()))
    total = ctx.scope.execute(count).scalar_one()
    pager = PageNumberPaginator(spec, total)
    bounds = {PAGE_LIMIT.key: pager.limit, PAGE_OFFSET.key: pager.offset}
    rows = row_dicts(ctx.scope.execute(page, bounds))
    doc = _document(ctx, resource, rows, spec, many=True)
    doc["meta"] = pager.meta()
    doc["links"] = pager.links(ctx.renderer, *path)
    return doc


def _show(
    ctx: Context, resource: Resource, record_id: str, spec: q.QuerySpec, status: int = 200
) -> Response:
    row = get_row(ctx.scope, resource, record_id)
    doc = _document(ctx, resource, [row], spec, many=False)
    doc["links"] = {"self": ctx.renderer.url(resource.type, record_id)}
    headers = {"Location": doc["links"]["self"]} if status == 201 else None
    return JsonApiResponse(doc, status_code=status, headers=headers)


def generic_saver(resource: Resource) -> Saver:
    """How a record of a type without a service of its own is written."""
    return lambda unit, draft: save_one(unit.scope, resource, draft)


def generic_destroyer(resource: Resource) -> Destroyer:
    return lambda unit, record_id: destroy(unit.scope, resource, record_id)


def read_only_reason(resource: Resource) -> str | None:
    """Why the API refuses every write of ``resource`` (403), if it does."""
    if resource.read_only and resource.members:
        concrete = ", ".join(sorted(m.type for m in resource.members.values()))
        return f"{resource.type} are written through their concrete types: {concrete}"
    if resource.read_only:
        return f"{resource.type} cannot be changed through the API"
    return None


def fixed_relationship_reason(rel: Any, method: str) -> str | None:
    """Why a change of ``rel``'s linkage with ``method`` is refused (403), if it is."""
    if not rel.writable or isinstance(rel, HasMany):
        return f"{rel.name} cannot be changed through this relationship"
    if rel.many is False and method != "PATCH":
        return "A to-one relationship is only changed with PATCH"
    return None


def _writable(resource: Resource) -> None:
    if (reason := read_only_reason(resource)) is not None:
        raise Forbidden(reason)


def collection_endpoint(
    resource: Resource, save: Saver, upload: Uploader | None = None, waits: bool = False
):
    """``waits``: a job type, whose creation honours `Prefer: wait=N` (app/jsonapi/waiting.py);
    a type declared ``idempotent`` honours `Idempotency-Key` (app/jsonapi/idempotency.py)."""

    async def endpoint(request: Request) -> Response:
        if request.method in READS:

            def index(ctx: Context, _doc: Any) -> Response:
                spec = _spec(ctx, resource, collection=True)
                return JsonApiResponse(list_document(ctx, resource, spec, (resource.type,)))

            return await run(request, index, resource=resource)
        if resource.idempotent and wants_idempotency(request):
            return await idempotent(request, create_request)
        return await create_request(request, None)

    async def create_request(request: Request, remember: Remember | None) -> Response:
        ids: list[str] = []

        def created(ctx: Context, record_id: str, spec: q.QuerySpec, form: Any = None):
            ids.append(record_id)
            response = _show(ctx, resource, record_id, spec, status=201)
            if remember is not None:  # committed with the record (an Idempotency-Key's)
                remember(ctx.scope.conn, response, form)
            return response

        def create(ctx: Context, doc: Any) -> Response:
            spec = _spec(ctx, resource, collection=False)
            _writable(resource)
            return created(ctx, save(ctx, read_draft(resource, doc)), spec)

        def create_from_file(ctx: Context, read: Any) -> Response:
            spec = _spec(ctx, resource, collection=False)
            assert upload is not None
            return created(ctx, upload(ctx, *upload_draft(resource, read)), spec, read)

        if upload is None or not is_upload(request):
            response = await run(request, create, resource=resource, write=True, body=True)
        else:
            try:
                response = await run(
                    request, create_from_file, resource=resource, write=True, body=True,
                    read=read_upload,
                )  # fmt: skip
            finally:
                await request.close()  # the form's spooled file
        wait = waiting.preferred_wait(request) if waits else None
        if wait is None or not ids:
            return response
        await waiting.until_done(request.app.state.engine, resource.table, ids[-1], wait)

        def show(ctx: Context, _doc: Any) -> Response:
            return _show(ctx, resource, ids[-1], _spec(ctx, resource, False), status=201)

        response = await run(request, show, resource=resource)  # the job as it now is
        response.headers[waiting.APPLIED] = f"wait={wait}"
        return response

    return endpoint


def item_endpoint(resource: Resource, save: Saver, destroy_: Destroyer):
    async def endpoint(request: Request) -> Response:
        record_id = request.path_params["id"]
        if request.method in READS:

            def show(ctx: Context, _doc: Any) -> Response:
                return _show(ctx, resource, record_id, _spec(ctx, resource, collection=False))

            return await run(request, show, resource=resource)
        if request.method == "DELETE":

            def delete(ctx: Context, _doc: Any) -> Response:
                _spec(ctx, resource, collection=False)
                get_row(ctx.scope, resource, record_id)  # first: another's record is a 404
                _writable(resource)
                destroy_(ctx, record_id)
                return Response(status_code=204)

            return await run(request, delete, resource=resource, write=True)

        def patch(ctx: Context, doc: Any) -> Response:
            spec = _spec(ctx, resource, collection=False)
            existing = get_row(ctx.scope, resource, record_id)
            _writable(resource)
            save(ctx, read_draft(resource, doc, existing))
            return _show(ctx, resource, record_id, spec)

        return await run(request, patch, resource=resource, write=True, body=True)

    return endpoint


def related_endpoint(resource: Resource, rel_name: str):
    rel = resource.relationships[rel_name]

    async def endpoint(request: Request) -> Response:
        record_id = request.path_params["id"]

        def show(ctx: Context, _doc: Any) -> Response:
            row = get_row(ctx.scope, resource, record_id)
            target = rel.target
            path = (resource.type, record_id, rel_name)
            if isinstance(rel, BelongsTo):
                spec = _spec(ctx, target, collection=False)
                fk = row.get(rel.column)
                rows = [get_row(ctx.scope, target, fk)] if fk else []
                doc = _document(ctx, target, rows, spec, many=False)
                doc["links"] = {"self": ctx.renderer.url(*path)}
                return JsonApiResponse(doc)
            spec = _spec(ctx, target, collection=True)
            if isinstance(rel, HasMany):
                where = rel.foreign_key == record_id
            else:
                assert isinstance(rel, ManyToMany)
                owned = ctx.scope.select(rel.join_table, rel.linked_id).where(
                    rel.owned_by([record_id])
                )
                where = target.table.c.id.in_(owned)
            return JsonApiResponse(list_document(ctx, target, spec, path, where))

        return await run(request, show, resource=resource)

    return endpoint


def relationship_endpoint(resource: Resource, rel_name: str, save: Saver):
    rel = resource.relationships[rel_name]

    async def endpoint(request: Request) -> Response:
        record_id = request.path_params["id"]

        def linkage(ctx: Context, row: dict) -> Response:
            loader = IncludeLoader(ctx.scope)
            loader.fetch(rel, [row])
            data = loader.linkage[(resource.type, record_id)][rel_name]
            links = {
                "self": ctx.renderer.url(resource.type, record_id, "relationships", rel_name),
                "related": ctx.renderer.url(resource.type, record_id, rel_name),
            }
            return JsonApiResponse({"data": data, "links": links})

        if request.method in READS:

            def show(ctx: Context, _doc: Any) -> Response:
                _no_parameters(ctx)
                return linkage(ctx, get_row(ctx.scope, resource, record_id))

            return await run(request, show, resource=resource)

        def change(ctx: Context, doc: Any) -> Response:
            _no_parameters(ctx)
            row = get_row(ctx.scope, resource, record_id)  # first: another's record is a 404
            _writable(resource)
            if (reason := fixed_relationship_reason(rel, request.method)) is not None:
                raise Forbidden(reason)
            ids = linkage_ids(rel, (doc or {}).get("data", ...), "/data")
            draft = Draft(values={}, existing=row)
            if isinstance(rel, BelongsTo):
                draft.values[rel.column] = ids
                if ids is None:  # no related record, so no copy of its code either
                    draft.values.update(dict.fromkeys(rel.codes))
            else:
                current = [i["id"] for i in _current(ctx, rel, row)]
                if request.method == "POST":
                    ids = current + [i for i in ids if i not in current]  # type: ignore[union-attr]
                elif request.method == "DELETE":
                    ids = [i for i in current if i not in set(ids)]  # type: ignore[arg-type]
                draft.links[rel_name] = ids  # type: ignore[assignment]
            save(ctx, draft)
            if rel.many:
                return Response(status_code=204)
            return linkage(ctx, get_row(ctx.scope, resource, record_id))

        return await run(request, change, resource=resource, write=True, body=True)

    return endpoint


def _no_parameters(ctx: Context) -> None:
    """Relationship linkage takes no query parameters at all."""
    for name, _value in ctx.request.query_params.multi_items():
        raise ParameterNotAllowed(f"{name} is not allowed", parameter=name)


def _current(ctx: Context, rel: Any, row: dict) -> list[dict]:
    loader = IncludeLoader(ctx.scope)
    loader.fetch(rel, [row])
    return loader.linkage[(rel.owner.type, row["id"])][rel.name]


def history_endpoint(resource: Resource, history: Resource):
    """`/api/<type>/<id>/versions`: the versions of one record, as `/api/versions` lists them
    (filters, sorting, pages), integration tokens only."""
    table = history.table

    async def endpoint(request: Request) -> Response:
        record_id = request.path_params["id"]

        def index(ctx: Context, _doc: Any) -> Response:
            get_row(ctx.scope, resource, record_id)
            spec = _spec(ctx, history, collection=True)
            path = (resource.type, record_id, history.type)
            of_type = table.c.resource_type == resource.stored_type  # a family's is one history
            mine = of_type & (table.c.resource_id == record_id)
            return JsonApiResponse(list_document(ctx, history, spec, path, mine))

        return await run(request, index, resource=history)

    return endpoint


def resource_routes(
    registry: Mapping[str, Resource],
    savers: Mapping[str, Saver],
    destroyers: Mapping[str, Destroyer],
    history: Resource | None = None,
    uploaders: Mapping[str, Uploader] | None = None,
    waits: Collection[str] = (),
) -> list[Route]:
    """Routes for every registered type; ``savers`` and ``destroyers`` write and delete the
    types that have a service of their own (jobs), by type; ``uploaders`` create those that
    take a `multipart/form-data` file (imports); ``waits`` are the job types whose creation
    honours `Prefer: wait=N`; ``history``, the resource whose
    records are versions of the others, gets `/api/<type>/<id>/<history type>` on each."""
    routes: list[Route] = []
    for resource in registry.values():
        if history is not None and resource.versioned:
            path = f"/api/{resource.type}/{{id}}/{history.type}"
            routes.append(ResourceRoute(path, history_endpoint(resource, history), methods=["GET"]))
        save = savers.get(resource.type) or generic_saver(resource)
        destroy_ = destroyers.get(resource.type) or generic_destroyer(resource)
        base = f"/api/{resource.type}"
        uploader = (uploaders or {}).get(resource.type)
        collection = collection_endpoint(resource, save, uploader, resource.type in waits)
        routes.append(ResourceRoute(base, collection, methods=["GET", "POST"]))
        item = item_endpoint(resource, save, destroy_)
        routes.append(ResourceRoute(base + "/{id}", item, methods=["GET", "PATCH", "DELETE"]))
        for name in resource.relationships:
            routes.append(
                ResourceRoute(
                    f"{base}/{{id}}/relationships/{name}",
                    relationship_endpoint(resource, name, save),
                    methods=["GET", "PATCH", "POST", "DELETE"],
                )
            )
            routes.append(
                ResourceRoute(
                    f"{base}/{{id}}/{name}", related_endpoint(resource, name), methods=["GET"]
                )
            )
    # Shallow paths first (lists, then records, then relationships): the router tries routes
    # in order, and no two paths of different depths match the same URL. The sort is stable,
    # so routes of one depth keep their order (a type's history before its relationships).
    routes.sort(key=lambda route: route.path.count("/"))
    return routes


__all__ = ["fixed_relationship_reason", "read_only_reason", "resource_routes"]
