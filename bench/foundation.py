"""Issue 2 targets at --scale 10 on PostgreSQL: the scoped people list (HTML and
API, first page) under 50 ms p95 for a community user and the city admin; the
unit tree page under 100 ms.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/jiceng_bench \
        .venv/bin/python bench/foundation.py
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import harness  # noqa: E402


def bare_people_page(username: str):
    """The same first page of rows, read with one plain query and no view."""
    from jiceng.accounts.models import User
    from jiceng.people.models import Person

    user = User.objects.get(username=username)

    def run():
        scoped = Person.objects.visible_to(user)
        list(
            scoped.order_by("name", "pk").values_list(
                "id", "name", "id_number_masked", "phone_masked", "home_unit_id"
            )[:50]
        )
        scoped.count()

    return run


def bare_units(username: str):
    from jiceng.accounts.models import User
    from jiceng.orgs.models import Unit

    user = User.objects.get(username=username)
    roots = [a.unit for a in user.assignments if a.unit_id]

    def run():
        list(Unit.objects.filter(parent__in=roots).values_list("id", "name", "code"))

    return run


def main() -> None:
    harness.setup(scale=10)
    rows = []
    for username in ("community_admin", "city_admin"):
        client = harness.client_for(username)
        bare = harness.timings(bare_people_page(username))
        rows.append(
            (
                f"people list HTML, {username}",
                harness.timings(harness.get(client, "/people/")),
                bare,
                50,
            )
        )
        rows.append(
            (
                f"people list API, {username}",
                harness.timings(harness.get(client, "/api/v1/people?limit=50")),
                bare,
                50,
            )
        )
        rows.append(
            (
                f"unit tree page, {username}",
                harness.timings(harness.get(client, "/orgs/units/")),
                harness.timings(bare_units(username)),
                100,
            )
        )
    print(harness.report(rows))


if __name__ == "__main__":
    main()
