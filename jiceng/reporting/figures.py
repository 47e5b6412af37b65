"""Reporting figures for a unit's subtree, computed from the records (never typed).

Used by the dashboard page and GET /api/v1/units/{id}/reporting-summary. Service
volumes read ServiceTotal (monthly totals kept by the confirm transition), so
the city dashboard aggregates thousands of rows instead of millions.
"""

from __future__ import annotations

from collections import Counter, defaultdict

from django.db.models import Count, Exists, Max, OuterRef, Q, Sum

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


def in_service_members(unit: Unit):
    """In-service party members living in the subtree: those expected to report."""
    return Person.objects.filter(
        subtree_q(unit, "home_unit"),
        political_status__in=PARTY_STATUSES,
        party_department__isnull=False,
    )


def confirmed_reports(unit: Unit, period: str):
    return MemberReport.objects.filter(
        subtree_q(unit, "community"), period=period, state=MemberReportState.CONFIRMED
    )


def department_counts(unit: Unit, year: int) -> dict[str, int]:
    pairings = DepartmentPairing.objects.filter(subtree_q(unit, "community"))
    reported = DepartmentReport.objects.filter(
        subtree_q(unit, "pairing__community"), year=year, state=DepartmentReportState.CONFIRMED
    )
    return {
        "departments_paired": pairings.values("department").distinct().count(),
        "departments_reported": reported.values("pairing__department").distinct().count(),
    }


def member_counts(unit: Unit, period: str) -> dict:
    expected = in_service_members(unit).count()
    states = dict(
        MemberReport.objects.filter(subtree_q(unit, "community"), period=period)
        .values_list("state")
        .annotate(n=Count("pk"))
        .order_by()
    )
    reported = states.get(MemberReportState.CONFIRMED, 0)
    return {
        "in_service_members": expected,
        "members_reported": reported,
        "members_pending": states.get(MemberReportState.SUBMITTED, 0),
        "reporting_rate": round(reported / expected, 4) if expected else None,
    }


def members_per_grid(unit: Unit, period: str) -> dict:
    grids = Unit.objects.filter(subtree_q(unit), kind=UnitKind.GRID).count()
    per_grid = Counter(
        dict(
            confirmed_reports(unit, period)
            .exclude(grid=None)
            .values_list("grid")
            .annotate(n=Count("pk"))
            .order_by()
        )
    )
    histogram = Counter(per_grid.values())
    histogram[0] = grids - len(per_grid)
    return {
        "grids": grids,
        "grids_with_members": len(per_grid),
        "average": round(sum(per_grid.values()) / grids, 2) if grids else 0,
        "max": max(per_grid.values(), default=0),
        "histogram": sorted(histogram.items()),
    }


def service_by_month(unit: Unit, year: int) -> list[dict]:
    rows = (
        ServiceTotal.objects.filter(subtree_q(unit, "community"), month__year=year)
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


def by_child(unit: Unit, period: str, year: int) -> list[dict]:
    """Members and service per child unit (streets of a city, communities of a street)."""
    children = list(unit.children.order_by("sort_order", "code").values("pk", "name", "path"))
    if not children or unit.kind == UnitKind.COMMUNITY:
        return []

    def child_of(path: str) -> int | None:
        return next((c["pk"] for c in children if path.startswith(c["path"])), None)

    acc: dict[int, Counter] = defaultdict(Counter)
    expected = in_service_members(unit).values_list("home_unit__path").annotate(n=Count("pk"))
    for path, n in expected.order_by():
        acc[child_of(path)]["expected"] += n
    reported = confirmed_reports(unit, period).values_list("community__path")
    for path, n in reported.annotate(n=Count("pk")).order_by():
        acc[child_of(path)]["reported"] += n
    service = ServiceTotal.objects.filter(subtree_q(unit, "community"), month__year=year)
    grouped = service.values_list("community__path").annotate(m=Sum("minutes"))
    for path, minutes in grouped.order_by():
        acc[child_of(path)]["minutes"] += minutes
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


def by_department(unit: Unit, year: int) -> list[dict]:
    """The departments whose members served most in the subtree this year."""
    if covers_every_community(unit):
        rows = (
            ServiceTotal.objects.filter(department__isnull=False, month__year=year)
            .values("department")
            .annotate(minutes=Sum("minutes"), people=Sum("people_served"))
        )
    else:
        rows = (
            ServiceRecord.objects.filter(
                subtree_q(unit, "community"),
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


def flagged_grids(unit: Unit, period: str):
    """Grids without a grid worker, or without a responsible party member (neither a
    branch secretary nor any confirmed reporting member assigned)."""
    assigned = MemberReport.objects.filter(
        grid=OuterRef("pk"), period=period, state=MemberReportState.CONFIRMED
    )
    responsibility = GridResponsibility.objects.filter(grid=OuterRef("pk"))
    grids = Unit.objects.filter(subtree_q(unit), kind=UnitKind.GRID).annotate(
        has_members=Exists(assigned),
        has_worker=Exists(responsibility.filter(grid_worker__isnull=False)),
        has_secretary=Exists(responsibility.filter(branch_secretary__isnull=False)),
    )
    return grids.filter(Q(has_worker=False) | Q(has_members=False, has_secretary=False)).order_by(
        "path"
    )


def summary(unit: Unit, period: str | None = None, with_details: bool = True) -> dict:
    period = period or latest_period()
    year = int(period[:4])
    months = service_by_month(unit, year)
    flagged = flagged_grids(unit, period)
    result = {
        "unit": {"id": unit.pk, "name": unit.name, "kind": unit.kind},
        "period": period,
        "year": year,
        **department_counts(unit, year),
        **member_counts(unit, period),
        "members_per_grid": members_per_grid(unit, period),
        "service_records": sum(m["records"] for m in months),
        "service_minutes": sum(m["minutes"] for m in months),
        "people_served": sum(m["people_served"] for m in months),
        "service_by_month": months,
        "grids_flagged": flagged.count(),
    }
    if with_details:
        result["by_child"] = by_child(unit, period, year)
        result["by_department"] = by_department(unit, year)
        result["flagged"] = [
            {"id": g.pk, "name": g.name, "no_worker": not g.has_worker}
            for g in flagged[:FLAGGED_SHOWN]
        ]
    return result
