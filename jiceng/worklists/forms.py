"""Forms of the work-list pages; the API writes through the same services."""

from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from jiceng.core.filters import FastSelect
from jiceng.core.forms import (
    OUT_OF_SCOPE,
    FastSelectMultiple,
    ScopedModelForm,
    StyledFormMixin,
    limit_choices,
)
from jiceng.core.scoping import units_granting
from jiceng.orgs.models import Department, LeaderLink, Unit, UnitKind
from jiceng.people.models import Person

from .models import (
    JOINT_MEETING_KINDS,
    Assignment,
    CardLevel,
    JointMeetingBody,
    Meeting,
    Plan,
    Project,
    SupervisionVisit,
    Task,
)
from .services import role_units


class PlanForm(ScopedModelForm):
    unit_fields = {"unit": "plan.add"}

    class Meta:
        model = Plan
        fields = ["unit", "year", "title", "description"]


class TaskForm(ScopedModelForm):
    """A top-level task of a plan, with its assignee units chosen in bulk."""

    unit_fields = {"unit": "task.add"}
    targets = forms.ChoiceField(
        label=_l("交办给"),
        choices=[("children", _l("全部下级单位")), ("chosen", _l("选定的单位"))],
        initial="children",
    )
    chosen_units = forms.ModelMultipleChoiceField(
        label=_l("选定的单位"), queryset=Unit.objects.none(), required=False
    )

    class Meta:
        model = Task
        fields = [
            "plan",
            "group",
            "title",
            "description",
            "category",
            "unit",
            "start_date",
            "due_date",
            "priority",
            "evidence_required",
            "weight",
        ]
        widgets = {
            "start_date": forms.DateInput(attrs={"type": "date"}),
            "due_date": forms.DateInput(attrs={"type": "date"}),
            "description": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["plan"].queryset = Plan.objects.visible_to(self.user, "change")
        self.fields["plan"].error_messages["invalid_choice"] = OUT_OF_SCOPE
        self.fields["group"].queryset = self.fields["group"].queryset.filter(
            plan__in=self.fields["plan"].queryset
        )
        self.fields["chosen_units"].queryset = Unit.objects.visible_to(self.user).filter(
            kind__in=["street", "community"]
        )
        self.fields["chosen_units"].error_messages["invalid_choice"] = OUT_OF_SCOPE

    def assignee_units(self):
        unit = self.cleaned_data["unit"]
        if self.cleaned_data["targets"] == "children":
            return list(unit.children.all())
        return list(self.cleaned_data["chosen_units"])


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class ReportForm(StyledFormMixin, forms.Form):
    text = forms.CharField(label=_l("进展情况"), widget=forms.Textarea(attrs={"rows": 3}))
    percent = forms.IntegerField(
        label=_l("完成进度（%）"), min_value=0, max_value=100, required=False
    )
    files = forms.FileField(
        label=_l("附件（照片、文档）"),
        required=False,
        widget=MultipleFileInput,
    )


class DecomposeForm(StyledFormMixin, forms.Form):
    title = forms.CharField(label=_l("子任务名称"), max_length=200)
    description = forms.CharField(
        label=_l("工作要求"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    due_date = forms.DateField(label=_l("完成时限"), widget=forms.DateInput(attrs={"type": "date"}))
    evidence_required = forms.CharField(label=_l("销号所需佐证"), max_length=200, required=False)
    weight = forms.IntegerField(label=_l("权重"), min_value=1, max_value=100, initial=1)
    units = forms.ModelMultipleChoiceField(
        label=_l("承办单位"), queryset=Unit.objects.none(), widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, parent, **kwargs):
        super().__init__(*args, **kwargs)
        # The assignee's children, or the assignee itself for a milestone.
        self.fields["units"].queryset = Unit.objects.filter(
            pk__in=[parent.unit_id, *parent.unit.children.values_list("pk", flat=True)]
        ).order_by("depth", "sort_order", "code")
        self.fields["units"].error_messages["invalid_choice"] = OUT_OF_SCOPE
        self.fields["units"].widget.attrs.pop("class", None)
        self.fields["due_date"].initial = parent.due_date
        self.fields["title"].initial = parent.task.title
        self.fields["evidence_required"].initial = parent.task.evidence_required


class EscalationForm(StyledFormMixin, forms.Form):
    level = forms.ChoiceField(label=_l("级别"), choices=CardLevel.choices)
    reason = forms.CharField(label=_l("督办事由"), widget=forms.Textarea(attrs={"rows": 2}))


class FindingForm(StyledFormMixin, forms.Form):
    text = forms.CharField(label=_l("发现问题"), widget=forms.Textarea(attrs={"rows": 2}))
    deadline = forms.DateField(
        label=_l("整改时限（填写即生成整改任务）"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )


# --- joint meetings (联席会议)

# Member units are picked from streets and communities; grids are too many to list.
MEMBER_UNIT_KINDS = (UnitKind.STREET, UnitKind.COMMUNITY)


def convener_candidates(user):
    """Who convenes a joint meeting: the secretary of a city or street party
    organization, or a leader with a 包联 or contact-point link, as far as the user
    sees them. (Every party member of a city would make a drop-down of tens of
    thousands of names; departments take part as members, not as conveners.)"""
    # One UNION subquery: an OR of two IN subqueries planned twice as slow on PostgreSQL.
    secretaries = Unit.objects.filter(kind__in=JOINT_MEETING_KINDS).values("secretary_id")
    leaders = LeaderLink.objects.values("leader_id")
    leading = secretaries.order_by().union(leaders.order_by())  # no ORDER BY in a UNION
    found = Person.objects.visible_to(user).filter(pk__in=leading).values_list("pk", flat=True)
    # The ids first: a drop-down reads its choices through a server-side cursor, for
    # which PostgreSQL chose a fast-start plan ~20× slower than the plain one.
    return Person.objects.filter(pk__in=list(found)).order_by("name", "pk")


class JointMeetingBodyForm(ScopedModelForm):
    class Meta:
        model = JointMeetingBody
        fields = ["unit", "name", "convener", "member_units", "member_departments"]
        widgets = {
            "convener": FastSelect,
            "member_units": FastSelectMultiple(attrs={"size": 8}),
            "member_departments": FastSelectMultiple(attrs={"size": 8}),
        }
        help_texts = {
            "convener": _l("从市、街道党组织书记和包联、联系点领导中选择。"),
            "member_units": _l("所属单位的下级单位，可多选（电脑上按住 Ctrl 键点选）。"),
            "member_departments": _l("可多选（电脑上按住 Ctrl 键点选）。"),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        action = "jointmeetingbody.change" if self.instance.pk else "jointmeetingbody.add"
        # Choices read only what they show: units carry boundary polygons.
        units = units_granting(self.user, action).only("name", "path").order_by("path")
        limit_choices(self, "unit", units.filter(kind__in=JOINT_MEETING_KINDS))
        self.fields["unit"].error_messages["invalid_choice"] = _l(
            "所选单位不存在、不在您的管辖范围内，或不是市级、街道单位。"
        )
        limit_choices(self, "member_units", units.filter(kind__in=MEMBER_UNIT_KINDS))
        departments = Department.objects.visible_to(self.user).only("name")
        limit_choices(self, "member_departments", departments)
        limit_choices(self, "convener", convener_candidates(self.user).only("name"))

    def clean(self):
        cleaned = super().clean()
        unit = cleaned.get("unit")
        outside = [
            member.name
            for member in cleaned.get("member_units") or []
            if unit is not None and (member.pk == unit.pk or not member.is_in_subtree_of(unit))
        ]
        if outside:
            self.add_error(
                "member_units",
                _("成员单位必须是“%(unit)s”的下级单位：%(names)s。")
                % {"unit": unit.name, "names": "、".join(outside)},
            )
        return cleaned


class MeetingForm(ScopedModelForm):
    class Meta:
        model = Meeting
        fields = ["date", "attendees", "minutes"]
        widgets = {
            "date": forms.DateInput(attrs={"type": "date"}),
            "attendees": forms.Textarea(attrs={"rows": 3}),
            "minutes": forms.Textarea(attrs={"rows": 8}),
        }
        help_texts = {"attendees": _l("参会的成员单位、部门和人员。")}

    def __init__(self, *args, attendees: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        if not self.instance.pk:
            self.initial.update(date=timezone.localdate(), attendees=attendees)

    def clean_date(self):
        date = self.cleaned_data["date"]
        if date > timezone.localdate():
            raise forms.ValidationError(_("会议日期不能晚于今天：请在会后记录会议。"))
        return date


class ResolutionForm(StyledFormMixin, forms.Form):
    """转为任务: a resolution of the meeting, assigned to units below the body's unit."""

    text = forms.CharField(
        label=_l("决议事项"),
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _l("请填写决议事项。")},
    )
    units = forms.ModelMultipleChoiceField(
        label=_l("承办单位"),
        queryset=Unit.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _l("请至少选择一个承办单位。")},
    )
    due_date = forms.DateField(label=_l("完成时限"), widget=forms.DateInput(attrs={"type": "date"}))
    plan = forms.ModelChoiceField(
        label=_l("列入工作计划"),
        queryset=Plan.objects.none(),
        required=False,
        help_text=_l("可选：列入所属单位的工作计划，完成时限不能超过计划年度。"),
    )

    def __init__(self, *args, meeting: Meeting, user, **kwargs):
        super().__init__(*args, **kwargs)
        body = meeting.body
        # The body's member units and the units directly below it, in the user's scope.
        candidates = Q(pk__in=body.member_units.values("pk")) | Q(parent=body.unit_id)
        units = self.fields["units"]
        units.queryset = (
            units_granting(user, "resolution.add")
            .filter(candidates)
            .only("name")
            .order_by("depth", "sort_order", "code")
        )
        units.error_messages["invalid_choice"] = OUT_OF_SCOPE
        units.widget.attrs.pop("class", None)
        plan = self.fields["plan"]
        plan.queryset = Plan.objects.visible_to(user).filter(unit=body.unit_id)
        plan.error_messages["invalid_choice"] = OUT_OF_SCOPE


# Above this many units a picker leaves grids out (a city has thousands).
MAX_UNIT_CHOICES = 1000


def own_units(user, perm: str):
    """The units of the user's own role assignments granting `perm` (not their
    subtrees): who a visit is made by, or a project published by."""
    units = Unit.objects.all()
    if not user.is_superuser:
        units = units.filter(pk__in=role_units(user, perm))
    return units.exclude(kind=UnitKind.GRID).order_by("path")


class VisitForm(ScopedModelForm):
    """A supervision visit (督导) by one of the user's units on a unit below it,
    optionally on one of that unit's tasks (given by the task page's link)."""

    unit_fields = {"unit": "supervisionvisit.add"}

    class Meta:
        model = SupervisionVisit
        fields = ["by_unit", "unit", "assignment", "date", "inspectors", "summary"]
        widgets = {
            "date": forms.DateInput(attrs={"type": "date"}),
            "summary": forms.Textarea(attrs={"rows": 4}),
            "assignment": forms.HiddenInput,
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        by_units = own_units(user, "supervisionvisit.add")
        self.fields["by_unit"].queryset = by_units
        self.fields["by_unit"].error_messages["invalid_choice"] = OUT_OF_SCOPE
        if len(by_units) == 1:  # the usual case: one's own unit
            self.initial.setdefault("by_unit", by_units[0].pk)
        units = self.fields["unit"].queryset
        if units.count() > MAX_UNIT_CHOICES:  # a city: grids are reached from their task
            chosen = self.initial.get("unit") or self.data.get("unit")
            grids_shown = units.filter(pk=chosen) if str(chosen).isdigit() else units.none()
            self.fields["unit"].queryset = units.exclude(kind=UnitKind.GRID) | grids_shown
        self.fields["assignment"].queryset = Assignment.objects.visible_to(user)
        self.fields["assignment"].error_messages["invalid_choice"] = OUT_OF_SCOPE


class ProjectForm(ScopedModelForm):
    """A governance project (项目化) published for the units below to claim."""

    class Meta:
        model = Project
        fields = ["unit", "category", "title", "description", "due_date"]
        widgets = {
            "due_date": forms.DateInput(attrs={"type": "date"}),
            "description": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        units = own_units(user, "project.add")
        self.fields["unit"].queryset = units
        self.fields["unit"].error_messages["invalid_choice"] = OUT_OF_SCOPE
        if len(units) == 1:
            self.initial.setdefault("unit", units[0].pk)

    def clean_due_date(self):
        due = self.cleaned_data["due_date"]
        if due < timezone.localdate():
            raise forms.ValidationError(_("完成时限不能早于今天。"))
        return due
