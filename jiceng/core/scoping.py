"""The one scoping rule (DESIGN.md, principle 1).

A user acts through role assignments. Each assignment grants a role's
permissions over one scope:
- a unit: that unit and everything below it in the tree;
- a department party organization: records tied to that department;
- the user's own person (self-service roles).
What a user may see or change is the union of the scopes of the assignments
that grant the permission; everything else is denied.

Every scoped model inherits `Scoped` and declares how its records reach a
unit, a department or a person. Lists, details, forms, exports, dashboards
and the API all call `Model.objects.visible_to(user, action)`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from django.db import models
from django.db.models import Q

if TYPE_CHECKING:
    from jiceng.accounts.models import RoleAssignment
    from jiceng.orgs.models import Unit

DENY = Q(pk__in=[])


def subtree_bounds(path: str) -> tuple[str, str]:
    """Paths look like /1/23/456/; a subtree is the half-open range [path, path')
    where path' replaces the final '/' by '0', the next character. A range
    uses the index on SQLite and PostgreSQL alike (a LIKE does not on SQLite)."""
    return path, path[:-1] + "0"


def subtree_q(unit: Unit, lookup: str = "") -> Q:
    """Records whose unit (reached through `lookup`, '' for units) lies in unit's subtree."""
    low, high = subtree_bounds(unit.path)
    if not lookup:
        return Q(path__gte=low, path__lt=high)
    from jiceng.orgs.models import Unit

    units = Unit.objects.filter(path__gte=low, path__lt=high).values("pk")
    return Q(**{f"{lookup}__in": units})


def large_subtree_q(unit: Unit, lookup: str) -> Q:
    """subtree_q for scanning a big table. When the subtree holds most units (a
    city, say), the same condition is written as "not owned by a unit outside
    it": the database then checks each row against a short list instead of a
    long one. Exactly the same rows: every record has its unit, and every unit
    is either inside or outside."""
    if not unit.holds_most_units:
        return subtree_q(unit, lookup)
    from jiceng.orgs.models import Unit

    low, high = subtree_bounds(unit.path)
    outside = Unit.objects.exclude(path__gte=low, path__lt=high).values("pk")
    return ~Q(**{f"{lookup}__in": outside})


def permission_name(model: type[models.Model], action: str) -> str:
    return f"{model._meta.model_name}.{action}"


def scope_filter(model: type[Scoped], user, action: str = "view") -> Q:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return DENY
    if user.is_superuser:
        return Q()
    perm = permission_name(model, action)
    condition = DENY
    for assignment in user.assignments:
        if assignment.grants(perm):
            rule = model.scope_rule(assignment)
            if rule is not None:
                condition |= rule
    return condition


def user_can(user, perm: str) -> bool:
    """Whether any of the user's assignments grants `perm` somewhere."""
    if not getattr(user, "is_authenticated", False):
        return False
    return user.is_superuser or any(a.grants(perm) for a in user.assignments)


def can_act_on(user, action: str, obj: models.Model) -> bool:
    """Object-level check through the same rule as the lists."""
    return type(obj).objects.visible_to(user, action).filter(pk=obj.pk).exists()


def covers_subtree(model: type[Scoped], user, unit: Unit, action: str = "view") -> bool:
    """Whether `user` may `action` every record of `model` owned in unit's subtree:
    then, on that subtree, the scoping condition keeps every row and adds nothing.
    Only decided for models on the plain unit rule (`Scoped.scope_rule`), where the
    condition is exactly the union of the subtrees of the roles granting the
    permission; any other rule answers False (keep the condition)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.is_superuser:
        return True
    if model.scope_unit is None or model.scope_rule.__func__ is not Scoped.scope_rule.__func__:
        return False
    return grants_on(user, permission_name(model, action), unit)


class ScopedQuerySet(models.QuerySet):
    def visible_to(self, user, action: str = "view") -> ScopedQuerySet:
        return self.filter(scope_filter(self.model, user, action))

    def visible_in_subtree(self, user, unit: Unit, action: str = "view") -> ScopedQuerySet:
        return self.filter(subtree_scope_q(self.model, user, unit, action))


def subtree_scope_q(model: type[Scoped], user, unit: Unit, action: str = "view") -> Q:
    """`visible_to(user, action)` limited to records owned in unit's subtree, as
    one condition. The same rows; the scoping condition is left out of the SQL
    only when it keeps every row of that subtree (`covers_subtree`): on a big
    table it is a second semi-join over the same units. Meant for aggregates
    over big tables (see `large_subtree_q`)."""
    in_subtree = large_subtree_q(unit, model.scope_unit)
    if covers_subtree(model, user, unit, action):
        return in_subtree
    return in_subtree & scope_filter(model, user, action)


class Scoped(models.Model):
    """Base for every record that belongs somewhere in the tree.

    scope_unit: lookup from this model to its owning Unit ('' for Unit itself;
        None when unit roles do not reach it).
    scope_departments: lookups to a Department, for department-admin roles.
    scope_person: lookup to a Person, for self-service roles.
    """

    scope_unit: ClassVar[str | None] = "unit"
    scope_departments: ClassVar[tuple[str, ...]] = ()
    scope_person: ClassVar[str | None] = None

    objects = ScopedQuerySet.as_manager()

    class Meta:
        abstract = True

    @classmethod
    def scope_rule(cls, assignment: RoleAssignment) -> Q | None:
        if assignment.unit_id is not None:
            if cls.scope_unit is None:
                return None
            return subtree_q(assignment.unit, cls.scope_unit)
        if assignment.department_id is not None:
            if not cls.scope_departments:
                return None
            rule = DENY
            for lookup in cls.scope_departments:
                rule |= Q(**{lookup: assignment.department_id})
            return rule
        if assignment.is_self_service and cls.scope_person is not None:
            person_id = assignment.user.person_id
            return Q(**{cls.scope_person: person_id}) if person_id else None
        return None


def units_granting(user, perm: str):
    """The units (with their subtrees) in which the user holds `perm`: used to
    limit the unit choices of a form, so a forged id outside scope is refused."""
    from jiceng.orgs.models import Unit

    if not getattr(user, "is_authenticated", False):
        return Unit.objects.none()
    if user.is_superuser:
        return Unit.objects.all()
    condition = DENY
    for assignment in user.assignments:
        if assignment.unit_id is not None and assignment.grants(perm):
            condition |= subtree_q(assignment.unit)
    return Unit.objects.filter(condition)


def grants_on(user, perm: str, unit: Unit) -> bool:
    """Whether `unit` is among `units_granting(user, perm)`, decided from the
    user's loaded assignments without a query."""
    if not getattr(user, "is_authenticated", False):
        return False
    return user.is_superuser or any(
        assignment.unit_id is not None
        and assignment.grants(perm)
        and unit.is_in_subtree_of(assignment.unit)
        for assignment in user.assignments
    )
