"""The one scoping rule, tested directly on the querysets every view uses."""

import pytest

from jiceng.orgs.models import Department, Unit
from jiceng.people.models import Person

CANARY = "CANARY"


def names(queryset) -> set[str]:
    return {str(obj) for obj in queryset}


@pytest.mark.parametrize(
    "persona, expected",
    [
        ("city_admin", {"王居民", "巴特尔", "CANARY居民", "CANARY党员"}),
        ("street_admin", {"王居民", "巴特尔"}),
        ("community_admin", {"王居民", "巴特尔"}),
        ("grid_worker", {"王居民", "巴特尔"}),
        ("dept_admin", {"巴特尔"}),
        ("party_member", {"巴特尔"}),
        ("nobody", set()),
    ],
)
def test_people_visible_per_persona(world, persona, expected):
    visible = names(Person.objects.visible_to(world.personas[persona]))
    assert visible == expected


def test_units_follow_subtrees(world):
    street = world.personas["street_admin"]
    visible = names(Unit.objects.visible_to(street))
    assert visible == {"宝力根街道", "团结社区", "和平社区", "团结社区第1网格"}
    assert not any(CANARY in name for name in visible)


def test_departments_for_unit_roles_are_owned_or_paired(world):
    community = world.personas["community_admin"]
    assert names(Department.objects.visible_to(community)) == {"锡林浩特市财政局党组"}
    dept = world.personas["dept_admin"]
    assert names(Department.objects.visible_to(dept)) == {"锡林浩特市财政局党组"}


def test_write_scope_is_narrower_than_read(world):
    grid_worker = world.personas["grid_worker"]
    assert Unit.objects.visible_to(grid_worker, "change").count() == 0
    dept = world.personas["dept_admin"]
    assert Person.objects.visible_to(dept, "change").count() == 0


def test_inactive_and_anonymous_users_see_nothing(world):
    from django.contrib.auth.models import AnonymousUser

    admin = world.personas["city_admin"]
    admin.is_active = False
    assert Person.objects.visible_to(admin).count() == 0
    assert Person.objects.visible_to(AnonymousUser()).count() == 0


def test_moving_a_community_moves_its_records_into_the_new_scope(world):
    world.community_b.parent = world.street_a
    world.community_b.full_clean()
    world.community_b.save()
    street = world.personas["street_admin"]
    assert "CANARY居民" in names(Person.objects.visible_to(street))
    world.grid_b.refresh_from_db()
    assert world.grid_b.path.startswith(world.street_a.path)


def test_grants_on_agrees_with_units_granting(world, django_user_model):
    from jiceng.core.scoping import grants_on, units_granting

    superuser = django_user_model.objects.create_superuser("root", password="x")
    users = [*world.personas.values(), superuser]
    for perm in ("unit.view", "unit.add", "departmentpairing.add", "leaderlink.add"):
        for user in users:
            granted = set(units_granting(user, perm))
            for unit in Unit.objects.all():
                assert grants_on(user, perm, unit) == (unit in granted), (user, perm, unit)
