"""Pages of the work lists: my work, lists with export, the task page, the plan
board and the dashboard. Each view parses input, calls a service, renders."""

import functools

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from django.views.decorators.http import require_GET, require_POST

from jiceng.core.audit import history
from jiceng.core.context import links_for
from jiceng.core.exports import Column, small_xlsx_response
from jiceng.core.files import file_response
from jiceng.core.forms import OUT_OF_SCOPE
from jiceng.core.scoping import can_act_on, user_can
from jiceng.core.views import ScopedCreateView, ScopedListView
from jiceng.orgs.models import Unit

from . import imports, queries, services
from .filters import AssignmentFilter
from .forms import (
    DecomposeForm,
    EscalationForm,
    FindingForm,
    PlanForm,
    ProjectForm,
    ReportForm,
    TaskForm,
    VisitForm,
)
from .models import TODO_STATES, Assignment, Attachment, Plan, Project, SupervisionVisit, Task

ASSIGNMENT_COLUMNS = [
    Column(_l("任务名称"), lambda a: a.task.title, link=True),
    Column(_l("承办单位"), lambda a: a.unit.name),
    Column(_l("交办单位"), lambda a: a.task.unit.name),
    Column(_l("类别"), lambda a: a.task.category),
    Column(_l("状态"), lambda a: a.get_state_display()),
    Column(_l("汇总进度（%）"), lambda a: round(a.rollup)),
    Column(_l("完成时限"), lambda a: a.due_date),
    Column(_l("是否逾期"), lambda a: _("逾期") if a.is_overdue else ""),
    Column(_l("计划"), lambda a: a.task.plan.title if a.task.plan_id else ""),
]


class AssignmentListView(ScopedListView):
    model = Assignment
    filterset_class = AssignmentFilter
    columns = ASSIGNMENT_COLUMNS
    export_basename = "工作清单"

    def get_queryset(self):
        return super().get_queryset().select_related("task__unit", "task__plan", "unit")


class PlanListView(ScopedListView):
    model = Plan
    filterset_class = None
    filterset_fields = ["year"]
    columns = [
        Column(_l("名称"), lambda p: p.title, link=True),
        Column(_l("年度"), lambda p: p.year),
        Column(_l("制定单位"), lambda p: p.unit.name),
    ]
    export_basename = "工作计划"
    create_url_name = "worklists:plan-create"

    def get_queryset(self):
        return super().get_queryset().select_related("unit")


class PlanCreateView(ScopedCreateView):
    model = Plan
    form_class = PlanForm

    def get_success_url(self):
        return self.object.get_absolute_url()


class TaskCreateView(ScopedCreateView):
    """A task of a plan and its assignments (all units below, or chosen ones)."""

    model = Task
    form_class = TaskForm

    def form_valid(self, form):
        # Assignees are checked before anything is saved (a refused task is never
        # written, nor announced as saved); the task and its assignments together.
        units = form.assignee_units()
        try:
            services.check_assignees(form.cleaned_data["unit"], units)
        except services.WorkflowError as exc:
            form.add_error(None, exc.message)
            return self.form_invalid(form)
        form.instance.created_by = self.request.user
        with transaction.atomic():
            response = super().form_valid(form)
            services.assign(self.request.user, self.object, units)
        return response

    def get_success_url(self):
        return self.object.plan.get_absolute_url() if self.object.plan_id else "/work/"


# Work-list pages no menu entry leads to.
MY_WORK_LINKS = [
    (_l("全部工作清单"), "worklists:assignment-list", "assignment.view"),
    (_l("督导记录"), "worklists:visit-list", "supervisionvisit.view"),
    (_l("治理项目"), "worklists:project-list", "project.view"),
]


@login_required
def my_work(request):
    context = {**queries.my_work(request.user), "links": links_for(request.user, MY_WORK_LINKS)}
    return render(request, "worklists/my_work.html", context)


@login_required
def assignment_detail(request, pk: int):
    """The task page: decomposition tree, timeline, reports and the actions."""
    assignment = queries.visible_assignment(request.user, pk)
    user = request.user
    context = {
        "object": assignment,
        # The task it was decomposed from, only for those who may open it (a
        # community's staff do not see the street's own assignment).
        "parent": assignment.parent
        and Assignment.objects.visible_to(user).filter(pk=assignment.parent_id).first(),
        "tree": _tree(request.user, assignment),
        "timeline": assignment.transitions.select_related("actor__person"),
        "reports": assignment.reports.select_related("author__person").prefetch_related(
            "attachments"
        ),
        "escalations": assignment.escalations.all(),
        "actions": services.available_actions(user, assignment),
        "history": history(assignment),
        "can_report": assignment.state in TODO_STATES
        and services.acts_as(user, services.REPORT_PERM, assignment.unit),
        "can_decompose": assignment.is_open
        and services.acts_for(user, "task.add", assignment.unit),
        "can_escalate": assignment.is_overdue
        and services.acts_for(user, "escalation.add", assignment.task.unit),
        "can_supervise": services.acts_for(user, "supervisionvisit.add", assignment.task.unit),
        "report_form": ReportForm(),
        "decompose_form": DecomposeForm(parent=assignment),
        "escalation_form": EscalationForm(),
    }
    return render(request, "worklists/assignment_detail.html", context)


def _tree(user, root: Assignment) -> list[tuple[int, Assignment]]:
    """The visible decomposition tree below `root` as (depth, node), in order:
    loaded level by level (one query per level), not one per node."""
    visible = Assignment.objects.visible_to(user).select_related("task", "unit")
    by_parent: dict[int, list[Assignment]] = {}
    level = [root.pk]
    while level:
        rows = list(visible.filter(parent_id__in=level).order_by("unit__sort_order", "pk"))
        for row in rows:
            by_parent.setdefault(row.parent_id, []).append(row)
        level = [row.pk for row in rows]
    ordered: list[tuple[int, Assignment]] = []

    def walk(node_id: int, depth: int) -> None:
        for child in by_parent.get(node_id, []):
            ordered.append((depth, child))
            walk(child.pk, depth + 1)

    walk(root.pk, 1)
    return ordered


def _refused(request, pk, exc: services.WorkflowError):
    messages.error(request, exc.message)
    return redirect("worklists:assignment-detail", pk=pk)


@login_required
@require_POST
def take_action(request, pk: int):
    assignment = queries.visible_assignment(request.user, pk)
    action = request.POST.get("action", "")
    try:
        services.transition(request.user, assignment.pk, action, request.POST.get("note", ""))
    except services.WorkflowError as exc:
        return _refused(request, pk, exc)
    messages.success(
        request, _("操作已完成：%(label)s。") % {"label": services.ACTIONS[action].label}
    )
    return redirect("worklists:assignment-detail", pk=pk)


@login_required
@require_POST
def post_report(request, pk: int):
    assignment = queries.visible_assignment(request.user, pk)
    form = ReportForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("上报内容不完整：%(e)s") % {"e": form.errors.as_text()})
        return redirect("worklists:assignment-detail", pk=pk)
    others = list(
        Assignment.objects.visible_to(request.user, "report")
        .filter(pk__in=[v for v in request.POST.getlist("also") if v.isdigit()])
        .exclude(pk=pk)
    )
    try:
        services.submit_report(
            request.user,
            [assignment, *others],
            form.cleaned_data["text"],
            form.cleaned_data["percent"],
            request.FILES.getlist("files"),
        )
    except services.WorkflowError as exc:
        return _refused(request, pk, exc)
    messages.success(request, _("进度已上报。"))
    return redirect("worklists:assignment-detail", pk=pk)


@login_required
@require_POST
def post_decompose(request, pk: int):
    parent = queries.visible_assignment(request.user, pk)
    form = DecomposeForm(request.POST, parent=parent)
    if not form.is_valid():
        messages.error(request, _("分解未完成：%(e)s") % {"e": form.errors.as_text()})
        return redirect("worklists:assignment-detail", pk=pk)
    data = dict(form.cleaned_data)
    units = list(data.pop("units"))
    try:
        services.decompose(request.user, parent, units, **data)
    except services.WorkflowError as exc:
        return _refused(request, pk, exc)
    messages.success(request, _("已分解给 %(n)d 个单位。") % {"n": len(units)})
    return redirect("worklists:assignment-detail", pk=pk)


@login_required
@require_POST
def post_escalation(request, pk: int):
    assignment = queries.visible_assignment(request.user, pk)
    form = EscalationForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("督办未完成：%(e)s") % {"e": form.errors.as_text()})
        return redirect("worklists:assignment-detail", pk=pk)
    try:
        services.escalate(request.user, assignment, **form.cleaned_data)
    except services.WorkflowError as exc:
        return _refused(request, pk, exc)
    messages.success(request, _("已挂牌督办。"))
    return redirect("worklists:assignment-detail", pk=pk)


def board_cells_html(cells) -> str:
    """The <td>s of one board row, rendered in Python: a page holds thousands of
    cells and the template renderer costs ~20 µs for each. Cells hold only our
    own colour names and numbers, nothing typed by a user."""
    return mark_safe("".join(_board_cell_html(*cell) for cell in cells))


@functools.lru_cache(maxsize=512)
def _board_cell_html(color: str, rollup: int | None, count: int) -> str:
    shade = f" bg-{color}-subtle" if color else ""
    shown = "—" if rollup is None else rollup
    badge = f'<span class="badge text-bg-{color}">{shown}%</span>' if count else ""
    return f'<td class="text-center{shade}">{badge}</td>'


@login_required
def plan_board(request, pk: int):
    plan = get_object_or_404(Plan.objects.visible_to(request.user).select_related("unit"), pk=pk)
    column_parent = plan.unit
    unit_id = request.GET.get("unit", "")
    if unit_id.isdigit():
        column_parent = get_object_or_404(Unit.objects.visible_to(request.user), pk=unit_id)
    page = int(request.GET["page"]) if request.GET.get("page", "").isdigit() else 1
    board = queries.plan_board(request.user, plan, column_parent, max(page, 1))
    board["grid"] = [(task, board_cells_html(cells)) for task, cells in board["grid"]]
    context = {"plan": plan, "column_parent": column_parent, "page": page, **board}
    context["can_add_task"] = user_can(request.user, "task.add")
    context["can_import"] = imports.TaskSpec.may_import(request.user) and can_act_on(
        request.user, "change", plan
    )
    return render(request, "worklists/plan_board.html", context)


@login_required
@require_GET
def plan_tasks_export(request, pk: int):
    """The plan's tasks in the import template's columns (edit, then import back)."""
    plan = get_object_or_404(Plan.objects.visible_to(request.user), pk=pk)
    return small_xlsx_response(
        _("%(plan)s-任务清单") % {"plan": plan.title}, *imports.export_table(request.user, plan)
    )


@login_required
def dashboard(request):
    units = Unit.objects.visible_to(request.user)
    unit_id = request.GET.get("unit", "")
    if unit_id.isdigit():
        unit = get_object_or_404(units, pk=unit_id)
    else:
        unit = units.order_by("depth").first()
        if unit is None:
            raise Http404
    max_age = settings.WORKLISTS_DASHBOARD_MAX_AGE
    context = {"unit": unit, **queries.dashboard(request.user, unit, max_age)}
    # 上一级 only where the user may look: a city admin's city has a 盟 above it.
    context["parent"] = units.filter(pk=unit.parent_id).only("pk").first()
    return render(request, "worklists/dashboard.html", context)


@login_required
@require_GET
def attachment_file(request, pk: int):
    """An attachment, to whoever may see it (see jiceng.core.files)."""
    attachment = get_object_or_404(Attachment.objects.visible_to(request.user), pk=pk)
    return file_response(attachment.file, attachment.name)


# --- supervision and projects


class VisitListView(ScopedListView):
    model = SupervisionVisit
    filterset_class = None
    filterset_fields = []
    columns = [
        Column(_l("督导日期"), lambda v: v.date, link=True),
        Column(_l("被督导单位"), lambda v: v.unit.name),
        Column(_l("督导单位"), lambda v: v.by_unit.name),
        Column(_l("督导人员"), lambda v: v.inspectors),
        Column(_l("督导情况"), lambda v: v.summary[:60]),
    ]
    export_basename = "督导记录"
    create_url_name = "worklists:visit-create"

    def get_queryset(self):
        return super().get_queryset().select_related("unit", "by_unit")


class VisitCreateView(ScopedCreateView):
    """Record a visit; the task page links here with the unit and task filled in."""

    model = SupervisionVisit
    form_class = VisitForm

    def get_initial(self):
        initial = {"date": timezone.localdate()}
        for name in ("unit", "assignment"):
            if self.request.GET.get(name, "").isdigit():
                initial[name] = int(self.request.GET[name])
        return initial

    def form_valid(self, form):
        data = {k: v for k, v in form.cleaned_data.items() if k not in ("unit", "by_unit")}
        try:
            self.object = services.record_visit(
                self.request.user, form.cleaned_data["unit"], form.cleaned_data["by_unit"], **data
            )
        except services.WorkflowError as exc:
            form.add_error(None, exc.message)
            return self.form_invalid(form)
        messages.success(self.request, _("已记录督导，可在下方登记发现的问题。"))
        return redirect(self.object.get_absolute_url())


class ProjectCreateView(ScopedCreateView):
    model = Project
    form_class = ProjectForm

    def get_success_url(self):
        return self.object.get_absolute_url()


@login_required
def visit_detail(request, pk: int):
    visit = get_object_or_404(
        SupervisionVisit.objects.visible_to(request.user).select_related("unit", "by_unit"),
        pk=pk,
    )
    if request.method == "POST":
        form = FindingForm(request.POST)
        if form.is_valid():
            try:
                services.record_finding(request.user, visit, **form.cleaned_data)
                messages.success(request, _("已记录督导发现。"))
                return redirect(visit.get_absolute_url())
            except services.WorkflowError as exc:
                messages.error(request, exc.message)
    else:
        form = FindingForm()
    context = {
        "object": visit,
        "findings": visit.findings.select_related("rectification__unit"),
        "form": form,
        "can_add": services.acts_for(request.user, "supervisionvisit.add", visit.by_unit),
        "history": history(visit),
    }
    return render(request, "worklists/visit_detail.html", context)


class ProjectListView(ScopedListView):
    model = Project
    filterset_class = None
    filterset_fields = ["category"]
    columns = [
        Column(_l("项目名称"), lambda p: p.title, link=True),
        Column(_l("类别"), lambda p: p.category.name),
        Column(_l("发布单位"), lambda p: p.unit.name),
        Column(_l("完成时限"), lambda p: p.due_date),
    ]
    export_basename = "治理项目"
    create_url_name = "worklists:project-create"

    def get_queryset(self):
        return super().get_queryset().select_related("category", "unit")


@login_required
def project_detail(request, pk: int):
    project = get_object_or_404(
        Project.objects.visible_to(request.user).select_related("category", "unit"), pk=pk
    )
    streets = [a.unit for a in request.user.assignments if a.unit_id and a.grants("project.claim")]
    if request.method == "POST":
        street = next((s for s in streets if str(s.pk) == request.POST.get("unit")), None)
        if street is None:
            messages.error(request, OUT_OF_SCOPE)
        else:
            try:
                assignment = services.claim_project(request.user, project, street)
                messages.success(request, _("已认领，可在任务页分解里程碑。"))
                return redirect(assignment.get_absolute_url())
            except services.WorkflowError as exc:
                messages.error(request, exc.message)
    claims = (
        Assignment.objects.visible_to(request.user)
        .filter(project_claim__project=project)
        .select_related("unit", "task")
    )
    context = {"object": project, "claims": claims, "streets": streets}
    return render(request, "worklists/project_detail.html", context)
