"""Benchmark of the work-list pages against bare aggregate queries (issue 4).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/jiceng_bench \
        .venv/bin/python bench/worklists.py --scale 10 --tasks 1000

Builds, into an empty database (migrated by this script), the demo unit tree at
`--scale` and a plan of `--tasks` city tasks assigned to every street and
decomposed to every community (scale 10, 1,000 tasks: about 630,000
assignments; ~95 s). A database this script filled before is reused (migrated
and analysed again), so reruns take seconds. Then times, in one process, each
page through the Django test client beside a bare query for the same figures,
and prints p50/p95 wall time, this process's CPU time per request, and the
ratio page/bare. People are not built: the pages do not read them.

The dashboard is timed twice: counted on every view (WORKLISTS_DASHBOARD_MAX_AGE
= 0), and as served with the default cache of its figures. Both read the overdue
trend's snapshots of past days, taken by the warm-up view (as by `jiceng digest`).
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jiceng.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.test import Client, override_settings  # noqa: E402

from jiceng.accounts.models import RoleAssignment, User  # noqa: E402
from jiceng.demo.sizes import Sizes  # noqa: E402
from jiceng.demo.units import build_tree  # noqa: E402
from jiceng.demo.worklists import create_worklists  # noqa: E402
from jiceng.orgs.models import Unit  # noqa: E402
from jiceng.worklists.models import TODO_STATES, Assignment, Plan  # noqa: E402


def build(scale: float, tasks: int) -> None:
    call_command("migrate", verbosity=0)
    if Unit.objects.exists():
        print("database already holds units; reusing it")
        analyze()
        return
    started = time.monotonic()
    with transaction.atomic():
        tree = build_tree(random.Random(1), Sizes.for_scale(scale))
        # As issue 4 sets it: decomposed to every community, not further.
        counts = create_worklists(random.Random(2), tree, tasks=tasks, grid_task_every=0)
        city = User.objects.create(username="bench_city")
        community = User.objects.create(username="bench_community")
        RoleAssignment.objects.create(user=city, role="city_admin", unit=tree.city)
        RoleAssignment.objects.create(
            user=community, role="community_staff", unit=tree.communities[0]
        )
    analyze()
    print(f"built {counts} in {time.monotonic() - started:.0f} s")


def analyze() -> None:
    """Fresh planner statistics (new indexes after a migration need them too)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def timed(fn, runs: int) -> tuple[list[float], float]:
    """Wall-clock samples in ms, and the mean CPU time of this process in ms
    (the database server's CPU is not in it)."""
    fn()  # warm up
    samples = []
    cpu = time.process_time()
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return samples, (time.process_time() - cpu) * 1000 / runs


def p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=20)[-1]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=float, default=10)
    parser.add_argument("--tasks", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    build(args.scale, args.tasks)
    plan = Plan.objects.get()
    city_unit = plan.unit
    community_user = User.objects.get(username="bench_community")
    community_id = community_user.role_assignments.get().unit_id
    city_client, community_client = Client(), Client()
    city_client.force_login(User.objects.get(username="bench_city"))
    community_client.force_login(community_user)
    page_tasks = list(
        plan.tasks.filter(parent__isnull=True).order_by("pk").values_list("pk", flat=True)[:40]
    )

    def by_state():
        return list(Assignment.objects.values("state").annotate(n=Count("pk")).order_by())

    def counted(get):
        with override_settings(WORKLISTS_DASHBOARD_MAX_AGE=0):
            return get()

    cases = {
        "plan board (city, 40 tasks × streets)": (
            lambda: city_client.get(f"/work/plans/{plan.pk}/"),
            lambda: list(
                Assignment.objects.filter(task__in=page_tasks, parent__isnull=True).values_list(
                    "task_id", "unit_id", "state", "due_date", "rollup"
                )
            ),
        ),
        "work dashboard (city, counted)": (
            lambda: counted(lambda: city_client.get(f"/work/dashboard/?unit={city_unit.pk}")),
            by_state,
        ),
        "work dashboard (city, cached ≤ 60 s)": (
            lambda: city_client.get(f"/work/dashboard/?unit={city_unit.pk}"),
            by_state,
        ),
        "my work (community)": (
            lambda: community_client.get("/work/"),
            lambda: list(
                Assignment.objects.filter(
                    unit_id=community_id,
                    state__in=TODO_STATES,
                )
                .order_by("due_date")[:100]
                .values_list("pk", "due_date")
            ),
        ),
    }
    print(f"{Assignment.objects.count():,} assignments on {connection.vendor}")
    print(f"{platform.node()} · {os.cpu_count()} cores · load average {load()} at start")
    print(
        f"{'page':40} {'p50 ms':>8} {'p95 ms':>8} {'CPU ms':>7} "
        f"{'bare p50':>9} {'bare p95':>9} {'ratio p95':>9}"
    )
    for name, (page, bare) in cases.items():
        assert page().status_code == 200
        (page_ms, cpu_ms), (bare_ms, _cpu) = timed(page, args.runs), timed(bare, args.runs)
        print(
            f"{name:40} {statistics.median(page_ms):8.1f} {p95(page_ms):8.1f} {cpu_ms:7.1f} "
            f"{statistics.median(bare_ms):9.1f} {p95(bare_ms):9.1f} "
            f"{p95(page_ms) / p95(bare_ms):9.1f}"
        )
    print(f"load average {load()} at the end")


def load() -> str:
    return " ".join(f"{n:.2f}" for n in os.getloadavg())


if __name__ == "__main__":
    main()
