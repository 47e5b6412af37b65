"""Filter sets whose choices are scoped like everything else.

Every ModelChoiceFilter over a scoped model offers (and accepts) only the
records the user may see, so neither a drop-down nor a forged id leaks or
reaches outside the user's scope.
"""

from __future__ import annotations

from html import escape

import django_filters as filters
from django import forms
from django.forms.utils import flatatt
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _l

from jiceng.core.scoping import Scoped, subtree_q

# Unit drop-downs list units down to this kind; deeper ones (grids, thousands
# of them) are reached from the tree, and still accepted by id.
PICKER_KINDS = ("league", "city", "street", "community")


# The blank choice of a drop-down: Django's "---------" reads as nothing to a
# Chinese user; a filter's blank means any value, a form's means choose one.
ANY = _l("全部")
CHOOSE = _l("请选择")


def relabel_blank(field: forms.Field, label: str) -> None:
    if hasattr(field, "empty_label"):  # model choices; django-filter's choice fields
        if field.empty_label is not None:
            field.empty_label = label
    elif isinstance(field, forms.ChoiceField):
        field.choices = [(key, label if key == "" else text) for key, text in field.choices]


class FastSelect(forms.Select):
    """A <select> rendered in Python: the template renderer costs ~0.2 ms per
    <option>, which made a filter bar with hundreds of units the slowest part
    of a list page."""

    def render(self, name, value, attrs=None, renderer=None):
        selected = {str(v) for v in (value if isinstance(value, list | tuple) else [value])}
        attrs = self.build_attrs(self.attrs, attrs)
        options = "".join(
            f'<option value="{escape(str(key))}"{" selected" if str(key) in selected else ""}>'
            f"{escape(str(label))}</option>"
            for key, label in self.choices
        )
        # Every value and label escaped above (html.escape: no lazy-string wrappers).
        return mark_safe(f'<select name="{escape(name)}"{flatatt(attrs)}>{options}</select>')


def use_fast_select(field: forms.Field) -> None:
    """Render a plain <select> field's widget as a FastSelect (same choices and attributes)."""
    if type(field.widget) is forms.Select:
        field.widget = FastSelect(attrs=field.widget.attrs, choices=field.widget.choices)


class YesNoFilter(filters.BooleanFilter):
    """A yes/no filter whose empty choice reads 全部 (django-filter's says 未知)."""

    def __init__(self, *args, **kwargs):
        choices = [("", ANY), ("true", _l("是")), ("false", _l("否"))]
        kwargs.setdefault("widget", forms.Select(choices=choices))
        super().__init__(*args, **kwargs)


class ScopedFilterSet(filters.FilterSet):
    def __init__(self, data=None, queryset=None, *, request=None, **kwargs):
        super().__init__(data, queryset, request=request, **kwargs)
        self.user = getattr(request, "user", None)
        for flt in self.filters.values():
            # ModelChoiceFilter builds its field from `flt.queryset`, not `extra`.
            base = getattr(flt, "queryset", None)
            base = flt.extra.get("queryset") if base is None else base
            if base is not None and not callable(base) and issubclass(base.model, Scoped):
                flt.queryset = flt.extra["queryset"] = base.model.objects.visible_to(self.user)

    @property
    def form(self):
        form = super().form
        for field in form.fields.values():
            relabel_blank(field, ANY)
            use_fast_select(field)
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs.setdefault("class", f"{css} {css}-sm")
        for name, flt in self.filters.items():
            if isinstance(flt, UnitSubtreeFilter) and not getattr(form, "_units_limited", False):
                form.fields[name].widget.choices = unit_picker_choices(
                    self.user, form.data.get(name)
                )
        form._units_limited = True
        return form


def unit_picker_choices(user, selected_id=None) -> list[tuple[str, str]]:
    from jiceng.orgs.models import Unit

    units = Unit.objects.visible_to(user).filter(kind__in=PICKER_KINDS)
    if selected_id and str(selected_id).isdigit():
        units = units | Unit.objects.visible_to(user).filter(pk=selected_id)
    rows = units.order_by("path").values_list("pk", "name", "depth")
    return [("", ANY)] + [(str(pk), "\u3000" * depth + name) for pk, name, depth in rows]


class UnitSubtreeFilter(filters.ModelChoiceFilter):
    """Records whose unit (through `field_name`) lies in the chosen unit's subtree."""

    def __init__(self, *args, **kwargs):
        from jiceng.orgs.models import Unit

        kwargs.setdefault("queryset", Unit.objects.all())
        kwargs.setdefault("label", _l("所在单位（含下级）"))
        super().__init__(*args, **kwargs)

    def filter(self, qs, value):
        return qs.filter(subtree_q(value, self.field_name)) if value else qs
