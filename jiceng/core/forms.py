"""Form helpers: Bootstrap classes, and unit/department choices limited to the
user's scope so that a forged id outside it is refused with a clear message."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _l

from jiceng.core.filters import CHOOSE, FastSelect, relabel_blank, use_fast_select
from jiceng.core.scoping import units_granting

OUT_OF_SCOPE = _l("所选项不存在或不在您的管辖范围内。")


class StyledFormMixin:
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            relabel_blank(field, CHOOSE)
            if isinstance(field, forms.ModelChoiceField):
                # Person pickers offer a street's 1,600 residents (a city's 9,000):
                # the template renderer took ~1 s for the three of a grid's page.
                use_fast_select(field)
            widget = field.widget
            if isinstance(widget, forms.DateInput) and widget.input_type == "date":
                # A date input takes ISO dates only; zh-hans formats 2024/01/05,
                # which it shows as empty, so saving an edit cleared the date.
                widget.format = "%Y-%m-%d"
            if isinstance(widget, forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(widget, forms.Select | forms.SelectMultiple):
                css = "form-select"
            else:
                css = "form-control"
            widget.attrs.setdefault("class", css)


class FastSelectMultiple(FastSelect):
    """A multiple <select> rendered in Python (see FastSelect): member lists offer
    hundreds of units and departments."""

    allow_multiple_selected = True
    value_from_datadict = forms.SelectMultiple.value_from_datadict
    value_omitted_from_data = forms.SelectMultiple.value_omitted_from_data

    def __init__(self, attrs=None, choices=()):
        super().__init__({**(attrs or {}), "multiple": True}, choices)


class ScopedModelForm(StyledFormMixin, forms.ModelForm):
    """`unit_fields` maps a field to the permission whose scope limits its units."""

    unit_fields: dict[str, str] = {}

    def __init__(self, *args, user, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)
        for name, perm in self.unit_fields.items():
            if name in self.fields:
                field = self.fields[name]
                field.queryset = units_granting(user, perm).order_by("path")
                field.error_messages["invalid_choice"] = OUT_OF_SCOPE


def limit_choices(form: ScopedModelForm, name: str, queryset) -> None:
    """Limit a choice field to `queryset`, keeping the record's current values
    (a community admin may keep its street as parent without holding rights on
    it; an edit must not silently drop members the editor cannot see)."""
    current = _current_ids(form.instance, name)
    if current:
        queryset = queryset | queryset.model.objects.filter(pk__in=current)
    field = form.fields[name]
    field.queryset = queryset.distinct()
    field.error_messages["invalid_choice"] = OUT_OF_SCOPE


def _current_ids(instance, name: str) -> list:
    if instance._meta.get_field(name).many_to_many:
        if instance.pk is None:
            return []
        return list(getattr(instance, name).values_list("pk", flat=True))
    current = getattr(instance, f"{name}_id", None)
    return [current] if current else []
