"""Organization blocks shown on other apps' pages (home, person page)."""

from django import template
from django.urls import reverse
from django.utils.translation import gettext as _

from jiceng.core.scoping import user_can
from jiceng.orgs import tree
from jiceng.orgs.models import LeaderLink, Unit

register = template.Library()


@register.inclusion_tag("orgs/_person_links.html", takes_context=True)
def person_org_links(context, person):
    """Units led as secretary and 包联/联系点 links, as the viewer may see them."""
    user = context["request"].user
    return {
        "secretary_of": Unit.objects.visible_to(user).filter(secretary=person).order_by("path"),
        "leader_links": LeaderLink.objects.visible_to(user)
        .filter(leader=person)
        .select_related("unit")
        .order_by("-start_date"),
    }


@register.inclusion_tag("orgs/_home_summary.html", takes_context=True)
def scope_summary(context):
    """The home page: the user's scope units with counts, and quick links for their role."""
    user = context["request"].user
    links = []
    if user_can(user, "unit.add"):
        links.append((_("新增单位"), reverse("orgs:unit-create"), "bi-plus-square"))
    if user_can(user, "person.add"):
        links.append((_("登记人员"), reverse("people:person-create"), "bi-person-plus"))
    if user.person_id:
        links.append((_("我的信息"), user.person.get_absolute_url(), "bi-person-vcard"))
    if user.person_id and user_can(user, "servicerecord.add"):
        links += [
            (_("我的报到与服务"), reverse("reporting:mine"), "bi-award"),
            (_("登记服务"), reverse("reporting:record-create"), "bi-clock-history"),
            (_("认领需求"), reverse("reporting:need-list") + "?open=true", "bi-hand-thumbs-up"),
        ]
    departments = [a.department for a in user.assignments if a.department_id]
    if departments and user_can(user, "memberreport.add"):
        links += [
            (_("本部门报到反馈"), reverse("reporting:department-feedback"), "bi-people"),
            (_("批量报到"), reverse("reporting:bulk-register"), "bi-person-check"),
        ]
    roots = tree.scope_roots(user) if user_can(user, "unit.view") else []
    roots = tree.annotate_counts(user, roots)
    return {"roots": roots, "links": links, "departments": departments}
