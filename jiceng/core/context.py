"""Template context shared by every page: the navigation the user's roles allow."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _l

from jiceng.core.scoping import user_can

# (label, url name, permission needed to see the entry)
NAVIGATION = [
    (_l("首页"), "home", None),
    (_l("组织架构"), "orgs:unit-tree", "unit.view"),
    (_l("部门党组织"), "orgs:department-list", "department.view"),
    (_l("人员"), "people:person-list", "person.view"),
    (_l("导入"), "imports:index", "person.add"),
    (_l("双报到"), "reporting:dashboard", "memberreport.view"),
    (_l("服务需求"), "reporting:need-list", "serviceneed.view"),
    (_l("服务记录"), "reporting:record-list", "servicerecord.view"),
    (_l("我的工作"), "worklists:my-work", "assignment.view"),
    (_l("工作计划"), "worklists:plan-list", "plan.view"),
    (_l("工作看板"), "worklists:dashboard", "assignment.view"),
    (_l("联席会议"), "worklists:body-list", "jointmeetingbody.view"),
]


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    items = [
        {"label": label, "url": reverse(name), "active": False}
        for label, name, perm in NAVIGATION
        if perm is None or user_can(user, perm)
    ]
    current = active_item(items, request.path)
    if current is not None:
        current["active"] = True
    return {"nav_items": items}


def active_item(items: list[dict], path: str) -> dict | None:
    """The entry a page belongs to: the longest menu URL it lies under, so a
    record page (/people/12/) keeps its section (人员) highlighted."""
    under = [
        i for i in items if path == i["url"] or (i["url"] != "/" and path.startswith(i["url"]))
    ]
    return max(under, key=lambda i: len(i["url"]), default=None)


def links_for(user, entries) -> list[dict]:
    """The (label, url name, permission) entries the user may open, as links:
    a page shows no button to a list the user's roles leave empty."""
    return [
        {"label": label, "url": reverse(name)}
        for label, name, perm in entries
        if perm is None or user_can(user, perm)
    ]
