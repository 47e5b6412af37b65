"""Work lists (工作清单): plans, tasks decomposed down the tree, assignments that
report up, supervision, close-out (销号), projects and joint meetings.

The unit of work is the Assignment: one task for one assignee unit, with one
state. A task assigned to eight streets has eight assignments; a street that
decomposes its assignment creates a child Task whose assignments (one per
community) point to the street's assignment as their parent. The API calls an
assignment a "task" because that is what an assignee works on.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from jiceng.core.scoping import Scoped, ScopedQuerySet, permission_name, subtree_q, units_granting

DUE_SOON_DAYS = 7


def subtree_or_above_q(unit, lookup: str) -> Q:
    """Records owned in the unit's subtree, or by one of its ancestors: a plan or
    task set above is context that everyone it flows down to may read."""
    return subtree_q(unit, lookup) | Q(**{f"{lookup}_id__in": [*unit.ancestor_ids, unit.pk]})


class AboveAndBelowQuerySet(ScopedQuerySet):
    def visible_to(self, user, action: str = "view") -> ScopedQuerySet:
        """Reading reaches up the tree; every other action stays in the subtrees
        where the user holds it: a street reads the city's joint meeting but
        neither edits it nor records its meetings."""
        queryset = super().visible_to(user, action)
        if action == "view" or getattr(user, "is_superuser", False):
            return queryset
        units = units_granting(user, permission_name(self.model, action))
        return queryset.filter(**{f"{self.model.scope_unit}__in": units})


class AboveAndBelow(Scoped):
    """Scoped by a unit, readable from its subtree and from below."""

    objects = AboveAndBelowQuerySet.as_manager()

    class Meta:
        abstract = True

    @classmethod
    def scope_rule(cls, assignment):
        if assignment.unit_id is not None:
            return subtree_or_above_q(assignment.unit, cls.scope_unit)
        return super().scope_rule(assignment)


class Plan(AboveAndBelow):
    unit = models.ForeignKey(
        "orgs.Unit", models.PROTECT, related_name="plans", verbose_name=_l("制定单位")
    )
    year = models.PositiveSmallIntegerField(_l("年度"))
    title = models.CharField(_l("名称"), max_length=200)
    description = models.TextField(_l("说明"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _l("工作计划")
        verbose_name_plural = _l("工作计划")
        ordering = ["-year", "title"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("worklists:plan-board", args=[self.pk])


class TaskGroup(AboveAndBelow):
    """An optional grouping inside a plan, e.g. one of the 16 items."""

    plan = models.ForeignKey(Plan, models.CASCADE, related_name="groups", verbose_name=_l("计划"))
    title = models.CharField(_l("名称"), max_length=200)
    sort_order = models.PositiveIntegerField(_l("排序"), default=0)

    scope_unit = "plan__unit"

    class Meta:
        verbose_name = _l("任务分组")
        verbose_name_plural = _l("任务分组")
        ordering = ["sort_order", "pk"]

    def __str__(self) -> str:
        return self.title


class Priority(models.TextChoices):
    HIGH = "high", _l("高")
    NORMAL = "normal", _l("中")
    LOW = "low", _l("低")


class Source(models.TextChoices):
    PLAN = "plan", _l("工作计划")
    DECOMPOSITION = "decomposition", _l("逐级分解")
    RECTIFICATION = "rectification", _l("督导整改")
    PROJECT = "project", _l("项目认领")
    RESOLUTION = "resolution", _l("联席会议决议")


class Task(AboveAndBelow):
    """What is to be done; who does it is in its assignments."""

    plan = models.ForeignKey(
        Plan, models.CASCADE, null=True, blank=True, related_name="tasks", verbose_name=_l("计划")
    )
    group = models.ForeignKey(
        TaskGroup,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="tasks",
        verbose_name=_l("分组"),
    )
    parent = models.ForeignKey(
        "Assignment",
        models.CASCADE,
        null=True,
        blank=True,
        related_name="subtasks",
        verbose_name=_l("分解自"),
    )
    title = models.CharField(_l("任务名称"), max_length=200)
    description = models.TextField(_l("工作要求"), blank=True)
    category = models.CharField(_l("类别"), max_length=50, blank=True)
    unit = models.ForeignKey(
        "orgs.Unit", models.PROTECT, related_name="assigned_tasks", verbose_name=_l("交办单位")
    )
    lead_person = models.ForeignKey(
        "people.Person",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_l("牵头领导"),
    )
    start_date = models.DateField(_l("开始日期"), null=True, blank=True)
    due_date = models.DateField(_l("完成时限"))
    priority = models.CharField(
        _l("优先级"), max_length=8, choices=Priority.choices, default=Priority.NORMAL
    )
    evidence_required = models.CharField(
        _l("销号所需佐证"),
        max_length=200,
        blank=True,
        help_text=_l("填写后，申请销号时必须附有佐证材料。"),
    )
    weight = models.PositiveSmallIntegerField(
        _l("权重"), default=1, validators=[MinValueValidator(1), MaxValueValidator(100)]
    )
    source = models.CharField(
        _l("来源"), max_length=16, choices=Source.choices, default=Source.PLAN
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _l("任务")
        verbose_name_plural = _l("任务")
        ordering = ["due_date", "pk"]
        indexes = [models.Index(fields=["plan", "parent"])]

    def __str__(self) -> str:
        return self.title


class State(models.TextChoices):
    ASSIGNED = "assigned", _l("已交办")
    IN_PROGRESS = "in_progress", _l("推进中")
    CLOSE_REQUESTED = "close_requested", _l("待销号")
    RETURNED = "returned", _l("已退回")
    CLOSED = "closed", _l("已销号")
    WAIVED = "waived", _l("已免除")
    CANCELLED = "cancelled", _l("已取消")


OPEN_STATES = (State.ASSIGNED, State.IN_PROGRESS, State.RETURNED, State.CLOSE_REQUESTED)
# What the assignee has to act on (close-requested work waits for the assigner).
TODO_STATES = (State.ASSIGNED, State.IN_PROGRESS, State.RETURNED)
# Left out of roll-ups and counts of what remains to do.
EXCLUDED_STATES = (State.WAIVED, State.CANCELLED)
DONE_STATES = (State.CLOSED, State.WAIVED)
STATE_COLORS = {
    State.ASSIGNED: "secondary",
    State.IN_PROGRESS: "primary",
    State.CLOSE_REQUESTED: "info",
    State.RETURNED: "warning",
    State.CLOSED: "success",
    State.WAIVED: "light",
    State.CANCELLED: "dark",
}


class AssignmentQuerySet(ScopedQuerySet):
    def open(self):
        return self.filter(state__in=OPEN_STATES)

    def overdue(self, today: datetime.date | None = None):
        return self.open().filter(due_date__lt=today or timezone.localdate())

    def due_soon(self, today: datetime.date | None = None):
        today = today or timezone.localdate()
        return self.open().filter(
            due_date__gte=today, due_date__lte=today + datetime.timedelta(days=DUE_SOON_DAYS)
        )


class Assignment(Scoped):
    """One task for one assignee unit: the unit of work, with one state.

    Owned by its assignee unit: the assignee and every unit above it see it.
    `rollup` is derived (docs/worklists.md): recomputed in the same transaction
    as every change below it, never typed.
    """

    task = models.ForeignKey(
        Task, models.CASCADE, related_name="assignments", verbose_name=_l("任务")
    )
    unit = models.ForeignKey(
        "orgs.Unit", models.PROTECT, related_name="work_assignments", verbose_name=_l("承办单位")
    )
    parent = models.ForeignKey(
        "self",
        models.CASCADE,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_l("上级任务"),
    )
    state = models.CharField(
        _l("状态"), max_length=16, choices=State.choices, default=State.ASSIGNED
    )
    due_date = models.DateField(_l("完成时限"))
    progress = models.PositiveSmallIntegerField(
        _l("上报进度"), default=0, validators=[MaxValueValidator(100)]
    )
    rollup = models.FloatField(_l("汇总进度"), default=0, editable=False)
    closed_at = models.DateTimeField(_l("销号时间"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = AssignmentQuerySet.as_manager()

    class Meta:
        verbose_name = _l("承办任务")
        verbose_name_plural = _l("承办任务")
        ordering = ["due_date", "pk"]
        indexes = [
            models.Index(fields=["unit", "state", "due_date"]),
            models.Index(fields=["task", "unit"]),
            models.Index(fields=["state", "due_date"]),
            # The overdue list (open work by due date) and my work (a unit's
            # to-do by due date) read these in order and stop early.
            models.Index(
                fields=["due_date", "id"],
                condition=Q(state__in=OPEN_STATES),
                name="assignment_open_by_due",
            ),
            models.Index(
                fields=["unit", "due_date", "id"],
                condition=Q(state__in=TODO_STATES),
                name="assignment_todo_by_unit_due",
            ),
        ]
        constraints = [
            models.UniqueConstraint(fields=["task", "unit"], name="assignment_one_per_unit"),
        ]

    def __str__(self) -> str:
        return f"{self.task.title} · {self.unit.name}"

    def get_absolute_url(self) -> str:
        return reverse("worklists:assignment-detail", args=[self.pk])

    def get_state_display(self) -> str:
        # Django's version rebuilds the choices dict on every call (~30 µs);
        # lists and exports ask it for every row.
        try:
            return str(State(self.state).label)
        except ValueError:
            return self.state

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    @property
    def is_overdue(self) -> bool:
        return self.is_open and self.due_date < timezone.localdate()

    @property
    def is_due_soon(self) -> bool:
        today = timezone.localdate()
        return self.is_open and today <= self.due_date <= today + datetime.timedelta(
            days=DUE_SOON_DAYS
        )

    @property
    def state_color(self) -> str:
        if self.is_overdue:
            return "danger"
        return STATE_COLORS[self.state]


class OverdueSnapshot(models.Model):
    """How many of one unit's own assignments were overdue at the end of a past
    day (the dashboard's overdue trend): taken once per day and unit by
    `jiceng digest` or by the first dashboard that needs it, then read instead
    of recounting every week of history on every view.

    Derived from assignments, like a cache (a dashboard view may write it), so
    it is not a Scoped record of its own: it is read only through the
    assignments' scoping condition, which applies verbatim because `unit`
    means here what it means on Assignment."""

    day = models.DateField(_l("日期"))
    unit = models.ForeignKey("orgs.Unit", models.CASCADE, related_name="+")
    overdue = models.PositiveIntegerField(_l("逾期数"))

    class Meta:
        verbose_name = _l("逾期快照")
        verbose_name_plural = _l("逾期快照")
        constraints = [
            models.UniqueConstraint(fields=["day", "unit"], name="overdue_snapshot_one_per_day"),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.unit_id}: {self.overdue}"


class Transition(Scoped):
    """One state change: who, when, from, to, note. The timeline of an assignment."""

    assignment = models.ForeignKey(
        Assignment, models.CASCADE, related_name="transitions", verbose_name=_l("承办任务")
    )
    action = models.CharField(_l("操作"), max_length=16)
    from_state = models.CharField(_l("原状态"), max_length=16, choices=State.choices)
    to_state = models.CharField(_l("新状态"), max_length=16, choices=State.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+"
    )
    note = models.TextField(_l("说明"), blank=True)
    at = models.DateTimeField(_l("时间"), default=timezone.now)

    scope_unit = "assignment__unit"

    class Meta:
        verbose_name = _l("状态变更")
        verbose_name_plural = _l("状态变更")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.action}: {self.from_state} → {self.to_state}"


def attachment_path(instance, filename: str) -> str:
    return f"worklists/{timezone.localdate():%Y/%m}/{filename}"


class Attachment(Scoped):
    """A photo or document; one file can back several reports and tasks."""

    unit = models.ForeignKey(
        "orgs.Unit", models.PROTECT, related_name="+", verbose_name=_l("上传单位")
    )
    file = models.FileField(_l("文件"), upload_to=attachment_path)
    name = models.CharField(_l("文件名"), max_length=200)
    size = models.PositiveIntegerField(_l("大小（字节）"))
    content_type = models.CharField(_l("类型"), max_length=100)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _l("附件")
        verbose_name_plural = _l("附件")

    def __str__(self) -> str:
        return self.name


class Report(Scoped):
    """A progress report (上报); one report can serve several assignments."""

    unit = models.ForeignKey(
        "orgs.Unit", models.PROTECT, related_name="+", verbose_name=_l("上报单位")
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+"
    )
    text = models.TextField(_l("进展情况"))
    percent = models.PositiveSmallIntegerField(
        _l("完成进度（%）"), null=True, blank=True, validators=[MaxValueValidator(100)]
    )
    assignments = models.ManyToManyField(
        Assignment, related_name="reports", verbose_name=_l("涉及任务")
    )
    attachments = models.ManyToManyField(
        Attachment, blank=True, related_name="reports", verbose_name=_l("附件")
    )
    created_at = models.DateTimeField(_l("上报时间"), auto_now_add=True)

    class Meta:
        verbose_name = _l("进度上报")
        verbose_name_plural = _l("进度上报")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.text[:30]


class SupervisionVisit(Scoped):
    """A supervision visit (督导) by a unit above, on a unit or one assignment."""

    unit = models.ForeignKey(
        "orgs.Unit",
        models.PROTECT,
        related_name="supervision_visits",
        verbose_name=_l("被督导单位"),
    )
    by_unit = models.ForeignKey(
        "orgs.Unit", models.PROTECT, related_name="+", verbose_name=_l("督导单位")
    )
    assignment = models.ForeignKey(
        Assignment,
        models.CASCADE,
        null=True,
        blank=True,
        related_name="visits",
        verbose_name=_l("督导任务"),
    )
    date = models.DateField(_l("督导日期"))
    inspectors = models.CharField(_l("督导人员"), max_length=200)
    summary = models.TextField(_l("督导情况"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        verbose_name = _l("督导记录")
        verbose_name_plural = _l("督导记录")
        ordering = ["-date", "-pk"]

    def __str__(self) -> str:
        return f"{self.date} {self.unit}"

    def get_absolute_url(self) -> str:
        return reverse("worklists:visit-detail", args=[self.pk])


class Finding(Scoped):
    """A finding of a visit; one that demands rectification (整改) spawns a sub-task."""

    visit = models.ForeignKey(
        SupervisionVisit, models.CASCADE, related_name="findings", verbose_name=_l("督导记录")
    )
    text = models.TextField(_l("发现问题"))
    deadline = models.DateField(_l("整改时限"), null=True, blank=True)
    rectification = models.OneToOneField(
        Assignment,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="finding",
        verbose_name=_l("整改任务"),
    )

    scope_unit = "visit__unit"

    class Meta:
        verbose_name = _l("督导发现")
        verbose_name_plural = _l("督导发现")

    def __str__(self) -> str:
        return self.text[:30]


class CardLevel(models.TextChoices):
    YELLOW = "yellow", _l("黄牌督办")
    RED = "red", _l("红牌督办")


class Escalation(Scoped):
    """黄牌/红牌督办 on overdue work; seen by the unit and those above it."""

    assignment = models.ForeignKey(
        Assignment, models.CASCADE, related_name="escalations", verbose_name=_l("承办任务")
    )
    level = models.CharField(_l("级别"), max_length=8, choices=CardLevel.choices)
    reason = models.TextField(_l("督办事由"))
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+"
    )
    issued_at = models.DateTimeField(_l("督办时间"), default=timezone.now)
    resolved_at = models.DateTimeField(_l("解除时间"), null=True, blank=True)

    scope_unit = "assignment__unit"

    class Meta:
        verbose_name = _l("督办")
        verbose_name_plural = _l("督办")
        ordering = ["-issued_at"]

    def __str__(self) -> str:
        return f"{self.get_level_display()} · {self.assignment_id}"


class ProjectCategory(models.Model):
    """红色物业, 治乱治差, 商圈治理, 富民发展, … with guidance notes (分类指导)."""

    name = models.CharField(_l("类别"), max_length=50, unique=True)
    guidance = models.TextField(_l("指导意见"), blank=True)
    sort_order = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _l("项目类别")
        verbose_name_plural = _l("项目类别")
        ordering = ["sort_order", "name"]

    def __str__(self) -> str:
        return self.name


class Project(AboveAndBelow):
    """A governance project (项目化) offered by a unit for the streets below to claim."""

    unit = models.ForeignKey(
        "orgs.Unit", models.PROTECT, related_name="projects", verbose_name=_l("发布单位")
    )
    category = models.ForeignKey(
        ProjectCategory, models.PROTECT, related_name="projects", verbose_name=_l("类别")
    )
    title = models.CharField(_l("项目名称"), max_length=200)
    description = models.TextField(_l("项目内容"), blank=True)
    due_date = models.DateField(_l("完成时限"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _l("治理项目")
        verbose_name_plural = _l("治理项目")
        ordering = ["category", "title"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("worklists:project-detail", args=[self.pk])


class ProjectClaim(models.Model):
    """A street's claim (认领) of a project: the project's task for that street."""

    project = models.ForeignKey(Project, models.CASCADE, related_name="claims")
    assignment = models.OneToOneField(Assignment, models.CASCADE, related_name="project_claim")

    class Meta:
        verbose_name = _l("项目认领")
        verbose_name_plural = _l("项目认领")

    def __str__(self) -> str:
        return f"{self.project_id} → {self.assignment_id}"


# Only city and street units hold joint meetings (城市/街道党建联席会议).
JOINT_MEETING_KINDS = ("city", "street")


class JointMeetingBody(AboveAndBelow):
    """A standing joint meeting (联席会议) of a city or street."""

    unit = models.ForeignKey(
        "orgs.Unit", models.PROTECT, related_name="joint_bodies", verbose_name=_l("所属单位")
    )
    name = models.CharField(_l("名称"), max_length=100)
    convener = models.ForeignKey(
        "people.Person",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_l("召集人"),
    )
    member_units = models.ManyToManyField(
        "orgs.Unit", blank=True, related_name="+", verbose_name=_l("成员单位")
    )
    member_departments = models.ManyToManyField(
        "orgs.Department", blank=True, related_name="+", verbose_name=_l("成员部门")
    )

    class Meta:
        verbose_name = _l("联席会议")
        verbose_name_plural = _l("联席会议")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("worklists:body-detail", args=[self.pk])

    def clean(self) -> None:
        if self.unit_id and self.unit.kind not in JOINT_MEETING_KINDS:
            raise ValidationError({"unit": _("只有市级和街道单位可以设立联席会议。")})


class Meeting(AboveAndBelow):
    body = models.ForeignKey(
        JointMeetingBody, models.CASCADE, related_name="meetings", verbose_name=_l("联席会议")
    )
    date = models.DateField(_l("会议日期"))
    attendees = models.TextField(_l("参会人员"), blank=True)
    minutes = models.TextField(_l("会议纪要"), blank=True)

    scope_unit = "body__unit"

    class Meta:
        verbose_name = _l("会议")
        verbose_name_plural = _l("会议")
        ordering = ["-date"]

    def __str__(self) -> str:
        return f"{self.body} {self.date}"

    def get_absolute_url(self) -> str:
        return reverse("worklists:meeting-detail", args=[self.pk])


class Resolution(AboveAndBelow):
    """A decision of a meeting, turned into a task in one step; readable with
    its meeting (the task it became is readable from below too)."""

    meeting = models.ForeignKey(
        Meeting, models.CASCADE, related_name="resolutions", verbose_name=_l("会议")
    )
    text = models.TextField(_l("决议事项"))
    task = models.OneToOneField(
        Task, models.SET_NULL, null=True, blank=True, related_name="resolution"
    )

    scope_unit = "meeting__body__unit"

    class Meta:
        verbose_name = _l("会议决议")
        verbose_name_plural = _l("会议决议")

    def __str__(self) -> str:
        return self.text[:30]


class Notification(models.Model):
    """An in-app message, e.g. the daily digest."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="notifications")
    title = models.CharField(_l("标题"), max_length=200)
    body = models.TextField(_l("内容"))
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _l("通知")
        verbose_name_plural = _l("通知")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.title
