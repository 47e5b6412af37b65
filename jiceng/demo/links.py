"""Who is paired with whom: departments with communities, leaders with units."""

from __future__ import annotations

import datetime
import itertools
import random
from collections.abc import Iterator, Sequence

from jiceng.orgs.models import (
    Department,
    DepartmentPairing,
    DepartmentType,
    LeaderLink,
    LeaderLinkKind,
    PairingKind,
    Unit,
)
from jiceng.people.models import Person

from .departments import CITY, DepartmentSpec

BATCH = 1000
# Leaders of the city who take a street as their grassroots contact point.
CITY_LEADER_TITLES = [
    "市委副书记",
    "市委常委、组织部部长",
    "市委常委、宣传部部长",
    "市委常委、统战部部长",
    "市委常委、政法委书记",
    "市委常委、常务副市长",
    "市委常委、副市长",
    "市纪委书记、监委主任",
    "市人大常委会副主任",
    "市政协副主席",
    "副市长",
]


def random_date(rng: random.Random, first: datetime.date, last: datetime.date) -> datetime.date:
    return first + datetime.timedelta(days=rng.randint(0, (last - first).days))


def plan_pairings(rng: random.Random, departments: int, communities: int) -> list[tuple[int, int]]:
    """(department, community) index pairs: each department gets 1–3 communities and
    every community at least one department. The first pair is with community 0."""
    order = list(range(departments))
    rng.shuffle(order)
    chosen: list[list[int]] = [[] for _ in range(departments)]
    # Deal communities round-robin first, so none is left without a partner.
    for community in range(communities):
        chosen[order[community % departments]].append(community)
    for department in order:
        want = min(rng.randint(1, 3), communities)
        free = [c for c in range(communities) if c not in chosen[department]]
        chosen[department] += rng.sample(free, max(0, want - len(chosen[department])))
    pairs = [(department, community) for department in order for community in chosen[department]]
    return sorted(pairs, key=lambda pair: pair[1] != 0)


def create_pairings(
    rng: random.Random, pairs, departments: Sequence[Department], communities: Sequence[Unit]
) -> list[DepartmentPairing]:
    pairings = []
    for department_index, community_index in pairs:
        department = departments[department_index]
        # Organs often take a community under 包联; others build together (结对共建).
        baolian = department.kind == DepartmentType.ORGAN and rng.random() < 0.4
        pairings.append(
            DepartmentPairing(
                department=department,
                community=communities[community_index],
                kind=PairingKind.BAOLIAN if baolian else PairingKind.CO_BUILDING,
                start_date=random_date(rng, datetime.date(2021, 3, 1), datetime.date(2023, 10, 31)),
                leader=department.secretary,
            )
        )
    return DepartmentPairing.objects.bulk_create(pairings, batch_size=BATCH)


# An endless round of (leader, title): each candidate once before anyone twice.
LeaderPool = Iterator[tuple[Person, str]]


def baolian_pool(
    specs: Sequence[DepartmentSpec],
    departments: Sequence[Department],
    members: Sequence[Sequence[Person]],
) -> LeaderPool:
    """City bureau heads first, then their deputies: the 处级 leaders who 包联 communities."""
    city_organs = [
        i
        for i, spec in enumerate(specs)
        if spec.owner == CITY and spec.kind == DepartmentType.ORGAN
    ]
    indexes = city_organs or list(range(len(specs)))
    heads = [(departments[i].secretary, specs[i].head_title) for i in indexes]
    deputies = [(person, specs[i].deputy_title) for i in indexes for person in members[i][2:3]]
    return itertools.cycle(heads + deputies)


def contact_point_pool(
    specs: Sequence[DepartmentSpec], members: Sequence[Sequence[Person]]
) -> LeaderPool:
    """City leaders, filed under the city's party organs, each with a leadership title."""
    organs = [i for i, spec in enumerate(specs) if spec.owner == CITY and spec.is_party_organ]
    people = [person for i in organs or range(len(specs)) for person in members[i][3:5]]
    people = people or [group[0] for group in members]
    titles = itertools.cycle(CITY_LEADER_TITLES)
    return itertools.cycle([(person, next(titles)) for person in people])


def create_leader_links(
    rng: random.Random,
    streets: Sequence[Unit],
    communities: Sequence[Unit],
    baolian: LeaderPool,
    contact: LeaderPool,
) -> list[LeaderLink]:
    first, last = datetime.date(2021, 9, 1), datetime.date(2023, 6, 30)
    links = []
    for community in communities:
        leader, title = next(baolian)
        links.append(
            LeaderLink(
                leader=leader,
                unit=community,
                kind=LeaderLinkKind.BAOLIAN,
                title=title,
                start_date=random_date(rng, first, last),
            )
        )
    for street in streets:
        for _ in range(rng.randint(1, 2)):
            leader, title = next(contact)
            links.append(
                LeaderLink(
                    leader=leader,
                    unit=street,
                    kind=LeaderLinkKind.CONTACT_POINT,
                    title=title,
                    start_date=random_date(rng, first, last),
                )
            )
    return LeaderLink.objects.bulk_create(links, batch_size=BATCH)
