"""Roles are permission sets defined in code (documented in docs/roles.md).

A permission is "<model>.<action>", e.g. "person.view"; "person.*" grants all
actions on people. A role is held over a scope (see jiceng.core.scoping):
unit roles over a unit's subtree, department roles over one department's
records, self-service roles over the user's own person.
"""

from dataclasses import dataclass
from fnmatch import fnmatchcase

from django.utils.translation import gettext_lazy as _l

UNIT, DEPARTMENT, SELF = "unit", "department", "self"


@dataclass(frozen=True)
class Role:
    label: str
    scope: str
    permissions: frozenset[str]
    description: str = ""

    def grants(self, perm: str) -> bool:
        return any(fnmatchcase(perm, pattern) for pattern in self.permissions)


def _perms(*patterns: str) -> frozenset[str]:
    return frozenset(patterns)


_READ_TREE = (
    "unit.view",
    "department.view",
    "departmentpairing.view",
    "leaderlink.view",
    "roleassignment.view",  # who works where in their subtree
)

# 双报到 (jiceng.reporting): communities manage and confirm; departments propose,
# bulk-register and read their members' feedback; members serve themselves.
_REPORTING_MANAGE = (
    "departmentreport.*",
    "memberreport.*",
    "gridresponsibility.*",
    "serviceneed.*",
    "serviceclaim.view",
    "servicerecord.view",
    "servicerecord.confirm",
    "servicerecord.reject",
    "pointrule.view",
    "memberevaluation.*",
)
_REPORTING_READ = (
    "memberreport.view",
    "gridresponsibility.view",
    "serviceneed.view",
    "servicerecord.view",
)
_REPORTING_DEPARTMENT = (
    "departmentreport.view",
    "departmentreport.add",
    "memberreport.view",
    "memberreport.add",
    "serviceneed.view",
    "serviceclaim.view",
    "serviceclaim.add",
    "servicerecord.view",
    "memberevaluation.view",
)
_REPORTING_SELF = (
    "memberreport.view",
    "memberreport.add",
    "serviceneed.view",
    "serviceclaim.view",
    "serviceclaim.add",
    "servicerecord.view",
    "servicerecord.add",
    "memberevaluation.view",
)
# Work lists (jiceng.worklists): reading, and reporting on one's own work.
_WORK_READ = (
    "plan.view",
    "taskgroup.view",
    "task.view",
    "assignment.view",
    "transition.view",
    "report.view",
    "attachment.view",
    "escalation.view",
    "supervisionvisit.view",
    "finding.view",
    "project.view",
    "jointmeetingbody.view",
    "meeting.view",
    "resolution.view",
)
_WORK_REPORT = ("assignment.report", "report.add", "attachment.add")
# Assigning levels decompose, approve close-outs, supervise and escalate.
_WORK_ASSIGN = (
    "task.add",
    "assignment.approve",
    "supervisionvisit.add",
    "finding.add",
    "escalation.add",
)

ROLES: dict[str, Role] = {
    "city_admin": Role(
        _l("市委组织部管理员"),
        UNIT,
        _perms(
            "unit.*",
            "department.*",
            "departmentpairing.*",
            "leaderlink.*",
            "person.*",
            "roleassignment.*",
            "user.*",
            "apitoken.*",
            *_REPORTING_MANAGE,
            "pointrule.*",
            *_WORK_READ,
            *_WORK_REPORT,
            *_WORK_ASSIGN,
            "plan.*",
            "taskgroup.*",
            "task.*",
            "project.*",
            "jointmeetingbody.*",
            "meeting.*",
            "resolution.*",
        ),
        _l("规划、分解、督导、考核；管理全市单位、部门和人员；可查看完整个人信息（留痕）。"),
    ),
    "street_staff": Role(
        _l("街道工作人员"),
        UNIT,
        _perms(
            *_READ_TREE,
            "unit.add",
            "unit.change",
            "departmentpairing.add",
            "departmentpairing.change",
            "person.view",
            "person.add",
            "person.change",
            *_REPORTING_MANAGE,
            *_WORK_READ,
            *_WORK_REPORT,
            *_WORK_ASSIGN,
            "project.claim",
            "jointmeetingbody.*",
            "meeting.*",
            "resolution.*",
        ),
        _l("管理本街道的社区和网格，维护辖区人员，向社区分解任务。"),
    ),
    "community_staff": Role(
        _l("社区工作人员"),
        UNIT,
        _perms(
            *_READ_TREE,
            "unit.change",
            "person.view",
            "person.add",
            "person.change",
            *_REPORTING_MANAGE,
            *_WORK_READ,
            *_WORK_REPORT,
            "task.add",
            "assignment.approve",
        ),
        _l("维护本社区网格和居民信息，开展活动，上报进度。"),
    ),
    "grid_worker": Role(
        _l("网格员"),
        UNIT,
        _perms(
            "unit.view",
            "person.view",
            "person.add",
            "person.change",
            *_REPORTING_READ,
            *_WORK_READ,
            *_WORK_REPORT,
        ),
        _l("在手机上采集本网格居民信息、上报问题。"),
    ),
    "dept_admin": Role(
        _l("部门党组织管理员"),
        DEPARTMENT,
        _perms(
            "department.view",
            "department.change",
            "departmentpairing.view",
            "person.view",
            *_REPORTING_DEPARTMENT,
        ),
        _l("查看本部门党员的报到与服务情况。"),
    ),
    "party_member": Role(
        _l("党员"),
        SELF,
        _perms("person.view", "leaderlink.view", *_REPORTING_SELF),
        _l("自助：查看本人信息，报到并记录服务。"),
    ),
}

ROLE_CHOICES = [(key, role.label) for key, role in ROLES.items()]
# Who may reveal full ID numbers and phones (each reveal is audited).
REVEAL_PII = "person.reveal_pii"
