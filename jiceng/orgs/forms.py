import json

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from jiceng.core.forms import ScopedModelForm

from .geo import validate_boundary
from .models import Unit

MAX_BOUNDARY_CHARS = 200_000


class BoundaryField(forms.JSONField):
    """GeoJSON typed into a textarea (or sent as JSON by the API), size-limited."""

    def to_python(self, value):
        if isinstance(value, str) and len(value) > MAX_BOUNDARY_CHARS:
            raise ValidationError(_("边界数据过大（上限 200 KB）。"))
        if isinstance(value, dict | list):
            value = json.dumps(value)
        try:
            return super().to_python(value)
        except ValidationError as exc:
            raise ValidationError(_("边界不是有效的 JSON。")) from exc

    def validate(self, value):
        super().validate(value)
        validate_boundary(value)


class UnitForm(ScopedModelForm):
    boundary = BoundaryField(
        required=False, widget=forms.Textarea(attrs={"rows": 4}), label=_("边界（GeoJSON）")
    )
    unit_fields = {"parent": "unit.add"}

    class Meta:
        model = Unit
        fields = [
            "code",
            "name",
            "kind",
            "parent",
            "sort_order",
            "party_org_name",
            "party_org_type",
            "secretary",
            "boundary",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from jiceng.people.models import Person

        self.fields["secretary"].queryset = Person.objects.visible_to(self.user)
        if self.instance.pk:
            # Moving a unit needs the change permission over the new parent.
            self.fields["parent"].queryset = self.fields["parent"].queryset.exclude(
                pk__in=self.instance.descendants().values("pk")
            )
