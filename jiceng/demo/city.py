"""Builds the demo city in one transaction: units, departments, people, links, accounts."""

from __future__ import annotations

import itertools
import random
from collections.abc import Sequence

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils.translation import gettext as _
from faker import Faker

from jiceng.accounts.models import User
from jiceng.orgs.models import Department, DepartmentType, Unit
from jiceng.people.choices import PoliticalStatus
from jiceng.people.models import Person

from .departments import LEAGUE, DepartmentSpec, department_specs
from .links import (
    baolian_pool,
    contact_point_pool,
    create_leader_links,
    create_pairings,
    plan_pairings,
)
from .people import IN_SERVICE_TAGS, RESIDENT_TAGS, PersonFactory, age_of
from .reporting import load_reporting
from .sizes import Sizes, apportion
from .units import Tree, build_tree
from .users import ADMIN, DEMO_ROLES, Login, create_users, grid_worker_username
from .worklists import create_joint_meetings, create_worklists

DEFAULT_SEED = 20231225  # the article's publication date
DEFAULT_PASSWORD = "Jiceng@2024"
# Relative staff sizes: schools and hospitals are large, sector bodies small.
KIND_WEIGHTS = {
    DepartmentType.ORGAN: 1.0,
    DepartmentType.INSTITUTION: 1.5,
    DepartmentType.STATE_ENTERPRISE: 1.2,
    DepartmentType.TWO_NEW: 0.35,
    DepartmentType.OTHER: 0.45,
}


class DemoError(Exception):
    """The demo city cannot be loaded into this database."""


def load_demo_city(
    scale: float = 1, seed: int = DEFAULT_SEED, password: str = DEFAULT_PASSWORD
) -> dict[str, int]:
    """Load the whole city or nothing; returns what was created, by kind."""
    _refuse_clashes(DEMO_ROLES)  # early, before any work; grid logins are checked later
    password_hash = make_password(password)  # slow on purpose: once, outside the transaction
    with transaction.atomic():
        counts = CityBuilder(scale, seed).build(password_hash)
    _refresh_planner_statistics()
    return counts


def _refresh_planner_statistics() -> None:
    """After a bulk load the planner's row estimates are stale (PostgreSQL's
    autovacuum catches up only later); without fresh ones it picks bad plans.
    VACUUM also marks the new pages all-visible, which lets counts over large
    scopes use index-only scans (the city's people count: 50 ms → 18 ms)."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # VACUUM cannot run inside a transaction (e.g. a test's).
            cursor.execute("ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE")


class CityBuilder:
    def __init__(self, scale: float, seed: int):
        self.rng = random.Random(seed)
        fake = Faker("zh_CN")
        fake.seed_instance(seed)
        self.factory = PersonFactory(self.rng, fake)
        self.sizes = Sizes.for_scale(scale)

    def build(self, password_hash: str) -> dict[str, int]:
        tree = build_tree(self.rng, self.sizes)
        specs = department_specs(self.rng, self.sizes.departments)
        departments = _create_departments(specs, tree)
        pairs = plan_pairings(self.rng, len(departments), len(tree.communities))
        # The department paired with the first community hosts the demo party member.
        anchor = pairs[0][0]
        people = self._populate(tree, departments, anchor)
        self._file_secretaries(tree, departments, people["members"])
        pairings = create_pairings(self.rng, pairs, departments, tree.communities)
        links = create_leader_links(
            self.rng,
            tree.streets,
            tree.communities,
            baolian_pool(specs, departments, people["members"]),
            contact_point_pool(specs, people["members"]),
        )
        load_reporting(self.rng, tree.grids, people["workers"], people["members"], pairings)
        logins = self._logins(tree, departments, people, anchor)
        users = self._create_users(logins, password_hash)
        create_worklists(random.Random(self.rng.random()), tree)  # jiceng.demo.worklists
        create_joint_meetings(tree, departments)  # after the accounts: the admins resolve
        return self._summary(tree, departments, pairings, links, users)

    # --- people
    def _populate(self, tree: Tree, departments: list[Department], anchor: int) -> dict:
        self.grid_weights = list(
            itertools.accumulate(self.rng.uniform(0.5, 1.5) for _ in tree.grids)
        )
        members = self._in_service(tree, departments)
        # Put the demo party member in the first grid, next to the demo staff.
        members[anchor][0].home_unit = tree.grids[0]
        people = {
            "members": members,
            "workers": [self._grid_worker(grid) for grid in tree.grids],
            "staff": self._staff(tree),
        }
        self._secretaries(tree)
        for home in self._homes(tree, self.sizes.residents):
            self._resident(home)
        self.factory.save()
        return people

    def _homes(self, tree: Tree, count: int) -> list[Unit]:
        return self.rng.choices(tree.grids, cum_weights=self.grid_weights, k=count)

    def _in_service(self, tree: Tree, departments: list[Department]) -> list[list[Person]]:
        """In-service party members (在职党员): they work for a department, belong to its
        party organization and report to the community where they live."""
        weights = [KIND_WEIGHTS[d.kind] * self.rng.uniform(0.5, 1.5) for d in departments]
        counts = apportion(self.sizes.in_service, weights, minimum=2)
        return [
            [self._member(department, home) for home in self._homes(tree, count)]
            for department, count in zip(departments, counts, strict=True)
        ]

    def _member(self, department: Department, home: Unit) -> Person:
        person = self.factory.person(home, (23, 59), female_share=0.45)
        person.workplace = department
        self.factory.join_party(person, department=department, probationary_share=0.03)
        self.factory.add_tags(person, IN_SERVICE_TAGS)
        return person

    def _grid_worker(self, grid: Unit) -> Person:
        person = self.factory.person(grid, (24, 50), female_share=0.7)
        if self.rng.random() < 0.55:
            self.factory.join_party(person, unit=grid.parent)
        elif age_of(person) <= 28:
            person.political_status = PoliticalStatus.LEAGUE_MEMBER
        return person

    def _secretaries(self, tree: Tree) -> None:
        for index, street in enumerate(tree.streets):
            home = self.rng.choice(tree.grids_of_street(index))
            street.secretary = self._party_member(street, home, (40, 58), 0.3)
        for community, grids in zip(tree.communities, tree.grids_of, strict=True):
            community.secretary = self._party_member(
                community, self.rng.choice(grids), (32, 56), 0.5
            )

    def _staff(self, tree: Tree) -> list[Person]:
        """The people behind the street_admin and community_admin logins."""
        street_home = self.rng.choice(tree.grids_of_street(0))
        return [
            self._party_member(tree.streets[0], street_home, (26, 45), 0.5),
            self._party_member(tree.communities[0], tree.grids[0], (26, 45), 0.6),
        ]

    def _party_member(
        self, unit: Unit, home: Unit, ages: tuple[int, int], female_share: float
    ) -> Person:
        person = self.factory.person(home, ages, female_share)
        self.factory.join_party(person, unit=unit)
        return person

    def _resident(self, home: Unit) -> Person:
        """Everyone else: retired members in their community's organization, youth
        league members, a few democratic-party members, and the masses of all ages."""
        roll = self.rng.random()
        if roll < 0.25:
            person = self._party_member(home.parent, home, (55, 88), 0.5)
        elif roll < 0.35:
            person = self.factory.person(home, (14, 28))
            person.political_status = PoliticalStatus.LEAGUE_MEMBER
        elif roll < 0.36:
            person = self.factory.person(home, (35, 70))
            person.political_status = PoliticalStatus.DEMOCRATIC_PARTY
        else:
            ages = self.rng.choices([(3, 17), (18, 59), (60, 92)], weights=[18, 52, 30])[0]
            person = self.factory.person(home, ages)
        self.factory.add_tags(person, RESIDENT_TAGS)
        return person

    def _file_secretaries(
        self, tree: Tree, departments: list[Department], members: list[list[Person]]
    ) -> None:
        Unit.objects.bulk_update(tree.streets + tree.communities, ["secretary"], batch_size=500)
        for department, staff in zip(departments, members, strict=True):
            department.secretary = staff[1]
        Department.objects.bulk_update(departments, ["secretary"], batch_size=500)

    # --- accounts
    def _logins(
        self, tree: Tree, departments: list[Department], people: dict, anchor: int
    ) -> list[Login]:
        members, workers = people["members"], people["workers"]
        party_member, dept_admin = members[anchor][0], members[anchor][1]
        # City admins sit in the organization department (department 0).
        city_admin = _pick(
            [*reversed(members[0]), *itertools.chain(*members)], {party_member, dept_admin}
        )
        logins = [
            Login("city_admin", "city_admin", city_admin, unit=tree.city),
            Login("street_admin", "street_staff", people["staff"][0], unit=tree.streets[0]),
            Login(
                "community_admin", "community_staff", people["staff"][1], unit=tree.communities[0]
            ),
            Login("dept_admin", "dept_admin", dept_admin, department=departments[anchor]),
            Login("party_member", "party_member", party_member),
        ]
        return logins + [
            Login(grid_worker_username(index, grid), "grid_worker", worker, unit=grid)
            for index, (grid, worker) in enumerate(zip(tree.grids, workers, strict=True))
        ]

    def _create_users(self, logins: list[Login], password_hash: str) -> int:
        existing = _refuse_clashes([login.username for login in logins])
        # An existing `admin` (e.g. from createsuperuser) is kept as it is.
        return create_users(logins, password_hash, with_admin=ADMIN not in existing)

    def _summary(
        self, tree: Tree, departments: list, pairings: list, links: list, users: int
    ) -> dict[str, int]:
        return {
            "streets": len(tree.streets),
            "communities": len(tree.communities),
            "grids": len(tree.grids),
            "departments": len(departments),
            "persons": len(self.factory.people),
            "in_service": self.sizes.in_service,
            "tagged": len({id(person) for person, _tag in self.factory.tags}),
            "pairings": len(pairings),
            "leader_links": len(links),
            "users": users,
        }


def _create_departments(specs: Sequence[DepartmentSpec], tree: Tree) -> list[Department]:
    departments = [
        Department(
            name=spec.name, kind=spec.kind, unit=tree.league if spec.owner == LEAGUE else tree.city
        )
        for spec in specs
    ]
    return Department.objects.bulk_create(departments, batch_size=500)


def _refuse_clashes(usernames) -> set[str]:
    """Raise DemoError if any of the usernames is taken; return all existing usernames."""
    existing = set(User.objects.values_list("username", flat=True))
    clashes = sorted(existing.intersection(usernames))
    if clashes:
        raise DemoError(
            _("以下用户名已存在，无法加载演示数据：%(names)s") % {"names": "、".join(clashes[:10])}
        )
    return existing


def _pick(candidates: Sequence[Person], taken: set[Person]) -> Person:
    # A user has at most one person and a person at most one user.
    return next(person for person in candidates if person not in taken)
