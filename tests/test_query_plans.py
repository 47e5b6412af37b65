"""The subtree filter uses the index on orgs_unit.path, on SQLite and PostgreSQL.

No planner tricks (no `enable_seqscan = off`): the tables get a few thousand
rows and fresh statistics, so the planner picks the index on its own. The
suite runs on both databases in CI, and this module on whichever is in use.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.models import CharField, Value
from django.db.models.functions import Cast, Concat

from jiceng.core.scoping import subtree_q
from jiceng.orgs.models import Unit
from jiceng.people.models import Person

UNITS = 3000
PEOPLE = 3000


def path_indexes() -> set[str]:
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, Unit._meta.db_table)
    names = {name for name, c in constraints.items() if c["index"] and c["columns"] == ["path"]}
    assert names, "orgs_unit.path has no index"
    return names


@pytest.fixture
def big_tree(db):
    """A city with UNITS streets and PEOPLE residents spread over its grids."""
    city = Unit.objects.create(name="市", kind="city", code="9900")
    streets = Unit.objects.bulk_create(
        Unit(name=f"街道{i}", kind="street", code=f"99{i:06d}", parent=city, depth=1)
        for i in range(UNITS)
    )
    # bulk_create skips save(), which maintains paths: set them in one UPDATE.
    Unit.objects.filter(parent=city).update(
        path=Concat(Value(city.path), Cast("pk", CharField()), Value("/"))
    )
    big = Unit.objects.get(pk=streets[UNITS // 2].pk)
    Person.objects.bulk_create(
        Person(name=f"居民{i}", home_unit=streets[i % UNITS]) for i in range(PEOPLE)
    )
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ANALYZE orgs_unit")
            cursor.execute("ANALYZE people_person")
        else:
            cursor.execute("ANALYZE")
    return big


def test_unit_subtree_uses_the_path_index(big_tree):
    queryset = Unit.objects.filter(subtree_q(big_tree))
    plan = queryset.explain()
    assert any(name in plan for name in path_indexes()), plan
    assert list(queryset) == [big_tree]


def test_person_subtree_uses_the_path_index(big_tree):
    queryset = Person.objects.filter(subtree_q(big_tree, "home_unit"))
    plan = queryset.explain()
    assert any(name in plan for name in path_indexes()), plan
    assert queryset.count() == PEOPLE // UNITS


def test_paths_compare_bytewise_on_postgresql(db):
    """Subtree ranges assume '/' sorts before digits, byte by byte. Linguistic
    collations (en_US.UTF-8, zh_CN.UTF-8) ignore punctuation and would drop
    /1/3/ from the range [/1/, /10): the path column must compare in C order."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite compares text bytewise (BINARY collation) by default")
    with connection.cursor() as cursor:
        cursor.execute("SELECT '/1/3/' >= '/1/' AND '/1/3/' < '/10' FROM orgs_unit LIMIT 0")
        cursor.execute(
            "SELECT (%s::varchar COLLATE pg_catalog.default) < %s::varchar FROM (SELECT 1) AS one",
            ["/1/3/", "/10"],
        )
        assert cursor.fetchone()[0], "the database collation is not bytewise; see docstring"
