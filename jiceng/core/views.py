"""Shared generic views: every list, detail, form and export goes through the
scoping rule here, so a new model costs a few declarative lines."""

from __future__ import annotations

import datetime
from collections.abc import Iterator

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.utils import timezone
from django.utils.formats import localize
from django.utils.html import conditional_escape, escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.generic import CreateView, DetailView, UpdateView
from django_filters.views import FilterView

from jiceng.core.audit import history
from jiceng.core.exports import EXPORTERS, Column, headers, rows
from jiceng.core.scoping import can_act_on, permission_name, user_can


@login_required
def home(request):
    return render(request, "core/home.html")


class ScopedMixin(LoginRequiredMixin):
    """The queryset of every scoped view: what the user may `action`, nothing else."""

    model = None
    action = "view"

    def get_queryset(self):
        return self.model.objects.visible_to(self.request.user, self.action)

    def perm(self, action: str) -> str:
        return permission_name(self.model, action)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        context["opts"] = self.model._meta
        context["can_add"] = user_can(user, self.perm("add"))
        context["can_change"] = user_can(user, self.perm("change"))
        return context


class ScopedListView(ScopedMixin, FilterView):
    """A filtered, paginated list with .xlsx/.csv export of exactly the same rows."""

    columns: list[Column] = []
    export_basename = "export"
    paginate_by = 50
    template_name = "core/object_list.html"
    create_url_name: str | None = None

    def get_export_columns(self) -> list[Column]:
        return self.columns

    def get(self, request, *args, **kwargs):
        export_format = request.GET.get("export")
        if export_format in EXPORTERS:
            filterset = self.get_filterset(self.get_filterset_class())
            if not filterset.is_valid():
                messages.error(request, _("筛选条件不正确，无法导出。"))
                return super().get(request, *args, **kwargs)
            exporter = EXPORTERS[export_format]
            return exporter(self.export_basename, *self.export_table(filterset.qs))
        return super().get(request, *args, **kwargs)

    def export_table(self, queryset) -> tuple[list[str], Iterator[list]]:
        """(header, rows) of the export; a list of many rows may override it with lean rows."""
        columns = self.get_export_columns()
        return headers(columns), rows(queryset.iterator(chunk_size=2000), columns)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        query = self.request.GET.copy()
        query.pop("page", None)
        query.pop("export", None)
        context["columns"] = self.columns
        context["table_body"] = table_body(self.columns, context["object_list"])
        context["query_string"] = query.urlencode()
        context["create_url_name"] = self.create_url_name
        return context


def table_body(columns: list[Column], objects) -> str:
    """The <tr> rows of a list page, built in Python: through the template
    engine each of a page's hundreds of cells cost several node renders."""
    classes = [_cell_class(i == 0, c.wide_only) for i, c in enumerate(columns)]
    lines = []
    for obj in objects:
        cells = []
        for column, css in zip(columns, classes, strict=True):
            text = conditional_escape(_cell_text(column.cell(obj)))
            if column.link and hasattr(obj, "get_absolute_url"):
                text = f'<a href="{escape(obj.get_absolute_url())}">{text}</a>'
            cells.append(f"<td{css}>{text}</td>")
        lines.append(f"<tr>{''.join(cells)}</tr>")
    return mark_safe("\n".join(lines))  # every cell escaped above


def _cell_text(value) -> str:
    """Dates as 2024-03-05 (a phone column fits them; 2024年3月5日 wrapped to four
    lines), date-times in local time to the minute, everything else localized."""
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return localize(value)


def _cell_class(first: bool, wide_only: bool) -> str:
    names = ["text-nowrap"] if first else []
    names += ["d-none", "d-md-table-cell"] if wide_only else []
    return f' class="{" ".join(names)}"' if names else ""


class ScopedDetailView(ScopedMixin, DetailView):
    """A record the user may see (404 otherwise), with its audit history."""

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["history"] = history(self.object)
        context["can_change_object"] = can_act_on(self.request.user, "change", self.object)
        return context


class ScopedFormMixin(ScopedMixin):
    """Forms receive the user so that every choice of unit or department is scoped."""

    template_name = "core/object_form.html"

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["user"] = self.request.user
        return kwargs

    def form_valid(self, form):
        response = super().form_valid(form)
        messages.success(self.request, _("已保存：%(obj)s") % {"obj": self.object})
        return response


class ScopedCreateView(ScopedFormMixin, CreateView):
    action = "add"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not user_can(request.user, self.perm("add")):
            raise PermissionDenied(_("您没有新增此类记录的权限。"))
        return super().dispatch(request, *args, **kwargs)


class ScopedUpdateView(ScopedFormMixin, UpdateView):
    action = "change"
