"""What each importable model looks like in a spreadsheet, and how its rows are
matched and written. One `Spec` subclass per model; the engine does the rest.

Matching (so that importing the same file twice changes nothing):
- units by code;
- departments by name;
- people by the keyed hash of the ID number, or, for a row of an exported
  list (masked ID number), by the hidden 记录编号 column, checked against the
  masked number so a pasted wrong reference is refused.
"""

from __future__ import annotations

import functools
import json
import operator
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any, ClassVar

from auditlog.context import set_actor
from auditlog.models import LogEntry
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db.models import Model
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from jiceng.core import crypto
from jiceng.core.scoping import units_granting
from jiceng.orgs.models import (
    Department,
    DepartmentPairing,
    DepartmentType,
    PartyOrgType,
    Unit,
    UnitKind,
)
from jiceng.people.choices import ETHNIC_GROUPS, PARTY_STATUSES, Gender, PoliticalStatus
from jiceng.people.models import CareTag, Person

from . import bulk, cleaning
from .engine import Col, Planned, RowError

RECORD_REF_HEADER = "记录编号"


def _labels(choices) -> tuple[str, ...]:
    return tuple(str(label) for _value, label in choices.choices)


def _by_label(choices, extra: dict[str, str] | None = None) -> dict[str, str]:
    mapping = {str(label): value for value, label in choices.choices}
    mapping.update({value: value for value, _label in choices.choices})
    return mapping | (extra or {})


def _choice(mapping: dict[str, str], value, choices) -> str:
    key = cleaning.compact(value)
    if not key:
        return ""
    if key not in mapping:
        # The labels are lazy translations: render them only for the message (not per row).
        allowed = "、".join(_labels(choices))
        raise ValidationError(_("只能填写：%(allowed)s。") % {"allowed": allowed})
    return mapping[key]


class UnitIndex:
    """Units the importer may refer to, found by code or by a name unique among them."""

    def __init__(self, units):
        self.by_pk: dict[int, Unit] = {}
        self.by_code: dict[str, Unit] = {}
        self.by_name: dict[str, list[Unit]] = defaultdict(list)
        for unit in units:
            self.add(unit)

    def add(self, unit: Unit) -> None:
        if unit.pk:
            self.by_pk[unit.pk] = unit
        self.by_code[unit.code] = unit
        self.by_name[unit.name].append(unit)

    def find(self, value: str, kinds=(), parent: Unit | None = None) -> Unit:
        unit = self.by_code.get(value)
        if unit is None:
            named = self.by_name.get(value, [])
            if parent is not None:
                named = [u for u in named if u.parent_id == parent.pk or u.parent is parent]
            if len(named) > 1:
                raise ValidationError(
                    _("名称“%(name)s”在您的管辖范围内不唯一，请改填单位编码。") % {"name": value}
                )
            unit = named[0] if named else None
        if unit is None:
            raise ValidationError(
                _("未找到单位“%(name)s”，或它不在您的管辖范围内。") % {"name": value}
            )
        if kinds and unit.kind not in kinds:
            raise ValidationError(
                _("“%(name)s”是%(kind)s，这里需要%(wanted)s。")
                % {
                    "name": value,
                    "kind": unit.get_kind_display(),
                    "wanted": "或".join(str(UnitKind(k).label) for k in kinds),
                }
            )
        return unit


class Spec:
    # Templates get the classes (labels, columns); without this they would call
    # them, fail for want of a user, and print nothing.
    do_not_call_in_templates = True
    kind: ClassVar[str]
    label: ClassVar[str]
    model: ClassVar[type]
    columns: ClassVar[list[Col]]
    filename: ClassVar[str]

    def __init__(self, user, job_id: int | None = None):
        self.user = user
        self.job_id = job_id
        self.seen_keys: set = set()
        self._cleaners: dict[str, Callable[[Any], Any]] = {}

    # A form (taking user=) for what an import needs besides the file, such as the
    # plan tasks go into; jiceng.imports.params cleans it and calls bind().
    params_form: ClassVar[type | None] = None

    def bind(self, params: dict[str, Any]) -> None:
        """Receive the cleaned parameters (specs with a params_form only)."""

    @classmethod
    def may_import(cls, user) -> bool:
        """Whether the user may start an import of this kind (kinds outside IMPORT_PERMS)."""
        return False

    def header_of(self, key: str) -> str:
        return _headers(type(self)).get(key, key)

    def clean(self, key: str, value) -> Any:
        return self.cleaner(key)(value)

    def cleaner(self, key: str) -> Callable[[Any], Any]:
        # Looked up once per column, not once per cell.
        if key not in self._cleaners:
            self._cleaners[key] = getattr(self, f"clean_{key}", cleaning.text)
        return self._cleaners[key]

    def check_row(self, values: dict[str, Any]) -> None:
        """Cross-column checks and lookups; raise ValidationError({key: message}).

        Runs in a worker process for big files (see parallel.py): it may use what the
        spec loaded in __init__, never the database."""

    def shared_objects(self) -> Iterable[Model]:
        """The model instances loaded in __init__ that cleaned values refer to: a worker
        process sends them back by reference (see parallel.py)."""
        return ()

    def plan(self, cleaned: list[tuple[int, dict, dict]]):
        raise NotImplementedError

    def seal_input(self, planned: Planned) -> Any:
        """What seal() needs of a planned row: small and picklable."""
        return None

    def seal(self, inputs: list) -> list:
        """The write's per-row work that needs nothing but the row (encryption), one
        item per input; runs in a worker process for big files (see parallel.py).
        The engine puts each item on its row as `planned.sealed` before write()."""
        return inputs

    def write(self, new: list[Planned], changed: list[Planned]) -> None:
        raise NotImplementedError

    def pause(self) -> None:
        # Lets an operator spare a busy database (and tests stop a write midway).
        delay = getattr(settings, "JICENG_IMPORT_THROTTLE_SECONDS", 0)
        if delay:
            time.sleep(delay)

    def duplicate(self, row: int, key, header: str, value) -> RowError | None:
        if key in self.seen_keys:
            return RowError(row, header, cleaning.text(value), _("与文件中前面的行重复。"))
        self.seen_keys.add(key)
        return None


@functools.cache
def _headers(spec: type[Spec]) -> dict[str, str]:
    # Asked twice per planned row: a dict, not a search through the columns.
    return {c.key: c.header for c in reversed(spec.columns)}


def _diff(pairs: list[tuple[str, Any, Any]]) -> dict[str, tuple[str, str]]:
    return {
        header: (_show(before), _show(after))
        for header, before, after in pairs
        if _show(before) != _show(after)
    }


def _show(value) -> str:
    if value is None:
        return ""
    if isinstance(value, list | tuple | set):
        return "、".join(sorted(str(v) for v in value))
    return str(value)


# --------------------------------------------------------------------------- units
class UnitSpec(Spec):
    kind = "units"
    label = _l("单位")
    model = Unit
    filename = "单位导入模板"
    columns = [
        Col("name", "名称", ("单位名称",), required=True, help="单位的正式名称。"),
        Col(
            "code",
            "编码",
            ("单位编码", "代码"),
            required=True,
            help="唯一编码，2 到 32 位数字或字母；再次导入时据此匹配。",
        ),
        Col(
            "kind",
            "层级",
            ("类型", "单位层级"),
            required=True,
            choices=_labels(UnitKind),
            help="单位所在层级。",
        ),
        Col(
            "parent",
            "上级单位编码",
            ("上级单位", "上级编码", "上级"),
            help="上级单位的编码（或在您管辖范围内唯一的名称）；可引用本文件前面的行。",
        ),
        Col("party_org_name", "党组织名称", help="可空。"),
        Col("party_org_type", "党组织类型", choices=_labels(PartyOrgType), help="可空。"),
        Col(
            "secretary",
            "党组织书记",
            read_only=True,
            help="仅导出供参考，导入时忽略；请在页面上指定。",
        ),
    ]
    KINDS = _by_label(
        UnitKind,
        {
            "盟": "league",
            "市": "city",
            "旗": "city",
            "街道": "street",
            "镇": "street",
            "苏木": "street",
            "社区": "community",
            "嘎查": "community",
        },
    )
    ORG_TYPES = _by_label(PartyOrgType)

    def __init__(self, user, job_id=None):
        super().__init__(user, job_id)
        self.visible = UnitIndex(Unit.objects.visible_to(user, "view"))
        self.changeable = set(Unit.objects.visible_to(user, "change").values_list("pk", flat=True))
        self.may_add_under = set(units_granting(user, "unit.add").values_list("pk", flat=True))
        self.planned_new: dict[str, str] = {}  # code -> kind, for parents later in the file

    def shared_objects(self):
        return self.visible.by_code.values()

    def clean_code(self, value) -> str:
        code = cleaning.compact(value)
        if code and not code.isalnum():
            raise ValidationError(_("单位编码只能包含数字和字母，长度 2 到 32 位。"))
        if code and not 2 <= len(code) <= 32:
            raise ValidationError(_("单位编码只能包含数字和字母，长度 2 到 32 位。"))
        return code

    def clean_kind(self, value) -> str:
        return _choice(self.KINDS, value, UnitKind)

    def clean_party_org_type(self, value) -> str:
        return _choice(self.ORG_TYPES, value, PartyOrgType)

    def clean_parent(self, value) -> str:
        return cleaning.compact(value)

    def _parent_kind(self, ref: str) -> tuple[Unit | None, str | None]:
        if ref in self.planned_new:
            return None, self.planned_new[ref]
        parent = self.visible.find(ref)
        return parent, parent.kind

    def plan(self, cleaned):
        codes = [values["code"] for _row, _raw, values in cleaned]
        existing = {u.code: u for u in Unit.objects.filter(code__in=codes).select_related("parent")}
        for row, raw, values in cleaned:
            yield self._plan_row(row, raw, values, existing.get(values["code"]))

    def _plan_row(self, row, raw, values, unit: Unit | None):
        code_header = self.header_of("code")
        dup = self.duplicate(row, values["code"], code_header, values["code"])
        if dup:
            return dup
        parent_ref = values.get("parent", "")
        try:
            parent, parent_kind = self._parent_kind(parent_ref) if parent_ref else (None, None)
        except ValidationError as exc:
            return RowError(row, self.header_of("parent"), parent_ref, exc.messages[0])
        from jiceng.orgs.models import ALLOWED_PARENTS

        if parent_kind not in ALLOWED_PARENTS[values["kind"]]:
            return RowError(
                row,
                self.header_of("kind"),
                cleaning.text(raw.get("kind")),
                _("该层级不能放在所填的上级单位之下。"),
            )
        values["parent_obj"], values["_label"] = parent, values["name"]
        if unit is None:
            if parent is None and parent_ref not in self.planned_new and not self.user.is_superuser:
                return RowError(
                    row,
                    self.header_of("parent"),
                    parent_ref,
                    _("只能在您管辖范围内的单位下新增单位。"),
                )
            if parent is not None and parent.pk not in self.may_add_under:
                return RowError(
                    row, self.header_of("parent"), parent_ref, _("您没有在该单位下新增单位的权限。")
                )
            self.planned_new[values["code"]] = values["kind"]
            return Planned(row, "new", values)
        if unit.pk not in self.changeable:
            return RowError(
                row, code_header, values["code"], _("该编码已被您管辖范围外的单位使用。")
            )
        return self._changed_or_not(row, values, unit)

    def _changed_or_not(self, row, values, unit):
        parent_code = unit.parent.code if unit.parent_id else ""
        new_parent = (
            values["parent_obj"].code if values["parent_obj"] else values.get("parent", parent_code)
        )
        diff = _diff(
            [
                ("名称", unit.name, values["name"]),
                ("层级", unit.get_kind_display(), UnitKind(values["kind"]).label),
                ("上级单位编码", parent_code, new_parent if "parent" in values else parent_code),
                (
                    "党组织名称",
                    unit.party_org_name,
                    values.get("party_org_name", unit.party_org_name),
                ),
                (
                    "党组织类型",
                    unit.get_party_org_type_display(),
                    PartyOrgType(values["party_org_type"]).label
                    if values.get("party_org_type")
                    else ("" if "party_org_type" in values else unit.get_party_org_type_display()),
                ),
            ]
        )
        if diff and "层级" in diff:
            return RowError(
                row, self.header_of("kind"), diff["层级"][1], _("不能通过导入改变已有单位的层级。")
            )
        return Planned(row, "changed" if diff else "unchanged", values, unit, diff)

    def write(self, new, changed):
        # Units are few (hundreds) and their paths need their own primary key,
        # so they are saved one by one; auditlog records each save itself.
        created = {}
        with set_actor(self.user):
            for planned in [*new, *changed]:
                values = planned.values
                unit = planned.existing or Unit(code=values["code"])
                unit.name, unit.kind = values["name"], values["kind"]
                if "parent" in values:
                    unit.parent = (
                        values["parent_obj"]
                        or created.get(values["parent"])
                        or Unit.objects.get(code=values["parent"])
                    )
                for key in ("party_org_name", "party_org_type"):
                    if key in values:
                        setattr(unit, key, values[key])
                unit.save()
                created[unit.code] = unit


# --------------------------------------------------------------------------- departments
class DepartmentSpec(Spec):
    kind = "departments"
    label = _l("部门党组织")
    model = Department
    filename = "部门党组织导入模板"
    columns = [
        Col(
            "name",
            "名称",
            ("部门名称", "党组织名称", "部门党组织"),
            required=True,
            help="部门党组织全称；再次导入时据此匹配。",
        ),
        Col(
            "kind",
            "类型",
            ("部门类型",),
            required=True,
            choices=_labels(DepartmentType),
            help="部门类型。",
        ),
        Col(
            "unit",
            "所属层级",
            ("所属单位", "所属盟市"),
            required=True,
            help="部门所属的盟或市：单位编码，或管辖范围内唯一的名称。",
        ),
        Col(
            "communities",
            "结对社区",
            ("包联社区", "共建社区"),
            help="结对的社区，多个用顿号“、”分隔；填编码或名称。只新增结对，不会删除已有结对。",
        ),
        Col("secretary", "党组织书记", read_only=True, help="仅导出供参考，导入时忽略。"),
        Col("member_count", "党员数", read_only=True, help="由系统统计，导入时忽略。"),
    ]
    TYPES = _by_label(DepartmentType)

    def __init__(self, user, job_id=None):
        super().__init__(user, job_id)
        self.owners = UnitIndex(
            units_granting(user, "department.add").filter(kind__in=["league", "city"])
        )
        self.communities = UnitIndex(
            units_granting(user, "departmentpairing.add").filter(kind="community")
        )
        self.changeable = set(
            Department.objects.visible_to(user, "change").values_list("pk", flat=True)
        )

    def shared_objects(self):
        return [*self.owners.by_code.values(), *self.communities.by_code.values()]

    def clean_kind(self, value) -> str:
        return _choice(self.TYPES, value, DepartmentType)

    def clean_communities(self, value) -> list[str]:
        return cleaning.split_list(value)

    def check_row(self, values):
        errors = {}
        try:
            values["unit_obj"] = self.owners.find(cleaning.compact(values["unit"]))
        except ValidationError as exc:
            errors["unit"] = exc.messages
        found = []
        for ref in values.get("communities", []):
            try:
                found.append(self.communities.find(ref, kinds=("community",)))
            except ValidationError as exc:
                errors.setdefault("communities", []).extend(exc.messages)
        values["community_objs"] = found
        if errors:
            raise ValidationError(errors)

    def plan(self, cleaned):
        names = [v["name"] for _r, _raw, v in cleaned]
        existing = {
            d.name: d
            for d in Department.objects.filter(name__in=names)
            .select_related("unit")
            .prefetch_related("pairings__community")
        }
        for row, _raw, values in cleaned:
            dup = self.duplicate(row, values["name"], "名称", values["name"])
            if dup:
                yield dup
                continue
            values["_label"] = values["name"]
            dept = existing.get(values["name"])
            if dept is None:
                yield Planned(row, "new", values)
            elif dept.pk not in self.changeable:
                yield RowError(
                    row, "名称", values["name"], _("同名部门党组织已存在且不在您的管辖范围内。")
                )
            else:
                yield self._changed_or_not(row, values, dept)

    def _changed_or_not(self, row, values, dept):
        paired = {p.community for p in dept.pairings.all()}
        wanted = paired | set(values["community_objs"]) if "communities" in values else paired
        diff = _diff(
            [
                ("类型", dept.get_kind_display(), DepartmentType(values["kind"]).label),
                ("所属层级", dept.unit, values["unit_obj"]),
                ("结对社区", [c.name for c in paired], [c.name for c in wanted]),
            ]
        )
        return Planned(row, "changed" if diff else "unchanged", values, dept, diff)

    def write(self, new, changed):
        today = timezone.localdate()
        with set_actor(self.user):
            for planned in [*new, *changed]:
                values = planned.values
                dept = planned.existing or Department(name=values["name"])
                dept.kind, dept.unit = values["kind"], values["unit_obj"]
                dept.save()
                paired = (
                    set(dept.pairings.values_list("community_id", flat=True))
                    if planned.existing
                    else set()
                )
                for community in values["community_objs"]:
                    if community.pk not in paired:
                        DepartmentPairing.objects.create(
                            department=dept, community=community, start_date=today
                        )


# --------------------------------------------------------------------------- people
class MaskedId(str):
    """A masked ID number from an exported list; matched through 记录编号."""


PERSON_FIELDS = [
    "name",
    "gender",
    "ethnicity",
    "phone_cipher",
    "phone_hash",
    "phone_masked",
    "political_status",
    "party_unit",
    "party_department",
    "party_join_date",
    "home_unit",
    "workplace",
    "updated_at",
]


class PersonSpec(Spec):
    kind = "people"
    label = _l("人员")
    model = Person
    filename = "人员导入模板"
    columns = [
        Col("name", "姓名", ("名字",), required=True, help="居民姓名。"),
        Col(
            "id_number",
            "公民身份号码",
            ("身份证号", "身份证号码", "身份证", "证件号码"),
            required=True,
            help="18 位，最后一位可为 X。请把本列设为“文本”格式，否则 Excel 会把号码改成数字"
            "并丢失后几位。再次导入时据此匹配。",
        ),
        Col(
            "gender",
            "性别",
            choices=_labels(Gender),
            help="可空：由公民身份号码推算；填写时须与号码一致。",
        ),
        Col(
            "ethnicity",
            "民族",
            choices=tuple(ETHNIC_GROUPS),
            help="56 个民族之一，可写“汉”或“汉族”；空白为汉族（已有人员保持不变）。",
        ),
        Col(
            "phone",
            "手机号码",
            ("手机", "手机号", "联系电话", "电话", "联系方式"),
            help="11 位手机号或形如 0479-8221234 的固定电话。",
        ),
        Col("political_status", "政治面貌", choices=_labels(PoliticalStatus), help="空白为群众。"),
        Col(
            "party_join_date",
            "入党日期",
            ("入党时间",),
            help="党员填写；日期可写 2023-12-25、2023/12/25、2023.12.25、2023年12月25日"
            "或 20231225。",
        ),
        Col(
            "party_org",
            "所属党组织",
            ("党组织", "所在党组织", "党组织名称"),
            help="党员必填：部门党组织名称，或单位编码/名称。",
        ),
        Col(
            "community",
            "居住社区",
            ("社区", "所属社区", "所在社区"),
            help="社区的编码或名称；与“所在网格”至少填一个。",
        ),
        Col(
            "grid", "所在网格", ("网格", "所属网格"), help="网格的编码或名称（在所填社区内查找）。"
        ),
        Col("workplace", "工作单位", ("单位",), help="可空：部门党组织名称。"),
        Col("tags", "标签", ("关爱标签", "特殊群体"), help="可空，多个用顿号分隔。"),
        Col(
            "ref",
            RECORD_REF_HEADER,
            ("编号",),
            help="导出文件自带，用于把导出后修改的名单导入回来；新增人员留空。",
        ),
    ]
    STATUSES = _by_label(
        PoliticalStatus,
        {"党员": "party_member", "预备党员": "probationary", "团员": "league_member"},
    )
    GENDERS = _by_label(Gender)

    def __init__(self, user, job_id=None):
        super().__init__(user, job_id)
        visible = list(Unit.objects.visible_to(user, "view").select_related("parent"))
        self.units = UnitIndex(visible)
        self.may_add = set(units_granting(user, "person.add").values_list("pk", flat=True))
        self.may_change = set(units_granting(user, "person.change").values_list("pk", flat=True))
        self.departments = {d.name: d for d in Department.objects.visible_to(user, "view")}
        self.tags = {t.name: t for t in CareTag.objects.all()}
        self.now = timezone.now()

    def shared_objects(self):
        return [*self.units.by_code.values(), *self.departments.values(), *self.tags.values()]

    # --- cleaning, one column at a time
    def clean_id_number(self, value):
        raw = cleaning.compact(value)
        if "*" in raw:
            return MaskedId(raw.upper())
        return cleaning.id_number(value)

    def clean_gender(self, value):
        return _choice(self.GENDERS, value, Gender)

    def clean_ethnicity(self, value):
        name = cleaning.compact(value)
        if name and name not in ETHNIC_GROUPS:
            name = name + "族"
            if name not in ETHNIC_GROUPS:
                raise ValidationError(_("不是 56 个民族之一。"))
        return name

    def clean_phone(self, value):
        raw = cleaning.compact(value)
        return MaskedId(raw) if "*" in raw else cleaning.phone(raw)

    def clean_political_status(self, value):
        return _choice(self.STATUSES, value, PoliticalStatus) or PoliticalStatus.MASSES

    def clean_party_join_date(self, value):
        return cleaning.date(value)

    def clean_ref(self, value):
        ref = cleaning.compact(value)
        if ref and not ref.isdigit():
            raise ValidationError(_("记录编号应为数字，请不要修改此列。"))
        return int(ref) if ref else None

    def clean_tags(self, value):
        names = cleaning.split_list(value)
        unknown = [n for n in names if n not in self.tags]
        if unknown:
            raise ValidationError(
                _("未知标签：%(bad)s。可用标签：%(ok)s。")
                % {"bad": "、".join(unknown), "ok": "、".join(self.tags)}
            )
        return names

    # --- cross-column checks and lookups
    def check_row(self, values):
        errors: dict[str, list[str]] = {}
        self._resolve_home(values, errors)
        self._resolve_party(values, errors)
        workplace = cleaning.text(values.get("workplace"))
        values["workplace_obj"] = self.departments.get(workplace) if workplace else None
        if workplace and values["workplace_obj"] is None:
            errors["workplace"] = [
                _("未找到部门党组织“%(name)s”，或它不在您的管辖范围内。") % {"name": workplace}
            ]
        number = values["id_number"]
        if isinstance(number, MaskedId):
            if not values.get("ref"):
                errors["id_number"] = [
                    _(
                        "号码已脱敏，只有带“记录编号”的导出文件才能这样导入；新增人员请填写完整号码。"
                    )
                ]
        else:
            values["_hash"] = crypto.lookup_hash(number)
            self._check_gender(number, values, errors)
        if errors:
            raise ValidationError(errors)

    def _resolve_home(self, values, errors):
        community_ref = cleaning.compact(values.get("community"))
        grid_ref = cleaning.compact(values.get("grid"))
        try:
            community = (
                self.units.find(community_ref, kinds=("community",)) if community_ref else None
            )
        except ValidationError as exc:
            errors["community"] = exc.messages
            return
        try:
            grid = (
                self.units.find(grid_ref, kinds=("grid",), parent=community) if grid_ref else None
            )
        except ValidationError as exc:
            errors["grid"] = exc.messages
            return
        if grid and community and grid.parent_id != community.pk:
            errors["grid"] = [_("该网格不属于所填社区。")]
        home = grid or community
        if home is None:
            errors["community"] = [_("居住社区和所在网格至少填写一个。")]
        values["home_obj"] = home

    def _resolve_party(self, values, errors):
        status = values.get("political_status", PoliticalStatus.MASSES)
        org_ref = cleaning.text(values.get("party_org"))
        values["party_unit_obj"] = values["party_department_obj"] = None
        if status in PARTY_STATUSES:
            if not org_ref:
                errors["party_org"] = [_("党员必须填写所属党组织。")]
            elif org_ref in self.departments:
                values["party_department_obj"] = self.departments[org_ref]
            else:
                try:
                    values["party_unit_obj"] = self.units.find(cleaning.compact(org_ref))
                except ValidationError as exc:
                    errors["party_org"] = exc.messages
        elif org_ref or values.get("party_join_date"):
            errors["political_status"] = [_("只有中共党员或预备党员才能填写党组织和入党日期。")]

    def _check_gender(self, number, values, errors):
        from jiceng.people import identity

        gender = values.get("gender")
        if gender and gender != identity.gender_of(number):
            errors["gender"] = [_("性别与公民身份号码不一致。")]
        joined = values.get("party_join_date")
        if joined and joined <= identity.birth_date_of(number):
            errors["party_join_date"] = [_("入党日期不能早于出生日期。")]

    # --- matching
    def plan(self, cleaned):
        hashes = [v["_hash"] for _r, _raw, v in cleaned if "_hash" in v]
        refs = [v["ref"] for _r, _raw, v in cleaned if isinstance(v["id_number"], MaskedId)]
        base = Person.objects.select_related(
            "home_unit", "party_unit", "party_department", "workplace"
        ).prefetch_related("tags")
        # Most rows of a roster are new: find which hashes exist before loading people.
        known = bulk.lookup(Person, "id_number_hash", "id", hashes)
        by_hash = {p.id_number_hash: p for p in base.filter(pk__in=known.values())} if known else {}
        by_pk = {p.pk: p for p in base.filter(pk__in=refs)}
        visible = set(
            Person.objects.visible_to(self.user, "change")
            .filter(pk__in=[p.pk for p in (*by_hash.values(), *by_pk.values())])
            .values_list("pk", flat=True)
        )
        for row, raw, values in cleaned:
            yield self._plan_row(row, raw, values, by_hash, by_pk, visible)

    def _plan_row(self, row, raw, values, by_hash, by_pk, visible):
        id_header = self.header_of("id_number")
        if isinstance(values["id_number"], MaskedId):
            person = by_pk.get(values["ref"])
            if (
                person is None
                or person.pk not in visible
                or person.id_number_masked != values["id_number"]
            ):
                return RowError(
                    row,
                    RECORD_REF_HEADER,
                    str(values["ref"]),
                    _("记录编号与脱敏号码对不上，或该人员不在您的管辖范围内。"),
                )
            key = person.id_number_hash
        else:
            key = values["_hash"]
            person = by_hash.get(key)
        dup = self.duplicate(row, key, id_header, raw.get("id_number"))
        if dup:
            return dup
        values["_label"] = values["name"]
        home = values["home_obj"]
        if person is None:
            if home.pk not in self.may_add:
                return RowError(
                    row, self.header_of("community"), home.name, _("您没有在该单位新增人员的权限。")
                )
            return Planned(row, "new", values)
        if person.pk not in visible:
            return RowError(
                row,
                id_header,
                crypto.mask_id_number(values["id_number"]),
                _("该人员已登记在您管辖范围以外的单位，请联系其所在社区。"),
            )
        if home.pk != person.home_unit_id and home.pk not in self.may_change:
            return RowError(
                row,
                self.header_of("community"),
                home.name,
                _("不能把人员迁入您管辖范围以外的单位。"),
            )
        diff = self._diff(person, values)
        return Planned(row, "changed" if diff else "unchanged", values, person, diff)

    def _after(self, person: Person, values) -> dict[str, Any]:
        """The person's displayed values once the row is applied (absent columns keep theirs)."""
        phone = values.get("phone", person.phone_masked)
        if isinstance(phone, MaskedId):
            phone = person.phone_masked if phone == person.phone_masked else phone
        else:
            phone = crypto.mask_phone(phone)
        return {
            "姓名": values["name"],
            "民族": values.get("ethnicity") or person.ethnicity,
            "手机号码": phone,
            "政治面貌": PoliticalStatus(values["political_status"]).label
            if "political_status" in values
            else person.get_political_status_display(),
            "入党日期": values.get("party_join_date", person.party_join_date),
            "所属党组织": values["party_unit_obj"] or values["party_department_obj"]
            if "party_org" in values or "political_status" in values
            else person.party_organization,
            "居住地": values["home_obj"],
            "工作单位": values["workplace_obj"] if "workplace" in values else person.workplace,
            "标签": values["tags"] if "tags" in values else [t.name for t in person.tags.all()],
        }

    def _diff(self, person: Person, values) -> dict[str, tuple[str, str]]:
        before = {
            "姓名": person.name,
            "民族": person.ethnicity,
            "手机号码": person.phone_masked,
            "政治面貌": person.get_political_status_display(),
            "入党日期": person.party_join_date,
            "所属党组织": person.party_organization,
            "居住地": person.home_unit,
            "工作单位": person.workplace,
            "标签": [t.name for t in person.tags.all()],
        }
        after = self._after(person, values)
        return _diff([(k, before[k], after[k]) for k in before])

    # --- writing
    def _fill(self, person: Person, values) -> None:
        person.name = values["name"]
        if values.get("ethnicity"):
            person.ethnicity = values["ethnicity"]
        phone = values.get("phone")
        if phone is not None and not isinstance(phone, MaskedId):
            person.phone = phone
        if "political_status" in values:
            person.political_status = values["political_status"]
            person.party_unit = values["party_unit_obj"]
            person.party_department = values["party_department_obj"]
            person.party_join_date = values.get("party_join_date")
        person.home_unit = values["home_obj"]
        if "workplace" in values:
            person.workplace = values["workplace_obj"]
        person.updated_at = self.now

    def write(self, new, changed):
        # New people are inserted as plain rows (no model instance, no ORM field
        # preparation): the bulk of a roster import. Changed people keep the ORM path.
        self._insert_new(new)
        for planned in changed:
            self._fill(planned.existing, planned.values)
        Person.objects.bulk_update([p.existing for p in changed], PERSON_FIELDS, batch_size=1000)
        self._write_tags(new, changed)
        self._write_audit(new, LogEntry.Action.CREATE)
        self._write_audit(changed, LogEntry.Action.UPDATE)

    def seal_input(self, planned):
        if planned.action != "new":
            return None  # changed people are saved through the model, which encrypts
        phone = planned.values.get("phone")
        masked_or_absent = phone is None or isinstance(phone, MaskedId)
        return str(planned.values["id_number"]), "" if masked_or_absent else str(phone)

    def seal(self, inputs):
        return [
            None
            if pair is None
            else Person.id_number_columns(pair[0]) | Person.phone_columns(pair[1])
            for pair in inputs
        ]

    def _insert_new(self, new: list[Planned]) -> None:
        rows = [self._new_row(p.values, p.sealed) for p in new]
        pks = bulk.insert_returning_ids(Person, NEW_PERSON_COLUMNS, rows, key="id_number_hash")
        masked_at = NEW_PERSON_COLUMNS.index("id_number_masked")
        for planned, row, pk in zip(new, rows, pks, strict=True):
            planned.values["_pk"] = pk
            planned.values["_masked"] = row[masked_at]

    def _new_row(self, values, sealed: dict) -> tuple:
        """A new person's columns, as Person() + _fill() would set them."""
        columns = {"gender": "", "birth_date": None} | sealed
        has_status = "political_status" in values
        party_unit = values["party_unit_obj"] if has_status else None
        party_department = values["party_department_obj"] if has_status else None
        workplace = values["workplace_obj"] if "workplace" in values else None
        columns |= {
            "name": values["name"],
            "ethnicity": values.get("ethnicity") or "汉族",
            "political_status": values["political_status"]
            if has_status
            else PoliticalStatus.MASSES,
            "party_unit_id": party_unit.pk if party_unit else None,
            "party_department_id": party_department.pk if party_department else None,
            "party_join_date": values.get("party_join_date") if has_status else None,
            "home_unit_id": values["home_obj"].pk,
            "workplace_id": workplace.pk if workplace else None,
            "created_at": self.now,
            "updated_at": self.now,
        }
        return _new_person_tuple(columns)

    def _write_tags(self, new, changed):
        through = Person.tags.through
        retagged = [p for p in changed if "标签" in (p.diff or {})]
        through.objects.filter(person_id__in=[p.existing.pk for p in retagged]).delete()
        links = [
            (_pk_of(p), self.tags[name].pk)
            for p in (*new, *retagged)
            for name in p.values.get("tags", [])
        ]
        bulk.insert(through, ["person_id", "caretag_id"], links)

    def _write_audit(self, planned: list[Planned], action) -> None:
        """One auditlog entry per record, in bulk: the record's own history then
        shows the import like any edit (bulk writes bypass auditlog's signals)."""
        if not planned:
            return
        content_type_id = ContentType.objects.get_for_model(Person).pk
        actor_id = self.user.pk or None
        job = bulk.JsonText(json.dumps({"import_job": self.job_id}))
        rows = [
            (
                content_type_id,
                str(_pk_of(p)),
                _pk_of(p),
                p.values["name"][:200] if action == LogEntry.Action.CREATE else _repr(p),
                action,
                "",
                self._audit_changes(p, action),
                actor_id,
                self.now,
                job,
            )
            for p in planned
        ]
        bulk.insert(LogEntry, AUDIT_COLUMNS, rows)

    @staticmethod
    def _audit_changes(planned: Planned, action) -> dict[str, list[str]] | bulk.JsonText:
        if action == LogEntry.Action.UPDATE:
            return {field: list(pair) for field, pair in (planned.diff or {}).items()}
        # The text json.dumps would give for {"name": ["None", name], ...}, a few µs
        # cheaper per row with nothing but strings to quote.
        values = planned.values
        quoted = (values["name"], values["_masked"], str(values["home_obj"]))
        return bulk.JsonText(_NEW_AUDIT_CHANGES.format(*map(_json_string, quoted)))


_NEW_AUDIT_CHANGES = (
    '{{"name": ["None", {}], "id_number_masked": ["None", {}], "home_unit": ["None", {}]}}'
)
_json_string = json.encoder.encode_basestring_ascii  # json.dumps's own quoting of a str

NEW_PERSON_COLUMNS = [
    "name",
    "gender",
    "ethnicity",
    "birth_date",
    "id_number_cipher",
    "id_number_hash",
    "id_number_masked",
    "phone_cipher",
    "phone_hash",
    "phone_masked",
    "political_status",
    "party_unit_id",
    "party_department_id",
    "party_join_date",
    "home_unit_id",
    "workplace_id",
    "created_at",
    "updated_at",
]
_new_person_tuple = operator.itemgetter(*NEW_PERSON_COLUMNS)
AUDIT_COLUMNS = [
    "content_type_id",
    "object_pk",
    "object_id",
    "object_repr",
    "action",
    "changes_text",
    "changes",
    "actor_id",
    "timestamp",
    "additional_data",
]


def _pk_of(planned: Planned) -> int:
    return planned.existing.pk if planned.existing is not None else planned.values["_pk"]


def _repr(planned: Planned) -> str:
    return planned.existing.name[:200]


SPECS: dict[str, type[Spec]] = {spec.kind: spec for spec in (UnitSpec, DepartmentSpec, PersonSpec)}
