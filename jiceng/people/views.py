from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _l
from django.views.decorators.http import require_POST

from jiceng.core.audit import log_access
from jiceng.core.exports import Column, headers
from jiceng.core.scoping import can_act_on, user_can
from jiceng.core.views import (
    ScopedCreateView,
    ScopedDetailView,
    ScopedListView,
    ScopedUpdateView,
)
from jiceng.orgs.models import Department, Unit

from .exports import person_rows
from .filters import PersonFilter
from .forms import PersonForm
from .models import Person


def _community(person):
    unit = person.home_unit
    return unit.parent.name if unit.kind == "grid" else unit.name


def _grid(person):
    return person.home_unit.name if person.home_unit.kind == "grid" else ""


# The columns of the people list, its export and the import template, in one order.
PERSON_COLUMNS = [
    Column(_l("姓名"), lambda p: p.name, link=True),
    Column(_l("公民身份号码"), lambda p: p.id_number_masked, wide_only=True),
    Column(_l("性别"), lambda p: p.get_gender_display()),
    Column(_l("民族"), lambda p: p.ethnicity, wide_only=True),
    Column(_l("手机号码"), lambda p: p.phone_masked),
    Column(_l("政治面貌"), lambda p: p.get_political_status_display()),
    Column(_l("入党日期"), lambda p: p.party_join_date, wide_only=True),
    Column(_l("所属党组织"), lambda p: p.party_organization, wide_only=True),
    Column(_l("居住社区"), _community, wide_only=True),
    Column(_l("所在网格"), _grid),
    Column(_l("工作单位"), lambda p: p.workplace, wide_only=True),
    Column(_l("标签"), lambda p: "、".join(tag.name for tag in p.tags.all()), wide_only=True),
]


# Exports end with the record's id, so that an edited export (masked ID numbers)
# can be imported back and still match its people (see docs/import-export.md).
RECORD_REF_COLUMN = Column(_l("记录编号"), lambda p: p.pk)


class PersonListView(ScopedListView):
    model = Person
    filterset_class = PersonFilter
    columns = PERSON_COLUMNS
    export_basename = "人员名单"
    create_url_name = "people:person-create"

    def get_export_columns(self):
        return [*PERSON_COLUMNS, RECORD_REF_COLUMN]

    def export_table(self, queryset):
        # The same cells as the columns, read lean: see jiceng/people/exports.py.
        return headers(self.get_export_columns()), person_rows(queryset)

    def get_queryset(self):
        # Related rows are fetched for the page only (prefetch, by id): joined into
        # the page query they make the planner sort every row in scope first.
        # Only the fields the columns read: units carry boundary polygons.
        units = Unit.objects.only("name", "kind")
        departments = Department.objects.only("name")
        return (
            super()
            .get_queryset()
            .prefetch_related(
                Prefetch(
                    "home_unit",
                    units.select_related("parent").only("name", "kind", "parent__name"),
                ),
                Prefetch("party_unit", units),
                Prefetch("workplace", departments),
                Prefetch("party_department", departments),
                "tags",
            )
        )


class PersonDetailView(ScopedDetailView):
    model = Person

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .select_related("home_unit__parent", "workplace", "party_unit", "party_department")
            .prefetch_related("tags")
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["can_reveal"] = can_act_on(self.request.user, "reveal_pii", self.object)
        # Department admins and members read people but not the tree: no link to a 404.
        context["can_view_units"] = user_can(self.request.user, "unit.view")
        return context


class PersonCreateView(ScopedCreateView):
    model = Person
    form_class = PersonForm


class PersonUpdateView(ScopedUpdateView):
    model = Person
    form_class = PersonForm

    def get_success_url(self):
        return self.object.get_absolute_url()


@login_required
@require_POST
def reveal(request, pk: int, field: str):
    """Show one full ID number or phone to a role allowed to see it; audited."""
    if field not in ("id_number", "phone"):
        raise Http404
    person = get_object_or_404(Person.objects.visible_to(request.user, "reveal_pii"), pk=pk)
    log_access(person, field)
    return JsonResponse({"value": getattr(person, field)})
