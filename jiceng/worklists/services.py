"""Workflows of the work lists: decomposition, reports, the close-out state
machine, roll-up, supervision, projects and meeting resolutions.

Views and the API parse input, call one function here and render. Each
function checks role and scope, changes everything or nothing (one
transaction) and records what happened.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from jiceng.core.scoping import grants_on
from jiceng.orgs.models import Unit

from .models import (
    EXCLUDED_STATES,
    OPEN_STATES,
    TODO_STATES,
    Assignment,
    Attachment,
    CardLevel,
    Escalation,
    Finding,
    Meeting,
    Plan,
    Project,
    ProjectClaim,
    Report,
    Resolution,
    Source,
    State,
    SupervisionVisit,
    Task,
    Transition,
)

REPORT_PERM = "assignment.report"
APPROVE_PERM = "assignment.approve"
MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
ALLOWED_EXTENSIONS = {"jpg", "jpeg", "png", "gif", "pdf", "doc", "docx", "xls", "xlsx", "txt"}


class WorkflowError(Exception):
    """Refused; nothing changed. `status` is the HTTP answer: 400 bad input,
    403 not this user's to take, 409 does not apply to the current state."""

    status = 400

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class NotPermitted(WorkflowError):
    status = 403


class NotApplicable(WorkflowError):
    status = 409


# --- who may act where


# Whether the user holds `perm` at `unit` or at a unit above it: the scoping rule's own check.
acts_for = grants_on


def acts_as(user, perm: str, unit: Unit) -> bool:
    """Whether the user holds `perm` at exactly this unit: the assignee's own
    staff report on and ask to close its work, not the levels above it."""
    return user.is_superuser or any(
        a.unit_id == unit.pk and a.grants(perm) for a in user.assignments
    )


def role_units(user, perm: str) -> list[int]:
    """The units where the user holds `perm` directly (not their subtrees)."""
    return [a.unit_id for a in user.assignments if a.unit_id is not None and a.grants(perm)]


# --- the close-out state machine


@dataclass(frozen=True)
class Action:
    label: str
    sources: tuple[str, ...]
    target: str
    side: str  # "assignee" acts on its own work; "assigner" is the assigning level
    note_required: bool = False


WORKING = (State.IN_PROGRESS, State.RETURNED)
ACTIONS: dict[str, Action] = {
    "start": Action(_l("开始办理"), (State.ASSIGNED,), State.IN_PROGRESS, "assignee"),
    "request_close": Action(_l("申请销号"), WORKING, State.CLOSE_REQUESTED, "assignee"),
    "approve": Action(_l("同意销号"), (State.CLOSE_REQUESTED,), State.CLOSED, "assigner"),
    "return": Action(
        _l("退回"), (State.CLOSE_REQUESTED,), State.RETURNED, "assigner", note_required=True
    ),
    "waive": Action(_l("免除"), OPEN_STATES, State.WAIVED, "assigner", note_required=True),
    "cancel": Action(_l("取消"), OPEN_STATES, State.CANCELLED, "assigner"),
}


def may_take(user, action: str, assignment: Assignment) -> bool:
    spec = ACTIONS[action]
    if spec.side == "assignee":
        return acts_as(user, REPORT_PERM, assignment.unit)
    return acts_for(user, APPROVE_PERM, assignment.task.unit)


def available_actions(user, assignment: Assignment) -> list[tuple[str, str]]:
    """(action, label) pairs the user could take now: for the buttons on a page.
    No approve button for the user who asked to close (it would only be refused)."""
    actions = [
        (name, str(spec.label))
        for name, spec in ACTIONS.items()
        if assignment.state in spec.sources and may_take(user, name, assignment)
    ]
    if (
        any(name == "approve" for name, _label in actions)
        and close_requester(assignment) == user.pk
    ):
        actions = [(name, label) for name, label in actions if name != "approve"]
    return actions


def close_requester(assignment: Assignment) -> int | None:
    """The user who made the latest close-out request."""
    return (
        assignment.transitions.filter(to_state=State.CLOSE_REQUESTED)
        .order_by("-at", "-pk")
        .values_list("actor_id", flat=True)
        .first()
    )


def transition(user, assignment_id: int, action: str, note: str = "") -> Assignment:
    """Take `action` on an assignment. The row is locked first, so of two
    approvers acting at once exactly one succeeds; the other gets a 409."""
    if action not in ACTIONS:
        raise WorkflowError(_("未知的操作：%(action)s。") % {"action": action})
    spec = ACTIONS[action]
    note = (note or "").strip()
    with transaction.atomic():
        assignment = Assignment.objects.select_for_update().filter(pk=assignment_id).first()
        if assignment is None:
            raise WorkflowError(_("任务不存在。"))
        if not may_take(user, action, assignment):
            raise NotPermitted(_("您没有对该任务执行“%(label)s”的权限。") % {"label": spec.label})
        if assignment.state not in spec.sources:
            raise NotApplicable(
                _("任务当前状态为“%(state)s”，不能执行“%(label)s”。")
                % {"state": assignment.get_state_display(), "label": spec.label}
            )
        if spec.note_required and not note:
            raise WorkflowError(_("“%(label)s”必须填写理由。") % {"label": spec.label})
        _check_guards(user, action, assignment)
        _apply(user, assignment, action, spec.target, note)
    return assignment


def _check_guards(user, action: str, assignment: Assignment) -> None:
    if action in ("request_close", "approve"):
        open_children = assignment.children.open().count()
        if open_children:
            raise NotApplicable(
                _("还有 %(n)d 项下级任务未销号或免除，不能销号。") % {"n": open_children}
            )
    if action == "request_close" and assignment.task.evidence_required:
        has_evidence = Attachment.objects.filter(reports__assignments=assignment).exists()
        if not has_evidence:
            raise WorkflowError(
                _("该任务销号需要佐证材料（%(what)s），请先上报附件。")
                % {"what": assignment.task.evidence_required}
            )
    if action == "approve" and close_requester(assignment) == user.pk:
        raise NotPermitted(_("不能审批本人提交的销号申请。"))


def _apply(user, assignment: Assignment, action: str, target: str, note: str) -> None:
    Transition.objects.create(
        assignment=assignment,
        action=action,
        from_state=assignment.state,
        to_state=target,
        actor=user,
        note=note,
    )
    assignment.state = target
    assignment.closed_at = timezone.now() if target == State.CLOSED else None
    assignment.save(update_fields=["state", "closed_at", "updated_at"])
    if target in (State.CLOSED, State.WAIVED, State.CANCELLED):
        # Open escalations end with the work they were about.
        assignment.escalations.filter(resolved_at__isnull=True).update(resolved_at=timezone.now())
    recompute_rollup(assignment)


# --- roll-up (docs/worklists.md)


def rollup_value(state: str, progress: int, children: Iterable[tuple[str, int, float]]) -> float:
    """The roll-up rule, for one assignment and its children's (state, weight,
    roll-up): closed counts 100; otherwise the weighted mean of the children
    not waived or cancelled, or the reported progress where none count.
    `children` is only read when needed (it may be an unevaluated query)."""
    if state == State.CLOSED:
        return 100.0
    counted = [(weight, rollup) for s, weight, rollup in children if s not in EXCLUDED_STATES]
    total_weight = sum(weight for weight, _rollup in counted)
    if total_weight:
        return round(sum(weight * rollup for weight, rollup in counted) / total_weight, 2)
    return float(progress)


def own_rollup(assignment: Assignment) -> float:
    children = Assignment.objects.filter(parent_id=assignment.pk).values_list(
        "state", "task__weight", "rollup"
    )
    return rollup_value(assignment.state, assignment.progress, children)


def recompute_rollup(assignment: Assignment | None) -> None:
    """Recompute the cached roll-up of an assignment and of every ancestor."""
    while assignment is not None:
        value = own_rollup(assignment)
        Assignment.objects.filter(pk=assignment.pk).update(rollup=value)
        assignment.rollup = value
        assignment = (
            Assignment.objects.filter(pk=assignment.parent_id).first()
            if assignment.parent_id
            else None
        )


def rebuild_rollups(queryset=None) -> int:
    """Recompute every cached roll-up bottom-up in memory (after bulk loads such
    as the demo); `queryset` must hold whole trees. Returns the rows written."""
    rows = (queryset if queryset is not None else Assignment.objects.all()).values_list(
        "pk", "parent_id", "state", "progress", "task__weight", "rollup"
    )
    nodes, stored = {}, {}
    for pk, parent, state, progress, weight, rollup in rows:
        nodes[pk] = (parent, state, progress, weight)
        stored[pk] = rollup
    children: dict[int, list[int]] = defaultdict(list)
    for pk, (parent, *_rest) in nodes.items():
        if parent in nodes:
            children[parent].append(pk)
    values: dict[int, float] = {}
    for root in [pk for pk, node in nodes.items() if node[0] not in nodes]:
        _rollup_subtree(root, nodes, children, values)
    # Only rows whose value changed are written: a bulk update is the slow part.
    changed = [Assignment(pk=pk, rollup=v) for pk, v in values.items() if v != stored[pk]]
    Assignment.objects.bulk_update(changed, ["rollup"], batch_size=2000)
    return len(changed)


def _rollup_subtree(root, nodes, children, values) -> None:
    # Iterative post-order: trees can be deep enough to worry a recursive walk.
    stack = [(root, False)]
    while stack:
        pk, expanded = stack.pop()
        if not expanded:
            stack.append((pk, True))
            stack.extend((child, False) for child in children[pk])
            continue
        _parent, state, progress, _weight = nodes[pk]
        below = ((nodes[c][1], nodes[c][3], values[c]) for c in children[pk])
        values[pk] = rollup_value(state, progress, below)


def reparent(user, assignment: Assignment, new_parent: Assignment | None) -> None:
    """Move an assignment under another parent; both roll-ups follow."""
    if new_parent is not None:
        check_due_date(assignment.due_date, new_parent)
        if not assignment.unit.is_in_subtree_of(new_parent.unit):
            raise WorkflowError(_("新的上级任务必须属于承办单位的上级或本单位。"))
    with transaction.atomic():
        old_parent = assignment.parent
        assignment.parent = new_parent
        assignment.save(update_fields=["parent", "updated_at"])
        recompute_rollup(old_parent)
        recompute_rollup(new_parent)


# --- decomposition and assignment


def check_due_date(due_date: datetime.date, parent: Assignment | None) -> None:
    if parent is not None and due_date > parent.due_date:
        raise WorkflowError(
            _("完成时限不能晚于上级任务的时限（%(due)s）。") % {"due": parent.due_date.isoformat()}
        )


def check_assignees(assigning: Unit, units: list[Unit], parent: Assignment | None = None) -> None:
    if not units:
        raise WorkflowError(_("请至少选择一个承办单位。"))
    for unit in units:
        inside = unit.is_in_subtree_of(assigning)
        if not inside or (unit.pk == assigning.pk and parent is None):
            raise WorkflowError(_("“%(unit)s”不在交办单位的下级范围内。") % {"unit": unit.name})


def assign(user, task: Task, units: Iterable[Unit], parent: Assignment | None = None) -> list:
    """One assignment per unit; units must lie below the assigning unit."""
    units = list(units)
    check_assignees(task.unit, units, parent)
    taken = set(task.assignments.filter(unit__in=units).values_list("unit_id", flat=True))
    created = Assignment.objects.bulk_create(
        [
            Assignment(task=task, unit=unit, parent=parent, due_date=task.due_date)
            for unit in units
            if unit.pk not in taken
        ]
    )
    if parent is not None:
        recompute_rollup(parent)
    return created


def decompose(user, parent: Assignment, units: Iterable[Unit], **task_fields) -> Task:
    """逐级分解: the assignee of `parent` hands sub-tasks to units below it (or
    to itself, for milestones). Due dates may not pass the parent's."""
    if not acts_for(user, "task.add", parent.unit):
        raise NotPermitted(_("您没有分解该任务的权限。"))
    if not parent.is_open:
        raise NotApplicable(_("任务已结束，不能再分解。"))
    task_fields.setdefault("due_date", parent.due_date)
    # Sub-tasks inherit the evidence the parent must show, unless given their own.
    if not task_fields.get("evidence_required"):
        task_fields["evidence_required"] = parent.task.evidence_required
    check_due_date(task_fields["due_date"], parent)
    with transaction.atomic():
        task = Task.objects.create(
            plan=parent.task.plan,
            group=parent.task.group,
            parent=parent,
            unit=parent.unit,
            source=task_fields.pop("source", Source.DECOMPOSITION),
            created_by=user,
            **task_fields,
        )
        assign(user, task, units, parent=parent)
    return task


# --- progress reports


def check_attachment(upload) -> None:
    extension = upload.name.rsplit(".", 1)[-1].lower() if "." in upload.name else ""
    if extension not in ALLOWED_EXTENSIONS:
        raise WorkflowError(
            _("不支持的文件类型：%(name)s。可上传图片、PDF、Word、Excel 或文本文件。")
            % {"name": upload.name}
        )
    if upload.size > MAX_ATTACHMENT_BYTES:
        raise WorkflowError(_("文件“%(name)s”超过 %(mb)d MB。") % {"name": upload.name, "mb": 10})


def submit_report(
    user,
    assignments: list[Assignment],
    text: str,
    percent: int | None = None,
    uploads: Iterable = (),
    reuse: Iterable[Attachment] = (),
) -> Report:
    """上报: one report (and its files) for one or several assignments."""
    uploads, reuse = list(uploads), list(reuse)
    if not assignments:
        raise WorkflowError(_("请选择要上报的任务。"))
    if not (text or "").strip():
        raise WorkflowError(_("请填写进展情况。"))
    if percent is not None and not 0 <= percent <= 100:
        raise WorkflowError(_("完成进度必须在 0 到 100 之间。"))
    for assignment in assignments:
        if not acts_as(user, REPORT_PERM, assignment.unit):
            raise NotPermitted(_("您没有为“%(a)s”上报的权限。") % {"a": assignment})
        if assignment.state not in TODO_STATES:
            raise NotApplicable(
                _("任务“%(a)s”当前状态为“%(state)s”，不能上报。")
                % {"a": assignment, "state": assignment.get_state_display()}
            )
    for upload in uploads:
        check_attachment(upload)
    with transaction.atomic():
        report = Report.objects.create(
            unit=assignments[0].unit, author=user, text=text.strip(), percent=percent
        )
        report.assignments.set(assignments)
        files = [_store(user, report.unit, upload) for upload in uploads]
        report.attachments.set([*files, *reuse])
        for assignment in assignments:
            _after_report(user, assignment, percent)
    return report


def _store(user, unit: Unit, upload) -> Attachment:
    return Attachment.objects.create(
        unit=unit,
        file=upload,
        name=upload.name[:200],
        size=upload.size,
        content_type=getattr(upload, "content_type", "") or "application/octet-stream",
        uploaded_by=user,
    )


def _after_report(user, assignment: Assignment, percent: int | None) -> None:
    locked = Assignment.objects.select_for_update().get(pk=assignment.pk)
    if locked.state == State.ASSIGNED:
        _apply(user, locked, "start", State.IN_PROGRESS, _("上报进度，开始办理"))
    if percent is not None:
        locked.progress = percent
        locked.save(update_fields=["progress", "updated_at"])
        recompute_rollup(locked)


# --- supervision


def record_visit(user, unit: Unit, by_unit: Unit, **fields) -> SupervisionVisit:
    if by_unit.pk == unit.pk or not unit.is_in_subtree_of(by_unit):
        raise WorkflowError(_("督导单位必须是被督导单位的上级。"))
    if not acts_for(user, "supervisionvisit.add", by_unit):
        raise NotPermitted(_("您没有以该单位名义督导的权限。"))
    assignment = fields.get("assignment")
    if assignment is not None and assignment.unit_id != unit.pk:
        raise WorkflowError(_("督导任务必须属于被督导单位。"))
    return SupervisionVisit.objects.create(unit=unit, by_unit=by_unit, created_by=user, **fields)


def record_finding(
    user, visit: SupervisionVisit, text: str, deadline: datetime.date | None = None
) -> Finding:
    """A finding; with a deadline it demands rectification (整改), which becomes a
    sub-task of the supervised unit (under the visited assignment, if any)."""
    if not acts_for(user, "supervisionvisit.add", visit.by_unit):
        raise NotPermitted(_("您没有记录该督导发现的权限。"))
    if not (text or "").strip():
        raise WorkflowError(_("请填写发现的问题。"))
    with transaction.atomic():
        finding = Finding.objects.create(visit=visit, text=text.strip(), deadline=deadline)
        if deadline is not None:
            finding.rectification = _rectification(user, visit, finding)
            finding.save(update_fields=["rectification"])
    return finding


def _rectification(user, visit: SupervisionVisit, finding: Finding) -> Assignment:
    parent = visit.assignment
    check_due_date(finding.deadline, parent)
    task = Task.objects.create(
        plan=parent.task.plan if parent else None,
        parent=parent,
        unit=visit.by_unit,
        title=_("整改：%(text)s") % {"text": finding.text[:60]},
        description=finding.text,
        category=_("督导整改"),
        due_date=finding.deadline,
        source=Source.RECTIFICATION,
        evidence_required=_("整改情况说明及照片"),
        created_by=user,
    )
    assignment = Assignment.objects.create(
        task=task, unit=visit.unit, parent=parent, due_date=finding.deadline
    )
    recompute_rollup(parent)
    return assignment


def escalate(user, assignment: Assignment, level: str, reason: str) -> Escalation:
    """黄牌/红牌督办 on overdue work, by the assigning level or above."""
    if not acts_for(user, "escalation.add", assignment.task.unit):
        raise NotPermitted(_("只有交办单位及其上级可以督办。"))
    if level not in CardLevel.values:
        raise WorkflowError(_("督办级别不正确。"))
    if not assignment.is_overdue:
        raise NotApplicable(_("只有已逾期的任务才能挂牌督办。"))
    if not (reason or "").strip():
        raise WorkflowError(_("请填写督办事由。"))
    return Escalation.objects.create(
        assignment=assignment, level=level, reason=reason.strip(), issued_by=user
    )


# --- projects and joint meetings


def claim_project(user, project: Project, street: Unit) -> Assignment:
    """A street claims (认领) a project: the project runs as its assignment."""
    if not acts_for(user, "project.claim", street):
        raise NotPermitted(_("您没有以该单位名义认领项目的权限。"))
    if street.pk == project.unit_id or not street.is_in_subtree_of(project.unit):
        raise WorkflowError(_("只能认领上级单位发布的项目。"))
    if ProjectClaim.objects.filter(project=project, assignment__unit=street).exists():
        raise NotApplicable(_("该单位已认领此项目。"))
    with transaction.atomic():
        task, _created = Task.objects.get_or_create(
            unit=project.unit,
            source=Source.PROJECT,
            title=project.title,
            defaults={
                "description": project.description,
                "category": project.category.name,
                "due_date": project.due_date,
                "evidence_required": _("项目成效材料"),
                "created_by": user,
            },
        )
        (assignment,) = assign(user, task, [street])
        ProjectClaim.objects.create(project=project, assignment=assignment)
    return assignment


def resolve(
    user,
    meeting: Meeting,
    text: str,
    units: list[Unit],
    due_date: datetime.date,
    plan: Plan | None = None,
) -> Resolution:
    """A meeting resolution becomes a task of the body's unit, assigned, in one
    step; the Resolution row links the task back to its meeting."""
    body = meeting.body
    if not acts_for(user, "resolution.add", body.unit):
        raise NotPermitted(_("您没有为该联席会议形成决议的权限。"))
    if not (text or "").strip():
        raise WorkflowError(_("请填写决议事项。"))
    check_resolution_dates(due_date, plan, body.unit)
    with transaction.atomic():
        task = Task.objects.create(
            plan=plan,
            unit=body.unit,
            title=text.strip()[:200],
            description=text.strip(),
            category=str(body),
            due_date=due_date,
            source=Source.RESOLUTION,
            created_by=user,
        )
        assign(user, task, units)
        return Resolution.objects.create(meeting=meeting, text=text.strip(), task=task)


def check_resolution_dates(due_date: datetime.date, plan: Plan | None, unit: Unit) -> None:
    """New work is due from today on, and within its plan's year."""
    if due_date < timezone.localdate():
        raise WorkflowError(_("完成时限不能早于今天。"))
    if plan is None:
        return
    if plan.unit_id != unit.pk:
        raise WorkflowError(_("决议只能列入联席会议所属单位的工作计划。"))
    if due_date.year > plan.year:
        raise WorkflowError(
            _("完成时限不能晚于“%(plan)s”所在年度（%(year)d 年）的年底。")
            % {"plan": plan.title, "year": plan.year}
        )
