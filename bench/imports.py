# ruff: noqa: E501
"""Import/export benchmark: `python bench/imports.py [ROWS]` (default 100000).

Uses DATABASE_URL if set (give it an empty, disposable database), else a fresh
SQLite file under a temp dir. Prints each figure beside its baseline in the
same run (calamine reading the file without validation; xlsxwriter writing
the same rows without queries) and the ratio.
"""

import datetime
import os
import platform
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

TMP = Path(tempfile.mkdtemp(prefix="jiceng-bench-"))
os.environ.setdefault("DATABASE_URL", f"sqlite:///{TMP / 'bench.sqlite3'}")
os.environ.setdefault("JICENG_VAR_DIR", str(TMP))
os.environ.setdefault("DEBUG", "0")  # as deployed: DEBUG keeps every query and its parameters
os.environ["DJANGO_SETTINGS_MODULE"] = "jiceng.settings"

import django  # noqa: E402

django.setup()

import xlsxwriter  # noqa: E402
from django.core.management import call_command  # noqa: E402
from python_calamine import CalamineWorkbook  # noqa: E402
from stdnum.cn import ric  # noqa: E402

from jiceng.accounts.models import RoleAssignment, User  # noqa: E402
from jiceng.core.exports import write_xlsx_rows  # noqa: E402
from jiceng.core.xlsx import write_table  # noqa: E402
from jiceng.imports import engine  # noqa: E402
from jiceng.imports.exporting import export_table  # noqa: E402
from jiceng.imports.specs import PersonSpec  # noqa: E402
from jiceng.orgs.models import Unit  # noqa: E402

ROWS = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
HEADER = ["姓名", "公民身份号码", "性别", "民族", "手机号码", "政治面貌", "入党日期",
          "所属党组织", "居住社区", "所在网格", "工作单位", "标签"]  # fmt: skip


def seed():
    call_command("migrate", verbosity=0)
    city = Unit.objects.create(name="锡林浩特市", kind="city", code="152502")
    street = Unit.objects.create(name="宝力根街道", kind="street", code="152502001", parent=city)
    community = Unit.objects.create(
        name="团结社区", kind="community", code="152502001001", parent=street
    )
    for g in range(1, 11):
        Unit.objects.create(
            name=f"第{g}网格", kind="grid", code=f"1525020010010{g:02d}", parent=community
        )
    user = User.objects.create_user("bench")
    RoleAssignment.objects.create(user=user, role="city_admin", unit=city)
    return user


def roster_rows():
    """The same 12-column rows every run (valid, unique ID numbers)."""
    for i in range(ROWS):
        # Unique for 336,000 rows: 1,000 sequence numbers a day, 28 days a month.
        body = f"152502{1986 + i // 336000}{1 + i // 28000 % 12:02d}{1 + i // 1000 % 28:02d}{i % 1000:03d}"
        number = body + ric.calc_check_digit(body + "0")
        yield [f"居民{i}", number, "", "汉族", f"139{i:08d}", "群众", "", "",
               "团结社区", f"第{1 + i % 10}网格", "", ""]  # fmt: skip


def roster(path: Path) -> None:
    # Written as generated: the import's peak memory must not include a copy of the file.
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet = book.add_worksheet()
    sheet.write_row(0, 0, HEADER)
    for r, row in enumerate(roster_rows(), start=1):
        for c, value in enumerate(row):
            sheet.write_string(r, c, value)
    book.close()


def _children_cpu():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(fn):
    """(wall seconds, CPU seconds of this process, CPU seconds of its worker processes,
    result): the machine is shared, so CPU time shows what the code costs when wall time
    is inflated by other work."""
    start, cpu, children = time.perf_counter(), time.process_time(), _children_cpu()
    out = fn()
    return (time.perf_counter() - start, time.process_time() - cpu,
            _children_cpu() - children, out)  # fmt: skip


def line(name, seconds, cpu, extra="", workers=0.0):
    spread = f" + workers {workers:4.1f}s" if workers else ""
    print(
        f"{name:<34}{ROWS / seconds:>9,.0f} rows/s wall {seconds:6.1f}s  cpu {cpu:6.1f}s{spread}{extra}"
    )


def main():
    user = seed()
    path = TMP / "roster.xlsx"
    roster(path)
    vendor = django.db.connection.vendor
    print(f"{datetime.date.today()} {platform.node()} · {os.cpu_count()} cores · "
          f"Python {platform.python_version()} · {vendor} · {ROWS:,} rows")  # fmt: skip
    print("load average before: {:.1f} {:.1f} {:.1f}".format(*os.getloadavg()))
    spec = PersonSpec(user)
    t_validate, c_validate, w_validate, result = timed(
        lambda: engine.validate(spec, path, path.name)
    )
    assert not result.errors, result.errors[:3]
    t_write, c_write, w_write, written = timed(lambda: engine.apply(spec, result))
    assert written == ROWS
    total, total_cpu = t_validate + t_write, c_validate + c_write
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # the import's peak
    worker_rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    base_read, base_read_cpu, _, _ = timed(
        lambda: CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()
    )
    result = None  # the export runs without the import's plan in memory
    header, lean_rows, _name = export_table("people", user)
    out = TMP / "export.xlsx"
    t_export, c_export, w_export, count = timed(
        lambda: write_xlsx_rows(str(out), "人员", header, lean_rows)
    )
    assert count == ROWS
    rows = list(roster_rows())  # baselines write from memory, without queries
    base_out = TMP / "baseline.xlsx"
    t_base, c_base, _, _ = timed(lambda: _baseline_write(base_out, rows))
    t_ours, c_ours, _, _ = timed(lambda: write_table(TMP / "writer.xlsx", "x", HEADER, rows))
    line("calamine read only (baseline)", base_read, base_read_cpu)
    line("validate + import", total, total_cpu,
         f"  (validate {t_validate:.1f}s, write {t_write:.1f}s); "
         f"ratio to calamine {base_read / total:.3f}", w_validate + w_write)  # fmt: skip
    print(f"peak RSS (this process)           {rss:9.0f} MB  (largest worker {worker_rss:.0f} MB)")
    line("xlsxwriter rows only (baseline)", t_base, c_base)
    line("jiceng.core.xlsx rows only", t_ours, c_ours)
    line("export people .xlsx", t_export, c_export,
         f"; ratio to xlsxwriter {t_base / t_export:.2f}", w_export)  # fmt: skip
    print("load average after: {:.1f} {:.1f} {:.1f}".format(*os.getloadavg()))


def _baseline_write(path, rows):
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet = book.add_worksheet()
    sheet.write_row(0, 0, HEADER)
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row):
            sheet.write_string(r, c, value)
    book.close()


if __name__ == "__main__":
    try:
        main()
    finally:
        shutil.rmtree(TMP, ignore_errors=True)  # the roster, exports and SQLite file: ~90 MB
