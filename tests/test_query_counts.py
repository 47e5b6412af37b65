"""List pages and exports issue a bounded number of queries, whatever the row count."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from jiceng.people.models import CareTag
from tests import factories as f
from tests.walker import release_file

MAX_QUERIES = 20


def _add_people(world, count: int) -> None:
    tag, _ = CareTag.objects.get_or_create(name="独居老人")
    for i in range(count):
        person = f.person(f"居民{i}", world.grid_a if i % 2 else world.community_a2)
        person.tags.add(tag)


def _add_grids(world, count: int) -> None:
    for i in range(count):
        f.unit(f"网格{i}", "grid", world.community_a2)


def _count(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
        assert response.status_code == 200
        if response.streaming:
            b"".join(response.streaming_content)
        release_file(response)
    return len(captured)


@pytest.mark.parametrize("url", ["/people/", "/people/?export=xlsx", "/people/?export=csv"])
def test_people_list_and_exports_do_not_grow_with_rows(
    world, login, url, django_assert_max_num_queries
):
    client = login("street_admin")
    _count(client, url)  # warm the session and caches
    _add_people(world, 5)
    few = _count(client, url)
    _add_people(world, 45)
    many = _count(client, url)
    # Relations are prefetched per page, one query per relation that any row of the
    # page uses, so the count may differ by the mix of rows but never grows with them.
    assert many <= few, f"{url}: {few} queries for 7 people, {many} for 52"
    with django_assert_max_num_queries(MAX_QUERIES):
        _count(client, url)


@pytest.mark.parametrize("url", ["/orgs/units/", "/orgs/units/?export=xlsx"])
def test_unit_list_does_not_grow_with_rows(world, login, url, django_assert_max_num_queries):
    client = login("street_admin")
    _count(client, url)
    _add_grids(world, 5)
    few = _count(client, url)
    _add_grids(world, 40)
    many = _count(client, url)
    assert few == many, f"{url}: {few} queries vs {many}"
    with django_assert_max_num_queries(MAX_QUERIES):
        _count(client, url)
