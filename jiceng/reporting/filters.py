"""Filters shared by the HTML lists, their exports and the API."""

import django_filters as filters
from django.utils.translation import gettext_lazy as _l

from jiceng.core.filters import ScopedFilterSet, UnitSubtreeFilter, YesNoFilter
from jiceng.orgs.models import Department, Unit

from .models import (
    DepartmentReport,
    DepartmentReportState,
    EvaluationGrade,
    GridResponsibility,
    MemberEvaluation,
    MemberReport,
    MemberReportState,
    NeedCategory,
    PointRule,
    ServiceKind,
    ServiceNeed,
    ServiceRecord,
    ServiceRecordState,
)


def _unit_choice(label, field_name):
    return filters.ModelChoiceFilter(
        label=label, queryset=Unit.objects.all(), field_name=field_name
    )


def _department_choice(field_name):
    return filters.ModelChoiceFilter(
        label=_l("部门党组织"), queryset=Department.objects.all(), field_name=field_name
    )


class MemberReportFilter(ScopedFilterSet):
    unit = UnitSubtreeFilter(field_name="community")
    community = _unit_choice(_l("报到社区"), "community")
    grid = _unit_choice(_l("分配网格"), "grid")
    department = _department_choice("department")
    state = filters.ChoiceFilter(label=_l("状态"), choices=MemberReportState.choices)
    period = filters.CharFilter(label=_l("报到周期"))
    q = filters.CharFilter(label=_l("姓名"), field_name="person__name", lookup_expr="contains")

    class Meta:
        model = MemberReport
        fields = ["q", "unit", "community", "grid", "department", "state", "period"]


class DepartmentReportFilter(ScopedFilterSet):
    unit = UnitSubtreeFilter(field_name="pairing__community")
    department = _department_choice("pairing__department")
    state = filters.ChoiceFilter(label=_l("状态"), choices=DepartmentReportState.choices)
    year = filters.NumberFilter(label=_l("年度"))

    class Meta:
        model = DepartmentReport
        fields = ["unit", "department", "state", "year"]


class ServiceNeedFilter(ScopedFilterSet):
    unit = UnitSubtreeFilter(field_name="community")
    category = filters.ChoiceFilter(label=_l("类别"), choices=NeedCategory.choices)
    kind = filters.ChoiceFilter(label=_l("服务类型"), choices=ServiceKind.choices)
    open = YesNoFilter(label=_l("仍可认领"), method="filter_open")
    date_from = filters.DateFilter(label=_l("起始日期"), field_name="date", lookup_expr="gte")

    class Meta:
        model = ServiceNeed
        fields = ["unit", "category", "kind", "open", "date_from"]

    def filter_open(self, queryset, name, value):
        from django.db.models import F

        if value is None:
            return queryset
        if value:
            return queryset.filter(claimed_count__lt=F("quantity"))
        return queryset.filter(claimed_count__gte=F("quantity"))


class ServiceRecordFilter(ScopedFilterSet):
    unit = UnitSubtreeFilter(field_name="community")
    department = _department_choice("department")
    state = filters.ChoiceFilter(label=_l("状态"), choices=ServiceRecordState.choices)
    kind = filters.ChoiceFilter(label=_l("服务类型"), choices=ServiceKind.choices)
    date_from = filters.DateFilter(label=_l("起始日期"), field_name="date", lookup_expr="gte")
    date_to = filters.DateFilter(label=_l("截止日期"), field_name="date", lookup_expr="lte")

    class Meta:
        model = ServiceRecord
        fields = ["unit", "department", "state", "kind", "date_from", "date_to"]


class MemberEvaluationFilter(ScopedFilterSet):
    unit = UnitSubtreeFilter(field_name="report__community")
    department = _department_choice("report__department")
    half = filters.CharFilter(label=_l("半年度"))
    grade = filters.ChoiceFilter(label=_l("评价等次"), choices=EvaluationGrade.choices)

    class Meta:
        model = MemberEvaluation
        fields = ["unit", "department", "half", "grade"]


class GridResponsibilityFilter(ScopedFilterSet):
    unit = UnitSubtreeFilter(field_name="grid")
    no_worker = YesNoFilter(label=_l("缺网格员"), field_name="grid_worker", lookup_expr="isnull")

    class Meta:
        model = GridResponsibility
        fields = ["unit", "no_worker"]


class PointRuleFilter(ScopedFilterSet):
    kind = filters.ChoiceFilter(label=_l("服务类型"), choices=ServiceKind.choices)

    class Meta:
        model = PointRule
        fields = ["kind"]
