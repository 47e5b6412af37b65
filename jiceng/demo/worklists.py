"""Demo work lists: the city's plan of 104 tasks in 16 groups, assigned to every
street and decomposed to every community, in a realistic mix of states, with
supervision visits, rectifications and escalations. Everything in bulk."""

from __future__ import annotations

import datetime
import random

from django.utils import timezone

from jiceng.accounts.models import User
from jiceng.orgs.models import Department
from jiceng.worklists import services
from jiceng.worklists.models import (
    Assignment,
    CardLevel,
    Escalation,
    Finding,
    JointMeetingBody,
    Meeting,
    Plan,
    Source,
    State,
    SupervisionVisit,
    Task,
    TaskGroup,
    Transition,
)
from jiceng.worklists.services import rebuild_rollups

from .units import Tree

BATCH = 2000
TASKS = 104
GROUPS = [
    "政治引领",
    "组织覆盖",
    "网格党建",
    "头雁工程",
    "全员轮训",
    "双报到",
    "红色物业",
    "治乱治差",
    "商圈治理",
    "富民发展",
    "两新组织",
    "社会组织",
    "特殊群体",
    "阵地建设",
    "减负增效",
    "督导考核",
]
VERBS = ["健全", "推进", "落实", "开展", "完善", "建立", "深化", "规范"]
OBJECTS = [
    "社区党组织书记备案管理",
    "网格党支部全覆盖",
    "在职党员到社区报到服务",
    "红色物业试点",
    "老旧小区环境整治",
    "商圈联合党组织",
    "进城牧民服务站",
    "特殊群体关爱台账",
    "党群服务阵地",
    "三堂党课",
    "社会组织孵化",
    "两新组织联络员制度",
    "社区工作减负清单",
]
# Street-level state mix: (state, share); overdue comes from due dates in the past.
MIX = [
    (State.CLOSED, 0.35),
    (State.IN_PROGRESS, 0.35),
    (State.CLOSE_REQUESTED, 0.1),
    (State.RETURNED, 0.08),
    (State.ASSIGNED, 0.12),
]


def create_worklists(
    rng: random.Random, tree: Tree, tasks: int = TASKS, grid_task_every: int = 8
) -> dict[str, int]:
    """The city's plan decomposed to every street and community; one task in
    `grid_task_every` also down to the grids (0: none, as issue 4's benchmark has it)."""
    today = timezone.localdate()
    plan = Plan.objects.create(
        unit=tree.city, year=today.year, title=f"{today.year}年城市基层党建工作要点"
    )
    groups = TaskGroup.objects.bulk_create(
        [TaskGroup(plan=plan, title=f"{i + 1}. {g}", sort_order=i) for i, g in enumerate(GROUPS)]
    )
    top = Task.objects.bulk_create(
        [_top_task(rng, plan, groups[i % len(groups)], tree, today, i) for i in range(tasks)],
        batch_size=BATCH,
    )
    # Everything is built in memory first and inserted once, parents before
    # children (bulk_create fills in the parent ids): no bulk updates, which
    # are the slow part of loading.
    street_work = [
        Assignment(task=t, unit=s, due_date=t.due_date) for t in top for s in tree.streets
    ]
    sub_tasks = [_decomposed(rng, plan, a, max_earlier=10) for a in street_work]
    communities_of = dict(zip((s.pk for s in tree.streets), tree.communities_of, strict=True))
    community_work = [
        Assignment(task=t, unit=c, parent=a, due_date=t.due_date)
        for a, t in zip(street_work, sub_tasks, strict=True)
        for c in communities_of[a.unit.pk]
    ]
    _community_states(rng, community_work)
    _street_states(street_work, community_work)
    Assignment.objects.bulk_create(street_work, batch_size=BATCH)
    Task.objects.bulk_create(sub_tasks, batch_size=BATCH)
    Assignment.objects.bulk_create(community_work, batch_size=BATCH)
    grid_work = _grid_work(rng, plan, tree, community_work, grid_task_every)
    _transitions(community_work + grid_work)
    visits = _supervise(rng, tree, community_work, today)
    rebuild_rollups(Assignment.objects.filter(task__plan=plan))
    assignments = len(street_work) + len(community_work) + len(grid_work)
    return {"tasks": len(top), "assignments": assignments, **visits}


def _decomposed(rng, plan, parent: Assignment, max_earlier: int) -> Task:
    """The sub-task a unit makes of its assignment for the units below it, due a
    few days before its own deadline."""
    return Task(
        plan=plan,
        group=parent.task.group,
        parent=parent,
        unit=parent.unit,
        title=parent.task.title,
        due_date=parent.due_date - datetime.timedelta(days=rng.randint(0, max_earlier)),
        source=Source.DECOMPOSITION,
        evidence_required=parent.task.evidence_required,
    )


def _grid_work(rng, plan, tree, community_work, every: int) -> list[Assignment]:
    """Communities take some of their open work down to their grids, so that grid
    workers have work of their own (a sub-task per community, one per grid)."""
    if not every:
        return []
    grids_of = {c.pk: g for c, g in zip(tree.communities, tree.grids_of, strict=True)}
    chosen = [
        a
        for a in community_work
        if a.state in (State.IN_PROGRESS, State.ASSIGNED)
        and a.parent.task_id % every == 0
        and grids_of.get(a.unit_id)
    ]
    sub_tasks = Task.objects.bulk_create(
        [_decomposed(rng, plan, a, max_earlier=5) for a in chosen], batch_size=BATCH
    )
    work = []
    for a, t in zip(chosen, sub_tasks, strict=True):
        for grid in grids_of[a.unit_id]:
            started = a.state == State.IN_PROGRESS and rng.random() < 0.7
            work.append(
                Assignment(
                    task=t,
                    unit=grid,
                    parent=a,
                    due_date=t.due_date,
                    state=State.IN_PROGRESS if started else State.ASSIGNED,
                    progress=rng.randint(10, 90) if started else 0,
                )
            )
    return Assignment.objects.bulk_create(work, batch_size=BATCH)


def _top_task(rng, plan, group, tree, today, index) -> Task:
    due = today + datetime.timedelta(days=rng.randint(-60, 180))
    return Task(
        plan=plan,
        group=group,
        unit=tree.city,
        title=f"{rng.choice(VERBS)}{OBJECTS[index % len(OBJECTS)]}（第{index + 1}项）",
        category=group.title.split(" ", 1)[1],
        due_date=due,
        start_date=today.replace(month=1, day=1),
        weight=rng.choice([1, 1, 1, 2, 3]),
        evidence_required=rng.choice(["", "会议记录", "工作台账", "照片及总结"]),
        priority=rng.choice(["high", "normal", "normal", "low"]),
    )


def _community_states(rng, community_work) -> None:
    states, weights = zip(*MIX, strict=True)
    now = timezone.now()
    for a in community_work:
        a.state = rng.choices(states, weights)[0]
        a.progress = 0 if a.state == State.ASSIGNED else rng.randint(10, 90)
        if a.state in (State.CLOSED, State.CLOSE_REQUESTED):
            a.progress = 100
        if a.state == State.CLOSED:
            closed = now - datetime.timedelta(days=rng.randint(1, 30))
            on_time = timezone.make_aware(datetime.datetime.combine(a.due_date, datetime.time(12)))
            # Most close on time; some late, for a realistic on-time rate.
            a.closed_at = closed if rng.random() < 0.15 else min(closed, on_time)
        a.rollup = 100.0 if a.state == State.CLOSED else float(a.progress)


def _street_states(street_work, community_work) -> None:
    """A street's state follows its communities: it closes only when all did."""
    by_parent: dict[int, list[Assignment]] = {}
    for a in community_work:
        by_parent.setdefault(id(a.parent), []).append(a)
    for s in street_work:
        children = by_parent.get(id(s), [])
        if children and all(c.state == State.CLOSED for c in children):
            s.state, s.closed_at = State.CLOSED, max(c.closed_at for c in children)
        elif any(c.state != State.ASSIGNED for c in children):
            s.state = State.IN_PROGRESS


def _transitions(community_work) -> None:
    now = timezone.now()
    Transition.objects.bulk_create(
        [
            Transition(
                assignment=a,
                action="start",
                from_state=State.ASSIGNED,
                to_state=State.IN_PROGRESS,
                note="演示数据",
                at=now,
            )
            for a in community_work
            if a.state != State.ASSIGNED
        ],
        batch_size=BATCH,
    )


def _supervise(rng, tree, community_work, today) -> dict[str, int]:
    """Street visits to a sample of communities: findings, a third of them with
    rectification sub-tasks, and cards on some overdue work."""
    sample = rng.sample(community_work, min(len(community_work), 3 * len(tree.communities)))
    street_of = {
        c.pk: s for s, cs in zip(tree.streets, tree.communities_of, strict=True) for c in cs
    }
    visits = SupervisionVisit.objects.bulk_create(
        [
            SupervisionVisit(
                unit_id=a.unit_id,
                by_unit=street_of[a.unit_id],
                assignment=a,
                date=today - datetime.timedelta(days=rng.randint(1, 90)),
                inspectors="街道督导组",
                summary="查阅台账、走访网格，了解任务推进情况。",
            )
            for a in sample
        ],
        batch_size=BATCH,
    )
    findings, rect_tasks, rect_pairs = [], [], []
    for visit, a in zip(visits, sample, strict=True):
        finding = Finding(
            visit=visit,
            text=rng.choice(["台账记录不完整", "网格党支部活动不规律", "宣传阵地更新不及时"]),
        )
        findings.append(finding)
        if a.state in (State.IN_PROGRESS, State.RETURNED) and rng.random() < 0.35:
            deadline = min(a.due_date, today + datetime.timedelta(days=rng.randint(-10, 20)))
            rect_tasks.append(
                Task(
                    plan_id=a.task.plan_id,
                    parent=a,
                    unit=visit.by_unit,
                    title=f"整改：{finding.text}",
                    description=finding.text,
                    category="督导整改",
                    due_date=deadline,
                    source=Source.RECTIFICATION,
                    evidence_required="整改情况说明及照片",
                )
            )
            rect_pairs.append((finding, a, visit))
    Task.objects.bulk_create(rect_tasks, batch_size=BATCH)
    rects = Assignment.objects.bulk_create(
        [
            Assignment(
                task=t, unit_id=a.unit_id, parent=a, due_date=t.due_date, state=State.IN_PROGRESS
            )
            for t, (_f, a, _v) in zip(rect_tasks, rect_pairs, strict=True)
        ],
        batch_size=BATCH,
    )
    for rect, (finding, _a, _v) in zip(rects, rect_pairs, strict=True):
        finding.rectification = rect
    Finding.objects.bulk_create(findings, batch_size=BATCH)
    overdue = [
        a
        for a in community_work
        if a.state in (State.IN_PROGRESS, State.ASSIGNED) and a.due_date < today
    ]
    cards = Escalation.objects.bulk_create(
        [
            Escalation(
                assignment=a,
                level=CardLevel.RED if rng.random() < 0.3 else CardLevel.YELLOW,
                reason="任务逾期未完成，限期办结。",
            )
            for a in rng.sample(overdue, min(len(overdue), 20))
        ]
    )
    return {"visits": len(visits), "rectifications": len(rects), "escalations": len(cards)}


# --- joint meetings (联席会议)

# (days before today, minutes, resolution or "")
CITY_MEETINGS = [
    (75, "通报上半年城市基层党建工作要点推进情况，研究老旧小区红色物业试点。", ""),
    (
        14,
        "研究红色物业全覆盖：各街道年内完成试点小区物业企业党组织组建，推行“双向进入、交叉任职”。",
        "推进红色物业全覆盖，各街道年内完成试点小区物业企业党组织组建",
    ),
]
STREET_MEETINGS = [
    (40, "各社区通报网格党支部建设情况，结对部门介绍共建项目。", ""),
    (
        7,
        "研究老旧小区环境整治：结对部门与社区分片包干，网格员每周巡查。",
        "开展老旧小区环境整治，结对部门与社区分片包干",
    ),
]


def create_joint_meetings(tree: Tree, departments: list[Department]) -> dict[str, int]:
    """The city's and the first street's joint meetings, two meetings each; the
    latest of each makes a resolution that becomes a task through the same
    service as the page (after the accounts: the demo admins resolve)."""
    today = timezone.localdate()
    street = tree.streets[0]
    city_body = _body(
        tree.city,
        f"{tree.city.name}城市基层党建联席会议",
        departments[0].secretary_id if departments else None,
        tree.streets,
        departments[:6],
    )
    paired = Department.objects.filter(pairings__community__in=tree.communities_of[0])
    street_body = _body(
        street,
        f"{street.name}党建联席会议",
        street.secretary_id,
        tree.communities_of[0],
        paired.distinct().order_by("name")[:4],
    )
    city_admin = User.objects.get(username="city_admin")
    street_admin = User.objects.get(username="street_admin")
    plan = Plan.objects.filter(unit=tree.city, year=today.year).first()
    meetings = _meetings(city_admin, city_body, CITY_MEETINGS, tree.streets, plan)
    meetings += _meetings(street_admin, street_body, STREET_MEETINGS, tree.communities_of[0], None)
    return {"joint_meeting_bodies": 2, "meetings": meetings}


def _body(unit, name: str, convener_id, member_units, member_departments) -> JointMeetingBody:
    body = JointMeetingBody.objects.create(unit=unit, name=name, convener_id=convener_id)
    body.member_units.set(member_units)
    body.member_departments.set(member_departments)
    return body


def _meetings(user, body: JointMeetingBody, specs, units, plan) -> int:
    today = timezone.localdate()
    year_end = today.replace(month=12, day=31)
    members = [*body.member_units.all(), *body.member_departments.all()]
    attendees = "、".join(member.name for member in members)
    for days_ago, minutes, resolution in specs:
        meeting = Meeting.objects.create(
            body=body,
            date=today - datetime.timedelta(days=days_ago),
            attendees=attendees,
            minutes=minutes,
        )
        if resolution:
            due = min(today + datetime.timedelta(days=45), year_end)
            services.resolve(user, meeting, resolution, list(units), due, plan)
    return len(specs)
