"""Rate limits like Commerce Layer's: per token and per organization for /api reads and writes,
per IP address for /oauth/token, failed client authentications per client_id; in memory, or in
Redis shared by several servers.

The rest of the suite runs with BULKPORT_RATE_LIMITS=off (tests/support/services.make_settings);
here they are on, with limits small enough to reach in a few requests. The limits do not touch
the database, so these tests run on SQLite only.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import replace

import pytest
import redis
from starlette.applications import Starlette

from app.provisioning import create_application
from app.ratelimit.limits import Counter, Window
from app.ratelimit.stores import FailoverStore, MemoryStore
from core.settings import Settings
from tests.support import jsonapi_schema
from tests.support.api import BASE_URL, ApiClient, CheckedClient, anonymous, make_org, token_client
from tests.support.api import open_app as open_app_on
from tests.support.services import delete_namespace, make_settings, sqlite_url

SKU_LIST = "/api/skus"
LIMITS = ("x-ratelimit-limit", "x-ratelimit-interval", "x-ratelimit-remaining")


def rate(response) -> tuple[int, int, int]:
    """(limit, interval, remaining) as the response's X-Ratelimit-* headers say."""
    limit, interval, remaining = (int(response.headers[name]) for name in LIMITS)
    return limit, interval, remaining


def error(response) -> dict:
    (only,) = response.json()["errors"]
    return only


def grant(client_id: str, secret: str | None) -> dict:
    return {"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret}


def token_endpoint(app: Starlette, address: str = "testclient") -> CheckedClient:
    """A plain client for /oauth/token: these tests send wrong secrets on purpose, and that
    endpoint's own 401s are not what they check (tests/app/auth does)."""
    return CheckedClient(app, base_url=BASE_URL, client=(address, 50000))


def oauth_refusal(response) -> dict:
    """The error of a 429 from /oauth/token: a JSON:API error document, served as JSON."""
    assert response.status_code == 429
    assert response.headers["content-type"] == "application/json"
    assert response.headers["cache-control"] == "no-store"
    assert jsonapi_schema.problems(response.json()) == []
    found = error(response)
    assert (found["code"], found["title"], found["status"]) == (
        "TOO_MANY_REQUESTS",
        "Too many requests",
        "429",
    )
    return found


def shipping_category(n: int) -> dict:
    return {"data": {"type": "shipping_categories", "attributes": {"name": f"Category {n}"}}}


@pytest.fixture
def limited_settings(tmp_path, sqlite_template, jwt_pem) -> Callable[..., Settings]:
    """limited_settings(READS="3/10", ...): SQLite settings with rate limits on, each keyword
    a BULKPORT_RATE_LIMIT_<keyword>, but REDIS_URL and REDIS_NAMESPACE (BULKPORT_REDIS_*)."""

    def build(**limits: str) -> Settings:
        env = {(k if k.startswith("REDIS") else f"RATE_LIMIT_{k}"): v for k, v in limits.items()}
        return make_settings(
            tmp_path,
            sqlite_url(sqlite_template, tmp_path),
            jwt_pem,
            BULKPORT_RATE_LIMITS="on",
            **{f"BULKPORT_{k}": v for k, v in env.items()},
        )

    return build


@pytest.fixture
def open_app() -> Iterator[Callable[[Settings], Starlette]]:
    """open_app(settings): an app closed at the end of the test (several may share settings)."""
    with ExitStack() as stack:
        yield lambda settings: stack.enter_context(open_app_on(settings))


@pytest.fixture
def limited(limited_settings, open_app) -> Callable[..., Starlette]:
    """limited(READS="3/10", ...): an app with rate limits on (see ``limited_settings``)."""
    return lambda **limits: open_app(limited_settings(**limits))


# -- /api --------------------------------------------------------------------------------------


def test_a_burst_past_the_limit_is_refused_with_429_headers_and_an_error_document(limited):
    app = limited(READS="100/60,3/10")
    api = make_org(app, "acme").api
    assert [api.get(SKU_LIST).status_code for _ in range(3)] == [200, 200, 200]

    refused = api.get(SKU_LIST)  # ApiClient checks the document against the JSON:API schema
    assert refused.status_code == 429
    assert refused.headers["content-type"] == "application/vnd.api+json"
    assert rate(refused) == (3, 10, 0)
    assert "x-ratelimit-reset" not in refused.headers  # Commerce Layer sends none
    retry = int(refused.headers["retry-after"])
    assert 1 <= retry <= 10
    assert error(refused) == {
        "code": "TOO_MANY_REQUESTS",
        "title": "Too many requests",
        "status": "429",
        "detail": "Rate limit reached: 3 reads per 10 seconds for this access token; "
        f"retry after {retry} seconds.",
    }
    assert api.get(SKU_LIST).status_code == 429  # until the window slides


def test_a_refused_client_is_served_again_once_the_window_slides(limited):
    app = limited(READS="2/2")
    api = make_org(app, "acme").api
    responses = [api.get(SKU_LIST) for _ in range(3)]
    assert [r.status_code for r in responses] == [200, 200, 429]
    time.sleep(int(responses[-1].headers["retry-after"]))  # 2 s at most
    assert api.get(SKU_LIST).status_code == 200


def test_responses_carry_the_window_closest_to_running_out(limited):
    app = limited(READS="3/60,5/10")
    api = make_org(app, "acme").api
    # 3 per minute runs out before 5 per 10 seconds does: the headers show the minute's.
    assert [rate(api.get(SKU_LIST)) for _ in range(3)] == [(3, 60, 2), (3, 60, 1), (3, 60, 0)]
    # Paths other than /api and /oauth/token are not limited.
    assert "x-ratelimit-limit" not in api.client.get("/.well-known/jwks.json").headers


def test_errors_before_the_limit_carry_the_headers_too(limited):
    app = limited(READS="5/10")
    api = make_org(app, "acme").api
    missing = api.get("/api/skus/nope")
    assert missing.status_code == 404
    assert rate(missing) == (5, 10, 4)


def test_reads_and_writes_are_counted_separately(limited):
    app = limited(READS="2/10", WRITES="3/10")
    api = make_org(app, "acme").api
    assert [api.get(SKU_LIST).status_code for _ in range(3)] == [200, 200, 429]

    created = api.post("/api/shipping_categories", json=shipping_category(1))
    assert created.status_code == 201
    assert rate(created) == (3, 10, 2)  # no read counts against writes
    assert api.post("/api/shipping_categories", json=shipping_category(2)).status_code == 201
    assert api.post("/api/shipping_categories", json=shipping_category(3)).status_code == 201
    refused = api.post("/api/shipping_categories", json=shipping_category(4))
    assert refused.status_code == 429
    assert error(refused)["detail"].startswith(
        "Rate limit reached: 3 writes per 10 seconds for this access token"
    )


def test_tokens_of_one_organization_share_the_organization_limit(limited):
    app = limited(READS="2/60", ORGANIZATION_FACTOR="2")  # an organization: 4 per minute
    acme = make_org(app, "acme")
    application = {"client_id": acme.client_id, "client_secret": acme.client_secret}
    first, second, third = acme.api, token_client(app, application), token_client(app, application)

    assert [first.get(SKU_LIST).status_code for _ in range(3)] == [200, 200, 429]
    assert "for this access token" in error(first.get(SKU_LIST))["detail"]
    # Another token has its own 2 (the headers show whichever count is closer to running
    # out), until the organization's 4 are used up.
    assert [rate(second.get(SKU_LIST)) for _ in range(2)] == [(4, 60, 1), (2, 60, 0)]
    refused = third.get(SKU_LIST)
    assert refused.status_code == 429
    assert rate(refused)[:2] == (4, 60)
    assert error(refused)["detail"].startswith(
        "Rate limit reached: 4 reads per 60 seconds for this organization"
    )
    # Other organizations are not affected.
    assert make_org(app, "globex").api.get(SKU_LIST).status_code == 200


def test_requests_without_a_valid_token_are_counted_per_ip_address(limited):
    app = limited(READS="2/10")
    forged = ApiClient(anonymous(app).client, "not-a-token")
    assert [anonymous(app).get(SKU_LIST).status_code for _ in range(2)] == [401, 401]
    refused = forged.get(SKU_LIST)  # an invalid token is no way round the limit
    assert refused.status_code == 429
    assert "from this IP address without a valid access token" in error(refused)["detail"]
    # A valid token has its own count.
    assert make_org(app, "acme").api.get(SKU_LIST).status_code == 200


# -- /oauth/token --------------------------------------------------------------------------------


def test_token_requests_are_limited_per_ip_address(limited):
    app = limited(OAUTH="3/60")
    acme = make_org(app, "acme")  # the first token request
    client = token_endpoint(app)
    ok = client.post("/oauth/token", json=grant(acme.client_id, acme.client_secret))
    assert ok.status_code == 200
    assert rate(ok) == (3, 60, 1)
    assert client.post("/oauth/token", json=grant(acme.client_id, "wrong")).status_code == 401

    refused = client.post("/oauth/token", json=grant(acme.client_id, acme.client_secret))
    assert oauth_refusal(refused)["detail"].startswith(
        "Rate limit reached: 3 token requests per 60 seconds from this IP address"
    )
    assert rate(refused) == (3, 60, 0)
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    # Another address is counted on its own.
    elsewhere = token_endpoint(app, "203.0.113.7")
    answer = elsewhere.post("/oauth/token", json=grant(acme.client_id, acme.client_secret))
    assert answer.status_code == 200
    assert rate(answer) == (3, 60, 2)


def test_wrong_secrets_lock_the_client_id_until_the_window_slides(limited):
    app = limited(FAILED_AUTH="3/2")
    acme, globex = make_org(app, "acme"), make_org(app, "globex")
    client = token_endpoint(app)
    wrong = [
        client.post("/oauth/token", json=grant(acme.client_id, f"guess-{n}")) for n in range(3)
    ]
    assert [r.status_code for r in wrong] == [401, 401, 401]

    # The right secret is refused now, in any body the endpoint reads (JSON, form, Basic).
    right = grant(acme.client_id, acme.client_secret)
    refused = client.post("/oauth/token", json=right)
    assert oauth_refusal(refused)["detail"].startswith(
        "Rate limit reached: 3 failed client authentications per 2 seconds for this client_id"
    )
    assert rate(refused) == (3, 2, 0)
    assert client.post("/oauth/token", data=right).status_code == 429
    basic = client.post(
        "/oauth/token",
        data={"grant_type": "client_credentials"},
        auth=(acme.client_id, acme.client_secret),
    )
    assert basic.status_code == 429
    # Other clients are not locked, and successes do not count as failures.
    assert client.post(
        "/oauth/token", json=grant(globex.client_id, globex.client_secret)
    ).is_success

    time.sleep(int(refused.headers["retry-after"]))
    assert client.post("/oauth/token", json=right).status_code == 200


def test_unknown_client_ids_are_throttled_too(limited):
    app = limited(FAILED_AUTH="2/60")
    client = token_endpoint(app)
    statuses = [
        client.post("/oauth/token", json=grant("nobody", "x")).status_code for _ in range(3)
    ]
    assert statuses == [401, 401, 429]


def test_sales_channels_without_secrets_are_not_counted_as_failures(limited):
    app = limited(FAILED_AUTH="1/60")
    make_org(app, "acme")
    channel = create_application(app.state.engine, "acme", "sales_channel")["application"]
    client = token_endpoint(app)
    for _ in range(2):
        assert client.post("/oauth/token", json=grant(channel["client_id"], None)).is_success


# -- settings ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("BULKPORT_RATE_LIMITS", "sometimes"),
        ("BULKPORT_RATE_LIMIT_READS", "1000"),
        ("BULKPORT_RATE_LIMIT_WRITES", "200/60,0/10"),
        ("BULKPORT_RATE_LIMIT_OAUTH", "30/minute"),
        ("BULKPORT_RATE_LIMIT_ORGANIZATION_FACTOR", "1.5"),
        ("BULKPORT_RATE_LIMIT_FAILED_AUTH", "-1/60"),
    ],
)
def test_a_malformed_setting_fails_at_startup_naming_the_variable(name, value):
    with pytest.raises(ValueError, match=f"^{name} must be"):
        Settings.from_env({name: value})


def test_the_defaults_are_commerce_layers():
    settings = Settings.from_env({})
    assert settings.rate_limits
    assert settings.rate_limit_reads == ((1000, 60), (250, 10))
    assert settings.rate_limit_writes == ((200, 60), (50, 10))
    assert settings.rate_limit_oauth == ((30, 60),)
    assert settings.rate_limit_organization_factor == 4
    assert settings.rate_limit_failed_auth == ((10, 60),)


def test_limits_off_means_no_headers_and_no_429(limited_settings, open_app):
    app = open_app(replace(limited_settings(READS="1/60"), rate_limits=False))
    api = make_org(app, "acme").api
    responses = [api.get(SKU_LIST) for _ in range(3)]
    assert [r.status_code for r in responses] == [200, 200, 200]
    assert "x-ratelimit-limit" not in responses[-1].headers


# -- memory --------------------------------------------------------------------------------------


def test_the_in_process_store_forgets_idle_counters_and_holds_at_most_max_keys():
    now = [1000.0]
    store = MemoryStore(max_keys=3, clock=lambda: now[0])

    def counter(n: int) -> Counter:
        return Counter(f"reads:token:{n}", (Window(2, 10),), "reads", "for this token")

    for n in range(4):
        store.hit([counter(n)], "acquire")
    assert len(store) == 4
    store.hit([counter(4)], "acquire")  # past max_keys: the least recently used went first
    assert len(store) == 4
    (usage,) = store.hit([counter(0)], "acquire")
    assert usage.used == 1  # counter 0 was forgotten: this is its first hit again
    now[0] += 11  # every counter idle for its whole window
    store.hit([counter(5)], "acquire")
    assert len(store) == 1
    (usage,) = store.hit([counter(5)], "acquire")
    assert (usage.used, usage.remaining) == (2, 0)
    (usage,) = store.hit([counter(5)], "acquire")
    assert usage.full and 0 < usage.retry_after <= 10


# -- Redis ---------------------------------------------------------------------------------------


@pytest.fixture
def redis_namespace(redis_url) -> Iterator[str]:
    namespace = f"bulkport-test-{uuid.uuid4().hex[:12]}"
    yield namespace
    delete_namespace(redis_url, namespace)


@pytest.mark.services
def test_servers_on_one_redis_share_the_counts(
    limited_settings, open_app, redis_url, redis_namespace
):
    settings = limited_settings(READS="3/10", REDIS_URL=redis_url, REDIS_NAMESPACE=redis_namespace)
    one, two = open_app(settings), open_app(settings)  # two servers, one database, one Redis
    api = make_org(one, "acme").api
    on_two = ApiClient(anonymous(two).client, api.token)

    assert rate(api.get(SKU_LIST)) == (3, 10, 2)
    assert rate(on_two.get(SKU_LIST)) == (3, 10, 1)
    assert rate(api.get(SKU_LIST)) == (3, 10, 0)
    assert on_two.get(SKU_LIST).status_code == 429

    client = redis.Redis.from_url(redis_url)
    try:
        # The counters live under the namespace, and expire once idle for their longest
        # window (a second more): the token's and the organization's reads, the token request.
        ttls = {
            key.decode().removeprefix(f"{redis_namespace}:ratelimit:").split(":")[1]: pttl
            for key in client.scan_iter(match=f"{redis_namespace}:ratelimit:*")
            if (pttl := client.pttl(key))
        }
        assert set(ttls) == {"token", "organization", "ip"}
        assert 9_000 < ttls["token"] <= 11_000
        assert 9_000 < ttls["organization"] <= 11_000
        assert 55_000 < ttls["ip"] <= 61_000  # /oauth/token: 30 per 60 s
    finally:
        client.close()


def test_an_unreachable_redis_falls_back_to_limits_in_memory(limited, caplog):
    caplog.set_level(logging.WARNING, logger="bulkport.ratelimit")
    app = limited(READS="2/10", REDIS_URL="redis://127.0.0.1:1/0")  # nothing listens on port 1
    api = make_org(app, "acme").api
    responses = [api.get(SKU_LIST) for _ in range(3)]
    assert [r.status_code for r in responses] == [200, 200, 429]  # no 500, limits still hold
    assert rate(responses[0]) == (2, 10, 1)
    warnings = [r for r in caplog.records if r.name == "bulkport.ratelimit"]
    assert len(warnings) == 1  # once per outage, not once per request
    assert "Redis does not answer" in warnings[0].getMessage()


class Flaky(MemoryStore):
    """A store that fails like an unreachable Redis while ``down``."""

    blocking = True

    def __init__(self, clock) -> None:
        super().__init__(clock=clock)
        self.down, self.calls = True, 0

    def hit(self, counters, mode):
        self.calls += 1
        if self.down:
            raise redis.ConnectionError("Connection refused")
        return super().hit(counters, mode)


def test_a_failed_redis_is_tried_again_every_few_seconds_and_used_once_it_answers(caplog):
    caplog.set_level(logging.WARNING, logger="bulkport.ratelimit")
    now = [0.0]
    primary = Flaky(clock=lambda: now[0])
    store = FailoverStore(primary, MemoryStore(clock=lambda: now[0]), 5, clock=lambda: now[0])
    counter = Counter("writes:token:t", (Window(50, 10),), "writes", "for this access token")

    for _ in range(3):
        (usage,) = store.hit([counter], "acquire")
    assert usage.used == 3  # counted in memory meanwhile
    assert primary.calls == 1  # tried once, not on every request
    now[0] = 5.0
    primary.down = False
    (usage,) = store.hit([counter], "acquire")
    assert primary.calls == 2 and usage.used == 1  # Redis again (it had not seen the others)
    messages = [r.getMessage() for r in caplog.records]
    assert len(messages) == 2
    assert "Redis does not answer" in messages[0] and "answers again" in messages[1]
