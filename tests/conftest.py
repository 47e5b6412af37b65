"""Personas for every role and canary records in sibling subtrees.

The world (a city with two streets):

    city
    ├── street_a ── community_a ── grid_a      (personas live here)
    │            └─ community_a2
    └── street_b ── community_b ── grid_b      (canaries live here)

Every persona must see the "home" records of its scope and never a canary.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

import pytest
from django.test import Client

from jiceng.orgs.models import DepartmentPairing, Unit
from tests import factories as f

# Browser fixtures (page, phone) for the end-to-end tests.
pytest_plugins = ["tests.browser"]


@dataclass
class World:
    city: Unit
    street_a: Unit
    community_a: Unit
    community_a2: Unit
    grid_a: Unit
    street_b: Unit
    community_b: Unit
    grid_b: Unit
    department_a: object
    department_b: object
    resident_a: object
    member_a: object
    canary_person: object
    canary_member: object
    personas: dict


PERSONAS = [
    "city_admin",
    "street_admin",
    "community_admin",
    "grid_worker",
    "dept_admin",
    "party_member",
    "nobody",
]


@pytest.fixture(autouse=True)
def _empty_local_cache():
    """Every test starts with an empty in-process cache: ids repeat from test to
    test, so cached figures could outlive the data they were counted from. A
    shared cache (Redis) is never cleared."""
    from django.core.cache import caches
    from django.core.cache.backends.locmem import LocMemCache

    if isinstance(caches["default"], LocMemCache):
        caches["default"].clear()


@pytest.fixture
def world(db) -> World:
    city = f.unit("锡林浩特市", "city", code="152502")
    street_a = f.unit("宝力根街道", "street", city, code="152502001")
    community_a = f.unit("团结社区", "community", street_a, code="152502001001")
    community_a2 = f.unit("和平社区", "community", street_a, code="152502001002")
    grid_a = f.unit("团结社区第1网格", "grid", community_a, code="152502001001001")
    street_b = f.unit("希日塔拉街道", "street", city, code="152502002")
    community_b = f.unit("CANARY社区", "community", street_b, code="152502002001")
    grid_b = f.unit("CANARY网格", "grid", community_b, code="152502002001001")

    department_a = f.department("锡林浩特市财政局党组", city)
    department_b = f.department("CANARY部门党组", city)
    DepartmentPairing.objects.create(
        department=department_a, community=community_a, start_date=datetime.date(2024, 1, 1)
    )
    DepartmentPairing.objects.create(
        department=department_b, community=community_b, start_date=datetime.date(2024, 1, 1)
    )

    resident_a = f.person("王居民", grid_a)
    member_a = f.person(
        "巴特尔",
        grid_a,
        political_status="party_member",
        party_department=department_a,
        workplace=department_a,
        party_join_date=datetime.date(2010, 7, 1),
        ethnicity="蒙古族",
    )
    canary_person = f.person("CANARY居民", grid_b)
    canary_member = f.person(
        "CANARY党员",
        community_b,
        political_status="party_member",
        party_department=department_b,
        workplace=department_b,
        party_join_date=datetime.date(2012, 7, 1),
    )

    personas = {
        "city_admin": f.user("city_admin", "city_admin", unit=city),
        "street_admin": f.user("street_admin", "street_staff", unit=street_a),
        "community_admin": f.user("community_admin", "community_staff", unit=community_a),
        "grid_worker": f.user("grid_worker", "grid_worker", unit=grid_a),
        "dept_admin": f.user("dept_admin", "dept_admin", department=department_a),
        "party_member": f.user("party_member", "party_member", person_obj=member_a),
        "nobody": f.user("nobody"),
    }
    return World(
        city,
        street_a,
        community_a,
        community_a2,
        grid_a,
        street_b,
        community_b,
        grid_b,
        department_a,
        department_b,
        resident_a,
        member_a,
        canary_person,
        canary_member,
        personas,
    )


@pytest.fixture
def login(world):
    """login('city_admin') -> a Client logged in as that persona."""

    def _login(persona: str) -> Client:
        client = Client()
        client.force_login(world.personas[persona])
        return client

    return _login


@pytest.fixture
def canaries(world, settings, tmp_path):
    """A canary record for every Scoped model, in street_b (see tests/canaries.py);
    canary files (attachments, photos) under a temporary MEDIA_ROOT."""
    from tests.canaries import build_canaries

    settings.MEDIA_ROOT = tmp_path / "media"
    return build_canaries(world)


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Real hashers cost ~0.5 s per user; tests check policy and lockout, not hash strength."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
