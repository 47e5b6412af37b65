"""Benchmark: the city reporting dashboard and a department's member list, each
beside a bare aggregate query for the same figures, in the same process.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/jiceng_bench \\
        .venv/bin/python bench/reporting.py --scale 10

An empty database is migrated and loaded with `jiceng demo --scale N` first.
`--records N` tops the service records up to N by copying the year's records
with SQL (for when building the full scale would take too long); the monthly
totals are rebuilt from the records afterwards, as after any bulk load.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jiceng.settings")
os.environ.setdefault("JICENG_ENV", "dev")
os.environ.setdefault("DEBUG", "0")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Sum  # noqa: E402
from django.db.models.functions import TruncMonth  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import override_settings  # noqa: E402

from jiceng.accounts.models import User  # noqa: E402
from jiceng.orgs.models import Unit  # noqa: E402
from jiceng.people.models import Person  # noqa: E402
from jiceng.reporting import figures, totals  # noqa: E402
from jiceng.reporting.models import MemberReport, ServiceRecord  # noqa: E402


def p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=20)[-1] if len(samples) >= 20 else max(samples)


def timed(fn, runs: int) -> list[float]:
    fn()  # warm up
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def ensure_data(scale: float, records: int | None) -> None:
    call_command("migrate", verbosity=0)
    if not Unit.objects.exists():
        with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
            started = time.monotonic()
            call_command("demo", "--scale", str(scale), verbosity=0)
            print(f"demo --scale {scale}: {time.monotonic() - started:.0f} s")
    if records:
        top_up(records)
    if connection.vendor == "postgresql":
        # Planner statistics after a bulk load, as an operator would after `jiceng demo`.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def top_up(target: int) -> None:
    """Copy existing records (shifted by whole days within the year) up to `target`."""
    have = ServiceRecord.objects.count()
    if have >= target or connection.vendor != "postgresql":
        return
    started = time.monotonic()
    with connection.cursor() as cursor:
        while have < target:
            cursor.execute(
                """
                INSERT INTO reporting_servicerecord (person_id, community_id, department_id,
                    need_id, kind, date, minutes, people_served, description, state, points,
                    created_at)
                SELECT person_id, community_id, department_id, NULL, kind,
                    make_date(extract(year FROM date)::int, extract(month FROM date)::int,
                              1 + ((extract(day FROM date)::int + 7) %% 27)),
                    minutes, people_served, description, state, points, created_at
                FROM reporting_servicerecord ORDER BY id LIMIT %s
                """,
                [target - have],
            )
            have = ServiceRecord.objects.count()
    totals.rebuild()
    print(f"topped up to {have} service records: {time.monotonic() - started:.0f} s")


def bare_dashboard(city: Unit) -> None:
    """The dashboard's figures as plain aggregates over the records (no rollups),
    for the year the dashboard shows (that of the latest registrations)."""
    year = int(figures.latest_period()[:4])
    in_city = {"community__path__startswith": city.path}
    list(
        ServiceRecord.objects.filter(state="confirmed", date__year=year, **in_city)
        .annotate(m=TruncMonth("date"))
        .values("m")
        .annotate(minutes=Sum("minutes"), people=Sum("people_served"))
        .order_by()
    )
    MemberReport.objects.filter(state="confirmed", **in_city).count()
    Person.objects.filter(party_department__isnull=False).count()


def bare_member_list(department_id: int) -> None:
    list(
        MemberReport.objects.filter(department=department_id)
        .values("pk", "person__name", "community__name", "grid__name", "state")
        .order_by("community__path", "person__name")[:50]
    )


# Pages render with plain static URLs: the benchmark needs no collectstatic.
PLAIN_STATIC = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}


@override_settings(STORAGES=PLAIN_STATIC)
def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=float, default=10)
    parser.add_argument("--records", type=int, default=None)
    parser.add_argument("--runs", type=int, default=40)
    args = parser.parse_args()
    ensure_data(args.scale, args.records)
    city = Unit.objects.get(kind="city")
    city_admin = Client()
    city_admin.force_login(User.objects.get(username="city_admin"))
    dept_user = User.objects.get(username="dept_admin")
    department_id = dept_user.assignments[0].department_id
    dept_admin = Client()
    dept_admin.force_login(dept_user)
    member_url = f"/reporting/members/?department={department_id}"
    assert city_admin.get(f"/reporting/?unit={city.pk}").status_code == 200
    assert dept_admin.get(member_url).status_code == 200

    rows = [
        (
            "city dashboard /reporting/",
            timed(lambda: city_admin.get(f"/reporting/?unit={city.pk}"), args.runs),
            timed(lambda: bare_dashboard(city), args.runs),
        ),
        (
            "department member list",
            timed(lambda: dept_admin.get(member_url), args.runs),
            timed(lambda: bare_member_list(department_id), args.runs),
        ),
    ]
    counts = MemberReport.objects.count(), ServiceRecord.objects.count()
    print(f"\n{connection.vendor}: {counts[0]} member reports, {counts[1]} service records")
    members = MemberReport.objects.filter(department=department_id).count()
    print(f"department {department_id}: {members} reporting members")
    print("| page | p95 page (ms) | p95 bare query (ms) | ratio |")
    print("|---|---:|---:|---:|")
    for name, page, bare in rows:
        print(f"| {name} | {p95(page):.1f} | {p95(bare):.1f} | {p95(page) / p95(bare):.2f} |")


if __name__ == "__main__":
    main()
