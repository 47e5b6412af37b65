"""Organization pages: the unit tree, unit and department pages, and their forms."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from django.views.decorators.http import require_POST
from django.views.generic import TemplateView

from jiceng.accounts.models import RoleAssignment
from jiceng.core.exports import Column
from jiceng.core.scoping import grants_on, units_granting, user_can
from jiceng.core.views import (
    ScopedCreateView,
    ScopedDetailView,
    ScopedListView,
    ScopedUpdateView,
)
from jiceng.people.models import Person

from . import tree
from .filters import DepartmentFilter, UnitFilter
from .forms import DepartmentForm, LeaderLinkForm, PairingForm, UnitForm
from .models import CHILD_KIND, Department, DepartmentPairing, LeaderLink, Unit, UnitKind

UNIT_COLUMNS = [
    Column(_l("名称"), lambda u: u.name, link=True),
    Column(_l("编码"), lambda u: u.code),
    Column(_l("层级"), lambda u: u.get_kind_display()),
    Column(_l("上级单位编码"), lambda u: u.parent.code if u.parent_id else ""),
    Column(_l("党组织名称"), lambda u: u.party_org_name),
    Column(_l("党组织类型"), lambda u: u.get_party_org_type_display()),
    Column(_l("党组织书记"), lambda u: u.secretary),
]


def _require(user, perm: str) -> None:
    if not user_can(user, perm):
        raise PermissionDenied(_("您没有查看此页面的权限。"))


class UnitTreeView(LoginRequiredMixin, TemplateView):
    """The tree from the user's scope roots, expanded lazily, with a search box."""

    template_name = "orgs/unit_tree.html"

    def get(self, request, *args, **kwargs):
        _require(request.user, "unit.view")
        return super().get(request, *args, **kwargs)

    def get_template_names(self):
        if self.request.htmx and self.request.htmx.target == "unit-search-results":
            return ["orgs/_search_results.html"]
        return [self.template_name]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user, text = self.request.user, self.request.GET.get("q", "")[:50]
        context["q"] = text.strip()
        context["results"] = tree.search(user, text)
        context["nodes"] = tree.annotate_counts(user, tree.scope_roots(user))
        context["can_add"] = user_can(user, "unit.add")
        return context


@login_required
def unit_children(request, pk: int):
    """htmx partial: the children of one unit the user may view, with counts."""
    unit = get_object_or_404(Unit.objects.visible_to(request.user), pk=pk)
    nodes = tree.children_of(request.user, unit)
    return render(request, "orgs/_tree_nodes.html", {"nodes": nodes})


class UnitListView(ScopedListView):
    model = Unit
    filterset_class = UnitFilter
    columns = UNIT_COLUMNS
    export_basename = "单位"
    create_url_name = "orgs:unit-create"

    def get_queryset(self):
        return super().get_queryset().select_related("parent", "secretary")


class UnitDetailView(ScopedDetailView):
    model = Unit

    def get_queryset(self):
        return super().get_queryset().select_related("secretary", "parent")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user, unit = self.request.user, self.object
        log = tree.rename_and_move_log(user, unit)
        context.update(
            ancestors=tree.visible_ancestors(user, unit),
            children=tree.children_of(user, unit),
            summary=tree.people_summary(user, unit),
            staff=RoleAssignment.objects.visible_to(self.request.user)
            .filter(unit=unit)
            .select_related("user__person"),
            leader_links=LeaderLink.objects.visible_to(user)
            .filter(unit=unit)
            .select_related("leader")
            .order_by("-start_date"),
            pairings=DepartmentPairing.objects.visible_to(user)
            .filter(community=unit)
            .select_related("department", "leader")
            .order_by("end_date", "-start_date"),
            departments=Department.objects.visible_to(user).filter(unit=unit),
            rename_log=log,
            former_names=tree.former_names(log),
            map_tiles=settings.JICENG_MAP_TILES,
            child_kind=CHILD_KIND.get(unit.kind),
            can_add_child=unit.kind in CHILD_KIND and grants_on(user, "unit.add", unit),
            can_add_pairing=unit.kind == UnitKind.COMMUNITY
            and grants_on(user, "departmentpairing.add", unit),
            can_change_pairing=grants_on(user, "departmentpairing.change", unit),
            can_add_leader_link=grants_on(user, "leaderlink.add", unit),
        )
        return context


class UnitFormMixin:
    model = Unit
    form_class = UnitForm

    def get_success_url(self):
        return self.object.get_absolute_url()


class UnitCreateView(UnitFormMixin, ScopedCreateView):
    def get_initial(self):
        """?parent=<id> (from a unit page): preset the child kind and suggest a code."""
        initial = super().get_initial()
        parent_id = self.request.GET.get("parent", "")
        parent = (
            units_granting(self.request.user, "unit.add").filter(pk=parent_id).first()
            if parent_id.isdigit()
            else None
        )
        if parent is not None:
            initial.update(parent=parent, kind=CHILD_KIND.get(parent.kind))
            initial["code"] = tree.suggest_child_code(parent)
        return initial


class UnitUpdateView(UnitFormMixin, ScopedUpdateView):
    pass


DEPARTMENT_COLUMNS = [
    Column(_l("名称"), lambda d: d.name, link=True),
    Column(_l("类型"), lambda d: d.get_kind_display()),
    Column(_l("所属层级"), lambda d: d.unit),
    Column(_l("结对社区"), lambda d: "、".join(p.community.name for p in d.pairings.all())),
    Column(_l("党组织书记"), lambda d: d.secretary),
    Column(_l("党员数"), lambda d: d.member_count),
    Column(_l("结对社区数"), lambda d: d.pairing_count),
]


class DepartmentListView(ScopedListView):
    model = Department
    filterset_class = DepartmentFilter
    columns = DEPARTMENT_COLUMNS
    export_basename = "部门党组织"
    create_url_name = "orgs:department-create"

    def get_queryset(self):
        # Subqueries rather than two joined Counts, which would multiply each other.
        # The members the user may see, as on the department's own page.
        members = Person.objects.visible_to(self.request.user).party_members()
        return (
            super()
            .get_queryset()
            .select_related("unit", "secretary")
            .with_visible_pairings(self.request.user)
            .annotate(
                member_count=_count_subquery(members, "party_department"),
                pairing_count=_count_subquery(
                    DepartmentPairing.objects.visible_to(self.request.user).filter(
                        end_date__isnull=True
                    ),
                    "department",
                ),
            )
            .order_by("name")  # GROUP BY drops Meta.ordering; pagination needs an order
        )


def _count_subquery(queryset, lookup: str):
    counts = (
        queryset.filter(**{lookup: OuterRef("pk")})
        .order_by()
        .values(lookup)
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counts, output_field=IntegerField()), 0)


class DepartmentDetailView(ScopedDetailView):
    model = Department

    def get_queryset(self):
        return super().get_queryset().select_related("unit", "secretary")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user, department = self.request.user, self.object
        members = Person.objects.visible_to(user).filter(party_department=department)
        by_status = members.values("political_status").annotate(n=Count("pk")).order_by()
        labels = dict(Person._meta.get_field("political_status").choices)
        context.update(
            members_by_status=[(labels[r["political_status"]], r["n"]) for r in by_status],
            member_total=sum(r["n"] for r in by_status),
            pairings=DepartmentPairing.objects.visible_to(user)
            .filter(department=department)
            .select_related("community", "leader")
            .order_by("end_date", "-start_date"),
            can_add_pairing=user_can(user, "departmentpairing.add"),
            can_change_pairing=user_can(user, "departmentpairing.change"),
            # A department's admin reads its pairings but not the communities' pages.
            can_view_units=user_can(user, "unit.view"),
        )
        return context


class DepartmentCreateView(ScopedCreateView):
    model = Department
    form_class = DepartmentForm


class DepartmentUpdateView(ScopedUpdateView):
    model = Department
    form_class = DepartmentForm

    def get_success_url(self):
        return self.object.get_absolute_url()


class NextUrlMixin:
    """Return to the page the form was opened from (department or community)."""

    def get_success_url(self):
        next_url = self.request.GET.get("next", "")
        if url_has_allowed_host_and_scheme(next_url, {self.request.get_host()}):
            return next_url
        return self.object.get_absolute_url()

    def get_initial(self):
        initial = super().get_initial()
        for name in ("department", "community", "unit"):
            value = self.request.GET.get(name, "")
            if value.isdigit():
                initial[name] = value
        return initial


class PairingCreateView(NextUrlMixin, ScopedCreateView):
    model = DepartmentPairing
    form_class = PairingForm


class PairingUpdateView(NextUrlMixin, ScopedUpdateView):
    model = DepartmentPairing
    form_class = PairingForm


class LeaderLinkCreateView(NextUrlMixin, ScopedCreateView):
    model = LeaderLink
    form_class = LeaderLinkForm


@login_required
@require_POST
def end_pairing(request, pk: int):
    """End a running pairing today; one that already ended is left as it is."""
    pairing = get_object_or_404(DepartmentPairing.objects.visible_to(request.user, "change"), pk=pk)
    today = timezone.localdate()
    if pairing.end_date is not None:
        message = _("该结对已于 %(date)s 结束，无需再次结束。")
        messages.error(request, message % {"date": pairing.end_date})
    elif pairing.start_date > today:
        messages.error(request, _("该结对尚未开始，不能结束；如需取消请编辑开始日期。"))
    else:
        pairing.end_date = today
        pairing.save(update_fields=["end_date"])
        messages.success(request, _("已结束结对：%(pairing)s") % {"pairing": pairing})
    next_url = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(next_url, {request.get_host()}):
        return redirect(next_url)
    return redirect(pairing.community.get_absolute_url())
