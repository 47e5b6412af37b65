"""Read-side figures: my work, the plan board, the dashboard. Every figure is
computed from assignments (through the scoping rule), never typed."""

from __future__ import annotations

import datetime
from collections import defaultdict

from django.core.cache import cache
from django.db.models import Count, F, IntegerField, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404
from django.utils import timezone

from jiceng.core.scoping import covers_subtree, subtree_scope_q
from jiceng.orgs.models import Unit

from .models import (
    EXCLUDED_STATES,
    OPEN_STATES,
    TODO_STATES,
    Assignment,
    OverdueSnapshot,
    Plan,
    State,
    Task,
    Transition,
)
from .services import APPROVE_PERM, REPORT_PERM, role_units

BOARD_PAGE = 40
TREND_WEEKS = 12


def visible_assignment(user, pk: int) -> Assignment:
    """One assignment the user may see, with what its pages show; else 404
    (existence is not disclosed). The task page and the API's task."""
    return get_object_or_404(
        Assignment.objects.visible_to(user).select_related(
            "task__unit", "task__plan", "unit", "parent__task", "parent__unit"
        ),
        pk=pk,
    )


def my_work(user, limit: int = 100) -> dict:
    """What the user's units must do, and close-out requests waiting for them."""
    # Only what the page shows: a unit row carries its boundary, a task its text.
    base = (
        Assignment.objects.select_related("task", "unit")
        .only("state", "due_date", "task__title", "unit__name")
        .order_by("due_date", "pk")
    )
    todo = base.filter(unit_id__in=role_units(user, REPORT_PERM), state__in=TODO_STATES)
    approvals = awaiting_approval(user, base)
    return {"todo": list(todo[:limit]), "approvals": list(approvals[:limit])}


def awaiting_approval(user, assignments=Assignment.objects):
    """Close-out requests waiting for the user (my work, the daily digest).
    Nobody approves their own request: someone on staff at both levels does not
    find the requests they made themselves among those waiting for them."""
    requester = Subquery(
        Transition.objects.filter(assignment=OuterRef("pk"), to_state=State.CLOSE_REQUESTED)
        .order_by("-at", "-pk")
        .values("actor_id")[:1]
    )
    return (
        assignments.filter(
            task__unit_id__in=role_units(user, APPROVE_PERM), state=State.CLOSE_REQUESTED
        )
        # No recorded request (bulk-loaded data): still shown.
        .alias(requester=Coalesce(requester, 0, output_field=IntegerField()))
        .exclude(requester=user.pk)
    )


# A cell's colour when nothing in it is overdue: the first state present wins.
CELL_COLORS = (
    (State.RETURNED, "warning"),
    (State.CLOSE_REQUESTED, "info"),
    (State.IN_PROGRESS, "primary"),
    (State.ASSIGNED, "secondary"),
    (State.CLOSED, "success"),
)


def cell_color(states: list[tuple[str, datetime.date]], today: datetime.date) -> str:
    """One colour for a board cell holding one or more assignments."""
    if not states:
        return ""
    if any(s in OPEN_STATES and due < today for s, due in states):
        return "danger"
    present = {s for s, _due in states}
    return next((color for state, color in CELL_COLORS if state in present), "light")


def plan_board(user, plan: Plan, column_parent: Unit, page: int = 1) -> dict:
    """Tasks × units below `column_parent`, coloured by state. At the plan's own
    unit the cells are the top-level assignments; further down, the assignments
    decomposed from them (drill-down)."""
    tasks = (
        Task.objects.visible_to(user)
        .filter(plan=plan, parent__isnull=True)
        .order_by("group__sort_order", "due_date", "pk")
    )
    total = tasks.count()
    page_tasks = list(tasks.select_related("group")[(page - 1) * BOARD_PAGE : page * BOARD_PAGE])
    columns = list(
        Unit.objects.visible_to(user).filter(parent=column_parent).order_by("sort_order", "code")
    )
    visible = Assignment.objects.visible_to(user)
    # Ids, not instances: the ORM inspects every instance of an __in list.
    task_ids, unit_ids = [t.pk for t in page_tasks], [u.pk for u in columns]
    if column_parent.pk == plan.unit_id:
        rows = visible.filter(task_id__in=task_ids, unit_id__in=unit_ids).values_list(
            "task_id", "unit_id", "state", "due_date", "rollup"
        )
    else:
        rows = visible.filter(
            parent__task_id__in=task_ids, parent__unit=column_parent, unit_id__in=unit_ids
        ).values_list("parent__task_id", "unit_id", "state", "due_date", "rollup")
    cells: dict[tuple[int, int], list] = defaultdict(list)
    for task_id, unit_id, state, due, rollup in rows.order_by():
        cells[(task_id, unit_id)].append((state, due, rollup))
    today = timezone.localdate()
    grid = [
        (task, [board_cell(cells.get((task.pk, u.pk)), today) for u in columns])
        for task in page_tasks
    ]
    return {"columns": columns, "grid": grid, "total": total, "pages": -(-total // BOARD_PAGE)}


def board_cell(found: list | None, today: datetime.date) -> tuple[str, int | None, int]:
    """(colour, mean roll-up or None, how many assignments) of one board cell."""
    if not found:
        return ("", None, 0)
    if len(found) == 1:  # nearly every cell
        state, due, rollup = found[0]
        counted = state not in EXCLUDED_STATES
        return (cell_color([(state, due)], today), round(rollup) if counted else None, 1)
    rollups = [r for s, _d, r in found if s not in EXCLUDED_STATES]
    rollup = round(sum(rollups) / len(rollups)) if rollups else None
    return (cell_color([(s, d) for s, d, _r in found], today), rollup, len(found))


def dashboard(user, unit: Unit, max_age: int = 0) -> dict:
    """Figures for the work in `unit`'s subtree: counts by state, on-time rate,
    completion by child unit, overdue trend and the overdue list.

    With `max_age`, the counted figures (numbers only, never records) may come
    from the cache, at most that many seconds old, when the user sees the whole
    subtree: they are then the same for everyone who may open this dashboard.
    `counted_at` says when they were counted; the overdue list and the unit
    names are always read now."""
    today = timezone.localdate()
    children = {u.pk: u.name for u in unit.children.order_by("sort_order", "code")}
    if not children:
        children = {unit.pk: unit.name}
    if max_age and covers_subtree(Assignment, user, unit):
        key = f"worklists:dashboard:{unit.pk}:{unit.path}:{today}"
        figures = cache.get(key)
        if figures is None:
            figures = dashboard_figures(user, unit, list(children), today)
            cache.set(key, figures, max_age)
    else:
        figures = dashboard_figures(user, unit, list(children), today)
    by_state, by_unit = figures["by_state"], figures["by_unit"]
    closed = by_state.get(State.CLOSED, {})
    overdue = Assignment.objects.visible_in_subtree(user, unit).overdue(today)
    return {
        "by_state": [(s.value, s.label, by_state.get(s.value, {}).get("n", 0)) for s in State],
        "total": sum(row["n"] for row in by_state.values()),
        "on_time_rate": round(100 * closed["on_time"] / closed["n"], 1) if closed else None,
        "overdue_count": sum(by_state.get(s, {}).get("past_due", 0) for s in OPEN_STATES),
        "overdue_list": list(
            overdue.select_related("task", "unit").order_by("due_date", "pk")[:20]
        ),
        "by_unit": [
            {"unit": name, **by_unit.get(pk, {"completion": 0, "total": 0, "closed": 0})}
            for pk, name in children.items()
        ],
        "trend": figures["trend"],
        "counted_at": figures["counted_at"],
    }


def dashboard_figures(user, unit: Unit, children: list[int], today: datetime.date) -> dict:
    """The counted part of the dashboard, in three queries over the big table."""
    counted_at = timezone.now()
    work = Assignment.objects.visible_in_subtree(user, unit)
    by_state, overdue_today = state_figures(work, today)
    return {
        "by_state": by_state,
        "by_unit": completion_by_unit(work, children),
        "trend": overdue_trend(user, unit, today, overdue_today),
        "counted_at": counted_at,
    }


def state_figures(work, today: datetime.date) -> tuple[dict, int]:
    """One pass over the work, grouped by state: how many, how many past due,
    how many closed on time. Returns the rows by state, and how many are
    overdue at the end of today as the trend counts them."""
    rows = (
        work.values("state")
        .annotate(
            n=Count("pk"),
            past_due=Count("pk", filter=Q(due_date__lt=today)),
            on_time=Count(
                "pk", filter=Q(state=State.CLOSED) & Q(closed_at__date__lte=F("due_date"))
            ),
            trend=Count("pk", filter=overdue_on(today)),
        )
        .order_by()
    )
    by_state = {row["state"]: row for row in rows}
    trend = sum(row["trend"] for s, row in by_state.items() if s not in EXCLUDED_STATES)
    return by_state, trend


def completion_by_unit(work, children: list[int]) -> dict[int, dict]:
    """Per child unit: weighted roll-up of the assignments it holds itself
    (its own work, not its children's, which its roll-up already contains)."""
    rows = (
        work.filter(unit_id__in=children)
        .exclude(state__in=EXCLUDED_STATES)
        .values("unit_id")
        .annotate(
            weight=Sum("task__weight"),
            weighted=Sum(F("task__weight") * F("rollup")),
            total=Count("pk"),
            closed=Count("pk", filter=Q(state=State.CLOSED)),
        )
        .order_by()
    )
    return {
        row["unit_id"]: {
            "completion": round(row["weighted"] / row["weight"], 1),
            "total": row["total"],
            "closed": row["closed"],
        }
        for row in rows
    }


def trend_days(today: datetime.date) -> list[datetime.date]:
    return [today - datetime.timedelta(weeks=w) for w in range(TREND_WEEKS - 1, -1, -1)]


def overdue_on(day: datetime.date) -> Q:
    """Overdue at the end of `day`: due before it, created by then and not closed
    by then (waived and cancelled work is left out by the callers). The local
    day's end is turned into an instant once, so that the database compares
    timestamps instead of converting every row to a local date."""
    end = timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))
    end += datetime.timedelta(days=1)
    return Q(due_date__lt=day, created_at__lt=end) & (
        Q(closed_at__isnull=True) | Q(closed_at__gte=end)
    )


def overdue_trend(user, unit: Unit, today: datetime.date, today_count: int):
    """How many assignments were overdue at the end of each of the last weeks:
    past days from the snapshots (taken now when missing), today counted live."""
    days = trend_days(today)
    past = _snapshot_sums(user, unit, days[:-1])
    missing = [day for day in days[:-1] if day not in past]
    if missing:
        _take_snapshots(missing)
        past = _snapshot_sums(user, unit, days[:-1])
    counts = [past.get(day, 0) for day in days[:-1]] + [today_count]
    return [(day.strftime("%m-%d"), n) for day, n in zip(days, counts, strict=True)]


def _snapshot_sums(user, unit: Unit, days: list[datetime.date]) -> dict[datetime.date, int]:
    """Per taken day, the overdue count summed over the units of unit's subtree
    that the user may see (0 when none); days not taken yet are absent."""
    visible = subtree_scope_q(Assignment, user, unit)  # see OverdueSnapshot
    rows = (
        OverdueSnapshot.objects.filter(day__in=days)
        .values("day")
        .annotate(n=Coalesce(Sum("overdue", filter=visible), 0))
        .values_list("day", "n")
        .order_by()
    )
    return dict(rows)


def take_overdue_snapshots(days: list[datetime.date]) -> int:
    """Take the snapshots of the past days in `days` not taken yet (for
    `jiceng digest`). Returns the rows written."""
    wanted = [day for day in days if day < timezone.localdate()]
    taken = set(
        OverdueSnapshot.objects.filter(day__in=wanted).values_list("day", flat=True).distinct()
    )
    return _take_snapshots([day for day in wanted if day not in taken])


def _take_snapshots(days: list[datetime.date]) -> int:
    """Store, for each day, every unit's count of its own work overdue at the end
    of that day, in one pass over the assignments. A unit holding work gets a
    row even when nothing was overdue, so that a taken day is recognised."""
    days = [day for day in days if day < timezone.localdate()]
    if not days:
        return 0
    rows = (
        Assignment.objects.exclude(state__in=EXCLUDED_STATES)
        .values("unit_id")
        .annotate(**{f"d{i}": Count("pk", filter=overdue_on(day)) for i, day in enumerate(days)})
        .order_by()
    )
    snapshots = [
        OverdueSnapshot(day=day, unit_id=row["unit_id"], overdue=row[f"d{i}"])
        for row in rows
        for i, day in enumerate(days)
    ]
    # One transaction (bulk_create's own): a day is taken whole or not at all;
    # a dashboard taking the same day at the same time is ignored.
    OverdueSnapshot.objects.bulk_create(snapshots, batch_size=2000, ignore_conflicts=True)
    return len(snapshots)
