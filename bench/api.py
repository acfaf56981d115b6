"""API read benchmark: Bulkport against a raw Starlette baseline serving the same bytes.

Run by hand (not a test) on PostgreSQL:

    python bench/api.py [--skus 10000] [--duration 10] [--connections 16] [--client auto]

It recreates the schema of the database in BULKPORT_BENCH_DATABASE_URL (default
postgresql+psycopg://root@127.0.0.1:5432/bench, created through the `test` database when missing),
seeds one organization with SKUs and two prices each, then serves

- the real application (``create_app`` under uvicorn), and
- a bare Starlette app whose one route returns the real server's page-1 response, pre-rendered,

each in its own uvicorn process on 127.0.0.1, and loads both with the same client for the same
time: ``GET /api/skus?page[size]=25&include=prices`` with ``page[number]`` cycling over every
page. It prints requests/s, p50 and p99 latency for both and their ratio. Client (wrk when
installed, else an httpx thread pool), servers and PostgreSQL share this machine's CPUs, so
compare the ratio, not the absolute figures, across machines.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import httpx2 as httpx
import psycopg
from psycopg import sql
from sqlalchemy.engine import Engine, make_url

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run as a script from anywhere: `app` and `resources` importable

from app.migrate import upgrade  # noqa: E402
from app.provisioning import create_organization  # noqa: E402
from core.db import make_engine, utcnow  # noqa: E402
from core.settings import Settings  # noqa: E402
from core.tenancy import Scope  # noqa: E402
from resources import REGISTRY  # noqa: E402

DEFAULT_URL = "postgresql+psycopg://root@127.0.0.1:5432/bench"
MEDIA = "application/vnd.api+json"
PAGE_SIZE = 25
PATH = f"/api/skus?page%5Bsize%5D={PAGE_SIZE}&include=prices&page%5Bnumber%5D="
START_TIMEOUT = 60  # seconds for a server to answer after it was started
CHUNK = 5000  # rows per INSERT batch while seeding


# -- database -------------------------------------------------------------------------------
def _libpq(url: str, database: str | None = None) -> str:
    """A SQLAlchemy URL as a libpq connection string (optionally for another database)."""
    parsed = make_url(url).set(drivername="postgresql")
    if database:
        parsed = parsed.set(database=database)
    return parsed.render_as_string(hide_password=False)


def recreate_database(url: str) -> None:
    name = make_url(url).database
    with psycopg.connect(_libpq(url, "test"), autocommit=True, connect_timeout=5) as admin:
        if not admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    with psycopg.connect(_libpq(url), autocommit=True, connect_timeout=5) as conn:
        conn.execute("DROP SCHEMA IF EXISTS public CASCADE")
        conn.execute("CREATE SCHEMA public")


def _rows(table, values: dict) -> dict:
    """One full row for ``table``: every declared column, ``values`` over NULL."""
    row = {c.name: None for c in table.columns if c.name != "organization_id"}
    return {**row, **values}


def seed(engine: Engine, skus: int) -> tuple[str, str]:
    """One organization with ``skus`` SKUs and two prices each; returns its client credentials."""
    created = create_organization(engine, "bench", "Bench")
    org_id = created["organization"]["id"]
    sku_t, price_t = REGISTRY["skus"].table, REGISTRY["prices"].table
    lists_t, categories_t = REGISTRY["price_lists"].table, REGISTRY["shipping_categories"].table
    start = utcnow() - timedelta(days=1)
    stamp = {"created_at": start, "updated_at": start, "metadata": {}}
    category = _rows(categories_t, {**stamp, "id": "BenchShipC", "name": "Merchandise"})
    lists = [
        _rows(
            lists_t,
            {
                **stamp,
                "id": f"BenchList{n}",
                "name": f"{cur} list",
                "code": cur,
                "currency_code": cur,
                "tax_included": True,
            },
        )
        for n, cur in enumerate(("USD", "EUR"))
    ]
    sku_rows, price_rows = [], []
    for i in range(skus):
        at = start + timedelta(milliseconds=i)  # distinct created_at: the default sort
        code = f"TSHIRT{i:06d}"
        sku_rows.append(
            _rows(
                sku_t,
                {
                    "id": f"S{i:09d}",
                    "created_at": at,
                    "updated_at": at,
                    "metadata": {"n": i},
                    "code": code,
                    "name": f"T-shirt {i}",
                    "description": "Black cotton T-shirt",
                    "pieces_per_pack": 1,
                    "weight": 180.0,
                    "unit_of_weight": "gr",
                    "do_not_ship": False,
                    "do_not_track": False,
                    "shipping_category_id": "BenchShipC",
                },
            )
        )
        for n, price_list in enumerate(lists):
            values = {
                "id": f"P{2 * i + n:09d}",
                "created_at": at,
                "updated_at": at,
                "metadata": {},
                "amount_cents": 1000 + i,
                "compare_at_amount_cents": 1500 + i,
                "price_list_id": price_list["id"],
                "sku_id": f"S{i:09d}",
                # Code columns, in case the declaration stores them beside the ids.
                "price_list_code": price_list["code"],
                "sku_code": code,
            }
            price_rows.append(_rows(price_t, {k: v for k, v in values.items() if k in price_t.c}))
    with engine.begin() as conn:
        scope = Scope(conn, org_id)
        scope.insert(categories_t, [category])
        scope.insert(lists_t, lists)
        for table, rows in ((sku_t, sku_rows), (price_t, price_rows)):
            for offset in range(0, len(rows), CHUNK):
                scope.insert(table, rows[offset : offset + CHUNK])
    # Outside a transaction: an ANALYZE that is rolled back leaves no statistics, and the plans
    # (a sort of the whole organization per page) would not be those of a server whose
    # autovacuum has seen the inserts. VACUUM sets the visibility map, as autovacuum would.
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("VACUUM ANALYZE")
    application = created["application"]
    return application["client_id"], application["client_secret"]


# -- servers --------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def server(name: str, args: list[str], env: dict[str, str], port: int) -> Iterator[str]:
    """Runs a uvicorn process until the block ends; yields its base URL once it answers."""
    log = tempfile.TemporaryFile()
    proc = subprocess.Popen(
        [sys.executable, *args],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if proc.poll() is not None or time.monotonic() > deadline:
                log.seek(0)
                output = log.read().decode(errors="replace")[-3000:]
                raise SystemExit(f"{name} did not start (exit {proc.returncode}):\n{output}")
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                time.sleep(0.2)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


def uvicorn_args(port: int, *target: str) -> list[str]:
    return [
        "-m",
        "uvicorn",
        *target,
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--no-access-log",
        "--log-level",
        "warning",
    ]


def serve_baseline(body_file: str, content_type: str, port: int) -> None:
    """The raw baseline: one Starlette route answering with the pre-rendered bytes."""
    import uvicorn
    from starlette.applications import Starlette
    from starlette.responses import Response
    from starlette.routing import Route

    body = Path(body_file).read_bytes()

    async def skus(_request):
        return Response(body, media_type=content_type)

    app = Starlette(routes=[Route("/api/skus", skus)])
    uvicorn.run(app, host="127.0.0.1", port=port, access_log=False, log_level="warning")


# -- load -----------------------------------------------------------------------------------
@dataclass
class Result:
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    failures: int

    @property
    def rps(self) -> float:
        return self.requests / self.seconds


WRK_SCRIPT = """
local counter = 0
function setup(thread)
  thread:set("first", counter * 7919)
  counter = counter + 1
end
function init(args) n = first or 0 end
request = function()
  n = n + 1
  return wrk.format("GET", "%s" .. (n %% %d + 1))
end
"""
WRK_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def _wrk_ms(output: str, percentile: str) -> float:
    match = re.search(rf"^\s*{percentile}%\s+([\d.]+)(us|ms|s)\s*$", output, re.M)
    if not match:
        raise SystemExit(f"cannot read the {percentile}% latency from wrk:\n{output}")
    return float(match.group(1)) * WRK_UNITS[match.group(2)]


def load_wrk(base: str, headers: dict, pages: int, seconds: float, connections: int) -> Result:
    with tempfile.NamedTemporaryFile("w", suffix=".lua") as script:
        script.write(WRK_SCRIPT % (PATH, pages))
        script.flush()
        options = f"-t 2 -c {connections} -d {seconds:g}s --latency --timeout 10s -s {script.name}"
        command = ["wrk", *options.split()]
        for name, value in headers.items():
            command += ["-H", f"{name}: {value}"]
        output = subprocess.run(
            [*command, base], capture_output=True, text=True, timeout=seconds + 60, check=True
        ).stdout
    done = re.search(r"(\d+) requests in ([\d.]+)(ms|s|m)", output)
    if not done:
        raise SystemExit(f"cannot read wrk's output:\n{output}")
    took = float(done.group(2)) * {"ms": 0.001, "s": 1.0, "m": 60.0}[done.group(3)]
    # "Non-2xx or 3xx responses: N" and "Socket errors: connect N, read N, write N, timeout N"
    problems = re.findall(r"^\s*(?:Non-2xx or 3xx responses|Socket errors):(.*)$", output, re.M)
    failures = sum(int(n) for line in problems for n in re.findall(r"\d+", line))
    return Result(int(done.group(1)), took, _wrk_ms(output, "50"), _wrk_ms(output, "99"), failures)


def load_httpx(base: str, headers: dict, pages: int, seconds: float, connections: int) -> Result:
    latencies: list[float] = []
    failures = [0]
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds

    def worker(first: int) -> None:
        mine, bad, n = [], 0, first
        with httpx.Client(base_url=base, headers=headers, timeout=10) as client:
            while time.perf_counter() < deadline:
                n += 1
                began = time.perf_counter()
                response = client.get(f"{PATH}{n % pages + 1}")
                mine.append((time.perf_counter() - began) * 1000)
                bad += response.status_code != 200
        with lock:
            latencies.extend(mine)
            failures[0] += bad

    began = time.perf_counter()
    threads = [threading.Thread(target=worker, args=(i * 7919,)) for i in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    took = time.perf_counter() - began
    cuts = statistics.quantiles(latencies, n=100)
    return Result(len(latencies), took, cuts[49], cuts[98], failures[0])


# -- main -----------------------------------------------------------------------------------
def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skus", type=int, default=10_000)
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per server")
    parser.add_argument("--warmup", type=float, default=2.0, help="seconds per server, untimed")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--client", choices=("auto", "wrk", "httpx"), default="auto")
    parser.add_argument(
        "--serve-baseline", nargs=3, metavar=("BODY", "TYPE", "PORT"), help=argparse.SUPPRESS
    )
    return parser.parse_args()


def main() -> int:
    args = parse_args()
    if args.serve_baseline:
        body, content_type, port = args.serve_baseline
        serve_baseline(body, content_type, int(port))
        return 0
    client = args.client
    if client == "auto":
        client = "wrk" if shutil.which("wrk") else "httpx"
    load: Callable[..., Result] = load_wrk if client == "wrk" else load_httpx

    url = os.environ.get("BULKPORT_BENCH_DATABASE_URL", DEFAULT_URL)
    recreate_database(url)
    with tempfile.TemporaryDirectory(prefix="bulkport-bench-") as data_dir:
        env = {**os.environ, "BULKPORT_DATABASE_URL": url, "BULKPORT_DATA_DIR": data_dir}
        env["BULKPORT_RATE_LIMITS"] = "off"  # one token sends thousands of requests a second
        env.pop("BULKPORT_PUBLIC_URL", None)
        upgrade(Settings.from_env(env))
        engine = make_engine(url)
        began = time.perf_counter()
        credentials = seed(engine, args.skus)
        seeded = time.perf_counter() - began
        engine.dispose()
        first, results = measure(args, load, env, credentials, Path(data_dir))
    report(args, client, url, seeded, first, results)
    real, raw = results["bulkport"], results["raw starlette"]
    return 1 if real.failures or raw.failures else 0


def measure(
    args: argparse.Namespace,
    load: Callable[..., Result],
    env: dict[str, str],
    credentials: tuple[str, str],
    data_dir: Path,
) -> tuple[httpx.Response, dict[str, Result]]:
    """Loads the real server, then the baseline serving its page 1; returns both results."""
    pages = -(-args.skus // PAGE_SIZE)
    results: dict[str, Result] = {}
    port = free_port()
    with server(
        "bulkport", uvicorn_args(port, "--factory", "app.main:create_app"), env, port
    ) as base:
        client_id, secret = credentials
        grant = {
            "grant_type": "client_credentials",
            "client_id": client_id,
            "client_secret": secret,
        }
        token = httpx.post(f"{base}/oauth/token", json=grant, timeout=30)
        token.raise_for_status()
        headers = {"Accept": MEDIA, "Authorization": f"Bearer {token.json()['access_token']}"}
        first = httpx.get(f"{base}{PATH}1", headers=headers, timeout=30)
        first.raise_for_status()
        body_file = data_dir / "page1.json"
        body_file.write_bytes(first.content)
        if args.warmup:
            load(base, headers, pages, args.warmup, args.connections)
        results["bulkport"] = load(base, headers, pages, args.duration, args.connections)

    port = free_port()
    baseline = [__file__, "--serve-baseline", str(body_file), first.headers["content-type"]]
    with server("raw starlette", [*baseline, str(port)], env, port) as base:
        same = httpx.get(f"{base}{PATH}1", headers=headers, timeout=30)
        if same.content != first.content:
            raise SystemExit("the baseline does not serve the real response's bytes")
        if args.warmup:
            load(base, headers, pages, args.warmup, args.connections)
        results["raw starlette"] = load(base, headers, pages, args.duration, args.connections)
    return first, results


def report(
    args: argparse.Namespace,
    client: str,
    url: str,
    seeded: float,
    first: httpx.Response,
    results: dict[str, Result],
) -> None:
    pages = -(-args.skus // PAGE_SIZE)
    print(f"GET /api/skus?page[size]={PAGE_SIZE}&include=prices, page[number] over 1..{pages}")
    print(
        f"database {make_url(url).render_as_string()}: {args.skus:,} SKUs, "
        f"{2 * args.skus:,} prices, seeded in {seeded:.1f} s"
    )
    print(
        f"client {client}, {args.connections} connections, {args.duration:g} s per server "
        f"after {args.warmup:g} s warm-up; response {len(first.content):,} bytes; "
        f"{os.cpu_count()} CPUs shared by client, server and PostgreSQL"
    )
    print(f"{'':15}{'requests':>10}{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}{'failed':>8}")
    for name, r in results.items():
        print(
            f"{name:15}{r.requests:>10}{r.rps:>10.1f}{r.p50_ms:>10.2f}{r.p99_ms:>10.2f}"
            f"{r.failures:>8}"
        )
    real, raw = results["bulkport"], results["raw starlette"]
    print(
        f"ratio raw/bulkport: req/s {raw.rps / real.rps:.1f}x; bulkport/raw: "
        f"p50 {real.p50_ms / raw.p50_ms:.1f}x, p99 {real.p99_ms / raw.p99_ms:.1f}x"
    )


if __name__ == "__main__":
    sys.exit(main())
