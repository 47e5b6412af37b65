"""Filters of the people list, shared by the HTML list, its export and the API."""

import django_filters as filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _l

from jiceng.core.filters import ScopedFilterSet, UnitSubtreeFilter
from jiceng.people import identity

from .choices import ETHNICITY_CHOICES, PoliticalStatus
from .models import CareTag, Person


class PersonFilter(ScopedFilterSet):
    q = filters.CharFilter(label=_l("搜索"), method="search")
    unit = UnitSubtreeFilter(field_name="home_unit")
    political_status = filters.ChoiceFilter(label=_l("政治面貌"), choices=PoliticalStatus.choices)
    ethnicity = filters.ChoiceFilter(label=_l("民族"), choices=ETHNICITY_CHOICES)
    tag = filters.ModelChoiceFilter(
        label=_l("关爱标签"), queryset=CareTag.objects.all(), field_name="tags"
    )

    class Meta:
        model = Person
        fields = ["q", "unit", "political_status", "ethnicity", "tag"]

    def search(self, queryset, name, value):
        """Name, or an exact ID number / phone through their keyed hashes."""
        value = value.strip()
        if not value:
            return queryset
        number = identity.normalize_id_number(value)
        if len(number) == 18:
            return queryset.filter(
                Q(name__contains=value) | Q(pk__in=Person.objects.by_id_number(number).values("pk"))
            )
        phone = identity.normalize_phone(value)
        if phone.isdigit() and len(phone) == 11:
            return queryset.filter(
                phone_hash__in=Person.objects.by_phone(phone).values("phone_hash")
            )
        return queryset.filter(name__contains=value)
