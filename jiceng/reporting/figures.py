"""Reporting figures for a unit's subtree, computed from the records (never typed).

Used by the dashboard page and GET /api/v1/units/{id}/reporting-summary. Service
volumes read ServiceTotal (monthly totals kept by the confirm transition), so
the city dashboard aggregates thousands of rows instead of millions.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from functools import cached_property

from django.db.models import Count, Max, Q, Sum
from django.db.models.functions import TruncMonth

from jiceng.core.scoping import subtree_q
from jiceng.orgs.models import Department, DepartmentPairing, Unit, UnitKind
from jiceng.people.choices import PARTY_STATUSES
from jiceng.people.models import Person

from .models import (
    DepartmentReport,
    DepartmentReportState,
    GridResponsibility,
    MemberReport,
    MemberReportState,
    ServiceRecord,
    ServiceRecordState,
    ServiceTotal,
)
from .periods import PERIOD_RE, current_period

TOP_DEPARTMENTS = 15
FLAGGED_SHOWN = 50


def valid_period(period: str) -> bool:
    return bool(PERIOD_RE.match(period))


def latest_period() -> str:
    """The newest period with any registration (so a demo of past data shows it)."""
    latest = MemberReport.objects.aggregate(p=Max("period"))["p"]
    return latest if latest and valid_period(latest) else current_period()


class Area:
    """A unit's subtree, read once per summary: the ids and paths of its units,
    and the filter that keeps records inside it. When the subtree holds every
    community (the city), that filter is left out: records only ever point at
    communities and grids, so it would keep every row at the cost of a join."""

    def __init__(self, unit: Unit):
        self.unit = unit
        self.everything = covers_every_community(unit)
        self.paths = dict(Unit.objects.filter(subtree_q(unit)).values_list("pk", "path").order_by())

    @cached_property
    def grids(self) -> list[tuple[int, str, str]]:
        """(id, name, path) of the subtree's grids, in path order."""
        grids = Unit.objects.filter(subtree_q(self.unit), kind=UnitKind.GRID)
        return list(grids.values_list("pk", "name", "path").order_by("path"))

    def q(self, lookup: str) -> Q:
        return Q() if self.everything else subtree_q(self.unit, lookup)

    def reports_q(self) -> Q:
        """Registrations in the subtree: a grid's are those assigned to it (a
        registration's community is the grid's parent, outside the grid's subtree)."""
        if self.unit.kind == UnitKind.GRID:
            return Q(grid=self.unit)
        return self.q("community")

    def contains(self, unit_id: int | None) -> bool:
        return unit_id in self.paths

    def child_of(self, unit_id: int) -> int | None:
        """The id of the unit's child whose subtree holds unit_id (paths are ids)."""
        rest = self.paths[unit_id][len(self.unit.path) :]
        return int(rest.split("/", 1)[0]) if rest else None


def in_service_members(area: Area):
    """In-service party members living in the subtree: those expected to report."""
    return Person.objects.filter(
        area.q("home_unit"),
        political_status__in=PARTY_STATUSES,
        party_department__isnull=False,
    )


def department_counts(area: Area, year: int) -> dict[str, int]:
    pairings = DepartmentPairing.objects.filter(area.q("community"))
    reported = DepartmentReport.objects.filter(
        area.q("pairing__community"), year=year, state=DepartmentReportState.CONFIRMED
    )
    return {
        "departments_paired": pairings.values("department").distinct().count(),
        "departments_reported": reported.values("pairing__department").distinct().count(),
    }


class MemberFigures:
    """Registrations of one period in the subtree, from one grouped query:
    counts by state, confirmed members per grid and per child unit."""

    def __init__(self, area: Area, period: str):
        rows = (
            MemberReport.objects.filter(area.reports_q(), period=period)
            .values_list("community", "grid", "state")
            .annotate(n=Count("pk"))
            .order_by()
        )
        self.states: Counter = Counter()
        self.per_grid: Counter = Counter()
        self.per_community: Counter = Counter()
        for community, grid, state, n in rows:
            self.states[state] += n
            if state == MemberReportState.CONFIRMED:
                self.per_community[community] += n
                if grid is not None:
                    self.per_grid[grid] += n


def member_counts(members: MemberFigures, expected: Counter) -> dict:
    total = sum(expected.values())
    reported = members.states[MemberReportState.CONFIRMED]
    return {
        "in_service_members": total,
        "members_reported": reported,
        "members_pending": members.states[MemberReportState.SUBMITTED],
        "reporting_rate": round(reported / total, 4) if total else None,
    }


def expected_per_unit(area: Area) -> Counter:
    """In-service members per home unit (grouped on the person's own column)."""
    # COUNT(*), not COUNT(id): the partial index on home_unit then answers alone.
    rows = in_service_members(area).values_list("home_unit").annotate(n=Count("*")).order_by()
    return Counter(dict(rows))


def members_per_grid(area: Area, members: MemberFigures) -> dict:
    grids = len(area.grids)
    per_grid = members.per_grid
    histogram = Counter(per_grid.values())
    histogram[0] = grids - len(per_grid)
    return {
        "grids": grids,
        "grids_with_members": len(per_grid),
        "average": round(sum(per_grid.values()) / grids, 2) if grids else 0,
        "max": max(per_grid.values(), default=0),
        "histogram": sorted(histogram.items()),
    }


def service_by_month(area: Area, year: int, period: str) -> list[dict]:
    if area.unit.kind == UnitKind.GRID:
        # No monthly totals per grid: the service, in the grid's community, of the
        # members assigned to it in the period shown (as counted in members_reported).
        members = MemberReport.objects.filter(
            grid=area.unit, period=period, state=MemberReportState.CONFIRMED
        ).values("person")
        rows = (
            ServiceRecord.objects.filter(
                person__in=members,
                community_id=area.unit.parent_id,
                state=ServiceRecordState.CONFIRMED,
                date__year=year,
            )
            .annotate(month=TruncMonth("date"))
            .values("month")
            .annotate(n=Count("pk"), minutes=Sum("minutes"), people=Sum("people_served"))
            .order_by("month")
        )
    else:
        rows = (
            ServiceTotal.objects.filter(area.q("community"), month__year=year)
            .exclude(community=None)
            .values("month")
            .annotate(n=Sum("records"), minutes=Sum("minutes"), people=Sum("people_served"))
            .order_by("month")
        )
    found = {row["month"].month: row for row in rows}
    return [
        {
            "month": f"{year}-{m:02d}",
            "records": found.get(m, {}).get("n") or 0,
            "minutes": found.get(m, {}).get("minutes") or 0,
            "people_served": found.get(m, {}).get("people") or 0,
        }
        for m in range(1, 13)
    ]


def by_child(area: Area, members: MemberFigures, expected: Counter, year: int) -> list[dict]:
    """Members and service per child unit (streets of a city, communities of a street)."""
    unit = area.unit
    children = list(unit.children.order_by("sort_order", "code").values("pk", "name"))
    if not children or unit.kind == UnitKind.COMMUNITY:
        return []
    acc: dict[int | None, Counter] = defaultdict(Counter)
    for home, n in expected.items():
        acc[area.child_of(home)]["expected"] += n
    for community, n in members.per_community.items():
        acc[area.child_of(community)]["reported"] += n
    service = ServiceTotal.objects.filter(area.q("community"), month__year=year)
    grouped = service.exclude(community=None).values_list("community").annotate(m=Sum("minutes"))
    for community, minutes in grouped.order_by():
        if area.contains(community):
            acc[area.child_of(community)]["minutes"] += minutes
    return [
        {
            "id": c["pk"],
            "name": c["name"],
            "in_service_members": acc[c["pk"]]["expected"],
            "members_reported": acc[c["pk"]]["reported"],
            "service_hours": round(acc[c["pk"]]["minutes"] / 60, 1),
        }
        for c in children
    ]


def covers_every_community(unit: Unit) -> bool:
    return not Unit.objects.filter(kind=UnitKind.COMMUNITY).exclude(subtree_q(unit)).exists()


def by_department(area: Area, year: int) -> list[dict]:
    """The departments whose members served most in the subtree this year."""
    if area.everything:
        rows = (
            ServiceTotal.objects.filter(department__isnull=False, month__year=year)
            .values("department")
            .annotate(minutes=Sum("minutes"), people=Sum("people_served"))
        )
    else:
        rows = (
            ServiceRecord.objects.filter(
                area.q("community"),
                state=ServiceRecordState.CONFIRMED,
                date__year=year,
                department__isnull=False,
            )
            .values("department")
            .annotate(minutes=Sum("minutes"), people=Sum("people_served"))
        )
    top = list(rows.order_by("-minutes")[:TOP_DEPARTMENTS])
    names = dict(
        Department.objects.filter(pk__in=[r["department"] for r in top]).values_list("pk", "name")
    )
    return [
        {
            "id": r["department"],
            "name": names.get(r["department"], ""),
            "service_hours": round(r["minutes"] / 60, 1),
            "people_served": r["people"],
        }
        for r in top
    ]


def flagged_grids(unit: Unit, period: str) -> list[Unit]:
    """Grids without a grid worker, or without a responsible party member (neither a
    branch secretary nor any confirmed reporting member assigned), in path order;
    each with `has_worker`."""
    area = Area(unit)
    return _flagged(area, MemberFigures(area, period))


def _flagged(area: Area, members: MemberFigures) -> list[Unit]:
    holders = {
        grid: (worker is not None, secretary is not None)
        for grid, worker, secretary in GridResponsibility.objects.filter(
            area.q("grid")
        ).values_list("grid", "grid_worker", "branch_secretary")
    }
    flagged = []
    for pk, name, path in area.grids:  # rows, not models: thousands of grids
        has_worker, has_secretary = holders.get(pk, (False, False))
        if not has_worker or not (has_secretary or members.per_grid[pk]):
            grid = Unit(pk=pk, name=name, path=path, kind=UnitKind.GRID)
            grid.has_worker = has_worker
            flagged.append(grid)
    return flagged


def summary(unit: Unit, period: str | None = None, with_details: bool = True) -> dict:
    period = period or latest_period()
    year = int(period[:4])
    area = Area(unit)
    members = MemberFigures(area, period)
    expected = expected_per_unit(area)
    months = service_by_month(area, year, period)
    flagged = _flagged(area, members)
    result = {
        "unit": {"id": unit.pk, "name": unit.name, "kind": unit.kind},
        "period": period,
        "year": year,
        **department_counts(area, year),
        **member_counts(members, expected),
        "members_per_grid": members_per_grid(area, members),
        "service_records": sum(m["records"] for m in months),
        "service_minutes": sum(m["minutes"] for m in months),
        "people_served": sum(m["people_served"] for m in months),
        "service_by_month": months,
        "grids_flagged": len(flagged),
    }
    if with_details:
        result["by_child"] = by_child(area, members, expected, year)
        result["by_department"] = by_department(area, year)
        result["flagged"] = [
            {"id": g.pk, "name": g.name, "no_worker": not g.has_worker}
            for g in flagged[:FLAGGED_SHOWN]
        ]
    return result
