"""Import benchmark: POST-to-completed on PostgreSQL + Redis + one worker process, against the
database's own bulk upsert of the same rows, measured in the same run.

    python bench/imports.py [--items 10000] [--runs 3]

Cases: a 10,000-SKU JSON import and a 10,000-row prices CSV (5,000 prices with two tiers each),
each all-new, then all-changed, then the same file again (unchanged). Baseline of new and
changed: psycopg COPY of the same rows into a temporary table, then one INSERT ... SELECT ...
ON CONFLICT DO UPDATE (for prices, the same for their tiers); of unchanged: the COPY alone.
With --mapping every column is sent under another name (`Spalte code`) and the import
carries a `mapping` naming its attribute, to measure what mapping costs per item. With
--merge-mode replace every import is a replace (omitted attributes reset, tiers replaced).
Prints seconds (median of --runs), items/s, the ratio import/raw, and the worker's peak RSS
(VmHWM). Needs PostgreSQL (BULKPORT_BENCH_DATABASE_URL, default
postgresql+psycopg://root@127.0.0.1:5432/bench_imports) and Redis (BULKPORT_BENCH_REDIS_URL).
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import datetime
from pathlib import Path

import httpx2 as httpx
import psycopg
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.migrate import upgrade  # noqa: E402
from app.provisioning import create_organization  # noqa: E402
from core.db import new_id  # noqa: E402
from core.settings import Settings  # noqa: E402

DB_URL = os.environ.get(
    "BULKPORT_BENCH_DATABASE_URL", "postgresql+psycopg://root@127.0.0.1:5432/bench_imports"
)
REDIS_URL = os.environ.get("BULKPORT_BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
MEDIA = "application/vnd.api+json"


def reset_database(url: str) -> str:
    target = make_url(url)
    admin = target.set(database="test").render_as_string(hide_password=False)
    with psycopg.connect(admin.replace("+psycopg", ""), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{target.database}"')
    return url.replace("+psycopg", "")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def fresh_stack_env() -> dict[str, str]:
    """A reset bench database, a new Redis namespace and data folder, rate limits off (benches
    poll often): the settings of a Stack, with the schema migrated."""
    reset_database(DB_URL)
    env = {
        "BULKPORT_DATABASE_URL": DB_URL,
        "BULKPORT_REDIS_URL": REDIS_URL,
        "BULKPORT_REDIS_NAMESPACE": f"bench-{uuid.uuid4().hex[:8]}",
        "BULKPORT_DATA_DIR": tempfile.mkdtemp(prefix="bulkport-bench-"),
        "BULKPORT_RATE_LIMITS": "off",
    }
    upgrade(Settings.from_env(env))
    return env


class Stack:
    """`bulkport serve` and `bulkport worker` subprocesses sharing PostgreSQL and Redis."""

    def __init__(self, settings_env: dict[str, str]) -> None:
        self.env = {**os.environ, **settings_env}
        self.port = free_port()
        self.logs = tempfile.TemporaryDirectory()
        cli = [sys.executable, "-m", "app.cli"]
        self.server = self._spawn([*cli, "serve", "--port", str(self.port)], "server")
        self.worker = self._spawn([*cli, "worker", "--threads", "1"], "worker")
        self.base = f"http://127.0.0.1:{self.port}"
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                httpx.get(self.base + "/.well-known/jwks.json", timeout=1)
                return
            except httpx.HTTPError:
                time.sleep(0.2)
        raise RuntimeError("the server did not start; logs in " + self.logs.name)

    def _spawn(self, cmd: list[str], name: str) -> subprocess.Popen:
        log = open(Path(self.logs.name) / f"{name}.log", "w")  # noqa: SIM115
        return subprocess.Popen(cmd, env=self.env, cwd=ROOT, stdout=log, stderr=log)

    def stop(self) -> None:
        for proc in (self.server, self.worker):
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()


def token(base: str, client_id: str, secret: str) -> str:
    body = {"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret}
    return httpx.post(base + "/oauth/token", json=body).json()["access_token"]


def renamed(attributes: dict) -> dict:
    """The same import with every column renamed (`Spalte code`) and mapped back."""
    inputs = attributes["inputs"]
    if isinstance(inputs, str):
        head, _, rest = inputs.partition("\n")
        columns = head.split(",")
        inputs = ",".join(f"Spalte {c}" for c in columns) + "\n" + rest
    else:
        columns = list(inputs[0])
        inputs = [{f"Spalte {k}": v for k, v in item.items()} for item in inputs]
    return {**attributes, "inputs": inputs, "mapping": {f"Spalte {c}": c for c in columns}}


def run_import(
    client: httpx.Client, attributes: dict, mapping: bool = False, merge_mode: str | None = None
) -> tuple[float, dict]:
    """(seconds from POST to seeing it completed, its attributes); the attributes also get
    `_post` (seconds of the POST), `_queued` (created -> started) and `_run` (started ->
    completed), for the breakdown."""
    attributes = renamed(attributes) if mapping else attributes
    if merge_mode:
        attributes = {**attributes, "merge_mode": merge_mode}
    body = {"data": {"type": "imports", "attributes": attributes}}
    start = time.perf_counter()
    r = client.post("/api/imports", json=body)
    r.raise_for_status()
    posted = time.perf_counter() - start
    import_id = r.json()["data"]["id"]
    while True:
        attrs = client.get(f"/api/imports/{import_id}").json()["data"]["attributes"]
        if attrs["status"] in ("completed", "interrupted"):
            seen = time.perf_counter() - start
            stamps = {k: datetime.fromisoformat(attrs[k].replace("Z", "+00:00"))
                      for k in ("created_at", "started_at", "completed_at")}  # fmt: skip
            attrs["_post"] = posted
            attrs["_queued"] = (stamps["started_at"] - stamps["created_at"]).total_seconds()
            attrs["_run"] = (stamps["completed_at"] - stamps["started_at"]).total_seconds()
            return seen, attrs
        time.sleep(0.01)


def make(client: httpx.Client, type_: str, attributes: dict) -> str:
    r = client.post(f"/api/{type_}", json={"data": {"type": type_, "attributes": attributes}})
    r.raise_for_status()
    return r.json()["data"]["id"]


def raw_skus(dsn: str, org: str, category: str, rows: list[dict]) -> tuple[float, float]:
    """(seconds to COPY the rows into a temporary table, seconds to COPY and merge them)."""
    cols = ["id", "organization_id", "created_at", "updated_at", "metadata", "code", "name",
            "description", "shipping_category_id", "pieces_per_pack", "weight", "unit_of_weight",
            "hs_tariff_number", "do_not_ship", "do_not_track"]  # fmt: skip
    updates = ", ".join(f"{c} = excluded.{c}" for c in cols[5:] + ["updated_at"])
    with psycopg.connect(dsn) as conn:
        start = time.perf_counter()
        conn.execute("CREATE TEMP TABLE t (LIKE skus) ON COMMIT DROP")
        with conn.cursor().copy(f"COPY t ({', '.join(cols)}) FROM STDIN") as copy:
            for r in rows:
                copy.write_row([new_id(), org, "now", "now", "{}", r["code"], r["name"],
                                r["description"], category, r["pieces_per_pack"], r["weight"],
                                r["unit_of_weight"], r["hs_tariff_number"], r["do_not_ship"],
                                r["do_not_track"]])  # fmt: skip
        copied = time.perf_counter() - start
        conn.execute(
            f"INSERT INTO skus ({', '.join(cols)}) SELECT {', '.join(cols)} FROM t "
            f"ON CONFLICT (organization_id, code) DO UPDATE SET {updates}"
        )
        conn.commit()
        return copied, time.perf_counter() - start


def raw_prices(
    dsn: str, org: str, price_list: str, skus: dict[str, str], prices: list
) -> tuple[float, float]:
    """(seconds to COPY the prices and tiers into temporary tables, seconds to COPY and merge
    them)."""
    copied = 0.0
    with psycopg.connect(dsn) as conn:
        start = time.perf_counter()
        conn.execute("CREATE TEMP TABLE p (LIKE prices) ON COMMIT DROP")
        conn.execute("CREATE TEMP TABLE pt (LIKE price_tiers) ON COMMIT DROP")
        cols = "id, organization_id, created_at, updated_at, metadata, amount_cents, "
        cols += "price_list_id, sku_id, sku_code"
        with conn.cursor().copy(f"COPY p ({cols}) FROM STDIN") as copy:
            for code, amount, _tiers in prices:
                copy.write_row([new_id(), org, "now", "now", "{}", amount, price_list,
                                skus[code], code])  # fmt: skip
        copied += time.perf_counter() - start
        conn.execute(
            f"INSERT INTO prices ({cols}) SELECT {cols} FROM p ON CONFLICT "
            "(organization_id, price_list_id, sku_id) DO UPDATE SET "
            "amount_cents = excluded.amount_cents, updated_at = excluded.updated_at"
        )
        ids = dict(conn.execute("SELECT sku_code, id FROM prices WHERE price_list_id = %s",
                                (price_list,)).fetchall())  # fmt: skip
        tcols = "id, organization_id, created_at, updated_at, metadata, tier_type, name, up_to, "
        tcols += "price_amount_cents, price_id"
        tiers_from = time.perf_counter()
        with conn.cursor().copy(f"COPY pt ({tcols}) FROM STDIN") as copy:
            for code, _amount, tiers in prices:
                for name, up_to, cents in tiers:
                    copy.write_row([new_id(), org, "now", "now", "{}", "PriceVolumeTier", name,
                                    up_to, cents, ids[code]])  # fmt: skip
        copied += time.perf_counter() - tiers_from
        conn.execute(
            f"INSERT INTO price_tiers ({tcols}) SELECT {tcols} FROM pt ON CONFLICT "
            "(organization_id, price_id, name) DO UPDATE SET "
            "price_amount_cents = excluded.price_amount_cents, up_to = excluded.up_to"
        )
        conn.commit()
        return copied, time.perf_counter() - start


COUNTED = {"new": "created", "changed": "updated", "unchanged": "unchanged"}


def prices_csv(prices: list) -> str:
    lines = ["sku_code,amount_cents,price_tiers.type,price_tiers.name,price_tiers.up_to,"
             "price_tiers.price_amount_cents"]  # fmt: skip
    for code, amount, tiers in prices:
        lines += [f"{code},{amount},PriceVolumeTier,{t},{u},{c}" for t, u, c in tiers]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--mapping", action="store_true", help="columns renamed and mapped back")
    parser.add_argument("--merge-mode", choices=("partial", "replace"), help="given on imports")
    args = parser.parse_args()
    n = args.items
    dsn = reset_database(DB_URL)
    data_dir = tempfile.mkdtemp(prefix="bulkport-bench-")
    env = {
        "BULKPORT_DATABASE_URL": DB_URL,
        "BULKPORT_REDIS_URL": REDIS_URL,
        "BULKPORT_REDIS_NAMESPACE": f"bench-{uuid.uuid4().hex[:8]}",
        "BULKPORT_DATA_DIR": data_dir,
        "BULKPORT_RATE_LIMITS": "off",  # the bench polls every 10 ms
    }
    settings = Settings.from_env(env)
    upgrade(settings)
    from core.db import make_engine

    engine = make_engine(DB_URL)
    stack = Stack(env)
    try:
        results = []
        for run in range(args.runs):
            created = create_organization(engine, f"bench-{run}")
            app = created["application"]
            raw_org = create_organization(engine, f"raw-{run}")["organization"]["id"]
            headers = {"Accept": MEDIA, "Content-Type": MEDIA,
                       "Authorization": f"Bearer {token(stack.base, app['client_id'], app['client_secret'])}"}  # noqa: E501  # fmt: skip
            client = httpx.Client(base_url=stack.base, headers=headers, timeout=60)

            category = make(client, "shipping_categories", {"name": "Apparel"})
            price_list = make(client, "price_lists", {"name": "EU", "currency_code": "EUR"})
            with psycopg.connect(dsn) as conn:
                raw_category = new_id()
                raw_list = new_id()
                conn.execute("INSERT INTO shipping_categories (id, organization_id, created_at, "
                             "updated_at, metadata, name) VALUES (%s, %s, now(), now(), '{}', "
                             "'Apparel')", (raw_category, raw_org))  # fmt: skip
                conn.execute("INSERT INTO price_lists (id, organization_id, created_at, "
                             "updated_at, metadata, name, currency_code, tax_included) VALUES "
                             "(%s, %s, now(), now(), '{}', 'EU', 'EUR', true)",
                             (raw_list, raw_org))  # fmt: skip
            skus = [
                {
                    "code": f"SKU{i:06d}",
                    "name": f"T-shirt {i}",
                    "description": "Organic cotton",
                    "shipping_category_id": category,
                    "pieces_per_pack": 1,
                    "weight": 0.2,
                    "unit_of_weight": "gr",
                    "hs_tariff_number": "6109",
                    "do_not_ship": False,
                    "do_not_track": False,
                }  # fmt: skip
                for i in range(n)
            ]
            prices = [(f"SKU{i:06d}", 1000 + i, [("Pack of 10", 10, 900), ("Pack of 20", 20, 800)])
                      for i in range(n // 2)]  # fmt: skip
            csv_text = prices_csv(prices)
            row: dict[str, float] = {}
            # new: every item created; changed: every item updated (names and amounts moved);
            # unchanged: the same file again, nothing to write. New and changed compare with
            # the database's merge of the same rows, unchanged with its mere COPY of them.
            for phase in ("new", "changed", "unchanged"):
                if phase == "changed":
                    skus = [{**s, "name": s["name"] + " v2"} for s in skus]
                    prices = [(c, a + 1, tiers) for c, a, tiers in prices]
                    csv_text = prices_csv(prices)
                t, attrs = run_import(client, {"resource_type": "skus", "inputs": skus},
                                      args.mapping, args.merge_mode)  # fmt: skip
                assert attrs["processed_count"] == n and attrs["errors_count"] == 0, attrs
                assert attrs[f"{COUNTED[phase]}_count"] == n, attrs
                row[f"skus_{phase}"] = t
                row.update({f"skus_{phase}{k}": attrs[k] for k in ("_post", "_queued", "_run")})
                copied, merged = raw_skus(dsn, raw_org, raw_category, skus)
                row[f"raw_skus_{phase}"] = copied if phase == "unchanged" else merged
                t, attrs = run_import(client, {"resource_type": "prices", "format": "csv",
                                               "parent_resource_id": price_list,
                                               "inputs": csv_text}, args.mapping,
                                      args.merge_mode)  # fmt: skip
                # one item per price, whatever its rows (one per tier)
                assert attrs["processed_count"] == len(prices), attrs
                assert attrs["errors_count"] == 0, attrs
                row[f"prices_{phase}"] = t
                row.update({f"prices_{phase}{k}": attrs[k] for k in ("_post", "_queued", "_run")})
                with psycopg.connect(dsn) as conn:
                    query = "SELECT code, id FROM skus WHERE organization_id = %s"
                    raw_ids = dict(conn.execute(query, (raw_org,)).fetchall())
                copied, merged = raw_prices(dsn, raw_org, raw_list, raw_ids, prices)
                row[f"raw_prices_{phase}"] = copied if phase == "unchanged" else merged
            results.append(row)
            client.close()
        rss = peak_rss_mb(stack.worker.pid)
    finally:
        stack.stop()
        engine.dispose()
    print(f"items per import: {n}; runs: {args.runs} (medians); worker peak RSS: {rss:.0f} MB")
    print(f"{'case':<18}{'import s':>10}{'items/s':>10}{'raw s':>10}{'ratio':>8}")
    cases = [f"{t}_{p}" for t in ("skus", "prices") for p in ("new", "changed", "unchanged")]
    for case in cases:
        t = statistics.median(r[case] for r in results)
        raw = statistics.median(r[f"raw_{case}"] for r in results)
        print(f"{case:<18}{t:>10.3f}{n / t:>10.0f}{raw:>10.3f}{t / raw:>8.1f}")
    print("\nwhere the time goes (medians, s): POST, created -> started, started -> completed")
    for case in cases:
        post, queued, ran = (statistics.median(r[case + k] for r in results)
                             for k in ("_post", "_queued", "_run"))  # fmt: skip
        print(f"{case:<18}{post:>10.3f}{queued:>10.3f}{ran:>10.3f}")


if __name__ == "__main__":
    main()
