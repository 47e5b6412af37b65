"""Work lists over the API. An API "task" is an assignment: one task for one
assignee unit, with one state, so a transition has one clear subject."""

from datetime import date, datetime

from django.core.exceptions import PermissionDenied
from ninja import File, Form, Query, Router, Schema, Status
from ninja.errors import HttpError
from ninja.files import UploadedFile
from ninja.pagination import LimitOffsetPagination, paginate

from jiceng.core.forms import OUT_OF_SCOPE
from jiceng.worklists import services
from jiceng.worklists.filters import AssignmentFilter
from jiceng.worklists.models import Assignment, Attachment, Plan, Report
from jiceng.worklists.queries import visible_assignment

from .base import filtered

plans = Router(tags=["worklists 工作清单"])
tasks = Router(tags=["worklists 工作清单"])


class PlanOut(Schema):
    id: int
    title: str
    year: int
    unit_id: int
    description: str


class TaskOut(Schema):
    id: int
    task_id: int
    title: str
    category: str
    plan_id: int | None
    parent: int | None
    assignee_unit_id: int
    assignee_unit: str
    assigning_unit_id: int
    state: str
    state_label: str
    progress: int
    rollup: float
    due_date: date
    overdue: bool
    evidence_required: str
    weight: int

    @staticmethod
    def resolve_title(obj) -> str:
        return obj.task.title

    @staticmethod
    def resolve_category(obj) -> str:
        return obj.task.category

    @staticmethod
    def resolve_plan_id(obj) -> int | None:
        return obj.task.plan_id

    @staticmethod
    def resolve_parent(obj) -> int | None:
        return obj.parent_id

    @staticmethod
    def resolve_assignee_unit_id(obj) -> int:
        return obj.unit_id

    @staticmethod
    def resolve_assignee_unit(obj) -> str:
        return obj.unit.name

    @staticmethod
    def resolve_assigning_unit_id(obj) -> int:
        return obj.task.unit_id

    @staticmethod
    def resolve_state_label(obj) -> str:
        return obj.get_state_display()

    @staticmethod
    def resolve_overdue(obj) -> bool:
        return obj.is_overdue

    @staticmethod
    def resolve_evidence_required(obj) -> str:
        return obj.task.evidence_required

    @staticmethod
    def resolve_weight(obj) -> int:
        return obj.task.weight


class TaskQuery(Schema):
    plan: int | None = None
    parent: int | None = None
    assignee: int | None = None
    state: str | None = None
    unit: int | None = None
    due: str | None = None
    q: str | None = None


class ReportOut(Schema):
    id: int
    text: str
    percent: int | None
    created_at: datetime
    assignments: list[int]
    attachments: list[int]

    @staticmethod
    def resolve_assignments(obj) -> list[int]:
        return sorted(a.pk for a in obj.assignments.all())

    @staticmethod
    def resolve_attachments(obj) -> list[int]:
        return sorted(a.pk for a in obj.attachments.all())


class TransitionIn(Schema):
    action: str
    note: str = ""


class TransitionOut(Schema):
    action: str
    from_state: str
    to_state: str
    actor: str
    note: str
    at: datetime

    @staticmethod
    def resolve_actor(obj) -> str:
        return obj.actor.display_name if obj.actor else ""


def _refused(exc: services.WorkflowError):
    raise HttpError(exc.status, exc.message) from exc


@plans.get("", response=list[PlanOut])
@paginate(LimitOffsetPagination)
def list_plans(request):
    return Plan.objects.visible_to(request.user).order_by("-year", "pk")


@tasks.get("", response=list[TaskOut])
@paginate(LimitOffsetPagination)
def list_tasks(request, filters: Query[TaskQuery]):
    """`?plan=ID` lists a plan's top-level tasks; `?parent=ID` the sub-tasks of one."""
    rows = filtered(request, Assignment, AssignmentFilter).select_related("task", "unit")
    if filters.plan is not None and filters.parent is None:
        rows = rows.filter(parent__isnull=True)
    return rows.order_by("due_date", "pk")


@tasks.get("/{int:task_id}", response=TaskOut)
def get_task(request, task_id: int):
    return visible_assignment(request.user, task_id)


@tasks.get("/{int:task_id}/transitions", response=list[TransitionOut])
def list_transitions(request, task_id: int):
    assignment = visible_assignment(request.user, task_id)
    return assignment.transitions.select_related("actor__person")


@tasks.post("/{int:task_id}/transitions", response=TaskOut)
def take_transition(request, task_id: int, payload: TransitionIn):
    """Answers 409 when the action does not apply to the current state, 403
    when the caller may not take it, 400 when a reason or evidence is missing."""
    assignment = visible_assignment(request.user, task_id)
    try:
        services.transition(request.user, assignment.pk, payload.action, payload.note)
    except services.WorkflowError as exc:
        _refused(exc)
    return Assignment.objects.select_related("task", "unit").get(pk=assignment.pk)


@tasks.post("/{int:task_id}/reports", response={201: ReportOut})
def post_report(
    request,
    task_id: int,
    text: Form[str],
    percent: Form[int | None] = None,
    also: Form[list[int]] = None,
    attachment_ids: Form[list[int]] = None,
    files: File[list[UploadedFile]] = None,
):
    """A progress report, multipart: `text`, `percent`, `files`; `also` adds other
    tasks the same report serves; `attachment_ids` reuses files already uploaded."""
    assignment = visible_assignment(request.user, task_id)
    others = _visible_many(request, Assignment.objects.select_related("task", "unit"), also)
    reuse = _visible_many(request, Attachment.objects.all(), attachment_ids)
    try:
        report = services.submit_report(
            request.user, [assignment, *others], text, percent, files or [], reuse
        )
    except services.WorkflowError as exc:
        _refused(exc)
    return Status(
        201, Report.objects.prefetch_related("assignments", "attachments").get(pk=report.pk)
    )


def _visible_many(request, queryset, ids) -> list:
    ids = set(ids or [])
    found = list(queryset.visible_to(request.user).filter(pk__in=ids))
    if len(found) != len(ids):
        raise PermissionDenied(str(OUT_OF_SCOPE))
    return found
