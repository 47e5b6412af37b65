"""A killed import leaves nothing behind: run `jiceng import` in a real process
on a file database, kill it after it reports written rows, count what is left.

It uses its own SQLite file (the test database may be in memory); the
guarantee comes from the single transaction, which PostgreSQL gives the same way.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys

from stdnum.cn import ric

SEED = """
from jiceng.orgs.models import Unit
from jiceng.accounts.models import User, RoleAssignment
city = Unit.objects.create(name="市", kind="city", code="152502")
street = Unit.objects.create(name="街道", kind="street", code="152502001", parent=city)
Unit.objects.create(name="团结社区", kind="community", code="152502001001", parent=street)
user = User.objects.create_user("operator")
RoleAssignment.objects.create(user=user, role="city_admin", unit=city)
"""


def _roster(path, rows: int) -> None:
    lines = ["姓名,公民身份号码,居住社区"]
    for i in range(rows):
        body = f"152502{1986 + i // 900}0101{i % 900:03d}"
        lines.append(f"居民{i},{body + ric.calc_check_digit(body + '0')},团结社区")
    path.write_text("\n".join(lines), encoding="utf-8")


def _jiceng(env, *args, **kwargs):
    return [sys.executable, "-m", "jiceng", *args]


def test_killed_import_leaves_no_rows_and_can_run_again(tmp_path):
    database = tmp_path / "kill.sqlite3"
    env = os.environ | {
        "DATABASE_URL": f"sqlite:///{database}",
        "JICENG_VAR_DIR": str(tmp_path),
        "JICENG_IMPORT_THROTTLE_SECONDS": "2",
    }
    subprocess.run(_jiceng(env, "migrate", "-v0"), env=env, check=True)
    subprocess.run(_jiceng(env, "shell", "-c", SEED), env=env, check=True)
    roster = tmp_path / "roster.csv"
    _roster(roster, 2500)

    process = subprocess.Popen(
        _jiceng(env, "import", "people", str(roster), "--user", "operator"),
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    line = process.stdout.readline()
    while line and not line.startswith("已写入"):
        line = process.stdout.readline()
    assert line.startswith("已写入 1000"), line  # mid-write: one batch in, more to come
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=10)
    process.stdout.close()

    with sqlite3.connect(database) as connection:
        assert connection.execute("select count(*) from people_person").fetchone()[0] == 0

    env["JICENG_IMPORT_THROTTLE_SECONDS"] = "0"
    subprocess.run(
        _jiceng(env, "import", "people", str(roster), "--user", "operator"),
        env=env,
        check=True,
        capture_output=True,
    )
    with sqlite3.connect(database) as connection:
        assert connection.execute("select count(*) from people_person").fetchone()[0] == 2500
