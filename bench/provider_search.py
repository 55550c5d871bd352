"""Benchmark of the nearest-provider search at production scale, on MariaDB.

What is measured
    The search a case operator runs all day: "the nearest 20 active locations whose provider serves
    assistance X, within 50 km of the traveller". Dataset: the ``bigtree_bench`` database with the
    packaged cities and ``--locations`` demo locations (100,000 by default, 50,000 providers),
    generated once by ``manage.py generate_demo_data`` and kept between runs.

    Each query point is a random populated city (weighted like the demo data, so most searches have
    results) jittered by a few km; the assistance is drawn from the ones providers offer. For every
    point the same query runs twice, in random order:
      * indexed   — ``location_search``: geo-cell ranges answered by the (geo_cell, is_active, provider)
                    index, exact haversine only for those candidates;
      * full scan — the same ORM query without the cell ranges: the distance of every active
                    location is computed and sorted (what a naive implementation does).
    Both must return the same rows (checked for every point). Timings are wall-clock in this process,
    ORM included, database on loopback.

How to read it
    p50/p95/p99 per variant, the mean result count, and the speed-up ratio of the medians and p95s.
    Targets (QUALITY.md): indexed p95 ≤ 20 ms at 100,000 locations, ≥ 20× faster than the full scan.
    Figures are printed, never asserted.

Rankings
    The same plan is then timed ranked by distance and by reliability (``rank="reliability"``: the
    nearest 5 × 20 candidates with their reliability row, re-ranked in Python), p95 side by side;
    target ≤ 20 ms weighted. Then a replay of 10,000 synthetic offers with known provider behaviour
    (``replay``) prints how often each ranking picks the reliable provider.

Usage: ``make bench`` or ``.venv/bin/python bench/provider_search.py [--queries N] [--locations N]``.
"""

from __future__ import annotations

import argparse
import itertools
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

import MySQLdb

ROOT = Path(__file__).resolve().parent.parent
DB_NAME = os.environ.get("BENCH_DATABASE", "bigtree_bench")
ENV = {
    **os.environ,
    "DJANGO_SETTINGS_MODULE": "config.settings.test",
    "TEST_DATABASE_URL": f"mysql://root@127.0.0.1:3306/{DB_NAME}",
}


def step(message: str) -> None:
    print(f"==> {message}", flush=True)


def manage(*args: str) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=ENV, check=True)


def prepare() -> None:
    step(f"Preparing database {DB_NAME}")
    connection = MySQLdb.connect(host="127.0.0.1", port=3306, user="root")
    connection.cursor().execute(
        f"CREATE DATABASE IF NOT EXISTS `{DB_NAME}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
    )
    connection.close()
    manage("migrate", "--noinput", "--verbosity", "0")
    manage("import_geo", "--if-empty", "--no-progress", "--verbosity", "0")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def ensure_dataset(args: argparse.Namespace) -> None:
    from django.db import connection

    from apps.providers.models import LocationService, Provider, ProviderLocation

    have = ProviderLocation.objects.count()
    if have < args.locations:
        missing_locations = args.locations - have
        missing_providers = max(1, round(missing_locations * args.providers / args.locations))
        step(f"Generating {missing_providers} providers with {missing_locations} locations (once; kept for later runs)")
        started = time.perf_counter()
        manage(
            "generate_demo_data",
            *("--providers", str(missing_providers), "--locations", str(missing_locations)),
            *("--vouchers", "0", "--seed", str(args.seed + have)),
        )
        print(f"    generated in {time.perf_counter() - started:.1f} s", flush=True)
    if not LocationService.objects.exists():
        step("Building the search index (once)")
        manage("rebuild_search_index", "--no-progress")
    with connection.cursor() as cursor:
        cursor.execute(
            "ANALYZE TABLE providers_providerlocation, providers_provider, providers_provider_assistances,"
            " providers_locationservice"
        )
        cursor.fetchall()
    active = ProviderLocation.objects.filter(is_active=True, provider__is_active=True).count()
    total = ProviderLocation.objects.count()
    step(f"Dataset: {Provider.objects.count()} providers, {total} locations ({active} active)")


def build_plan(args: argparse.Namespace) -> list:
    """Query points near populated cities (weighted like the demo data), with a served assistance each."""
    from apps.masters.models import Assistance, City
    from apps.providers.selectors import LocationQuery

    rng = random.Random(args.seed)
    cities = list(City.objects.values_list("latitude", "longitude", "population"))
    cum_weights = list(itertools.accumulate(max(p, 1000) ** 0.7 for *_, p in cities))
    served = list(Assistance.objects.filter(providers__isnull=False).distinct())
    plan = []
    for _ in range(args.queries):
        lat, lng, _pop = rng.choices(cities, cum_weights=cum_weights)[0]
        plan.append(
            LocationQuery(
                lat=max(-90.0, min(90.0, float(lat) + rng.uniform(-0.05, 0.05))),
                lng=max(-180.0, min(180.0, float(lng) + rng.uniform(-0.05, 0.05))),
                radius_km=args.radius_km,
                assistance=rng.choice(served),
                limit=20,
            )
        )
    return plan


WARMUP_QUERIES = 300
SEARCH_TABLES = (
    "providers_providerlocation",
    "providers_locationservice",
    "providers_provider",
    "providers_provider_assistances",
)


def size_buffer_pool() -> int | None:
    """Give InnoDB room for the search's tables, as production has; returns the size to restore.

    RDS gives InnoDB three quarters of the instance's memory (12 GiB on the capacity plan's
    db.r6g.large), so the provider tables (1.4 GB at 1,000,000 locations) stay in memory there.
    MariaDB's default here is 128 MB: the interleaved full scans would evict the index between two
    indexed searches and the benchmark would time the disk, not the plan. The pool is resized online
    for the run and put back afterwards.
    """
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT COALESCE(SUM(data_length + index_length), 0) FROM information_schema.tables"
            " WHERE table_schema = DATABASE() AND table_name IN %s",
            [SEARCH_TABLES],
        )
        needed = int(int(cursor.fetchone()[0]) * 1.5)
        cursor.execute("SELECT @@innodb_buffer_pool_size")
        current = int(cursor.fetchone()[0])
        if current >= needed:
            return None
        try:
            cursor.execute(f"SET GLOBAL innodb_buffer_pool_size = {needed}")
        except Exception as exc:  # noqa: BLE001 - no privilege: measure as is, and say so
            print(f"    buffer pool left at {current / 2**20:.0f} MB ({exc}); search times include disk reads")
            return None
    print(f"    InnoDB buffer pool {current / 2**20:.0f} MB → {needed / 2**20:.0f} MB for the run (restored after)")
    return current


def restore_buffer_pool(size: int | None) -> None:
    from django.db import connection

    if size is not None:
        with connection.cursor() as cursor:
            cursor.execute(f"SET GLOBAL innodb_buffer_pool_size = {size}")


def measure(plan: list, args: argparse.Namespace) -> tuple[list[float], list[float], list[int], int]:
    """Each query both ways, in random order; returns timings (ms), result counts and mismatches."""
    from apps.providers.selectors import location_search

    rng = random.Random(args.seed)
    for query in plan[:20]:  # warm-up: connection, plans, caches
        location_search(query)
        location_search(query, use_index=False)
    # A database that serves searches all day holds the search index hot; a fresh one reads it from
    # disk. Warm it with other points than the timed ones (another seed), so no timed query finds its
    # own pages cached by a rehearsal of itself.
    for query in build_plan(argparse.Namespace(**{**vars(args), "seed": args.seed + 1, "queries": WARMUP_QUERIES})):
        location_search(query)
    indexed, full, counts, mismatches = [], [], [], 0
    for query in plan:
        order = [True, False]
        rng.shuffle(order)
        answers = {}
        for use_index in order:
            started = time.perf_counter()
            hits = location_search(query, use_index=use_index)
            (indexed if use_index else full).append((time.perf_counter() - started) * 1000)
            answers[use_index] = [hit.id for hit in hits]
        counts.append(len(answers[True]))
        mismatches += answers[True] != answers[False]
    return indexed, full, counts, mismatches


def report(plan: list, indexed: list[float], full: list[float], counts: list[int], mismatches: int) -> None:
    from apps.providers import geo

    cells = [len(geo.cell_ranges(q.lat, q.lng, q.radius_km)) for q in plan]
    print()
    print(f"{'variant':<12}{'queries':>9}{'p50 ms':>10}{'p95 ms':>10}{'p99 ms':>10}{'mean ms':>10}")
    print("-" * 61)
    for name, values in (("indexed", indexed), ("full scan", full)):
        print(
            f"{name:<12}{len(values):>9}{percentile(values, 50):>10.2f}{percentile(values, 95):>10.2f}"
            f"{percentile(values, 99):>10.2f}{statistics.fmean(values):>10.2f}"
        )
    print()
    print(f"results per query: mean {statistics.fmean(counts):.1f}, queries with none: {counts.count(0)}")
    print(f"cell ranges per query: mean {statistics.fmean(cells):.1f}, max {max(cells)}")
    print(f"answers differing between variants: {mismatches}")
    print(
        f"speed-up (full scan / indexed): p50 {percentile(full, 50) / percentile(indexed, 50):.1f}x, "
        f"p95 {percentile(full, 95) / percentile(indexed, 95):.1f}x"
    )
    print(f"targets: indexed p95 <= 20 ms (got {percentile(indexed, 95):.2f} ms), speed-up >= 20x")


def measure_rankings(plan: list, seed: int) -> tuple[list[float], list[float]]:
    """The indexed search ranked by distance and by reliability, each query both ways in random order."""
    import dataclasses

    from django.utils import timezone

    from apps.providers.selectors import location_search

    rng = random.Random(seed)
    now = timezone.now()
    weighted_plan = [dataclasses.replace(q, rank="reliability", at=now) for q in plan]
    for query in weighted_plan[:20]:
        location_search(query)
    distance, weighted = [], []
    for plain, ranked in zip(plan, weighted_plan, strict=True):
        order = [(plain, distance), (ranked, weighted)]
        rng.shuffle(order)
        for query, timings in order:
            started = time.perf_counter()
            location_search(query)
            timings.append((time.perf_counter() - started) * 1000)
    return distance, weighted


def report_rankings(distance: list[float], weighted: list[float]) -> None:
    print()
    print(f"{'ranking':<12}{'queries':>9}{'p50 ms':>10}{'p95 ms':>10}{'p99 ms':>10}{'mean ms':>10}")
    print("-" * 61)
    for name, values in (("distance", distance), ("reliability", weighted)):
        print(
            f"{name:<12}{len(values):>9}{percentile(values, 50):>10.2f}{percentile(values, 95):>10.2f}"
            f"{percentile(values, 99):>10.2f}{statistics.fmean(values):>10.2f}"
        )
    print(f"target: weighted p95 <= 20 ms (got {percentile(weighted, 95):.2f} ms)")


def replay(offers: int, seed: int) -> dict[str, float]:
    """10,000 synthetic offers with known behaviour, ranked each way by the search's own score.

    Each offer is a case with two providers in a 50 km radius: a near unreliable one (1–6 km; accepts
    with p = 0.35, on time with p = 0.5) and a farther reliable one (6–20 km; accepts with p = 0.95,
    on time with p = 0.9). Under each ranking the first pick is offered; the outcome is drawn from the
    provider's true probabilities and enters its history (what the hourly refresh does), so the
    weighted ranking learns from the prior. Printed: the share of picks that are the reliable provider,
    and the share of cases whose first offer was accepted.
    """
    from apps.providers.selectors import reliability_score

    truth = {"unreliable": (0.35, 0.5), "reliable": (0.95, 0.9)}
    shares = {}
    for ranking in ("distance", "reliability"):
        rng = random.Random(seed)
        history = {name: [0, 0, 0, 0] for name in truth}  # offers, accepted, arrivals, on time
        reliable_picks = accepted_first = 0
        for _ in range(offers):
            distances = {"unreliable": rng.uniform(1, 6), "reliable": rng.uniform(6, 20)}
            if ranking == "distance":
                pick = min(distances, key=distances.get)
            else:
                scores = {
                    name: reliability_score(
                        distance_km=distances[name],
                        radius_km=50,
                        **dict(zip(("offers", "accepted", "arrivals", "on_time"), history[name], strict=True)),
                    ).score
                    for name in truth
                }
                pick = max(scores, key=scores.get)
            reliable_picks += pick == "reliable"
            p_accept, p_on_time = truth[pick]
            record = history[pick]
            record[0] += 1
            if rng.random() < p_accept:
                accepted_first += 1
                record[1] += 1
                record[2] += 1
                record[3] += rng.random() < p_on_time
        shares[ranking] = (reliable_picks / offers, accepted_first / offers)
    print()
    print(f"replay: {offers} synthetic offers, near unreliable (p accept 0.35) vs farther reliable (0.95)")
    for ranking, (reliable, accepted) in shares.items():
        print(f"  {ranking:<12} reliable provider picked {reliable:6.1%}, first offer accepted {accepted:6.1%}")
    return shares


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--queries", type=int, default=300, help="query points (each run indexed and full scan)")
    parser.add_argument("--locations", type=int, default=100_000)
    parser.add_argument("--providers", type=int, default=50_000)
    parser.add_argument("--radius-km", type=float, default=50.0)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--replay-offers", type=int, default=10_000)
    parser.add_argument("--replay-only", action="store_true", help="the replay alone (no database)")
    args = parser.parse_args()
    if args.replay_only:
        sys.path.insert(0, str(ROOT))
        os.environ.update({k: ENV[k] for k in ("DJANGO_SETTINGS_MODULE", "TEST_DATABASE_URL")})
        import django

        django.setup()
        replay(args.replay_offers, args.seed)
        return 0

    prepare()
    os.environ.update({k: ENV[k] for k in ("DJANGO_SETTINGS_MODULE", "TEST_DATABASE_URL")})
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    ensure_dataset(args)
    plan = build_plan(args)
    restore = size_buffer_pool()
    try:
        step(f"Timing {len(plan)} searches: nearest 20 serving an assistance within {args.radius_km:g} km")
        indexed, full, counts, mismatches = measure(plan, args)
        report(plan, indexed, full, counts, mismatches)
        step(f"Timing {len(plan)} searches ranked by distance and by reliability (side by side)")
        report_rankings(*measure_rankings(plan, args.seed))
    finally:
        restore_buffer_pool(restore)
    replay(args.replay_offers, args.seed)
    return 1 if mismatches else 0


if __name__ == "__main__":
    sys.exit(main())
