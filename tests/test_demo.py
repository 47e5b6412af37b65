"""The demo city (`jiceng demo`): shape of the tree, valid people, links and logins."""

from __future__ import annotations

import re
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from django.db.models import QuerySet
from django.test import override_settings

from jiceng.accounts.models import RoleAssignment, User
from jiceng.demo.city import DEFAULT_PASSWORD
from jiceng.demo.users import DEMO_USERNAMES
from jiceng.orgs.geo import validate_boundary
from jiceng.orgs.models import (
    ALLOWED_PARENTS,
    Department,
    DepartmentPairing,
    LeaderLink,
    PartyOrgType,
    Unit,
    UnitKind,
)
from jiceng.people.choices import PARTY_STATUSES
from jiceng.people.identity import validate_id_number
from jiceng.people.models import Person
from jiceng.worklists.models import JointMeetingBody, Meeting, Resolution


# Hashing one password is slow by design; the tests do not need that.
def fast_hasher() -> override_settings:
    return override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"])


MOBILE = re.compile(r"^1[3-9]\d{9}$")


def run_demo(*args: str) -> str:
    out = StringIO()
    call_command("demo", *args, stdout=out)
    return out.getvalue()


@pytest.fixture(scope="class")
def small_city(django_db_setup, django_db_blocker):
    """A tenth of the city, loaded once for TestSmallCity and rolled back after it."""
    with django_db_blocker.unblock(), fast_hasher(), transaction.atomic():
        yield run_demo("--scale", "0.1")
        transaction.set_rollback(True)


def in_service() -> QuerySet[Person]:
    return Person.objects.filter(
        political_status__in=PARTY_STATUSES, party_department__isnull=False
    )


def first_units() -> tuple[Unit, Unit, Unit]:
    street = Unit.objects.filter(kind=UnitKind.STREET).order_by("code").first()
    community = street.children.order_by("code").first()
    return street, community, community.children.order_by("code").first()


@pytest.mark.django_db
class TestSmallCity:
    """Checks on one city at scale 0.1, built once."""

    def test_small_scale_sizes(self, small_city):
        counts = {kind: Unit.objects.filter(kind=kind).count() for kind in UnitKind.values}
        assert counts == {"league": 1, "city": 1, "street": 1, "community": 6, "grid": 62}
        assert Department.objects.count() == 20
        assert in_service().count() == 716
        assert Person.objects.count() == 900
        assert "演示城市已加载" in small_city

    def test_tree_follows_kind_rules_paths_and_codes(self, small_city):
        units = {unit.pk: unit for unit in Unit.objects.all()}
        for unit in units.values():
            parent = units.get(unit.parent_id)
            assert (parent.kind if parent else None) in ALLOWED_PARENTS[unit.kind]
            assert unit.path == (parent.path if parent else "/") + f"{unit.pk}/"
            assert unit.depth == unit.path.count("/") - 2
            if unit.kind in (UnitKind.STREET, UnitKind.COMMUNITY, UnitKind.GRID):
                # GB/T 10114 streets, then community and grid numbers appended (CJ/T 349).
                assert re.fullmatch(re.escape(parent.code) + r"\d{3}", unit.code)
            unit.full_clean()
        league = next(u for u in units.values() if u.kind == UnitKind.LEAGUE)
        city = next(u for u in units.values() if u.kind == UnitKind.CITY)
        assert (league.code, league.name, city.code, city.name) == (
            "152500",
            "锡林郭勒盟",
            "152502",
            "锡林浩特市",
        )
        assert city.descendants().count() == len(units) - 1

    def test_grids_tile_their_community(self, small_city):
        for community in Unit.objects.filter(kind=UnitKind.COMMUNITY):
            validate_boundary(community.boundary)
            west, south, east, north = bbox(community.boundary)
            assert 116.03 <= west < east <= 116.13 and 43.90 <= south < north <= 43.98
            area = 0.0
            for grid in community.children.all():
                validate_boundary(grid.boundary)
                g_west, g_south, g_east, g_north = bbox(grid.boundary)
                assert west <= g_west < g_east <= east and south <= g_south < g_north <= north
                area += (g_east - g_west) * (g_north - g_south)
            assert area == pytest.approx((east - west) * (north - south), rel=1e-3)

    def test_people_have_valid_unique_identities(self, small_city):
        numbers = set()
        for person in Person.objects.all():
            number = validate_id_number(person.id_number)
            numbers.add(number)
            assert person.birth_date.strftime("%Y%m%d") == number[6:14]
            assert person.gender == ("male" if int(number[16]) % 2 else "female")
            assert person.phone == "" or MOBILE.match(person.phone)
            person.full_clean()
        assert len(numbers) == Person.objects.count()
        mongolian = Person.objects.filter(ethnicity="蒙古族").count() / len(numbers)
        assert 0.2 < mongolian < 0.4
        assert Person.objects.filter(tags__isnull=False).distinct().count() > 0.03 * len(numbers)

    def test_in_service_members_work_and_live_somewhere(self, small_city):
        for person in in_service().select_related("home_unit"):
            assert person.workplace_id == person.party_department_id
            assert person.party_unit_id is None
            assert person.home_unit.kind == UnitKind.GRID
            assert person.party_join_date > person.birth_date
        others = Person.objects.filter(
            political_status__in=PARTY_STATUSES, party_department__isnull=True
        )
        assert others.exists() and not others.filter(party_unit__isnull=True).exists()

    def test_every_party_organization_has_a_secretary(self, small_city):
        org_types = {
            UnitKind.STREET: {PartyOrgType.JOINT_WORKING_COMMITTEE, PartyOrgType.WORKING_COMMITTEE},
            UnitKind.COMMUNITY: {
                PartyOrgType.COMMITTEE,
                PartyOrgType.GENERAL_BRANCH,
                PartyOrgType.BRANCH,
            },
            UnitKind.GRID: {PartyOrgType.GRID_BRANCH, PartyOrgType.GROUP},
        }
        for unit in Unit.objects.filter(kind__in=org_types).select_related("secretary"):
            assert unit.party_org_type in org_types[unit.kind]
            assert unit.party_org_name.startswith(unit.name)
            if unit.kind != UnitKind.GRID:
                assert unit.secretary.party_unit_id == unit.pk
        for department in Department.objects.select_related("secretary"):
            assert department.secretary.party_department_id == department.pk

    def test_pairings_and_leader_links(self, small_city):
        communities = Unit.objects.filter(kind=UnitKind.COMMUNITY)
        for department in Department.objects.all():
            paired = list(department.pairings.values_list("community_id", flat=True))
            assert 1 <= len(paired) <= 3 and len(set(paired)) == len(paired)
        for pairing in DepartmentPairing.objects.all():
            assert pairing.leader_id is not None
            pairing.full_clean()
        for community in communities:
            assert community.department_pairings.exists()
            assert community.leader_links.filter(kind="baolian").count() == 1
        for street in Unit.objects.filter(kind=UnitKind.STREET):
            assert 1 <= street.leader_links.filter(kind="contact_point").count() <= 2
        for link in LeaderLink.objects.all():
            link.full_clean()

    def test_demo_users_have_their_roles(self, small_city):
        street, community, grid = first_units()
        expected = {
            "city_admin": ("city_admin", Unit.objects.get(kind=UnitKind.CITY), None),
            "street_admin": ("street_staff", street, None),
            "community_admin": ("community_staff", community, None),
            "grid_worker": ("grid_worker", grid, None),
        }
        for username, (role, unit, department) in expected.items():
            user = User.objects.get(username=username)
            assert user.person_id is not None
            assert [(a.role, a.unit, a.department) for a in user.assignments] == [
                (role, unit, department)
            ]
        admin = User.objects.get(username="admin")
        assert admin.is_superuser and admin.is_staff
        with fast_hasher():
            assert all(
                User.objects.get(username=name).check_password(DEFAULT_PASSWORD)
                for name in DEMO_USERNAMES
            )

    def test_department_and_party_member_logins_meet_in_the_first_community(self, small_city):
        _, community, _ = first_units()
        grids = community.children.all()
        member = User.objects.get(username="party_member")
        assert [(a.role, a.unit_id, a.department_id) for a in member.assignments] == [
            ("party_member", None, None)
        ]
        assert in_service().filter(pk=member.person_id, home_unit__in=grids).exists()
        dept_admin = User.objects.get(username="dept_admin")
        (assignment,) = dept_admin.assignments
        department = assignment.department
        assert assignment.role == "dept_admin" and assignment.unit_id is None
        assert department.staff.filter(home_unit__in=grids).exists()
        assert department.pairings.filter(community=community).exists()
        # The scoping rule gives each their records.
        assert set(Person.objects.visible_to(member)) == {member.person}
        assert Person.objects.visible_to(dept_admin).count() == department.staff.count()

    def test_every_grid_has_a_grid_worker(self, small_city):
        workers = RoleAssignment.objects.filter(role="grid_worker")
        assert sorted(workers.values_list("unit_id", flat=True)) == sorted(
            Unit.objects.filter(kind=UnitKind.GRID).values_list("pk", flat=True)
        )
        for assignment in workers.select_related("user__person"):
            assert assignment.user.person.home_unit_id == assignment.unit_id

    def test_joint_meetings_with_a_resolution_turned_into_a_task(self, small_city):
        city_body, street_body = JointMeetingBody.objects.order_by("unit__depth")
        street, community, _grid = first_units()
        assert (city_body.unit.kind, street_body.unit) == ("city", street)
        assert street_body.convener == street.secretary and city_body.convener is not None
        assert set(street_body.member_units.all()) == set(street.children.all())
        for body in (city_body, street_body):
            assert body.meetings.count() == 2 and body.member_departments.exists()
            resolution = Resolution.objects.get(meeting__body=body)
            task = resolution.task
            assert task.source == "resolution" and task.unit == body.unit
            assert set(task.assignments.values_list("unit", flat=True)) == set(
                body.member_units.values_list("pk", flat=True)
            )
        street_admin = User.objects.get(username="street_admin")
        assert Resolution.objects.get(meeting__body=street_body).task.created_by == street_admin
        assert Resolution.objects.get(meeting__body=city_body).task.plan is not None

    def test_print_logins_and_refusals(self, small_city):
        with fast_hasher():
            output = run_demo("--print-logins")
        for username in DEMO_USERNAMES:
            assert username in output
        assert DEFAULT_PASSWORD in output
        with pytest.raises(CommandError, match="已有单位"):
            run_demo()
        # Already loaded: nothing is added, but the logins are shown again.
        assert "community_admin" in run_demo("--if-empty")
        assert Unit.objects.filter(kind=UnitKind.STREET).count() == 1


def bbox(boundary: dict) -> tuple[float, float, float, float]:
    ring = boundary["coordinates"][0]
    lons, lats = [p[0] for p in ring], [p[1] for p in ring]
    return min(lons), min(lats), max(lons), max(lats)


@pytest.mark.django_db
def test_print_logins_on_an_empty_database():
    assert "尚未加载" in run_demo("--print-logins")


@pytest.mark.django_db
@pytest.mark.parametrize("args", [["--scale", "0"], ["--scale", "1000"], ["--password", "short"]])
def test_rejects_bad_options(args):
    with pytest.raises(CommandError):
        run_demo(*args)
    assert not Unit.objects.exists()


@pytest.mark.django_db
def test_existing_usernames(django_user_model):
    admin = django_user_model.objects.create_user("admin", password="Keep-me-123")
    with fast_hasher():
        run_demo("--scale", "0.01", "-v0")
    kept = User.objects.get(pk=admin.pk)
    assert kept.check_password("Keep-me-123") and not kept.is_superuser
    assert User.objects.filter(username="city_admin").exists()


@pytest.mark.django_db
@pytest.mark.parametrize("username", ["dept_admin", "gw152502001001002"])
def test_clashing_username_loads_nothing(django_user_model, username):
    # dept_admin is caught before any work, a grid login only at the end: both roll back.
    django_user_model.objects.create_user(username)
    with fast_hasher(), pytest.raises(CommandError, match=username):
        run_demo("--scale", "0.01")
    assert not Unit.objects.exists() and not Person.objects.exists()


@pytest.mark.django_db
def test_tiny_scale_still_has_every_level_and_login():
    with fast_hasher():
        run_demo("--scale", "0.001", "-v0")
    for kind in UnitKind.values:
        assert Unit.objects.filter(kind=kind).count() == 1
    assert set(User.objects.values_list("username", flat=True)) == set(DEMO_USERNAMES)


@pytest.mark.django_db
def test_same_seed_same_city():
    first = fingerprint("--seed", "7")
    assert fingerprint("--seed", "7") == first
    assert fingerprint("--seed", "8") != first


def fingerprint(*args: str) -> tuple:
    """What a run created, independent of primary keys; the run is rolled back."""
    with fast_hasher(), transaction.atomic():
        run_demo("--scale", "0.03", "-v0", *args)
        result = (
            list(Unit.objects.order_by("code").values_list("code", "name", "party_org_name")),
            list(Department.objects.order_by("name").values_list("name", "kind")),
            list(
                Person.objects.order_by("id_number_hash").values_list(
                    "name",
                    "id_number_hash",
                    "phone_hash",
                    "home_unit__code",
                    "political_status",
                    "party_department__name",
                    "ethnicity",
                )
            ),
            list(
                User.objects.order_by("username").values_list("username", "person__id_number_hash")
            ),
            list(
                Meeting.objects.order_by("body__name", "date").values_list(
                    "body__name", "body__convener__id_number_hash", "date", "attendees", "minutes"
                )
            ),
            list(
                Resolution.objects.order_by("text", "task__assignments__unit__code").values_list(
                    "text", "task__due_date", "task__assignments__unit__code"
                )
            ),
        )
        transaction.set_rollback(True)
    return result


@pytest.mark.django_db
def test_scale_one_matches_the_article():
    """620 grids, 202 department party organizations, 7,162 in-service members (~5 s)."""
    with fast_hasher():
        run_demo("-v0")
    counts = {kind: Unit.objects.filter(kind=kind).count() for kind in UnitKind.values}
    assert counts == {"league": 1, "city": 1, "street": 8, "community": 55, "grid": 620}
    assert Department.objects.count() == 202
    assert in_service().count() == 7162
    assert Person.objects.count() == 9000
    assert Person.objects.filter(id_number_hash__isnull=True).count() == 0
    streets = Unit.objects.filter(kind=UnitKind.STREET).order_by("code")
    assert [s.code for s in streets] == [f"152502{n:03d}" for n in range(1, 9)]
    assert streets[0].name == "宝力根街道"
    assert not Unit.objects.filter(kind__in=["street", "community"], secretary=None).exists()
    for number in (p.id_number for p in Person.objects.only("id_number_cipher")):
        validate_id_number(number)
