"""Filters for units and departments, shared by HTML lists, exports and the API."""

import django_filters as filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _l

from jiceng.core.filters import ScopedFilterSet

from .models import Department, DepartmentType, Unit, UnitKind


class UnitFilter(ScopedFilterSet):
    q = filters.CharFilter(label=_l("名称或编码"), method="search")
    kind = filters.ChoiceFilter(label=_l("层级"), choices=UnitKind.choices)
    parent = filters.ModelChoiceFilter(
        label=_l("上级单位"), queryset=Unit.objects.all(), widget=forms.HiddenInput
    )

    class Meta:
        model = Unit
        fields = ["q", "kind", "parent"]

    def search(self, queryset, name, value):
        value = value.strip()
        return (
            queryset.filter(Q(name__contains=value) | Q(code__startswith=value))
            if value
            else queryset
        )


class DepartmentFilter(ScopedFilterSet):
    q = filters.CharFilter(label=_l("名称"), field_name="name", lookup_expr="contains")
    kind = filters.ChoiceFilter(label=_l("类型"), choices=DepartmentType.choices)

    class Meta:
        model = Department
        fields = ["q", "kind"]
