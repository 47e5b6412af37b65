"""Importing a plan's tasks and a department's member registrations, beside the
pages that do the same work by hand (the baseline).

    DATABASE_URL=sqlite:////tmp/bench_xlspecs.sqlite3 \\
        .venv/bin/python bench/imports_worklists_reporting.py --tasks 200 --members 1000

Builds, into an EMPTY database (migrated here), a city of 8 streets x 5 communities
and one department with `--members` party members. Then, in one process, times:
- `--tasks` tasks through the task page (one POST each to /work/tasks/new/, assigned
  to all streets), then the same number of other tasks imported from one .xlsx;
- registering half of the members through the bulk page, then the other
  half imported from one .xlsx (the page takes 500 per POST: Django's field limit).
Prints wall time, CPU time (time.process_time) and the load average for each.
"""

from __future__ import annotations

import argparse
import atexit
import datetime
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jiceng.settings")
# Without DATABASE_URL: a fresh SQLite file (never the demo's var/jiceng.sqlite3).
_SCRATCH = Path(tempfile.mkdtemp(prefix="jiceng-bench-xl-"))
atexit.register(shutil.rmtree, _SCRATCH, ignore_errors=True)
os.environ.setdefault("DATABASE_URL", f"sqlite:///{_SCRATCH / 'bench.sqlite3'}")
os.environ.setdefault("JICENG_VAR_DIR", str(_SCRATCH))

import django  # noqa: E402

django.setup()

import xlsxwriter  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402

from jiceng.imports import engine, params  # noqa: E402
from jiceng.orgs.models import Unit  # noqa: E402
from jiceng.people.models import Person  # noqa: E402
from jiceng.reporting.models import MemberReport  # noqa: E402
from jiceng.worklists.models import Plan, Task  # noqa: E402
from tests import factories as f  # noqa: E402

DUE = datetime.date.today() + datetime.timedelta(days=90)


def build(members: int):
    call_command("migrate", verbosity=0)
    if Unit.objects.exists():
        sys.exit("the database must be empty")
    city = f.unit("锡林浩特市", "city", code="152502")
    communities = []
    for s in range(8):
        street = f.unit(f"第{s + 1}街道", "street", city, code=f"152502{s + 1:03d}")
        communities += [
            f.unit(
                f"第{s + 1}街道第{c + 1}社区", "community", street, code=f"{street.code}{c + 1:03d}"
            )
            for c in range(5)
        ]
    department = f.department("锡林浩特市财政局党组", city)
    people = []
    for i in range(members):
        person = Person(
            name=f"党员{i}",
            home_unit=communities[i % len(communities)],
            political_status="party_member",
            party_department=department,
            party_join_date=datetime.date(2010, 7, 1),
        )
        person.id_number = f.id_number(birth=datetime.date(1970, 1, 1) + datetime.timedelta(days=i))
        people.append(person)
    Person.objects.bulk_create(people, batch_size=1000)
    city_admin = f.user("bench_city", "city_admin", unit=city)
    dept_admin = f.user("bench_dept", "dept_admin", department=department)
    plan = Plan.objects.create(unit=city, year=DUE.year, title="基准计划")
    return city_admin, dept_admin, plan, list(Person.objects.order_by("pk"))


def timed(label: str, work) -> None:
    wall, cpu = time.perf_counter(), time.process_time()
    count = work()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    load = os.getloadavg()[0]
    print(f"{label:<44} {count:>6} rows  wall {wall:7.2f} s  cpu {cpu:7.2f} s  load {load:.1f}")


def xlsx(header, rows) -> Path:
    path = Path(tempfile.mkstemp(suffix=".xlsx")[1])
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet()
    sheet.write_row(0, 0, header)
    for index, row in enumerate(rows, start=1):
        sheet.write_row(index, 0, row)
    book.close()
    return path


def imported(kind: str, user, path: Path, **given) -> int:
    spec = params.build_spec(kind, user, params=given)
    result = engine.validate(spec, path, path.name)
    assert result.ok, result.errors[:3]
    return engine.apply(spec, result)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tasks", type=int, default=200)
    parser.add_argument("--members", type=int, default=1000)
    args = parser.parse_args()
    city_admin, dept_admin, plan, people = build(args.members)
    client = Client()
    client.force_login(city_admin)
    city = Unit.objects.get(code="152502")

    def by_page() -> int:
        for i in range(args.tasks):
            data = {
                "plan": plan.pk,
                "title": f"页面任务{i}",
                "unit": city.pk,
                "targets": "children",
            }
            data |= {"due_date": DUE.isoformat(), "priority": "normal", "weight": 1}
            assert client.post("/work/tasks/new/", data).status_code == 302
        return args.tasks

    rows = [[f"导入任务{i}", "组织建设", city.code, "", DUE.isoformat()] for i in range(args.tasks)]
    path = xlsx(["任务名称", "类别", "牵头单位", "承办单位", "完成时限"], rows)
    timed("tasks: task page, one POST each (baseline)", by_page)
    timed("tasks: import of one .xlsx", lambda: imported("tasks", city_admin, path, plan=plan.pk))
    assert Task.objects.count() == 2 * args.tasks

    half = len(people) // 2
    client.force_login(dept_admin)

    def bulk_page() -> int:
        # 500 per POST: Django refuses a form of more than 1,000 fields.
        for start in range(0, half, 500):
            data = {"members": [p.pk for p in people[start : min(start + 500, half)]]}
            assert client.post("/reporting/members/bulk/", data).status_code == 302
        return half

    rows = [[p.name, p.id_number] for p in people[half:]]
    path = xlsx(["姓名", "公民身份号码"], rows)
    timed("members: bulk page, 500 per POST (baseline)", bulk_page)
    timed("members: import of one .xlsx", lambda: imported("member-reports", dept_admin, path))
    assert MemberReport.objects.count() == len(people)


if __name__ == "__main__":
    main()
