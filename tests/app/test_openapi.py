"""The API reference: `/api/openapi.json` is valid OpenAPI 3.1, lists every route the app serves
(and none it does not), says what the server really does, and `/docs` renders it from files the
server itself serves."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import re
from collections.abc import Iterator
from html.parser import HTMLParser
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate
from referencing import Registry
from referencing import Resource as SchemaResource
from referencing.jsonschema import DRAFT202012
from starlette.applications import Starlette
from starlette.routing import Mount, Route

from app.access_log import LOGGER
from app.openapi.document import build
from app.openapi.paths import Wiring
from resources import REGISTRY, checked_choices, cleanable_types, importable_types
from tests.support.api import MEDIA, Org, client_of, make_org, open_app
from tests.support.documents import document as request_document
from tests.support.services import database_url, make_settings
from tests.support.world import RECIPES, build_world, writable_relationships

# Routes the document does not list, each for a reason: they are for browsers, not API clients.
NOT_API = {
    "/docs",  # the HTML page rendering the document
    "/docs/static",  # Swagger UI's JavaScript and CSS, served from the package
}
METHODS = {"get", "post", "patch", "put", "delete"}


@dataclasses.dataclass
class Served:
    app: Starlette
    org: Org
    records: dict[str, dict]  # a record of every type, in the organization
    document: dict[str, Any]  # the document the app serves


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def served(request, tmp_path_factory, jwt_pem) -> Iterator[Served]:
    """An app per backend with an organization holding a record of every type, and the
    document the app serves."""
    folder = tmp_path_factory.mktemp(f"openapi-{request.param}")
    settings = make_settings(folder, database_url(request, request.param, folder), jwt_pem)
    with open_app(settings) as app:
        org = make_org(app, "acme")
        records = build_world(org.api, "a")
        response = client_of(app).get("/api/openapi.json")  # no token: the reference is public
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].startswith("application/json")
        assert response.headers["content-encoding"] == "gzip"  # 1.2 MB, some 50 kB gzipped
        assert int(response.headers["content-length"]) < 100_000
        yield Served(app, org, records, response.json())


@pytest.fixture(scope="module")
def document(served) -> dict[str, Any]:
    return served.document


def _validator(document: dict[str, Any], *pointer: str) -> Draft202012Validator:
    """A validator of the schema at ``pointer`` in the document (its refs resolved in it)."""
    resource = SchemaResource.from_contents(document, default_specification=DRAFT202012)
    registry = Registry().with_resource("urn:bulkport-openapi", resource)
    escaped = "/".join(part.replace("~", "~0").replace("/", "~1") for part in pointer)
    return Draft202012Validator({"$ref": f"urn:bulkport-openapi#/{escaped}"}, registry=registry)


def schema_of(document: dict[str, Any], name: str) -> Draft202012Validator:
    """A validator of the document's component schema ``name``."""
    return _validator(document, "components", "schemas", name)


def assert_fits(document: dict[str, Any], name: str, instance: Any) -> None:
    problems = [e.message for e in schema_of(document, name).iter_errors(instance)]
    assert problems == [], f"{name}: {problems[:5]}"


def assert_answer_fits(document: dict[str, Any], path: str, method: str, response) -> None:
    """``response`` is what the document says ``method`` ``path`` answers with its status."""
    where = ["paths", path, method, "responses", str(response.status_code)]
    answer = document["paths"][path][method]["responses"][str(response.status_code)]
    if "$ref" in answer:
        name = answer["$ref"].rsplit("/", 1)[1]
        where, answer = ["components", "responses", name], document["components"]["responses"][name]
    (media_type,) = answer["content"]
    assert response.headers["content-type"].split(";")[0] == media_type
    validator = _validator(document, *where, "content", media_type, "schema")
    problems = [e.message for e in validator.iter_errors(response.json())]
    assert problems == [], f"{method.upper()} {path} {response.status_code}: {problems[:5]}"


def walk(routes, prefix: str = ""):
    """(path as OpenAPI writes it, methods) of every route the app serves, mounts included."""
    for route in routes:
        if isinstance(route, Mount):
            if route.routes:
                yield from walk(route.routes, prefix + route.path)
            else:
                yield prefix + route.path, {"get"}
        elif isinstance(route, Route):
            path = re.sub(r"{(\w+):\w+}", r"{\1}", prefix + route.path)
            yield path, {m.lower() for m in route.methods or ()} - {"head"}
        else:
            raise AssertionError(f"{route!r}: teach this walk this kind of route")


VALIDATED: set[str] = set()  # digests of the documents validated by this process


def test_the_document_is_valid_openapi_3_1(document):
    """openapi-spec-validator's whole check (every schema against the 3.1 dialect, every
    reference resolved): some 5 seconds for the ~1,000 operations, so once per process for
    one document (the backends' are the same)."""
    assert document["openapi"] == "3.1.0"
    digest = hashlib.sha256(json.dumps(document, sort_keys=True).encode()).hexdigest()
    if digest not in VALIDATED:
        validate(document)
        VALIDATED.add(digest)


def test_every_route_the_app_serves_is_in_the_document(served, document):
    app = served.app
    missing = []
    for path, methods in walk(app.routes):
        if path in NOT_API:
            continue
        listed = set(document["paths"].get(path, {})) & METHODS
        missing += [f"{m.upper()} {path}" for m in sorted(methods - listed)]
    assert missing == []
    assert {path for path, _ in walk(app.routes)} >= NOT_API  # the allow-list is not stale


def test_the_document_lists_no_route_the_app_does_not_serve(served, document):
    served_methods: dict[str, set[str]] = {}
    for path, methods in walk(served.app.routes):
        served_methods.setdefault(path, set()).update(methods)
    extra = [
        f"{method.upper()} {path}"
        for path, item in document["paths"].items()
        for method in set(item) & METHODS
        if method not in served_methods.get(path, set())
    ]
    assert extra == []


def test_types_are_described_from_their_declarations(document):
    schemas = document["components"]["schemas"]
    create = schemas["skus.create"]["properties"]["data"]["properties"]["attributes"]
    assert "code" in create["required"] and "name" in create["required"]
    assert create["properties"]["unit_of_weight"]["enum"] == ["gr", "lb", "oz", None]
    assert "created_at" not in create["properties"]  # not writable
    shown = schemas["skus"]["properties"]["attributes"]["properties"]
    assert shown["created_at"]["readOnly"] is True
    assert shown["created_at"]["type"] == ["string", "null"]
    assert shown["created_at"]["format"] == "date-time"
    relationships = schemas["skus"]["properties"]["relationships"]["properties"]
    assert relationships["shipping_category"] == {"$ref": "#/components/schemas/to_one"}
    assert relationships["prices"] == {"$ref": "#/components/schemas/to_many"}
    # a job's trigger is sent in updates only, and never shown
    update = schemas["imports.update"]["properties"]["data"]["properties"]["attributes"]
    assert update["properties"]["_interrupt"]["type"] == ["boolean", "null"]
    assert (
        "_interrupt"
        not in schemas["imports.create"]["properties"]["data"]["properties"]["attributes"][
            "properties"
        ]
    )
    assert "_interrupt" not in schemas["imports"]["properties"]["attributes"]["properties"]


def test_list_parameters_name_filters_sorts_and_includes(document):
    parameters = document["components"]["parameters"]
    patterns = document["components"]["schemas"]["skus.filters"]["patternProperties"]

    def is_filter(name: str) -> bool:
        return any(re.fullmatch(pattern, name) for pattern in patterns)

    assert is_filter("code_start") and is_filter("code_in_any") and is_filter("do_not_ship_true")
    assert not is_filter("weight_start")  # a text predicate on a number: refused (400)
    assert not is_filter("metadata_eq")  # objects take jcont, null and not_null
    assert parameters["skus.filter"]["name"] == "filter"
    assert "filter[q][<attribute>_<predicate>]" in parameters["skus.filter"]["description"]
    assert {"code", "-code", "id"} <= set(parameters["skus.sort"]["schema"]["items"]["enum"])
    assert "metadata" not in parameters["skus.sort"]["schema"]["items"]["enum"]
    include = parameters["skus.include"]["schema"]["items"]["anyOf"][0]["enum"]
    assert {"shipping_category", "prices", "tags"} <= set(include)
    assert parameters["page_size"]["schema"]["maximum"] == 25
    listing = document["paths"]["/api/skus"]["get"]["parameters"]
    assert {"$ref": "#/components/parameters/skus.filter"} in listing


def test_jobs_document_their_headers_uploads_and_types(document):
    create = document["paths"]["/api/imports"]["post"]
    parameters = [p["$ref"].rsplit("/", 1)[1] for p in create["parameters"]]
    assert "idempotency_key" in parameters and "prefer" in parameters
    idempotency = document["components"]["parameters"]["idempotency_key"]
    assert (idempotency["name"], idempotency["in"]) == ("Idempotency-Key", "header")
    body = create["requestBody"]["content"]
    assert set(body) == {MEDIA, "multipart/form-data"}
    form = document["components"]["schemas"]["imports.form"]
    assert "file" in form["required"] and form["properties"]["file"]["format"] == "binary"
    attributes = document["components"]["schemas"]["imports.create"]["properties"]["data"][
        "properties"
    ]["attributes"]["properties"]
    assert attributes["resource_type"]["enum"] == importable_types()
    assert attributes["format"]["enum"] == ["json", "csv", None]
    created = document["components"]["responses"]["imports.created"]["headers"]
    assert {"Location", "Idempotent-Replayed", "Preference-Applied", "X-Request-Id"} <= set(created)
    assert "X-Ratelimit-Remaining" in created
    # a type that is no job takes neither
    skus = document["paths"]["/api/skus"]["post"]["parameters"]
    assert not any(p["$ref"].endswith(("idempotency_key", "prefer")) for p in skus)


def test_oauth2_client_credentials_is_the_security_scheme(document):
    scheme = document["components"]["securitySchemes"]["oauth2"]
    assert scheme["flows"]["clientCredentials"]["tokenUrl"] == "/oauth/token"
    assert document["security"] == [{"oauth2": []}]
    assert document["paths"]["/oauth/token"]["post"]["security"] == []
    assert "/.well-known/jwks.json" in document["paths"]


@pytest.mark.parametrize(
    "job", ["imports", "exports", "cleanups", "import_analyses", "import_profiles"]
)
def test_the_documented_resource_types_are_those_the_server_accepts(served, document, job):
    org = served.org
    attributes = {"resource_type": "no_such_type", "inputs": [], "format": "json", "name": "n"}
    writable = REGISTRY[job].inputs
    body = {
        "data": {"type": job, "attributes": {k: v for k, v in attributes.items() if k in writable}}
    }
    response = org.api.post(f"/api/{job}", json=body)
    assert response.status_code == 422, response.text
    (error,) = [
        e for e in response.json()["errors"] if e["source"]["pointer"].endswith("/resource_type")
    ]
    documented = document["components"]["schemas"][f"{job}.create"]["properties"]["data"][
        "properties"
    ]["attributes"]["properties"]["resource_type"]["enum"]
    documented = [value for value in documented if value is not None]  # optional: may be null
    assert error["meta"]["allowed"] == documented
    assert documented == (cleanable_types() if job == "cleanups" else importable_types())


def test_real_documents_fit_the_documented_schemas(served, document):
    org = served.org
    category = org.api.post(
        "/api/shipping_categories",
        json={"data": {"type": "shipping_categories", "attributes": {"name": "Merch"}}},
    )
    body = {
        "data": {
            "type": "skus",
            "attributes": {"code": "TSHIRT-XL", "name": "T-shirt", "unit_of_weight": "gr"},
            "relationships": {
                "shipping_category": {
                    "data": {"type": "shipping_categories", "id": category.json()["data"]["id"]}
                }
            },
        }
    }
    assert_fits(document, "skus.create", body)
    created = org.api.post("/api/skus", json=body)
    assert created.status_code == 201, created.text
    assert_fits(document, "skus.document", created.json())
    listed = org.api.get("/api/skus?include=shipping_category,tags&filter[q][code_start]=TSHIRT")
    assert listed.status_code == 200 and listed.json()["meta"]["record_count"] == 1
    flat = org.api.get("/api/skus?filter[code_start]=TSHIRT")  # as Swagger UI sends a filter
    assert flat.status_code == 200 and flat.json()["meta"]["record_count"] == 1
    assert_fits(document, "skus.list", listed.json())
    invalid = org.api.post("/api/skus", json={"data": {"type": "skus", "attributes": {}}})
    assert invalid.status_code == 422
    assert_fits(document, "errors", invalid.json())
    client = client_of(served.app)
    for path in ("/api/import_types", "/api/import_types/skus", "/api/organization"):
        assert_answer_fits(document, path.replace("/skus", "/{type}"), "get", org.api.get(path))
    token = client.post("/oauth/token", json={"grant_type": "client_credentials",
                                              "client_id": org.client_id,
                                              "client_secret": org.client_secret})  # fmt: skip
    assert_answer_fits(document, "/oauth/token", "post", token)
    refused = client.post("/oauth/token", json={"grant_type": "client_credentials",
                                                "client_id": "nobody"})  # fmt: skip
    assert refused.status_code == 401
    assert_answer_fits(document, "/oauth/token", "post", refused)
    with pytest.raises(AssertionError):  # the schemas do refuse what the server refuses
        assert_fits(document, "skus.create", {"data": {"type": "skus", "attributes": {}}})
    unknown = {"data": {"type": "skus", "attributes": {**body["data"]["attributes"], "colour": 1}}}
    assert org.api.post("/api/skus", json=unknown).status_code == 400
    with pytest.raises(AssertionError):
        assert_fits(document, "skus.create", unknown)


class Assets(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.scripts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        url = found.get("src") if tag == "script" else found.get("href") if tag == "link" else None
        if url:
            self.urls.append(url)

    def handle_data(self, data: str) -> None:
        self.scripts.append(data)


def test_docs_render_the_document_from_files_the_server_serves(served):
    client = client_of(served.app)
    page = client.get("/docs")  # no token
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assets = Assets()
    assets.feed(page.text)
    assert len(assets.urls) >= 2
    assert "/api/openapi.json" in "".join(assets.scripts)
    for url in assets.urls:
        assert url.startswith("/docs/static/"), url  # the server's own, never a CDN
        asset = client.get(url)
        assert asset.status_code == 200, url
        assert asset.headers["content-type"].split(";")[0] in ("text/css", "text/javascript")
        assert len(asset.content) > 10_000
    assert "SwaggerUIBundle" in client.get("/docs/static/swagger-ui-bundle.js").text


def test_the_document_is_plain_json_for_clients_without_gzip(served, document):
    response = client_of(served.app).get(
        "/api/openapi.json", headers={"Accept-Encoding": "identity"}
    )
    assert "content-encoding" not in response.headers
    assert int(response.headers["content-length"]) > 500_000
    assert json.loads(response.content) == document


def test_the_access_log_names_swagger_ui_files_by_their_path(served, caplog):
    with caplog.at_level(logging.INFO, logger=LOGGER):
        client_of(served.app).get("/docs/static/swagger-ui.css")
    assert '"GET /docs/static/swagger-ui.css HTTP/1.1" 200' in caplog.text


def test_every_type_shows_as_its_schema_says(served, document):
    """A record of every type, as created and as read with every relationship included, fits
    the document's schemas: attribute types, nullability, enums and relationships are true."""
    org = served.org
    problems = []
    for type_, record in served.records.items():
        include = ",".join(REGISTRY[type_].relationships)
        query = f"?include={include}" if include else ""
        shown = org.api.get(f"/api/{type_}/{record['id']}{query}")
        listed = org.api.get(f"/api/{type_}{query}")
        assert shown.status_code == listed.status_code == 200, shown.text
        for name, instance in [
            (type_, record),
            (f"{type_}.document", shown.json()),
            (f"{type_}.list", listed.json()),
        ]:
            found = [e.message for e in schema_of(document, name).iter_errors(instance)]
            problems += [f"{name}: {message[-120:]}" for message in found]
        resource = REGISTRY[type_]
        if not resource.members:  # an umbrella's records show as their concrete types
            documented = document["components"]["schemas"][type_]["properties"]["attributes"]
            hidden = {n for n, a in resource.attributes.items() if a.hidden}
            if set(record["attributes"]) != set(documented["properties"]) - hidden:
                problems.append(f"{type_}: shows {sorted(record['attributes'])}")
    assert problems == [], "\n".join(problems)


def test_every_type_is_created_by_documents_its_schema_accepts(served, document):
    """The documents that created the records above (tests/support/world.py) fit each type's
    create schema: its required attributes, types and enums do not refuse what the server
    took."""
    records = served.records
    problems = []
    for type_, recipe in RECIPES.items():
        if callable(recipe):
            continue  # a recipe of its own (an upload, a job)
        attributes = {k: v.format(o="a") if isinstance(v, str) else v for k, v in recipe.items()}
        relationships = {
            rel.name: [records[rel.target_type]] if rel.many else records[rel.target_type]
            for rel in writable_relationships(type_)
        }
        body = request_document(type_, attributes, relationships)
        validator = schema_of(document, f"{type_}.create")
        problems += [f"{type_}: {e.message[-160:]}" for e in validator.iter_errors(body)]
    assert problems == [], "\n".join(problems)


def test_the_operations_documented_as_refused_are_refused(served, document):
    """Every operation the document says is always refused answers 403 on a real record."""
    org = served.org
    wrong = []
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if not operation["summary"].endswith("(always refused)"):
                continue
            type_ = path.split("/")[2]
            record = served.records[type_]
            url = path.replace("{id}", record["id"])
            if "/relationships/" in path:
                rel = REGISTRY[type_].relationships[path.rsplit("/", 1)[1]]
                body: Any = {"data": [] if rel.many else None}
            else:
                data = {"type": type_, "attributes": {"reference": "x"}}
                body = {"data": {**data, "id": record["id"]} if "{id}" in path else data}
            response = org.api.request(method.upper(), url, json=body)
            if response.status_code != 403:
                wrong.append(f"{method.upper()} {path}: {response.status_code}")
    assert wrong == []


def test_behind_a_public_url_the_server_and_token_url_are_absolute(served):
    app = served.app
    settings = dataclasses.replace(app.state.settings, public_url="https://shop.example/bulkport")
    built = build(REGISTRY, Wiring(), settings, app.routes, checked_choices())
    assert built["servers"] == [{"url": "https://shop.example/bulkport"}]
    flow = built["components"]["securitySchemes"]["oauth2"]["flows"]["clientCredentials"]
    assert flow["tokenUrl"] == "https://shop.example/bulkport/oauth/token"
