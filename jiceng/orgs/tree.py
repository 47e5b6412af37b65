"""Reading the unit tree for the pages: scope roots, per-node counts, search, renames.

Counts are computed from records in a fixed number of queries per request,
whatever the number of nodes shown: one group-by for child units, one group-by
of people on their home unit and the paths of those units, rolled up to the
shown nodes in Python (see bench/tree_counts.py for the measurement behind this
choice).
"""

from __future__ import annotations

from collections.abc import Iterable

from auditlog.models import LogEntry
from django.db.models import Count, Q
from django.utils.translation import gettext as _

from jiceng.people.models import Person

from .models import Unit


def scope_roots(user) -> list[Unit]:
    """The topmost units the user may view: their assignments' units, minus nested ones."""
    if user.is_superuser:
        return list(Unit.objects.filter(parent=None).select_related("secretary"))
    units = {a.unit_id: a.unit for a in user.assignments if a.unit_id and a.grants("unit.view")}
    paths = [u.path for u in units.values()]
    roots = [
        u for u in units.values() if not any(u.path != p and u.path.startswith(p) for p in paths)
    ]
    return sorted(roots, key=lambda u: u.path)


def _owner_of(path: str, nodes_by_path: dict[str, Unit]) -> Unit | None:
    """The shown node whose subtree holds `path` (shown nodes never nest)."""
    prefix = "/"
    for segment in path.strip("/").split("/"):
        prefix += segment + "/"
        if prefix in nodes_by_path:
            return nodes_by_path[prefix]
    return None


def _people_in(user, area: Unit):
    """People living in area's subtree whom the user may see."""
    return Person.objects.visible_in_subtree(user, area)


def annotate_counts(user, nodes: Iterable[Unit], parent: Unit | None = None) -> list[Unit]:
    """Set `child_count` and `people_count` (people visible to the user in the
    node's subtree) on each of a list of non-nested units: a count per node, or
    for siblings (give their parent) one group-by over the parent's subtree."""
    nodes = list(nodes)
    for node in nodes:
        node.child_count, node.people_count = 0, 0
    if not nodes:
        return nodes
    child_counts = dict(
        Unit.objects.visible_to(user)
        .filter(parent__in=[n.pk for n in nodes])
        .values_list("parent")
        .annotate(n=Count("pk"))
    )
    nodes_by_path = {n.path: n for n in nodes}
    # Siblings are counted over their parent's subtree: one range, not one per node.
    for area in [parent] if parent is not None else nodes:
        if area.path in nodes_by_path:  # the node itself: one count
            nodes_by_path[area.path].people_count = _people_in(user, area).count()
            continue
        # Siblings: grouped on the person's own column (an index-only scan), not
        # on the joined unit's path, which made the count three times slower.
        # COUNT(*): with COUNT(id) the index on home_unit cannot answer alone.
        people = _people_in(user, area).values_list("home_unit_id").annotate(n=Count("*"))
        counts = dict(people.order_by())
        for unit_id, path in area.descendants().values_list("pk", "path").order_by():
            owner = _owner_of(path, nodes_by_path) if unit_id in counts else None
            if owner is not None:
                owner.people_count += counts[unit_id]
    for node in nodes:
        node.child_count = child_counts.get(node.pk, 0)
    return nodes


def children_of(user, unit: Unit) -> list[Unit]:
    children = (
        Unit.objects.visible_to(user)
        .filter(parent=unit)
        .select_related("secretary")
        .order_by("sort_order", "code")
    )
    return annotate_counts(user, children, parent=unit)


def visible_ancestors(user, unit: Unit) -> list[Unit]:
    """The breadcrumb: ancestors the user may open (none above their scope)."""
    return list(Unit.objects.visible_to(user).filter(pk__in=unit.ancestor_ids).order_by("depth"))


def search(user, text: str, limit: int = 50) -> list[Unit]:
    """Units matching a name fragment or a code prefix, each with `.trail`
    (its visible ancestors), in two queries."""
    text = text.strip()
    if not text:
        return []
    visible = Unit.objects.visible_to(user)
    matches = list(
        visible.filter(Q(name__contains=text) | Q(code__startswith=text)).order_by("code")[:limit]
    )
    wanted = {pk for unit in matches for pk in unit.ancestor_ids}
    ancestors = {u.pk: u for u in visible.filter(pk__in=wanted)} if wanted else {}
    for unit in matches:
        unit.trail = [ancestors[pk] for pk in unit.ancestor_ids if pk in ancestors]
    return matches


def people_summary(user, unit: Unit) -> dict:
    """Residents, party members and care tags in the unit's subtree, from records."""
    from jiceng.people.choices import PARTY_STATUSES

    people = _people_in(user, unit)
    totals = people.aggregate(
        residents=Count("pk"), members=Count("pk", filter=Q(political_status__in=PARTY_STATUSES))
    )
    tags = (
        Person.tags.through.objects.filter(person__in=people.values("pk"))
        .values_list("caretag__pk", "caretag__name")
        .annotate(n=Count("pk"))
        .order_by("caretag__sort_order", "caretag__name")
    )
    totals["tags"] = [{"pk": pk, "name": name, "count": n} for pk, name, n in tags]
    return totals


def rename_and_move_log(user, unit: Unit) -> list[dict]:
    """Former names and former parents, read from the audit log (newest first)."""
    entries = (
        LogEntry.objects.get_for_object(unit)
        .filter(action=LogEntry.Action.UPDATE)
        .select_related("actor")
        .order_by("-timestamp")
    )
    log, parent_ids = [], set()
    for entry in entries:
        changes = entry.changes_dict or {}
        if "name" in changes or "parent" in changes:
            log.append({"entry": entry, "changes": changes})
            for value in changes.get("parent", []):
                if value and str(value).isdigit():
                    parent_ids.add(int(value))
    names = dict(Unit.objects.visible_to(user).filter(pk__in=parent_ids).values_list("pk", "name"))
    for item in log:
        changes = item["changes"]
        item["name"] = changes.get("name")
        parents = changes.get("parent")
        item["parent"] = [_parent_label(v, names) for v in parents] if parents else None
    return log


def _parent_label(value, names: dict[int, str]) -> str:
    if not value or value == "None":
        return "—"
    return names.get(int(value), _("（管辖范围外的单位）")) if str(value).isdigit() else str(value)


def former_names(log: list[dict]) -> list[str]:
    result: list[str] = []
    for item in log:
        old = item["name"][0] if item["name"] else None
        if old and old not in result:
            result.append(old)
    return result


def suggest_child_code(parent: Unit) -> str:
    """Parent code + the next free 3-digit number (CJ/T 349 style grid codes)."""
    width = len(parent.code) + 3
    codes = Unit.objects.filter(code__startswith=parent.code).values_list("code", flat=True)
    numbers = [int(c[-3:]) for c in codes if len(c) == width and c[-3:].isdigit()]
    return f"{parent.code}{(max(numbers, default=0) + 1):03d}"
