"""Exports for the `jiceng export` command: the same querysets and columns as the
list pages (scoped to a user), written by jiceng.core.exports."""

from __future__ import annotations

from collections.abc import Iterator
from types import SimpleNamespace

from django.http import QueryDict


def list_view(kind: str):
    from jiceng.orgs.views import DepartmentListView, UnitListView
    from jiceng.people.views import PersonListView
    from jiceng.reporting.views import MemberReportListView

    return {
        "units": UnitListView,
        "departments": DepartmentListView,
        "people": PersonListView,
        "member-reports": MemberReportListView,
    }[kind]


def export_table(kind: str, user):
    """(header, rows, basename) exactly as the list page would export them."""
    view = list_view(kind)()
    view.request = SimpleNamespace(user=user, GET=QueryDict())
    view.args, view.kwargs = (), {}
    return *view.export_table(view.get_queryset()), view.export_basename


def spec_table(spec_class, objects, cells) -> tuple[list[str], Iterator[list]]:
    """(header, rows) in a spec's own column order, so that an export can be edited
    and imported back as it is; `cells(obj)` maps column keys to values."""
    keys = [c.key for c in spec_class.columns]
    header = [c.header for c in spec_class.columns]
    return header, ([cells(obj).get(key, "") for key in keys] for obj in objects)
