"""Forms for units, departments, pairings and leader links; every choice is scoped."""

from __future__ import annotations

import json

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from jiceng.core.forms import ScopedModelForm, limit_choices
from jiceng.core.scoping import units_granting
from jiceng.people.models import Person

from .geo import validate_boundary
from .models import Department, DepartmentPairing, LeaderLink, Unit, UnitKind

MAX_BOUNDARY_CHARS = 200 * 1024


class BoundaryField(forms.CharField):
    """GeoJSON as text: size and syntax are checked before the geometry is."""

    widget = forms.Textarea(attrs={"rows": 4, "spellcheck": "false"})

    def to_python(self, value):
        if isinstance(value, dict | list):  # sent as JSON by the API
            value = json.dumps(value, ensure_ascii=False)
        text = super().to_python(value)
        if not text:
            return None
        if len(text) > MAX_BOUNDARY_CHARS:
            raise ValidationError(
                _("边界数据过大（%(size)s KB），上限为 200 KB，请简化后再提交。")
                % {"size": len(text) // 1024}
            )
        try:
            value = json.loads(text)
        except ValueError as error:
            raise ValidationError(
                _("边界不是有效的 JSON：第 %(line)s 行第 %(col)s 列附近有错误。")
                % {"line": getattr(error, "lineno", "?"), "col": getattr(error, "colno", "?")}
            ) from error
        validate_boundary(value)
        return value

    def prepare_value(self, value):
        if isinstance(value, dict | list):
            return json.dumps(value, ensure_ascii=False)
        return value


class UnitForm(ScopedModelForm):
    boundary = BoundaryField(
        label=_l("边界（GeoJSON）"),
        required=False,
        help_text=_l("可选：粘贴 Polygon 或 MultiPolygon 的 GeoJSON，坐标为 [经度, 纬度]。"),
    )

    class Meta:
        model = Unit
        fields = [
            "parent",
            "kind",
            "code",
            "name",
            "sort_order",
            "party_org_name",
            "party_org_type",
            "secretary",
            "boundary",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        action = "unit.change" if self.instance.pk else "unit.add"
        limit_choices(self, "parent", units_granting(self.user, action).order_by("path"))
        # Only the platform's superusers create roots (a city or league).
        self.fields["parent"].required = not self.user.is_superuser
        limit_choices(self, "secretary", Person.objects.visible_to(self.user))


class DepartmentForm(ScopedModelForm):
    class Meta:
        model = Department
        fields = ["name", "kind", "unit", "secretary"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        action = "department.change" if self.instance.pk else "department.add"
        units = units_granting(self.user, action).filter(kind__in=[UnitKind.LEAGUE, UnitKind.CITY])
        limit_choices(self, "unit", units.order_by("path"))
        limit_choices(self, "secretary", Person.objects.visible_to(self.user))


class PairingForm(ScopedModelForm):
    class Meta:
        model = DepartmentPairing
        fields = ["department", "community", "kind", "start_date", "end_date", "leader"]
        widgets = {
            "start_date": forms.DateInput(attrs={"type": "date"}),
            "end_date": forms.DateInput(attrs={"type": "date"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        action = "departmentpairing.change" if self.instance.pk else "departmentpairing.add"
        communities = units_granting(self.user, action).filter(kind=UnitKind.COMMUNITY)
        limit_choices(self, "community", communities.order_by("path"))
        limit_choices(self, "department", Department.objects.visible_to(self.user))
        limit_choices(self, "leader", Person.objects.visible_to(self.user))


class LeaderLinkForm(ScopedModelForm):
    class Meta:
        model = LeaderLink
        fields = ["leader", "title", "unit", "kind", "start_date", "end_date"]
        widgets = {
            "start_date": forms.DateInput(attrs={"type": "date"}),
            "end_date": forms.DateInput(attrs={"type": "date"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        action = "leaderlink.change" if self.instance.pk else "leaderlink.add"
        limit_choices(self, "unit", units_granting(self.user, action).order_by("path"))
        limit_choices(self, "leader", Person.objects.visible_to(self.user))

    def clean(self):
        cleaned = super().clean()
        end, start = cleaned.get("end_date"), cleaned.get("start_date")
        if end and start and end < start:
            self.add_error("end_date", _("结束日期不能早于开始日期。"))
        return cleaned
