"""Benchmark of growth: the operators' and partners' hot pages at 200,000 and at 2,000,000 cases.

What is measured
    Two datasets, each generated once per machine by ``manage.py generate_demo_data`` (its bulk path,
    progress bars on stderr) and reused by every later run; each run counts what is there and tops up
    only what is missing, then refreshes MariaDB's statistics (ANALYZE TABLE):

    * ``bigtree_bench``    — 100,000 vouchers, 40 operators, 200,000 cases with 1,000,000 notes (the
                             dataset of bench/event_list.py, which tops it up the same way);
    * ``bigtree_bench_2m`` — 1,000,000 vouchers, the same 40 operators, 2,000,000 cases with 10,000,000
                             notes, then 500,000 providers with 1,000,000 locations and their search index.

    For each database, a fresh ``manage.py shell`` process (test settings, server time, no network)
    times with Django's test client, after a warm-up, ``--requests`` requests of each page, the pages
    taking turns so drift hits them alike:

    * queue         — ``/admin/assistances/event/queue/``, the console's landing page (counters of every
                      view and the 50 most urgent open cases), as a staff user of the TMO group;
    * case list     — ``GET /v1/assistances/events?page_size=50`` as that operator (session), and the same
                      filtered by ``status=IN_PROGRESS``;
    * case page     — the admin change page of a case, rotating through 10 cases (the 5 newest, 5 spread
                      over the id range, the oldest first) so no one case's cached rows flatter it;
    * partner list  — ``GET /v1/assistances/events?page_size=50`` as a partner of source KOM through the
                      real partner authentication: a Cognito-shaped access token signed with an RSA key
                      made for the run, its JWKS served over HTTP on loopback (tests/clients/support.py's
                      JwksServer), plus an API key of a bench API client ("Bench growth KOM", created once;
                      a key issued per run and revoked at its end). Every answer is checked to hold KOM
                      cases only.

    The query count of each page is read with CaptureQueriesContext. The case page's is read on a probe
    case made once per database through the services with the same data (a covered KOM voucher, an
    owner, a note): the 10 timed cases differ in what they hold, and so in their queries.

    Then the provider search at 1,000,000 locations on ``bigtree_bench_2m``: bench/provider_search.py's
    own plan and measurement (the same random query points, each run indexed and as a full scan, answers
    compared), in a process of its own.

How to read it
    p50/p95 per page in ms at each size, the ratio of the p95s (target ≤ 1.3×: the pages must not slow
    down as the tables grow ten-fold), and the query counts (target: the same at both sizes). A page
    whose slowest query or a COUNT over a whole table grows with the data shows it here first: the
    slowest query of each page is printed under the table. Provider search targets: indexed p95 ≤ 10 ms
    and ≥ 20× faster than the full scan. Figures are printed, never asserted; this process, the shell
    processes and MariaDB share the machine, so compare runs made on one machine.

    The server's version and InnoDB buffer pool size are printed first: with MariaDB's default 128 MB
    neither dataset fits in memory, so any query that reads case rows it does not need shows as disk
    reads here long before it would in production.

Generating the 2,000,000-case dataset took 66 minutes here and takes 10 GB (see README); it is done once.
``--measure-only`` measures the databases as they are, generating and migrating nothing (while a
generation is still running, for instance: the figures then say how far it got).

Usage: ``make bench`` or ``.venv/bin/python bench/growth.py [--requests N] [--sizes 200k,2m] [--no-search]``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass

import MySQLdb

# bench/run.py's harness and bench/event_list.py's operators (the same 40 in both datasets).
from event_list import OPERATOR_EMAIL, OPERATORS_SCRIPT
from run import BENCH_EMAIL, DB_HOST, DB_PORT, DB_USER, PYTHON, ROOT, run_interruptibly, step

# The work on hand at both sizes (see close_history): ~250 open cases per operator of the 40.
OPEN_CASES = 10_000


@dataclass(frozen=True)
class Dataset:
    label: str
    database: str
    vouchers: int
    operators: int
    events: int
    notes: int
    providers: int = 0
    locations: int = 0

    @property
    def env(self) -> dict[str, str]:
        return {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.test",
            "TEST_DATABASE_URL": f"mysql://{DB_USER}@{DB_HOST}:{DB_PORT}/{self.database}",
            "PYTHONUNBUFFERED": "1",
        }


DATASETS = {
    "200k": Dataset("200k", "bigtree_bench", vouchers=100_000, operators=40, events=200_000, notes=1_000_000),
    "2m": Dataset(
        "2M",
        "bigtree_bench_2m",
        vouchers=1_000_000,
        operators=40,
        events=2_000_000,
        notes=10_000_000,
        providers=500_000,
        locations=1_000_000,
    ),
}
# Seeds of the first generation of each kind (a top-up adds the rows already there): a fresh machine
# generates what /work's first one did, in the same order (vouchers, operators, cases, providers).
SEEDS = {"vouchers": 1, "events": 2, "providers": 3}
PARTNER_CLIENT_ID = "bench-growth-kom"
CASE_PAGES = 10

# Run by ``manage.py shell -c``: the pages timed in-process, one JSON line out.
MEASURE_SCRIPT = """
import json, re, statistics, time
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import connection
from django.db.models import Max, Min
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from apps.accounts.roles import TMO_GROUP
from apps.assistances.models import Event
from apps.clients import services
from apps.clients.jwks import clear_key_sets
from apps.clients.models import ApiClient
from tests.clients.support import READ, JwksServer, SigningKey, access_claims, sign

REQUESTS, WARMUP, CASES = __REQUESTS__, __WARMUP__, __CASES__

user, created = get_user_model().objects.get_or_create(email="__EMAIL__", defaults={"is_staff": True})
if created:
    user.set_unusable_password()
    user.save()
user.groups.add(Group.objects.get(name=TMO_GROUP))
operator = Client(HTTP_ACCEPT="application/json", HTTP_ACCEPT_LANGUAGE="en")
operator.force_login(user)

# The partner: an API client of source KOM (made once), a key per run, a token of a loopback issuer.
partner = ApiClient.objects.filter(cognito_client_id="__CLIENT_ID__").first()
if partner is None:
    partner = services.api_client_create(data={
        "name": "Bench growth KOM", "source_code": "KOM", "cognito_client_id": "__CLIENT_ID__",
        "allowed_scopes": [READ], "rate_per_second": 1_000_000.0, "burst": 1_000_000, "monthly_quota": 2_000_000_000,
    })
issued = services.api_key_issue(client=partner, label="bench/growth.py")
issuer = JwksServer().start()
signing_key = SigningKey("bench-growth")
issuer.publish(signing_key)

half = CASES // 2
newest = list(Event.objects.order_by("-opened_at", "-id").values_list("pk", flat=True)[:half])
bounds = Event.objects.aggregate(lo=Min("pk"), hi=Max("pk"))
spread = [
    Event.objects.filter(pk__gte=bounds["lo"] + (bounds["hi"] - bounds["lo"]) * k // (CASES - half))
    .order_by("pk").values_list("pk", flat=True).first()
    for k in range(CASES - half)
]
case_ids = list(dict.fromkeys(newest + spread))


# The query count of the case page is read on one probe case, made once per database through the
# services with the same data at both sizes (a voucher, an owner, a note): the 10 timed cases differ
# in what they hold (a voucher or none, its coverage rules, open or closed), and so in their queries.
probe = Event.objects.filter(source_code="KOM", external_reference="bench-growth-probe").first()
if probe is None:
    from apps.assistances.services import note_create
    from tests.assistances.factories import covered_case

    probe = covered_case(source="KOM", external_reference="bench-growth-probe", assigned_operator=user, actor=user)
    note_create(event=probe, body="Probe case of bench/growth.py", visibility="internal", actor=user)
probe_url = f"/admin/assistances/event/{probe.pk}/change/"

try:
    with override_settings(COGNITO_ISSUER=issuer.issuer, COGNITO_JWKS_URL=""):
        clear_key_sets()
        token = sign(access_claims(issuer=issuer.issuer, client_id="__CLIENT_ID__", scopes=(READ,)), signing_key)
        partner_client = Client(
            HTTP_ACCEPT="application/json", HTTP_AUTHORIZATION=f"Bearer {token}", HTTP_X_API_KEY=issued.plaintext
        )
        pages = [
            ("queue", operator, ["/admin/assistances/event/queue/"]),
            ("case list", operator, ["/v1/assistances/events?page_size=50"]),
            ("case list IN_PROGRESS", operator, ["/v1/assistances/events?page_size=50&status=IN_PROGRESS"]),
            ("case page", operator, [f"/admin/assistances/event/{pk}/change/" for pk in case_ids]),
            ("partner list (KOM)", partner_client, ["/v1/assistances/events?page_size=50"]),
        ]

        def get(client, url):
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code, response.content[:300])
            return response

        for label, client, urls in pages:
            for url in urls:
                for _ in range(WARMUP):
                    response = get(client, url)
                if url.startswith("/v1/"):
                    rows = response.json()["results"]
                    assert len(rows) == 50, (url, len(rows))
                    if client is partner_client:
                        assert {row["source_code"] for row in rows} == {"KOM"}, url
        times = {label: [] for label, _, _ in pages}
        for n in range(REQUESTS):
            for label, client, urls in pages:
                url = urls[n % len(urls)]
                started = time.perf_counter()
                get(client, url)
                times[label].append((time.perf_counter() - started) * 1000)
        out = []
        for label, client, urls in pages:
            counts, slowest, full_count = [], (0.0, ""), False
            for url in [probe_url] if label == "case page" else urls:
                get(client, url)  # warm, as the timed pages are
                with CaptureQueriesContext(connection) as ctx:
                    get(client, url)
                counts.append(len(ctx.captured_queries))
                for query in ctx.captured_queries:
                    if float(query["time"]) * 1000 > slowest[0]:
                        slowest = (float(query["time"]) * 1000, query["sql"])
                    if re.search(r"COUNT\\(", query["sql"], re.I) and " WHERE " not in query["sql"]:
                        full_count = True
            cuts = statistics.quantiles(times[label], n=100, method="inclusive")
            out.append({
                "label": label, "urls": len(urls), "p50": cuts[49], "p95": cuts[94], "max": max(times[label]),
                "queries": max(counts), "queries_min": min(counts), "queries_vary": len(set(counts)) > 1,
                "full_count": full_count,
                "slowest_ms": slowest[0], "slowest_sql": slowest[1][:400],
            })
finally:
    issuer.stop()
    clear_key_sets()
    services.api_key_revoke(key=issued.key)
print("GROWTH=" + json.dumps({"pages": out, "cases": case_ids}))
"""

# Run by ``manage.py shell -c`` on the 2M database: bench/provider_search.py's plan and measurement.
SEARCH_SCRIPT = """
import argparse, json, statistics, sys
sys.path.insert(0, "__BENCH_DIR__")
import provider_search
from apps.providers.models import ProviderLocation

args = argparse.Namespace(queries=__QUERIES__, radius_km=50.0, seed=42)
plan = provider_search.build_plan(args)
restore = provider_search.size_buffer_pool()
try:
    indexed, full, counts, mismatches = provider_search.measure(plan, args)
finally:
    provider_search.restore_buffer_pool(restore)
out = {"locations": ProviderLocation.objects.count(), "queries": len(plan), "mismatches": mismatches,
       "mean_results": statistics.fmean(counts), "empty": counts.count(0)}
for name, values in (("indexed", indexed), ("full", full)):
    out[name] = {q: provider_search.percentile(values, q) for q in (50, 95, 99)}
print("SEARCH=" + json.dumps(out))
"""


# --- processes -------------------------------------------------------------------------------------


def manage(dataset: Dataset, *args: str, show: bool = False) -> str:
    """``manage.py`` on ``dataset``'s database. ``show``: its output (progress bars) goes to the terminal."""
    started = time.perf_counter()
    if show:
        proc = subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=dataset.env, check=False)
        output = ""
    else:
        proc = subprocess.run(
            [PYTHON, "manage.py", *args], cwd=ROOT, env=dataset.env, capture_output=True, text=True, check=False
        )
        output = proc.stdout
        if proc.returncode != 0:
            sys.stderr.write(proc.stdout + proc.stderr)
    if proc.returncode != 0:
        raise SystemExit(f"manage.py {args[0]} on {dataset.database} failed (exit {proc.returncode})")
    print(f"    manage.py {args[0]} done in {time.perf_counter() - started:.1f}s", flush=True)
    return output


def connect(database: str | None = None) -> MySQLdb.Connection:
    kwargs = {"db": database} if database else {}
    return MySQLdb.connect(host=DB_HOST, port=DB_PORT, user=DB_USER, connect_timeout=5, **kwargs)


def marked(output: str, mark: str) -> dict:
    line = next((ln for ln in output.splitlines() if ln.startswith(mark)), None)
    if line is None:
        raise SystemExit(f"No {mark} line in the shell output:\n{output[-2000:]}")
    return json.loads(line.removeprefix(mark))


# --- datasets --------------------------------------------------------------------------------------

COUNT_SQL = {
    "vouchers": "SELECT COUNT(*) FROM vouchers_voucher",
    "operators": "SELECT COUNT(*) FROM accounts_user WHERE email LIKE 'bench-operator-%%@example.com'",
    "events": "SELECT COUNT(*) FROM assistances_event",
    "notes": "SELECT COUNT(*) FROM assistances_note",
    "providers": "SELECT COUNT(*) FROM providers_provider",
    "locations": "SELECT COUNT(*) FROM providers_providerlocation",
    "search index": "SELECT COUNT(*) FROM providers_locationservice",
    "open cases": "SELECT COUNT(*) FROM assistances_event WHERE closed_at IS NULL",
}
ANALYZED = (
    "assistances_event, assistances_note, assistances_eventstatushistory, assistances_eventprovider,"
    " vouchers_voucher, accounts_user, masters_eventstatus, masters_assistance, masters_country, masters_city,"
    " providers_provider, providers_providerlocation, providers_provider_assistances, providers_locationservice"
)


def counts(dataset: Dataset) -> dict[str, int]:
    conn = connect(dataset.database)
    try:
        cursor = conn.cursor()
        have = {}
        for name, sql in COUNT_SQL.items():
            cursor.execute(sql)
            have[name] = int(cursor.fetchone()[0])
        return have
    finally:
        conn.close()


def database_sizes() -> dict[str, float]:
    """GB on disk (data + indexes, as InnoDB reports them) of each bench database."""
    conn = connect()
    try:
        cursor = conn.cursor()
        cursor.execute(
            "SELECT table_schema, SUM(data_length + index_length) FROM information_schema.tables"
            " WHERE table_schema IN %s GROUP BY table_schema",
            ([d.database for d in DATASETS.values()],),
        )
        return {schema: float(size or 0) / 1024**3 for schema, size in cursor.fetchall()}
    finally:
        conn.close()


def prepare(dataset: Dataset) -> None:
    conn = connect()
    try:
        conn.cursor().execute(
            f"CREATE DATABASE IF NOT EXISTS `{dataset.database}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
        )
    finally:
        conn.close()
    step(f"Database {dataset.database}: migrating, importing cities if empty")
    manage(dataset, "migrate", "--noinput", "-v0")
    manage(dataset, "import_geo", "--if-empty", "--no-progress", "-v0")


def generate(dataset: Dataset, *, seed: int, **amounts: int) -> None:
    """``generate_demo_data`` with its progress bars; every amount not given is 0."""
    args = [f"--{name}={amounts.get(name, 0)}" for name in ("providers", "locations", "vouchers", "events", "notes")]
    step(f"Generating {', '.join(f'{v:,} {k}' for k, v in amounts.items() if v)} into {dataset.database} (once)")
    started = time.perf_counter()
    manage(dataset, "generate_demo_data", *args, f"--seed={seed}", show=True)
    print(f"    generated in {(time.perf_counter() - started) / 60:.1f} min", flush=True)


def ensure_dataset(dataset: Dataset) -> dict[str, int]:
    """Top up ``dataset`` to its targets, in the order of its first generation; nothing if complete."""
    prepare(dataset)
    have = counts(dataset)
    step(f"{dataset.database} before: {have}")
    if have["vouchers"] < dataset.vouchers:
        generate(dataset, vouchers=dataset.vouchers - have["vouchers"], seed=SEEDS["vouchers"] + have["vouchers"])
    if have["operators"] < dataset.operators:
        script = OPERATORS_SCRIPT.replace("__COUNT__", str(dataset.operators)).replace("__EMAIL__", OPERATOR_EMAIL)
        manage(dataset, "shell", "--no-imports", "-c", script)
    if have["events"] < dataset.events:
        # The notes still missing come with the new cases, spread over them.
        generate(
            dataset,
            events=dataset.events - have["events"],
            notes=max(0, dataset.notes - have["notes"]),
            seed=SEEDS["events"] + have["events"],
        )
        have = counts(dataset)
    if have["notes"] < dataset.notes:
        generate(dataset, notes=dataset.notes - have["notes"], seed=SEEDS["events"] + have["notes"])
    if have["locations"] < dataset.locations:
        missing = dataset.locations - have["locations"]
        providers = max(1, round(missing * dataset.providers / dataset.locations))
        generate(dataset, providers=providers, locations=missing, seed=SEEDS["providers"] + have["locations"])
        have["search index"] = 0  # the bulk path bypasses the services that keep the index
    if dataset.locations and not have["search index"]:
        step(f"Building the provider search index of {dataset.database} (once)")
        manage(dataset, "rebuild_search_index", show=True)
    close_history(dataset)
    step(f"ANALYZE TABLE on {dataset.database}")
    conn = connect(dataset.database)
    try:
        cursor = conn.cursor()
        cursor.execute(f"ANALYZE TABLE {ANALYZED}")
        cursor.fetchall()
    finally:
        conn.close()
    have = counts(dataset)
    step(f"{dataset.database}: {have}")
    return have


def close_history(dataset: Dataset) -> None:
    """Close all but the newest ``OPEN_CASES`` open cases (once; nothing to do on later runs).

    The generator leaves the same share of its cases open whatever their number (5.6 %): 11,242 open
    cases at 200,000, 111,714 at 2,000,000. A real book that grows ten-fold grows in history, not in
    work on hand: the open cases are what the operators are working today (throughput × how long a
    case stays open), and the rest was closed long ago. Growth is measured on that shape: the same
    open workload at both sizes, ten times the history. (With the generator's ten-fold open cases the
    queue's exact counters are 1.69× slower at 2,000,000: they count what is open, see the README.)
    """
    conn = connect(dataset.database)
    try:
        cursor = conn.cursor()
        cursor.execute("SELECT id FROM masters_eventstatus WHERE code = 'CLOSED'")
        closed = cursor.fetchone()[0]
        cursor.execute(
            "SELECT id FROM assistances_event WHERE closed_at IS NULL ORDER BY id DESC LIMIT 1 OFFSET %s",
            [OPEN_CASES],
        )
        row = cursor.fetchone()
        if row is None:
            return
        step(f"Closing the open cases of {dataset.database} older than the newest {OPEN_CASES:,} (once)")
        cursor.execute(
            "UPDATE assistances_event SET status_id = %s, closed_at = opened_at + INTERVAL 3 DAY"
            " WHERE closed_at IS NULL AND id <= %s",
            [closed, row[0]],
        )
        print(f"    {cursor.rowcount:,} cases closed", flush=True)
        conn.commit()
    finally:
        conn.close()


# --- measurement -----------------------------------------------------------------------------------


def measure(dataset: Dataset, args: argparse.Namespace) -> list[dict]:
    step(
        f"Timing the pages on {dataset.database}: {args.warmup} warm-up + {args.requests} timed requests each,"
        " in a fresh process"
    )
    script = (
        MEASURE_SCRIPT.replace("__REQUESTS__", str(args.requests))
        .replace("__WARMUP__", str(args.warmup))
        .replace("__CASES__", str(CASE_PAGES))
        .replace("__EMAIL__", BENCH_EMAIL)
        .replace("__CLIENT_ID__", PARTNER_CLIENT_ID)
    )
    result = marked(manage(dataset, "shell", "--no-imports", "-c", script), "GROWTH=")
    print(f"    case pages: cases {result['cases']}", flush=True)
    for page in result["pages"]:
        print(f"    {page['label']:<24} p50 {page['p50']:7.1f} ms  p95 {page['p95']:7.1f} ms", flush=True)
    return result["pages"]


def search(dataset: Dataset, queries: int) -> dict:
    step(f"Provider search on {dataset.database}: {queries} points, each indexed and as a full scan")
    script = SEARCH_SCRIPT.replace("__BENCH_DIR__", str(ROOT / "bench")).replace("__QUERIES__", str(queries))
    return marked(manage(dataset, "shell", "--no-imports", "-c", script), "SEARCH=")


# --- report ----------------------------------------------------------------------------------------


def print_pages(results: dict[str, list[dict]]) -> None:
    small, large = results.get("200k"), results.get("2m")
    print()
    header = f"{'page':<24} {'200k p50':>9} {'p95':>8} {'2M p50':>9} {'p95':>8} {'p95 ratio':>10}  queries"
    print(header)
    print("-" * (len(header) + 20))
    rows = {page["label"]: {} for page in (small or large or [])}
    for size, pages in results.items():
        for page in pages:
            rows[page["label"]][size] = page

    def cells(page: dict | None) -> str:
        return f"{page['p50']:>9.1f} {page['p95']:>8.1f}" if page else f"{'-':>9} {'-':>8}"

    for label, by_size in rows.items():
        a, b = by_size.get("200k"), by_size.get("2m")
        ratio = f"{b['p95'] / a['p95']:>9.2f}×" if a and b else f"{'-':>10}"
        counted = [p for p in (a, b) if p]
        queries = " / ".join(
            f"{p['queries']} (varies from {p['queries_min']})" if p["queries_vary"] else str(p["queries"])
            for p in counted
        )
        if a and b:
            same = a["queries"] == b["queries"] and a["queries_min"] == b["queries_min"]
            queries += "  same" if same else "  NOT the same"
        full = "  full-table COUNT" if any(p["full_count"] for p in counted) else ""
        print(f"{label:<24} {cells(a)} {cells(b)} {ratio}  {queries}{full}")
    print("ms, server time; target: 2M p95 ≤ 1.3 × the 200k p95, the same query count at both sizes")
    print("(the case page's queries: counted on one probe case made alike in both databases)")
    print()
    for size, pages in results.items():
        print(f"slowest query per page at {DATASETS[size].label}:")
        for page in pages:
            sql = " ".join(page["slowest_sql"].split())[:150]
            print(f"    {page['label']:<24} {page['slowest_ms']:7.1f} ms  {sql}")
    print()


def print_search(result: dict) -> None:
    indexed, full = result["indexed"], result["full"]
    print()
    print(f"provider search at {result['locations']:,} locations, {result['queries']} query points")
    print(f"{'variant':<12}{'p50 ms':>10}{'p95 ms':>10}{'p99 ms':>10}")
    print("-" * 42)
    for name, cuts in (("indexed", indexed), ("full scan", full)):
        print(f"{name:<12}{cuts['50']:>10.2f}{cuts['95']:>10.2f}{cuts['99']:>10.2f}")
    print(
        f"results per query: mean {result['mean_results']:.1f}, none: {result['empty']};"
        f" answers differing: {result['mismatches']}"
    )
    print(
        f"p95 full scan / indexed = {full['95'] / indexed['95']:.1f}×  (target ≥ 20×);"
        f" indexed p95 {indexed['95']:.2f} ms (target ≤ 10 ms)"
    )
    print()


def bench(args: argparse.Namespace) -> int:
    sizes = [size.strip().lower() for size in args.sizes.split(",") if size.strip()]
    unknown = set(sizes) - set(DATASETS)
    if unknown or not sizes:
        raise SystemExit(f"--sizes: choose among {', '.join(DATASETS)} (got {args.sizes!r})")
    conn = connect()
    try:
        cursor = conn.cursor()
        cursor.execute("SELECT VERSION(), @@innodb_buffer_pool_size")
        version, pool = cursor.fetchone()
    finally:
        conn.close()
    step(f"MariaDB {version}, InnoDB buffer pool {int(pool) / 1024**2:,.0f} MB")
    results, have = {}, {}
    for size in sizes:
        dataset = DATASETS[size]
        started = time.perf_counter()
        if args.measure_only:
            have[size] = counts(dataset)
            step(f"{dataset.database} as it is (--measure-only: nothing generated, nor migrated): {have[size]}")
        else:
            have[size] = ensure_dataset(dataset)
            print(f"    dataset ready in {time.perf_counter() - started:.0f}s", flush=True)
        results[size] = measure(dataset, args)
    sizes_gb = database_sizes()
    print()
    for size in sizes:
        print(
            f"{DATASETS[size].label:>4}: {DATASETS[size].database}, {have[size]['events']:,} cases,"
            f" {have[size]['notes']:,} notes, {have[size]['vouchers']:,} vouchers,"
            f" {have[size]['locations']:,} locations; {sizes_gb.get(DATASETS[size].database, 0):.1f} GB on disk"
        )
    print_pages(results)
    if "2m" in sizes and not args.no_search:
        if have["2m"]["search index"]:
            print_search(search(DATASETS["2m"], args.search_queries))
        else:
            print("provider search skipped: no search index in bigtree_bench_2m yet (--measure-only)")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=30, help="timed requests per page and size (default 30)")
    parser.add_argument("--warmup", type=int, default=2, help="untimed requests per URL first (default 2)")
    parser.add_argument("--sizes", default="200k,2m", help="datasets, comma-separated (default 200k,2m)")
    parser.add_argument(
        "--search-queries",
        type=int,
        default=100,
        help="provider search points, each also run as a full scan (default 100)",
    )
    parser.add_argument("--no-search", action="store_true", help="skip the provider search at 1,000,000 locations")
    parser.add_argument(
        "--measure-only",
        action="store_true",
        help="measure the databases as they are: generate nothing, migrate nothing (e.g. while a generation runs)",
    )
    args = parser.parse_args()
    if min(args.requests, args.warmup, args.search_queries) < 1:
        parser.error("all counts must be ≥ 1")
    return run_interruptibly(lambda: bench(args))


if __name__ == "__main__":
    sys.exit(main())
