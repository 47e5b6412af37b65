"""Importing a plan's tasks from the city's own .xlsx through the shared import
engine (jiceng.imports), and exporting them in the same columns.

Each row is checked by the page's TaskForm and written as TaskCreateView writes
it (saved with the importer as actor, then `services.assign`), so scoping, the
rules and the audit trail are those of a task typed in. Rows are matched by
(plan, title) among the plan's top-level tasks: importing the same file again
changes nothing. An existing task keeps its lead unit (its assignments hang
below it) and only gains assignee units; a new due date moves its assignments
too and may not fall before the due date of work already decomposed below them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from typing import Any

from auditlog.context import set_actor
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Max, Prefetch
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from jiceng.core.forms import OUT_OF_SCOPE, StyledFormMixin
from jiceng.core.scoping import units_granting, user_can
from jiceng.imports import cleaning
from jiceng.imports.engine import Col, Planned, RowError
from jiceng.imports.exporting import spec_table
from jiceng.imports.specs import Spec, UnitIndex, _by_label, _choice, _diff, _labels
from jiceng.orgs.models import Unit

from . import services
from .forms import TaskForm
from .models import Assignment, Plan, Priority, Task


class TaskImportParams(StyledFormMixin, forms.Form):
    plan = forms.ModelChoiceField(
        label=_l("导入到计划"),
        queryset=Plan.objects.none(),
        error_messages={"invalid_choice": OUT_OF_SCOPE},
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        # The plans TaskForm offers: those the user may change.
        self.fields["plan"].queryset = Plan.objects.visible_to(user, "change")


OPTIONAL_FIELDS = ("category", "start_date", "priority", "description", "evidence_required")
# TaskForm errors on fields that are not columns land on these columns.
COLUMN_OF_FIELD = {"chosen_units": "assignees", "targets": "assignees", "weight": "weight"}


class TaskSpec(Spec):
    kind = "tasks"
    label = _l("计划任务")
    model = Task
    filename = "计划任务导入模板"
    params_form = TaskImportParams
    columns = [
        Col(
            "title",
            "任务名称",
            ("任务", "工作任务", "任务事项", "工作事项"),
            required=True,
            help="同一计划内据此匹配：再次导入同名任务时核对并更新，不会重复新增。",
        ),
        Col("category", "类别", ("任务类别", "分类"), help="可空，最多 50 字。"),
        Col(
            "unit",
            "牵头单位",
            ("交办单位", "责任单位"),
            required=True,
            help="负责并向下交办的单位：单位编码，或在您管辖范围内唯一的名称。"
            "已有任务的牵头单位不能通过导入改变。",
        ),
        Col(
            "assignees",
            "承办单位",
            ("交办给", "落实单位"),
            help="新任务：空白时交办给牵头单位的全部下级单位，或填牵头单位下级的街道、社区，"
            "多个用顿号“、”分隔。已有任务：只新增所填的单位，不会撤回已交办的。",
        ),
        Col(
            "due_date",
            "完成时限",
            ("完成时间", "截止日期", "时限"),
            required=True,
            help="日期可写 2024-12-31、2024/12/31、2024.12.31、2024年12月31日或 20241231。"
            "已有任务改期时，各承办单位的时限随之改变，但不能早于已分解下级任务的时限。",
        ),
        Col("start_date", "开始日期", ("开始时间",), help="可空。"),
        Col("priority", "优先级", choices=_labels(Priority), help="空白为“中”。"),
        Col("description", "工作要求", ("工作内容", "具体要求", "任务要求"), help="可空。"),
        Col(
            "evidence_required",
            "销号所需佐证",
            ("佐证材料", "佐证"),
            help="可空；填写后，申请销号时必须附有佐证材料。",
        ),
        Col("weight", "权重", help="1 到 100 的整数，空白为 1；用于汇总进度。"),
    ]
    PRIORITIES = _by_label(Priority, {"一般": "normal", "普通": "normal"})

    def __init__(self, user, job_id=None):
        super().__init__(user, job_id)
        # Lead units are those TaskForm offers; assignees any visible unit (the form
        # then limits chosen ones to streets and communities below the lead unit).
        self.leads = UnitIndex(units_granting(user, "task.add"))
        self.units = UnitIndex(Unit.objects.visible_to(user))
        self.target_plan: Plan | None = None
        self.existing: dict[str, list[Task]] = {}

    @classmethod
    def may_import(cls, user) -> bool:
        return user_can(user, "task.add") and user_can(user, "plan.change")

    def shared_objects(self):
        # check_row puts these units into the values; a worker process (the engine's
        # parallel cleaning, for big files) hands them back by reference.
        return [*self.leads.by_pk.values(), *self.units.by_pk.values()]

    def bind(self, params):
        self.target_plan = params["plan"]
        self.existing = defaultdict(list)
        for task in plan_tasks(self.user, self.target_plan):
            self.existing[task.title].append(task)

    # --- cleaning, one column at a time
    def clean_unit(self, value) -> str:
        return cleaning.compact(value)

    def clean_assignees(self, value) -> list[str]:
        return cleaning.split_list(value)

    def clean_due_date(self, value):
        return cleaning.date(value)

    def clean_start_date(self, value):
        return cleaning.date(value)

    def clean_priority(self, value) -> str:
        return _choice(self.PRIORITIES, value, Priority) or Priority.NORMAL

    def clean_weight(self, value) -> int:
        raw = cleaning.compact(value)
        if raw and not raw.isdigit():
            raise ValidationError(_("权重应为 1 到 100 的整数。"))
        return int(raw) if raw else 1

    def check_row(self, values):
        errors: dict[str, list[str]] = {}
        try:
            values["unit_obj"] = self.leads.find(values["unit"])
        except ValidationError as exc:
            errors["unit"] = exc.messages
        values["assignee_objs"] = []
        for ref in values.get("assignees", []):
            try:
                values["assignee_objs"].append(self.units.find(ref))
            except ValidationError as exc:
                errors.setdefault("assignees", []).extend(exc.messages)
        if errors:
            raise ValidationError(errors)

    # --- matching and checking through the page's form
    def plan(self, cleaned):
        for row, raw, values in cleaned:
            yield from self._plan_row(row, raw, values)

    def _plan_row(self, row, raw, values) -> Iterator[RowError | Planned]:
        title = values["title"]
        dup = self.duplicate(row, title, self.header_of("title"), title)
        same = self.existing.get(title, [])
        task = same[0] if len(same) == 1 else None
        refusal = dup or self._refusal(row, values, same, task)
        if refusal:
            yield refusal
            return
        before = self._shown(task) if task else None  # the form writes into its instance
        form = TaskForm(self._form_data(values, task), instance=task, user=self.user)
        if not form.is_valid():
            yield from self._form_errors(row, raw, form)
            return
        for key, check in (
            ("due_date", lambda: check_decomposed_due_dates(task, before, form)),
            ("assignees", lambda: values.update(_units=self._new_assignees(form, task, values))),
        ):
            try:
                check()
            except services.WorkflowError as exc:
                yield RowError(row, self.header_of(key), cleaning.text(raw.get(key)), exc.message)
                return
        values["_form"], values["_label"] = form, title
        if task is None:
            yield Planned(row, "new", values)
            return
        after = self._shown(task, values)
        diff = _diff([(self.header_of(key), before[key], after[key]) for key in after])
        yield Planned(row, "changed" if diff else "unchanged", values, task, diff)

    def _refusal(self, row, values, same: list[Task], task: Task | None) -> RowError | None:
        if len(same) > 1:
            return RowError(
                row,
                self.header_of("title"),
                values["title"],
                _("计划中已有 %(n)d 项同名任务，无法确定更新哪一项；请先在页面上区分名称。")
                % {"n": len(same)},
            )
        if task is not None and task.unit_id != values["unit_obj"].pk:
            return RowError(
                row,
                self.header_of("unit"),
                values["unit"],
                _("已有任务的牵头单位是“%(unit)s”，不能通过导入改变。") % {"unit": task.unit},
            )
        return None

    def _form_data(self, values, task: Task | None) -> dict[str, Any]:
        """What the page would post: columns absent from the file keep the task's value."""
        data = {
            "plan": self.target_plan.pk,
            "group": task.group_id if task else None,
            "title": values["title"],
            "unit": values["unit_obj"].pk,
            "due_date": values["due_date"],
            "weight": values.get("weight", task.weight if task else 1),
        }
        for key in OPTIONAL_FIELDS:
            data[key] = values[key] if key in values else (getattr(task, key) if task else None)
        data["priority"] = data["priority"] or Priority.NORMAL
        chosen = values["assignee_objs"]
        children = {u.pk for u in values["unit_obj"].children.all()}
        if not chosen or {u.pk for u in chosen} == children:
            return data | {"targets": "children"}
        return data | {"targets": "chosen", "chosen_units": [u.pk for u in chosen]}

    def _form_errors(self, row, raw, form) -> Iterator[RowError]:
        for field, messages in form.errors.items():
            key = COLUMN_OF_FIELD.get(field, field)
            if key not in raw:
                key = "title"  # the plan, a cross-field check: the row as a whole
            yield RowError(
                row, self.header_of(key), cleaning.text(raw.get(key)), " ".join(messages)
            )

    @staticmethod
    def _new_assignees(form, task: Task | None, values) -> list[Unit]:
        if task is None:
            units = form.assignee_units()
            services.check_assignees(form.cleaned_data["unit"], units)
            return units
        taken = {a.unit_id for a in task.assignments.all()}
        wanted = form.assignee_units() if values["assignee_objs"] else []
        units = [u for u in wanted if u.pk not in taken]
        if units:
            services.check_assignees(task.unit, units)
        return units

    def _shown(self, task: Task, values: dict | None = None) -> dict[str, Any]:
        """A task as the preview shows it (after the row when values are given)."""
        units = [a.unit.name for a in task.assignments.all()]
        if values is not None:
            units += [u.name for u in values["_units"]]
        return {
            "category": task.category,
            "assignees": units,
            "due_date": task.due_date,
            "start_date": task.start_date,
            "priority": task.get_priority_display(),
            "description": task.description,
            "evidence_required": task.evidence_required,
            "weight": task.weight,
        }

    # --- writing, as TaskCreateView does
    def write(self, new, changed):
        with set_actor(self.user):
            for planned in new:
                form = planned.values["_form"]
                form.instance.created_by = self.user
                self._assign(form.save(), planned.values["_units"])
            for planned in changed:
                task = planned.values["_form"].save()
                for assignment in task.assignments.exclude(due_date=task.due_date):
                    assignment.due_date = task.due_date
                    assignment.save(update_fields=["due_date", "updated_at"])
                self._assign(task, planned.values["_units"])

    def _assign(self, task: Task, units: list[Unit]) -> None:
        if not units:
            return
        try:
            services.assign(self.user, task, units)
        except services.WorkflowError as exc:  # rolls the whole import back
            raise ValidationError(exc.message) from exc


def check_decomposed_due_dates(task: Task | None, before: dict | None, form) -> None:
    """A task may not end before the work its assignees have decomposed below it."""
    due_date = form.cleaned_data["due_date"]
    if task is None or before["due_date"] == due_date:
        return
    latest = Assignment.objects.filter(parent__task=task).aggregate(latest=Max("due_date"))
    if latest["latest"] and latest["latest"] > due_date:
        raise services.WorkflowError(
            _("下级已分解任务的时限（%(due)s）晚于新的完成时限，请先调整下级任务。")
            % {"due": latest["latest"].isoformat()}
        )


def plan_tasks(user, plan: Plan):
    """The plan's top-level tasks the user sees, with the assignments they see."""
    assignments = Assignment.objects.visible_to(user).select_related("unit").order_by("unit__path")
    return (
        Task.objects.visible_to(user)
        .filter(plan=plan, parent__isnull=True)
        .select_related("unit", "group")
        .prefetch_related(Prefetch("assignments", assignments))
        .order_by("pk")
    )


def export_table(user, plan: Plan) -> tuple[list[str], Iterator[list]]:
    """The plan's tasks in the template's columns: edit and import back."""
    return spec_table(TaskSpec, plan_tasks(user, plan), _cells)


def _cells(task: Task) -> dict[str, Any]:
    return {
        "title": task.title,
        "category": task.category,
        "unit": task.unit.name,
        "assignees": "、".join(a.unit.name for a in task.assignments.all()),
        "due_date": task.due_date,
        "start_date": task.start_date or "",
        "priority": task.get_priority_display(),
        "description": task.description,
        "evidence_required": task.evidence_required,
        "weight": task.weight,
    }
