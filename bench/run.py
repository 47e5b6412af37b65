"""Run every benchmark, each in its own process and database: `make bench`.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/jiceng_bench make bench

- foundation, reporting, meetings: the database DATABASE_URL names, filled once
  with `jiceng demo --scale 10` (kept between runs: the load takes minutes);
- worklists: `<name>_worklists`, 1,000 city tasks decomposed to every community
  (kept between runs);
- imports and imports_worklists_reporting: a fresh `<name>_imports` each time on
  PostgreSQL, and again on SQLite in a temporary directory.
Without a PostgreSQL DATABASE_URL only the import benchmarks run, on SQLite: the
issues' page targets are set on PostgreSQL.
"""

import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

HERE = Path(__file__).resolve().parent
SHARED = ["foundation.py", "reporting.py", "meetings.py"]
IMPORTS = ["imports.py", "imports_worklists_reporting.py"]


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def admin(url: str, statement: str) -> None:
    """Run CREATE/DROP DATABASE on the same server (outside any transaction)."""
    import psycopg

    parts = urlsplit(with_database(url, "postgres"))
    with psycopg.connect(urlunsplit(parts), autocommit=True) as connection:
        connection.execute(statement)


def query(url: str, sql: str) -> list:
    import psycopg

    with psycopg.connect(with_database(url, "postgres")) as connection:
        return connection.execute(sql).fetchall()


def run(script: str, *args: str, database_url: str | None = None) -> int:
    env = dict(os.environ)
    env.pop("DATABASE_URL", None)
    if database_url:
        env["DATABASE_URL"] = database_url
    where = urlsplit(database_url).path.lstrip("/") if database_url else "SQLite (temporary)"
    print(f"\n## {script} {' '.join(args)} · {where}", flush=True)
    return subprocess.call([sys.executable, str(HERE / script), *args], env=env)


def main() -> int:
    url = os.environ.get("DATABASE_URL", "")
    failures = 0
    if url.startswith("postgres"):
        base = urlsplit(url).path.lstrip("/")
        for script in SHARED:
            failures += run(script, database_url=url) != 0
        worklists = f"{base}_worklists"
        exists = f"SELECT 1 FROM pg_database WHERE datname = '{worklists}'"
        if not query(url, exists):
            admin(url, f'CREATE DATABASE "{worklists}"')
        failures += run("worklists.py", database_url=with_database(url, worklists)) != 0
        scratch = f"{base}_imports"
        for script in IMPORTS:
            admin(url, f'DROP DATABASE IF EXISTS "{scratch}"')
            admin(url, f'CREATE DATABASE "{scratch}"')
            failures += run(script, database_url=with_database(url, scratch)) != 0
        admin(url, f'DROP DATABASE IF EXISTS "{scratch}"')
    else:
        print("DATABASE_URL is not PostgreSQL: only the import benchmarks run (on SQLite).")
    for script in IMPORTS:
        failures += run(script) != 0
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
