"""Read-side figures: my work, the plan board, the dashboard. Every figure is
computed from assignments (through the scoping rule), never typed."""

from __future__ import annotations

import datetime
from collections import defaultdict

from django.db.models import Count, F, Q, Sum
from django.utils import timezone

from jiceng.core.scoping import subtree_q
from jiceng.orgs.models import Unit

from .models import EXCLUDED_STATES, OPEN_STATES, Assignment, Plan, State
from .services import APPROVE_PERM, REPORT_PERM, role_units

BOARD_PAGE = 40
TREND_WEEKS = 12


def my_work(user, limit: int = 100) -> dict:
    """What the user's units must do, and close-out requests waiting for them."""
    base = Assignment.objects.select_related("task", "unit").order_by("due_date", "pk")
    todo = base.filter(
        unit_id__in=role_units(user, REPORT_PERM),
        state__in=(State.ASSIGNED, State.IN_PROGRESS, State.RETURNED),
    )
    approvals = base.filter(
        task__unit_id__in=role_units(user, APPROVE_PERM), state=State.CLOSE_REQUESTED
    )
    return {"todo": list(todo[:limit]), "approvals": list(approvals[:limit])}


def cell_color(states: list[tuple[str, datetime.date]], today: datetime.date) -> str:
    """One colour for a board cell holding one or more assignments."""
    if not states:
        return ""
    if any(s in OPEN_STATES and due < today for s, due in states):
        return "danger"
    for state, color in (
        (State.RETURNED, "warning"),
        (State.CLOSE_REQUESTED, "info"),
        (State.IN_PROGRESS, "primary"),
        (State.ASSIGNED, "secondary"),
    ):
        if any(s == state for s, _due in states):
            return color
    return "success" if any(s == State.CLOSED for s, _ in states) else "light"


def plan_board(user, plan: Plan, column_parent: Unit, page: int = 1) -> dict:
    """Tasks × units below `column_parent`, coloured by state. At the plan's own
    unit the cells are the top-level assignments; further down, the assignments
    decomposed from them (drill-down)."""
    tasks = plan.tasks.filter(parent__isnull=True).order_by("group__sort_order", "due_date", "pk")
    total = tasks.count()
    page_tasks = list(tasks.select_related("group")[(page - 1) * BOARD_PAGE : page * BOARD_PAGE])
    columns = list(
        Unit.objects.visible_to(user).filter(parent=column_parent).order_by("sort_order", "code")
    )
    visible = Assignment.objects.visible_to(user)
    if column_parent.pk == plan.unit_id:
        rows = visible.filter(task__in=page_tasks, unit__in=columns).values_list(
            "task_id", "unit_id", "state", "due_date", "rollup"
        )
    else:
        rows = visible.filter(
            parent__task__in=page_tasks, parent__unit=column_parent, unit__in=columns
        ).values_list("parent__task_id", "unit_id", "state", "due_date", "rollup")
    cells: dict[tuple[int, int], list] = defaultdict(list)
    for task_id, unit_id, state, due, rollup in rows:
        cells[(task_id, unit_id)].append((state, due, rollup))
    today = timezone.localdate()
    grid = []
    for task in page_tasks:
        line = []
        for unit in columns:
            found = cells.get((task.pk, unit.pk), [])
            rollups = [r for s, _d, r in found if s not in EXCLUDED_STATES]
            line.append(
                {
                    "color": cell_color([(s, d) for s, d, _r in found], today),
                    "count": len(found),
                    "rollup": round(sum(rollups) / len(rollups)) if rollups else None,
                }
            )
        grid.append((task, line))
    return {"columns": columns, "grid": grid, "total": total, "pages": -(-total // BOARD_PAGE)}


def dashboard(user, unit: Unit) -> dict:
    """Figures for the work in `unit`'s subtree: counts by state, on-time rate,
    completion by child unit, overdue trend and the overdue list."""
    today = timezone.localdate()
    work = Assignment.objects.visible_to(user).filter(subtree_q(unit, "unit"))
    by_state = dict(work.values_list("state").annotate(n=Count("pk")).order_by())
    closed = work.filter(state=State.CLOSED).aggregate(
        total=Count("pk"), on_time=Count("pk", filter=Q(closed_at__date__lte=F("due_date")))
    )
    overdue = work.overdue(today)
    return {
        "by_state": [(s.value, s.label, by_state.get(s.value, 0)) for s in State],
        "total": sum(by_state.values()),
        "on_time_rate": round(100 * closed["on_time"] / closed["total"], 1)
        if closed["total"]
        else None,
        "overdue_count": overdue.count(),
        "overdue_list": list(overdue.select_related("task", "unit").order_by("due_date")[:20]),
        "by_unit": completion_by_unit(work, unit),
        "trend": overdue_trend(work, today),
    }


def completion_by_unit(work, unit: Unit) -> list[dict]:
    """Per child unit: weighted roll-up of the assignments it holds itself
    (its own work, not its children's, which its roll-up already contains)."""
    children = {u.pk: u.name for u in unit.children.order_by("sort_order", "code")}
    if not children:
        children = {unit.pk: unit.name}
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
    found = {row["unit_id"]: row for row in rows}
    result = []
    for pk, name in children.items():
        row = found.get(pk)
        result.append(
            {
                "unit": name,
                "completion": round(row["weighted"] / row["weight"], 1) if row else 0,
                "total": row["total"] if row else 0,
                "closed": row["closed"] if row else 0,
            }
        )
    return result


def overdue_trend(work, today: datetime.date) -> list[tuple[str, int]]:
    """How many assignments were overdue at the end of each of the last weeks:
    due before that day and not closed by it (waived and cancelled left out)."""
    days = [today - datetime.timedelta(weeks=w) for w in range(TREND_WEEKS - 1, -1, -1)]
    counted = work.exclude(state__in=EXCLUDED_STATES)
    figures = counted.aggregate(
        **{
            f"d{i}": Count(
                "pk",
                filter=Q(due_date__lt=day, created_at__date__lte=day)
                & (Q(closed_at__isnull=True) | Q(closed_at__date__gt=day)),
            )
            for i, day in enumerate(days)
        }
    )
    return [(day.strftime("%m-%d"), figures[f"d{i}"]) for i, day in enumerate(days)]
