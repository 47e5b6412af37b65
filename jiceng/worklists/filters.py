"""Filters of the work lists, shared by the HTML lists, their exports and the API."""

import django_filters as filters
from django.utils import timezone
from django.utils.translation import gettext_lazy as _l

from jiceng.core.filters import ScopedFilterSet, UnitSubtreeFilter
from jiceng.orgs.models import Unit

from .models import Assignment, JointMeetingBody, Plan, State

DUE_CHOICES = [("overdue", _l("已逾期")), ("due_soon", _l("7 天内到期"))]


class AssignmentFilter(ScopedFilterSet):
    q = filters.CharFilter(label=_l("搜索"), field_name="task__title", lookup_expr="contains")
    plan = filters.ModelChoiceFilter(
        label=_l("计划"), queryset=Plan.objects.all(), field_name="task__plan"
    )
    parent = filters.ModelChoiceFilter(
        label=_l("上级任务"),
        queryset=Assignment.objects.all(),
        widget=filters.widgets.forms.HiddenInput,
    )
    assignee = filters.ModelChoiceFilter(
        label=_l("承办单位"),
        queryset=Unit.objects.all(),
        field_name="unit",
        widget=filters.widgets.forms.HiddenInput,
    )
    unit = UnitSubtreeFilter(field_name="unit")
    state = filters.ChoiceFilter(label=_l("状态"), choices=State.choices)
    due = filters.ChoiceFilter(label=_l("时限"), choices=DUE_CHOICES, method="filter_due")

    class Meta:
        model = Assignment
        fields = ["q", "plan", "unit", "state", "due", "parent", "assignee"]

    def filter_due(self, queryset, name, value):
        today = timezone.localdate()
        if value == "overdue":
            return queryset.overdue(today)
        if value == "due_soon":
            return queryset.due_soon(today)
        return queryset


class JointMeetingBodyFilter(ScopedFilterSet):
    q = filters.CharFilter(label=_l("搜索"), field_name="name", lookup_expr="contains")
    unit = UnitSubtreeFilter(field_name="unit")

    class Meta:
        model = JointMeetingBody
        fields = ["q", "unit"]
