"""The demo unit tree: 锡林郭勒盟 → 锡林浩特市 → streets → communities → grids."""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass, field

from jiceng.orgs.models import PartyOrgType, Unit, UnitKind

from .geometry import CITY_AREA, Rect, polygon, treemap
from .names import COMMUNITY_BASES, STREET_BASES, unique_names
from .sizes import Sizes, apportion

BATCH = 500
LEAGUE = ("152500", "锡林郭勒盟", "中共锡林郭勒盟委员会")
CITY = ("152502", "锡林浩特市", "中共锡林浩特市委员会")


@dataclass
class Tree:
    league: Unit
    city: Unit
    streets: list[Unit] = field(default_factory=list)
    communities: list[Unit] = field(default_factory=list)
    grids: list[Unit] = field(default_factory=list)
    # Children by index, parallel to streets and communities.
    communities_of: list[list[Unit]] = field(default_factory=list)
    grids_of: list[list[Unit]] = field(default_factory=list)

    def grids_of_street(self, street_index: int) -> list[Unit]:
        start = sum(len(c) for c in self.communities_of[:street_index])
        count = len(self.communities_of[street_index])
        return list(itertools.chain(*self.grids_of[start : start + count]))


def build_tree(rng: random.Random, sizes: Sizes) -> Tree:
    """Create every unit, level by level, each level in bulk."""
    league = _unit(*LEAGUE[:2], UnitKind.LEAGUE, None, 0, PartyOrgType.COMMITTEE, LEAGUE[2])
    city = _unit(*CITY[:2], UnitKind.CITY, league, 0, PartyOrgType.COMMITTEE, CITY[2])
    city.boundary = polygon(CITY_AREA)
    save_level([league])
    save_level([city])
    tree = Tree(league, city)
    per_street = apportion(sizes.communities, [rng.uniform(0.6, 1.4) for _ in range(sizes.streets)])
    grid_counts = apportion(sizes.grids, [rng.uniform(0.6, 1.5) for _ in range(sizes.communities)])
    counts_by_street = _chunks(grid_counts, per_street)
    # Areas follow grid counts, so grids come out of similar size everywhere.
    street_areas = treemap(CITY_AREA, [sum(counts) for counts in counts_by_street])
    _add_streets(tree, rng, street_areas)
    community_areas = _add_communities(tree, rng, counts_by_street, street_areas)
    _add_grids(tree, rng, grid_counts, community_areas)
    return tree


def _add_streets(tree: Tree, rng: random.Random, areas: list[Rect]) -> None:
    names = unique_names(STREET_BASES, "街道")
    for index, area in enumerate(areas):
        name = next(names)
        joint = rng.random() < 0.75
        street = _unit(
            f"{CITY[0]}{index + 1:03d}",
            name,
            UnitKind.STREET,
            tree.city,
            index,
            PartyOrgType.JOINT_WORKING_COMMITTEE if joint else PartyOrgType.WORKING_COMMITTEE,
            name + ("联合党工委" if joint else "党工委"),
        )
        street.boundary = polygon(area)
        tree.streets.append(street)
    save_level(tree.streets)


def _add_communities(
    tree: Tree, rng: random.Random, counts_by_street: list[list[int]], street_areas: list[Rect]
) -> list[Rect]:
    bases = list(COMMUNITY_BASES)
    rng.shuffle(bases)
    names = unique_names(bases, "社区")
    areas: list[Rect] = []
    for street, counts, street_area in zip(
        tree.streets, counts_by_street, street_areas, strict=True
    ):
        rects = treemap(street_area, counts)
        children = [
            _community(street, index, next(names), grids, rect)
            for index, (grids, rect) in enumerate(zip(counts, rects, strict=True))
        ]
        tree.communities_of.append(children)
        tree.communities += children
        areas += rects
    save_level(tree.communities)
    return areas


def _community(street: Unit, index: int, name: str, grids: int, area: Rect) -> Unit:
    # Larger communities have more members, hence a committee or a general branch.
    if grids >= 13:
        org_type, suffix = PartyOrgType.COMMITTEE, "党委"
    elif grids >= 9:
        org_type, suffix = PartyOrgType.GENERAL_BRANCH, "党总支"
    else:
        org_type, suffix = PartyOrgType.BRANCH, "党支部"
    community = _unit(
        f"{street.code}{index + 1:03d}",
        name,
        UnitKind.COMMUNITY,
        street,
        index,
        org_type,
        name + suffix,
    )
    community.boundary = polygon(area)
    return community


def _add_grids(
    tree: Tree, rng: random.Random, grid_counts: list[int], community_areas: list[Rect]
) -> None:
    for community, count, area in zip(tree.communities, grid_counts, community_areas, strict=True):
        children = []
        for index, rect in enumerate(treemap(area, [1.0] * count)):
            # CJ/T 349: a grid's code is its community's code plus a grid number.
            name = f"{community.name}第{index + 1}网格"
            branch = rng.random() < 0.55
            grid = _unit(
                f"{community.code}{index + 1:03d}",
                name,
                UnitKind.GRID,
                community,
                index,
                PartyOrgType.GRID_BRANCH if branch else PartyOrgType.GROUP,
                name + ("党支部" if branch else "党小组"),
            )
            grid.boundary = polygon(rect)
            children.append(grid)
        tree.grids_of.append(children)
        tree.grids += children
    save_level(tree.grids)


def save_level(units: list[Unit]) -> None:
    """Insert one level, then set the materialized paths from the new primary keys.

    Unit.save() does this one row at a time; here the parents are already
    saved, so each path is the parent's path plus the unit's own id.
    """
    Unit.objects.bulk_create(units, batch_size=BATCH)
    for unit in units:
        unit.path = (unit.parent.path if unit.parent else "/") + f"{unit.pk}/"
        unit.depth = unit.path.count("/") - 2
    Unit.objects.bulk_update(units, ["path", "depth"], batch_size=BATCH)


def _unit(code, name, kind, parent, sort_order, org_type, org_name) -> Unit:
    return Unit(
        code=code,
        name=name,
        kind=kind,
        parent=parent,
        sort_order=sort_order,
        party_org_type=org_type,
        party_org_name=org_name,
    )


def _chunks(items: list[int], sizes: list[int]) -> list[list[int]]:
    it = iter(items)
    return [[next(it) for _ in range(size)] for size in sizes]
