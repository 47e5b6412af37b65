from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _l

from jiceng.core.exports import Column
from jiceng.core.views import ScopedDetailView, ScopedListView

from .filters import DepartmentFilter, UnitFilter
from .models import Department, Unit

UNIT_COLUMNS = [
    Column(_l("名称"), lambda u: u.name, link=True),
    Column(_l("编码"), lambda u: u.code),
    Column(_l("层级"), lambda u: u.get_kind_display()),
    Column(_l("上级单位编码"), lambda u: u.parent.code if u.parent_id else ""),
    Column(_l("党组织名称"), lambda u: u.party_org_name),
    Column(_l("党组织类型"), lambda u: u.get_party_org_type_display()),
    Column(_l("党组织书记"), lambda u: u.secretary),
]


class UnitListView(ScopedListView):
    model = Unit
    filterset_class = UnitFilter
    columns = UNIT_COLUMNS
    export_basename = "单位"

    def get_queryset(self):
        return super().get_queryset().select_related("parent", "secretary")


class UnitDetailView(ScopedDetailView):
    model = Unit

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        unit = self.object
        context["children"] = (
            Unit.objects.visible_to(self.request.user)
            .filter(parent=unit)
            .select_related("secretary")
            .order_by("sort_order", "code")
        )
        context["ancestors"] = unit.ancestors()
        return context


DEPARTMENT_COLUMNS = [
    Column(_l("名称"), lambda d: d.name, link=True),
    Column(_l("类型"), lambda d: d.get_kind_display()),
    Column(_l("所属层级"), lambda d: d.unit),
    Column(_l("结对社区"), lambda d: "、".join(p.community.name for p in d.pairings.all())),
    Column(_l("党组织书记"), lambda d: d.secretary),
    Column(_l("党员数"), lambda d: d.member_count),
]


class DepartmentListView(ScopedListView):
    model = Department
    filterset_class = DepartmentFilter
    columns = DEPARTMENT_COLUMNS
    export_basename = "部门党组织"

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .select_related("unit", "secretary")
            .prefetch_related("pairings__community")
            .annotate(
                member_count=Count(
                    "party_members",
                    filter=Q(party_members__political_status__in=["party_member", "probationary"]),
                )
            )
            .order_by("name")  # GROUP BY drops Meta.ordering; pagination needs an order
        )


class DepartmentDetailView(ScopedDetailView):
    model = Department
