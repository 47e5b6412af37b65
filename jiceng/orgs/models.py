"""The unit tree (市 → 街道 → 社区 → 网格), departments and who is paired with whom."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models, transaction
from django.db.models import Count, Q, Value
from django.db.models.functions import Concat, Substr
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from jiceng.core.scoping import Scoped, ScopedQuerySet, subtree_bounds, subtree_q

from .geo import validate_boundary


class UnitKind(models.TextChoices):
    LEAGUE = "league", _l("盟/地级市")
    CITY = "city", _l("市/旗")
    STREET = "street", _l("街道/苏木/镇")
    COMMUNITY = "community", _l("社区/嘎查")
    GRID = "grid", _l("网格")


# Which kinds may stand directly above each kind (None: a root).
ALLOWED_PARENTS: dict[str, set[str | None]] = {
    UnitKind.LEAGUE: {None},
    UnitKind.CITY: {None, UnitKind.LEAGUE},
    UnitKind.STREET: {UnitKind.CITY},
    UnitKind.COMMUNITY: {UnitKind.STREET},
    UnitKind.GRID: {UnitKind.COMMUNITY},
}
CHILD_KIND = {
    UnitKind.LEAGUE: UnitKind.CITY,
    UnitKind.CITY: UnitKind.STREET,
    UnitKind.STREET: UnitKind.COMMUNITY,
    UnitKind.COMMUNITY: UnitKind.GRID,
}


class PartyOrgType(models.TextChoices):
    COMMITTEE = "committee", _l("党委")
    GENERAL_BRANCH = "general_branch", _l("党总支")
    BRANCH = "branch", _l("党支部")
    JOINT_WORKING_COMMITTEE = "joint_working_committee", _l("联合党工委")
    WORKING_COMMITTEE = "working_committee", _l("党工委")
    GRID_BRANCH = "grid_branch", _l("网格党支部")
    GROUP = "group", _l("党小组")


unit_code_validator = RegexValidator(
    r"^[0-9A-Za-z]{2,32}$", _l("单位编码只能包含数字和字母，长度 2 到 32 位。")
)


class Unit(Scoped):
    code = models.CharField(
        _l("编码"), max_length=32, unique=True, validators=[unit_code_validator]
    )
    name = models.CharField(_l("名称"), max_length=100)
    kind = models.CharField(_l("层级"), max_length=16, choices=UnitKind.choices)
    parent = models.ForeignKey(
        "self",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_l("上级单位"),
    )
    sort_order = models.PositiveIntegerField(_l("排序"), default=0)
    # Materialized path of primary keys, e.g. /1/23/456/; maintained by save().
    path = models.CharField(max_length=255, db_index=True, editable=False, default="")
    depth = models.PositiveSmallIntegerField(default=0, editable=False)
    party_org_name = models.CharField(_l("党组织名称"), max_length=100, blank=True)
    party_org_type = models.CharField(
        _l("党组织类型"), max_length=32, blank=True, choices=PartyOrgType.choices
    )
    secretary = models.ForeignKey(
        "people.Person",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="secretary_of",
        verbose_name=_l("党组织书记"),
    )
    boundary = models.JSONField(
        _l("边界（GeoJSON）"), null=True, blank=True, validators=[validate_boundary]
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    scope_unit = ""

    class Meta:
        verbose_name = _l("单位")
        verbose_name_plural = _l("单位")
        ordering = ["path"]
        indexes = [models.Index(fields=["parent", "sort_order"]), models.Index(fields=["kind"])]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("orgs:unit-detail", args=[self.pk])

    @property
    def ancestor_ids(self) -> list[int]:
        return [int(part) for part in self.path.strip("/").split("/") if part][:-1]

    def ancestors(self) -> ScopedQuerySet:
        return Unit.objects.filter(pk__in=self.ancestor_ids).order_by("depth")

    def descendants(self, include_self: bool = True) -> ScopedQuerySet:
        qs = Unit.objects.filter(subtree_q(self))
        return qs if include_self else qs.exclude(pk=self.pk)

    def is_in_subtree_of(self, other: Unit) -> bool:
        return self.path.startswith(other.path)

    @cached_property
    def holds_most_units(self) -> bool:
        """Whether more than half of all units lie in this unit's subtree (asked
        once per instance: see `jiceng.core.scoping.large_subtree_q`)."""
        low, high = subtree_bounds(self.path)
        counts = Unit.objects.aggregate(
            total=Count("pk"), inside=Count("pk", filter=Q(path__gte=low, path__lt=high))
        )
        return 2 * counts["inside"] > counts["total"]

    def clean(self) -> None:
        super().clean()
        # A cycle is reported before kind rules: it is the more telling message.
        if self.pk and self.parent_id and self.parent.path.startswith(self.path):
            raise ValidationError({"parent": _("不能把单位移动到它自己或它的下级单位之下。")})
        parent_kind = self.parent.kind if self.parent_id else None
        if self.kind and parent_kind not in ALLOWED_PARENTS[self.kind]:
            if parent_kind is None:
                message = _("%(kind)s必须有上级单位。")
            else:
                message = _("%(kind)s不能放在%(parent)s之下。")
            raise ValidationError(
                {
                    "parent": message
                    % {
                        "kind": self.get_kind_display(),
                        "parent": UnitKind(parent_kind).label if parent_kind else "",
                    }
                }
            )

    def save(self, *args, **kwargs) -> None:
        with transaction.atomic():
            old_path = self.path
            super().save(*args, **kwargs)
            new_path = (self.parent.path if self.parent_id else "/") + f"{self.pk}/"
            if new_path != old_path:
                self._move_subtree(old_path, new_path)

    def _move_subtree(self, old_path: str, new_path: str) -> None:
        """Rewrite the paths of this unit and, on a move, of all its descendants."""
        depth = new_path.count("/") - 2
        Unit.objects.filter(pk=self.pk).update(path=new_path, depth=depth)
        if old_path:
            low, high = subtree_bounds(old_path)
            Unit.objects.filter(path__gt=low, path__lt=high).update(
                path=Concat(Value(new_path), Substr("path", len(old_path) + 1)),
            )
            self._fix_depths(new_path)
        self.path, self.depth = new_path, depth

    @staticmethod
    def _fix_depths(root_path: str) -> None:
        # Depth = number of segments - 1; recomputed in Python for portability.
        low, high = subtree_bounds(root_path)
        moved = list(Unit.objects.filter(path__gt=low, path__lt=high).only("pk", "path"))
        for unit in moved:
            unit.depth = unit.path.count("/") - 2
        Unit.objects.bulk_update(moved, ["depth"], batch_size=500)


class DepartmentType(models.TextChoices):
    ORGAN = "organ", _l("机关")
    INSTITUTION = "institution", _l("事业单位")
    STATE_ENTERPRISE = "state_enterprise", _l("国有企业")
    TWO_NEW = "two_new", _l("两新组织")
    OTHER = "other", _l("其他")


class DepartmentQuerySet(ScopedQuerySet):
    def with_visible_pairings(self, user) -> DepartmentQuerySet:
        """Prefetch only the pairings the user may see: a department paired with
        communities in several streets must not reveal the other streets' ones."""
        pairings = DepartmentPairing.objects.visible_to(user).select_related("community")
        return self.prefetch_related(models.Prefetch("pairings", queryset=pairings))


class Department(Scoped):
    """A party organization of a government department or institution (盟市部门党组织)."""

    name = models.CharField(_l("名称"), max_length=100, unique=True)
    kind = models.CharField(_l("类型"), max_length=32, choices=DepartmentType.choices)
    unit = models.ForeignKey(
        Unit,
        models.PROTECT,
        related_name="departments",
        verbose_name=_l("所属层级"),
        help_text=_l("部门所属的盟或市"),
    )
    secretary = models.ForeignKey(
        "people.Person",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="secretary_of_departments",
        verbose_name=_l("党组织书记"),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    scope_departments = ("pk",)
    objects = DepartmentQuerySet.as_manager()

    class Meta:
        verbose_name = _l("部门党组织")
        verbose_name_plural = _l("部门党组织")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("orgs:department-detail", args=[self.pk])

    @classmethod
    def scope_rule(cls, assignment):
        # Unit roles see the departments of their level and those paired with
        # a community in their subtree.
        if assignment.unit_id is not None:
            paired = DepartmentPairing.objects.filter(
                subtree_q(assignment.unit, "community")
            ).values("department_id")
            return subtree_q(assignment.unit, "unit") | Q(pk__in=paired)
        return super().scope_rule(assignment)


class PairingKind(models.TextChoices):
    BAOLIAN = "baolian", _l("包联")
    CO_BUILDING = "co_building", _l("结对共建")


class DepartmentPairing(Scoped):
    """A department paired with a community (包联 / 结对共建)."""

    department = models.ForeignKey(
        Department, models.CASCADE, related_name="pairings", verbose_name=_l("部门党组织")
    )
    community = models.ForeignKey(
        Unit,
        models.PROTECT,
        related_name="department_pairings",
        verbose_name=_l("社区"),
        limit_choices_to={"kind": UnitKind.COMMUNITY},
    )
    kind = models.CharField(
        _l("方式"), max_length=16, choices=PairingKind.choices, default=PairingKind.CO_BUILDING
    )
    start_date = models.DateField(_l("开始日期"))
    end_date = models.DateField(_l("结束日期"), null=True, blank=True)
    leader = models.ForeignKey(
        "people.Person",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_l("负责领导"),
    )

    scope_unit = "community"
    scope_departments = ("department",)

    class Meta:
        verbose_name = _l("部门结对")
        verbose_name_plural = _l("部门结对")
        constraints = [
            models.UniqueConstraint(
                fields=["department", "community", "start_date"], name="pairing_unique_per_start"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.department} ↔ {self.community}"

    def get_absolute_url(self) -> str:
        return self.community.get_absolute_url()

    def clean(self) -> None:
        if self.community_id and self.community.kind != UnitKind.COMMUNITY:
            raise ValidationError({"community": _("只能与社区结对。")})
        if self.end_date and self.start_date and self.end_date < self.start_date:
            raise ValidationError({"end_date": _("结束日期不能早于开始日期。")})


class LeaderLinkKind(models.TextChoices):
    BAOLIAN = "baolian", _l("包联社区")
    CONTACT_POINT = "contact_point", _l("基层党建联系点")


class LeaderLink(Scoped):
    """A leader's responsibility for a unit: 包联 (a community) or a contact point."""

    leader = models.ForeignKey(
        "people.Person", models.CASCADE, related_name="leader_links", verbose_name=_l("领导干部")
    )
    unit = models.ForeignKey(
        Unit, models.CASCADE, related_name="leader_links", verbose_name=_l("联系单位")
    )
    kind = models.CharField(_l("类型"), max_length=16, choices=LeaderLinkKind.choices)
    title = models.CharField(_l("职务"), max_length=100, blank=True)
    start_date = models.DateField(_l("开始日期"))
    end_date = models.DateField(_l("结束日期"), null=True, blank=True)

    scope_person = "leader"

    class Meta:
        verbose_name = _l("领导包联")
        verbose_name_plural = _l("领导包联")

    def __str__(self) -> str:
        return f"{self.leader} → {self.unit}"

    def get_absolute_url(self) -> str:
        return self.unit.get_absolute_url()
