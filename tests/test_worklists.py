"""Work lists: scoping per persona, the close-out state machine over the API,
decomposition, reports, roll-up, supervision, pages and query counts."""

import datetime
import threading

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, connections

from jiceng.accounts.models import ApiToken
from jiceng.worklists import queries, services
from jiceng.worklists.digest import digest_for
from jiceng.worklists.models import Assignment, Plan, State, Task, Transition
from tests import factories as f
from tests.walker import release_file

TODAY = datetime.date.today()
DUE = TODAY + datetime.timedelta(days=30)


@pytest.fixture
def work(world):
    """A city plan with one task assigned to both streets; street_a decomposed it
    to its two communities. The street_b branch holds the CANARY."""
    plan = Plan.objects.create(unit=world.city, year=2024, title="2024年城市基层党建工作要点")
    task = Task.objects.create(
        plan=plan,
        unit=world.city,
        title="建强社区党组织",
        due_date=DUE,
        weight=2,
        evidence_required="会议记录",
    )
    street_a, street_b = services.assign(None, task, [world.street_a, world.street_b])
    sub = services.decompose(
        world.personas["street_admin"],
        street_a,
        [world.community_a, world.community_a2],
        title="社区落实",
        due_date=DUE,
    )
    community_a = sub.assignments.get(unit=world.community_a)
    canary_task = services.decompose(
        world.personas["city_admin"],
        street_b,
        [world.community_b],
        title="CANARY任务",
        due_date=DUE,
    )
    return {
        "plan": plan,
        "task": task,
        "street_a": street_a,
        "street_b": street_b,
        "community_a": community_a,
        "community_a2": sub.assignments.get(unit=world.community_a2),
        "canary": canary_task.assignments.get(),
    }


@pytest.fixture
def bearer(world):
    def _bearer(persona: str) -> dict:
        _, clear = ApiToken.issue(world.personas[persona], "test")
        return {"HTTP_AUTHORIZATION": f"Bearer {clear}"}

    return _bearer


def act(client, bearer, persona, assignment, action, note=""):
    return client.post(
        f"/api/v1/tasks/{assignment.pk}/transitions",
        {"action": action, "note": note},
        content_type="application/json",
        **bearer(persona),
    )


def report(client, bearer, persona, assignment, text="已召开会议", percent=None, files=()):
    data = {"text": text, "files": list(files)}
    if percent is not None:
        data["percent"] = percent
    return client.post(f"/api/v1/tasks/{assignment.pk}/reports", data, **bearer(persona))


def evidence():
    return SimpleUploadedFile("会议记录.pdf", b"%PDF-1.4 minutes", content_type="application/pdf")


# --- scoping


@pytest.mark.parametrize(
    "persona, expected",
    [
        ("city_admin", 5),
        ("street_admin", 3),
        ("community_admin", 1),
        ("grid_worker", 0),
        ("dept_admin", 0),
        ("party_member", 0),
        ("nobody", 0),
    ],
)
def test_tasks_visible_per_persona(world, work, client, bearer, persona, expected):
    body = client.get("/api/v1/tasks", **bearer(persona)).json()
    assert body["count"] == expected
    if persona != "city_admin":
        assert "CANARY" not in str(body) and "希日塔拉" not in str(body)


def test_plan_is_readable_below_but_canary_is_not(world, work, client, bearer):
    assert client.get("/api/v1/plans", **bearer("community_admin")).json()["count"] == 1
    response = client.get(f"/api/v1/tasks/{work['canary'].pk}", **bearer("street_admin"))
    assert response.status_code == 404


def test_task_filters_plan_parent_assignee_state(world, work, client, bearer):
    city = bearer("city_admin")
    top = client.get(f"/api/v1/tasks?plan={work['plan'].pk}", **city).json()
    assert {t["assignee_unit"] for t in top["items"]} == {"宝力根街道", "希日塔拉街道"}
    subs = client.get(f"/api/v1/tasks?parent={work['street_a'].pk}", **city).json()
    assert subs["count"] == 2 and all(t["parent"] == work["street_a"].pk for t in subs["items"])
    mine = client.get(f"/api/v1/tasks?assignee={world.community_a.pk}", **city).json()
    assert [t["id"] for t in mine["items"]] == [work["community_a"].pk]
    assert client.get("/api/v1/tasks?state=closed", **city).json()["count"] == 0
    forged = client.get(f"/api/v1/tasks?assignee={world.community_b.pk}", **bearer("street_admin"))
    assert forged.status_code == 400


# --- the state machine


def test_close_out_round_trip_is_recorded(world, work, client, bearer):
    target = work["community_a"]
    assert (
        report(
            client, bearer, "community_admin", target, percent=60, files=[evidence()]
        ).status_code
        == 201
    )
    assert act(client, bearer, "community_admin", target, "request_close").status_code == 200
    returned = act(client, bearer, "street_admin", target, "return", "材料不全")
    assert returned.json()["state"] == "returned"
    assert act(client, bearer, "community_admin", target, "request_close").status_code == 200
    approved = act(client, bearer, "street_admin", target, "approve", "同意")
    assert approved.json()["state"] == "closed" and approved.json()["rollup"] == 100
    steps = list(
        Transition.objects.filter(assignment=target).values_list(
            "from_state", "to_state", "actor__username"
        )
    )
    assert steps == [
        ("assigned", "in_progress", "community_admin"),
        ("in_progress", "close_requested", "community_admin"),
        ("close_requested", "returned", "street_admin"),
        ("returned", "close_requested", "community_admin"),
        ("close_requested", "closed", "street_admin"),
    ]
    timeline = client.get(
        f"/api/v1/tasks/{target.pk}/transitions", **bearer("community_admin")
    ).json()
    assert timeline[2]["note"] == "材料不全"


@pytest.mark.parametrize("action", ["approve", "return", "start"])
def test_action_that_does_not_apply_is_409(world, work, client, bearer, action):
    target = work["community_a"]
    if action == "start":
        services.transition(world.personas["community_admin"], target.pk, "start")
        persona = "community_admin"
    else:
        persona = "street_admin"
    response = act(client, bearer, persona, target, action, "理由")
    assert response.status_code == 409 and "状态" in response.json()["detail"]


@pytest.mark.parametrize(
    "persona, action",
    [
        ("community_admin", "approve"),  # the assignee may not approve its own work
        ("community_admin", "waive"),
        ("street_admin", "request_close"),  # the assigner does not ask for itself
        ("grid_worker", "cancel"),
    ],
)
def test_user_who_may_not_take_action_gets_403(world, work, client, bearer, persona, action):
    target = work["community_a"]
    target.state = State.CLOSE_REQUESTED if action == "approve" else State.IN_PROGRESS
    target.save()
    if persona == "grid_worker":
        target = work["community_a"]
    response = act(client, bearer, persona, target, action, "理由")
    assert response.status_code in (403, 404)
    assert Assignment.objects.get(pk=target.pk).state == target.state


def test_nobody_approves_their_own_request(world, work):
    # A user on staff at both the street and the community could act on both sides.
    dual = f.user("dual", "street_staff", unit=world.street_a)
    dual.role_assignments.create(role="community_staff", unit=world.community_a)
    dual = type(dual).objects.get(pk=dual.pk)
    target = work["community_a"]
    services.submit_report(dual, [target], "完成", 100, [evidence()])
    services.transition(dual, target.pk, "request_close")
    with pytest.raises(services.NotPermitted, match="本人"):
        services.transition(dual, target.pk, "approve")
    assert Assignment.objects.get(pk=target.pk).state == State.CLOSE_REQUESTED
    # Nor is it listed as waiting for them; it is for the other approvers.
    assert target not in queries.my_work(dual)["approvals"]
    assert target in queries.my_work(world.personas["street_admin"])["approvals"]
    # The daily digest counts what my work lists.
    assert "待您审批的销号申请 1 项" in digest_for(world.personas["street_admin"])
    assert "待您审批的销号申请 0 项" in (digest_for(dual) or "待您审批的销号申请 0 项")
    services.transition(world.personas["street_admin"], target.pk, "approve")


def test_close_request_without_evidence_is_refused(world, work, client, bearer):
    target = work["community_a"]
    report(client, bearer, "community_admin", target, percent=90)
    response = act(client, bearer, "community_admin", target, "request_close")
    assert response.status_code == 400 and "佐证" in response.json()["detail"]
    assert Assignment.objects.get(pk=target.pk).state == State.IN_PROGRESS


def test_parent_closes_only_when_children_are_closed_or_waived(world, work, client, bearer):
    parent = work["street_a"]
    services.transition(world.personas["street_admin"], parent.pk, "start")
    report(client, bearer, "street_admin", parent, files=[evidence()])
    response = act(client, bearer, "street_admin", parent, "request_close")
    assert response.status_code == 409 and "下级任务" in response.json()["detail"]
    for child in (work["community_a"], work["community_a2"]):
        assert act(client, bearer, "street_admin", child, "waive", "已合并办理").status_code == 200
    assert act(client, bearer, "street_admin", parent, "request_close").status_code == 200


def test_waive_and_return_need_a_reason(world, work, client, bearer):
    response = act(client, bearer, "street_admin", work["community_a"], "waive")
    assert response.status_code == 400 and "理由" in response.json()["detail"]


def test_unknown_action_is_400(world, work, client, bearer):
    assert act(client, bearer, "street_admin", work["community_a"], "explode").status_code == 400


# --- reports and decomposition


def test_report_on_closed_task_is_refused(world, work, client, bearer):
    target = work["community_a"]
    Assignment.objects.filter(pk=target.pk).update(state=State.CLOSED)
    response = report(client, bearer, "community_admin", target)
    assert response.status_code == 409
    assert not target.reports.exists()


def test_one_report_and_file_serve_several_tasks(world, work, client, bearer):
    street = work["street_a"]
    milestone = services.decompose(
        world.personas["street_admin"], street, [world.street_a], title="里程碑：完成摸底"
    ).assignments.get()
    first = report(client, bearer, "street_admin", milestone, files=[evidence()], percent=50)
    body = first.json()
    second = client.post(
        f"/api/v1/tasks/{street.pk}/reports",
        {"text": "同上", "attachment_ids": body["attachments"], "also": [milestone.pk]},
        **bearer("street_admin"),
    )
    assert second.status_code == 201
    assert set(second.json()["assignments"]) == {street.pk, milestone.pk}
    assert second.json()["attachments"] == body["attachments"]


def test_attachments_download_only_through_the_scoping_rule(world, work, client, bearer, login):
    """Files are served by a view that checks scope, never from a public media URL."""
    target = work["community_a"]
    body = report(client, bearer, "community_admin", target, files=[evidence()]).json()
    url = f"/work/attachments/{body['attachments'][0]}/"
    page = login("street_admin").get(f"/work/tasks/{target.pk}/").content.decode()
    assert f'href="{url}"' in page and "/media/" not in page
    response = login("street_admin").get(url)  # the assigning level reads the evidence
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content) == b"%PDF-1.4 minutes"
    release_file(response)
    assert login("grid_worker").get(url).status_code == 404  # below the uploading unit
    assert client.get(url).status_code == 302  # anonymous: to the login page


def test_forged_assignment_or_attachment_outside_scope_is_refused(world, work, client, bearer):
    response = client.post(
        f"/api/v1/tasks/{work['community_a'].pk}/reports",
        {"text": "x", "also": [work["canary"].pk]},
        **bearer("community_admin"),
    )
    assert response.status_code == 403 and "管辖范围" in response.json()["detail"]
    assert not work["community_a"].reports.exists()


def test_bad_attachment_type_is_refused(world, work, client, bearer):
    bad = SimpleUploadedFile("virus.exe", b"MZ", content_type="application/octet-stream")
    response = report(client, bearer, "community_admin", work["community_a"], files=[bad])
    assert response.status_code == 400 and "文件类型" in response.json()["detail"]
    assert not work["community_a"].reports.exists()


def test_due_date_after_parent_is_refused(world, work):
    with pytest.raises(services.WorkflowError, match="时限"):
        services.decompose(
            world.personas["community_admin"],
            work["community_a"],
            [world.grid_a],
            title="网格落实",
            due_date=DUE + datetime.timedelta(days=1),
        )
    assert not Assignment.objects.filter(unit=world.grid_a).exists()


def test_community_may_not_decompose_the_streets_work(world, work):
    with pytest.raises(services.NotPermitted):
        services.decompose(
            world.personas["community_admin"], work["street_a"], [world.community_a2], title="x"
        )


# --- roll-up (docs/worklists.md)


def test_rollup_is_weighted_excludes_waived_and_follows_changes(world, work):
    a, a2, street = work["community_a"], work["community_a2"], work["street_a"]
    Task.objects.filter(pk=a2.task_id).update(weight=3)
    extra = services.decompose(
        world.personas["street_admin"], street, [world.community_a], title="加分项", weight=1
    )
    extra_a = extra.assignments.get()
    services.submit_report(world.personas["community_admin"], [a], "进展", 40)
    services.submit_report(world.personas["community_admin"], [extra_a], "进展", 80)
    street.refresh_from_db()
    # children: a(w3? no: a and a2 share a task of weight 3) 40, a2 0, extra 80 (w1)
    assert street.rollup == pytest.approx((3 * 40 + 3 * 0 + 1 * 80) / 7, abs=0.01)
    services.transition(world.personas["street_admin"], a2.pk, "waive", "不适用")
    street.refresh_from_db()
    assert street.rollup == pytest.approx((3 * 40 + 80) / 4, abs=0.01)
    extra_a.delete()
    street.refresh_from_db()
    assert street.rollup == pytest.approx(40, abs=0.01)
    services.reparent(world.personas["city_admin"], a, None)
    street.refresh_from_db()
    assert street.rollup == 0  # no counted children left: its own reported progress
    top = Assignment.objects.get(pk=street.pk)
    assert services.rebuild_rollups() == 0  # the incremental values were right
    assert Assignment.objects.get(pk=top.pk).rollup == top.rollup


# --- supervision, escalation, projects, meetings


def test_finding_with_deadline_becomes_a_rectification_subtask(world, work):
    street_admin = world.personas["street_admin"]
    visit = services.record_visit(
        street_admin,
        world.community_a,
        world.street_a,
        assignment=work["community_a"],
        date=TODAY,
        inspectors="督导组",
        summary="检查台账",
    )
    finding = services.record_finding(
        street_admin, visit, "台账不全", TODAY + datetime.timedelta(days=7)
    )
    rect = finding.rectification
    assert rect.unit == world.community_a and rect.parent == work["community_a"]
    assert rect.task.title.startswith("整改")
    with pytest.raises(services.WorkflowError):
        services.record_visit(
            street_admin, world.street_a, world.community_a, date=TODAY, inspectors="x", summary="x"
        )


def test_escalation_only_on_overdue_work_and_visible_to_unit_and_parent(world, work, login):
    target = work["community_a"]
    with pytest.raises(services.NotApplicable):
        services.escalate(world.personas["street_admin"], target, "yellow", "拖延")
    Assignment.objects.filter(pk=target.pk).update(due_date=TODAY - datetime.timedelta(days=3))
    target.refresh_from_db()
    with pytest.raises(services.NotPermitted):
        services.escalate(world.personas["community_admin"], target, "red", "拖延")
    services.escalate(world.personas["street_admin"], target, "red", "拖延")
    for persona in ("community_admin", "street_admin"):
        page = login(persona).get(f"/work/tasks/{target.pk}/")
        assert "红牌督办" in page.content.decode()


def test_street_claims_a_project_once(world):
    from jiceng.worklists.models import Project, ProjectCategory

    project = Project.objects.create(
        unit=world.city,
        category=ProjectCategory.objects.get(name="红色物业"),
        title="红色物业试点",
        due_date=DUE,
    )
    assignment = services.claim_project(world.personas["street_admin"], project, world.street_a)
    assert assignment.unit == world.street_a and assignment.task.source == "project"
    with pytest.raises(services.NotApplicable):
        services.claim_project(world.personas["street_admin"], project, world.street_a)
    with pytest.raises(services.NotPermitted):
        services.claim_project(world.personas["community_admin"], project, world.street_b)


def test_meeting_resolution_becomes_a_task_in_one_step(world):
    from jiceng.worklists.models import JointMeetingBody, Meeting

    body = JointMeetingBody.objects.create(unit=world.city, name="城市党建联席会议")
    meeting = Meeting.objects.create(body=body, date=TODAY, minutes="研究物业管理")
    resolution = services.resolve(
        world.personas["city_admin"],
        meeting,
        "推进红色物业全覆盖",
        [world.street_a, world.street_b],
        DUE,
    )
    assert resolution.task.assignments.count() == 2
    with pytest.raises(services.NotPermitted):
        services.resolve(world.personas["community_admin"], meeting, "x", [world.street_a], DUE)


# --- pages and query counts


def test_my_work_lists_todo_and_approvals(world, work, login, django_assert_max_num_queries):
    services.transition(world.personas["community_admin"], work["community_a"].pk, "start")
    client = login("street_admin")
    with django_assert_max_num_queries(12):
        page = client.get("/work/").content.decode()
    assert "建强社区党组织" in page and "CANARY" not in page
    Assignment.objects.filter(pk=work["community_a"].pk).update(state=State.CLOSE_REQUESTED)
    assert "社区落实" in login("street_admin").get("/work/").content.decode()


def test_plan_board_and_drill_down(world, work, login, django_assert_max_num_queries):
    client = login("city_admin")
    with django_assert_max_num_queries(12):
        page = client.get(f"/work/plans/{work['plan'].pk}/").content.decode()
    assert "宝力根街道" in page and "希日塔拉街道" in page
    drill = client.get(f"/work/plans/{work['plan'].pk}/?unit={world.street_a.pk}").content.decode()
    assert "团结社区" in drill and "和平社区" in drill
    mine = login("street_admin").get(f"/work/plans/{work['plan'].pk}/").content.decode()
    assert "希日塔拉街道" not in mine


def test_plan_board_rows_are_the_tasks_the_user_may_see(world, work, login):
    # A task of the city's plan led by the other street: its row is not shown
    # to street_a, as the plan's export and Task.visible_to leave it out.
    Task.objects.create(
        plan=work["plan"], unit=world.street_b, title="CANARY街道任务", due_date=DUE
    )
    plan_url = f"/work/plans/{work['plan'].pk}/"
    assert "CANARY街道任务" in login("city_admin").get(plan_url).content.decode()
    board = login("street_admin").get(plan_url)
    assert "CANARY街道任务" not in board.content.decode()
    assert board.context["total"] == 1


def test_dashboard_and_task_page(world, work, login, django_assert_max_num_queries):
    client = login("street_admin")
    # The first dashboard of a day also takes the overdue snapshots of past
    # trend days (two queries); later views read them (see the snapshot tests);
    # one more asks whether the user may open the level above.
    with django_assert_max_num_queries(17):
        page = client.get("/work/dashboard/")
    assert page.status_code == 200 and "CANARY" not in page.content.decode()
    counts = page.context["by_state"]
    assert all(f"{label}：{n}" in page.content.decode() for _value, label, n in counts)
    assert "上一级" not in page.content.decode()  # the city is outside a street's scope
    city_view = login("city_admin").get(f"/work/dashboard/?unit={world.street_a.pk}")
    assert f'href="?unit={world.city.pk}"' in city_view.content.decode()
    assert client.get(f"/work/dashboard/?unit={world.street_b.pk}").status_code == 404
    with django_assert_max_num_queries(25):
        task_page = client.get(f"/work/tasks/{work['street_a'].pk}/").content.decode()
    assert "团结社区" in task_page and "和平社区" in task_page
    assert client.get(f"/work/tasks/{work['canary'].pk}/").status_code == 404


def test_list_export_is_scoped(world, work, login, django_assert_max_num_queries):
    client = login("street_admin")
    with django_assert_max_num_queries(10):
        page = client.get("/work/tasks/")
    assert page.status_code == 200
    csv = b"".join(client.get("/work/tasks/?export=csv").streaming_content).decode()
    assert "社区落实" in csv and "CANARY" not in csv


def test_page_action_refusal_is_a_message_not_a_500(world, work, login):
    client = login("community_admin")
    response = client.post(
        f"/work/tasks/{work['community_a'].pk}/action/", {"action": "approve"}, follow=True
    )
    assert response.status_code == 200 and "权限" in response.content.decode()


# --- concurrency


@pytest.mark.django_db(transaction=True)
def test_two_approvers_at_once_make_exactly_one_transition(world, work):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serializes writers; row locks need PostgreSQL")
    target = work["community_a"]
    Assignment.objects.filter(pk=target.pk).update(state=State.CLOSE_REQUESTED)
    second = f.user("street_admin2", "street_staff", unit=world.street_a)
    approvers = [world.personas["street_admin"], second]
    barrier = threading.Barrier(2)
    outcomes = []

    def approve(user):
        try:
            barrier.wait()
            services.transition(user, target.pk, "approve", "同意")
            outcomes.append("ok")
        except services.WorkflowError as exc:
            outcomes.append(exc.status)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=approve, args=(u,)) for u in approvers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes, key=str) == [409, "ok"]
    assert Transition.objects.filter(assignment=target, to_state=State.CLOSED).count() == 1


def test_daily_digest_once_per_user(world, work):
    from io import StringIO

    from django.core.management import call_command

    from jiceng.worklists.models import Notification

    Assignment.objects.filter(pk=work["community_a"].pk).update(
        due_date=TODAY - datetime.timedelta(days=1)
    )
    out = StringIO()
    call_command("digest", stdout=out)
    call_command("digest", stdout=out)
    note = Notification.objects.get(user=world.personas["community_admin"])
    assert "逾期 1 项" in note.body
    assert not Notification.objects.filter(user=world.personas["nobody"]).exists()


def test_city_creates_a_task_for_all_streets_from_the_page(world, work, login):
    client = login("city_admin")
    assert client.get(f"/work/tasks/new/?plan={work['plan'].pk}").status_code == 200
    data = {
        "plan": work["plan"].pk,
        "title": "推进红色物业",
        "unit": world.city.pk,
        "due_date": DUE.isoformat(),
        "priority": "normal",
        "weight": 1,
        "targets": "children",
    }
    assert client.post("/work/tasks/new/", data).status_code == 302
    task = Task.objects.get(title="推进红色物业")
    assert set(task.assignments.values_list("unit__name", flat=True)) == {
        "宝力根街道",
        "希日塔拉街道",
    }
    forged = login("street_admin").post(
        "/work/tasks/new/", {**data, "title": "伪造", "unit": world.city.pk}
    )
    assert forged.status_code == 200 and not Task.objects.filter(title="伪造").exists()
    # Assignees outside the lead unit: refused before anything is written or announced.
    astray = {
        **data,
        "title": "越级交办",
        "unit": world.street_a.pk,
        "targets": "chosen",
        "chosen_units": [world.community_b.pk],
    }
    refused = client.post("/work/tasks/new/", astray)
    assert refused.status_code == 200 and "不在交办单位的下级范围内" in refused.content.decode()
    assert not Task.objects.filter(title="越级交办").exists()
    assert not [m for m in refused.context["messages"] if "越级交办" in str(m)]


# --- dashboard figures: one pass, snapshots, the same rows as visible_to

DAY = datetime.timedelta(days=1)


def _at(day: datetime.date):
    """Noon of a local day, as an aware datetime."""
    from django.utils import timezone

    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(12)))


@pytest.fixture
def history(work):
    """Work created 100 days ago: community_a overdue for 20 days; community_a2
    due 30 days ago and closed 10 days ago (late); street_b waived; the canary
    overdue for 50 days."""
    Assignment.objects.update(created_at=_at(TODAY - 100 * DAY))
    rows = {
        "community_a": {"state": State.IN_PROGRESS, "due_date": TODAY - 20 * DAY},
        "community_a2": {
            "state": State.CLOSED,
            "due_date": TODAY - 30 * DAY,
            "closed_at": _at(TODAY - 10 * DAY),
        },
        "street_b": {"state": State.WAIVED},
        "canary": {"state": State.ASSIGNED, "due_date": TODAY - 50 * DAY},
    }
    for name, fields in rows.items():
        Assignment.objects.filter(pk=work[name].pk).update(**fields)
    return work


def expected_figures(user, unit) -> dict:
    """The dashboard's figures counted in Python from visible_to, the plain rule."""
    from django.utils import timezone

    from jiceng.core.scoping import subtree_q
    from jiceng.worklists.models import EXCLUDED_STATES, OPEN_STATES
    from jiceng.worklists.queries import trend_days

    rows = list(Assignment.objects.visible_to(user).filter(subtree_q(unit, "unit")))
    closed = [a for a in rows if a.state == State.CLOSED]
    on_time = [a for a in closed if timezone.localdate(a.closed_at) <= a.due_date]

    def overdue_at(a, day):
        return (
            a.state not in EXCLUDED_STATES
            and a.due_date < day
            and timezone.localdate(a.created_at) <= day
            and (a.closed_at is None or timezone.localdate(a.closed_at) > day)
        )

    return {
        "by_state": [(s.value, s.label, sum(a.state == s for a in rows)) for s in State],
        "total": len(rows),
        "overdue_count": sum(a.state in OPEN_STATES and a.due_date < TODAY for a in rows),
        "on_time_rate": round(100 * len(on_time) / len(closed), 1) if closed else None,
        "trend": [
            (day.strftime("%m-%d"), sum(overdue_at(a, day) for a in rows))
            for day in trend_days(TODAY)
        ],
    }


@pytest.mark.parametrize("persona", ["city_admin", "street_admin", "community_admin", "nobody"])
def test_dashboard_figures_equal_a_plain_count_for_every_visible_unit(world, history, persona):
    from jiceng.orgs.models import Unit
    from jiceng.worklists import queries

    user = world.personas[persona]
    units = list(Unit.objects.visible_to(user)) or [world.city]
    for unit in units:
        figures = queries.dashboard(user, unit)
        shown = {key: figures[key] for key in expected_figures(user, unit)}
        assert shown == expected_figures(user, unit), (persona, unit.name)
    if persona == "city_admin":
        city = queries.dashboard(user, world.city)
        assert city["overdue_count"] == 2 and city["on_time_rate"] == 0.0
        assert [n for _day, n in city["trend"]][-4:] == [2, 3, 2, 2]


def test_overdue_snapshots_are_taken_once_then_kept(world, history):
    from django.core.management import call_command

    from jiceng.worklists import queries
    from jiceng.worklists.models import OverdueSnapshot

    city_admin = world.personas["city_admin"]
    first = queries.dashboard(city_admin, world.city)["trend"]
    taken = OverdueSnapshot.objects.count()
    assert taken == 11 * 4  # past trend days × units holding work not waived
    assert queries.take_overdue_snapshots(queries.trend_days(TODAY)) == 0
    # Waiving the canary today changes today's point, not the weeks already taken.
    Assignment.objects.filter(pk=history["canary"].pk).update(state=State.WAIVED)
    again = queries.dashboard(city_admin, world.city)["trend"]
    assert again[:-1] == first[:-1] and again[-1][1] == first[-1][1] - 1
    assert OverdueSnapshot.objects.count() == taken
    call_command("digest")  # takes yesterday too (the canary's unit now holds only waived work)
    assert OverdueSnapshot.objects.filter(day=TODAY - DAY).count() == 3


def test_street_trend_leaves_out_the_sibling_street(world, history):
    from jiceng.worklists import queries

    street = queries.dashboard(world.personas["street_admin"], world.street_a)["trend"]
    city = queries.dashboard(world.personas["city_admin"], world.city)["trend"]
    # Seven weeks ago only the canary (street_b) was overdue.
    assert city[4][1] == 1 and street[4][1] == 0


def test_subtree_conditions_select_the_same_rows_as_the_plain_rule(world, work):
    from jiceng.core.scoping import covers_subtree, large_subtree_q, subtree_q
    from jiceng.orgs.models import Unit

    assert world.city.holds_most_units and not world.street_a.holds_most_units
    for unit in Unit.objects.all():
        plain = set(Assignment.objects.filter(subtree_q(unit, "unit")))
        assert set(Assignment.objects.filter(large_subtree_q(unit, "unit"))) == plain
        for persona, user in world.personas.items():
            visible = set(Assignment.objects.visible_to(user).filter(subtree_q(unit, "unit")))
            assert set(Assignment.objects.visible_in_subtree(user, unit)) == visible, persona
    street_admin = world.personas["street_admin"]
    assert covers_subtree(Assignment, street_admin, world.community_a)
    assert not covers_subtree(Assignment, street_admin, world.city)
    assert not covers_subtree(Assignment, street_admin, world.street_b)
    assert not covers_subtree(Assignment, world.personas["dept_admin"], world.city)
    street_admin.is_active = False
    assert not covers_subtree(Assignment, street_admin, world.community_a)


def test_city_dashboard_figures_are_cached_briefly_and_say_when(world, history, login, settings):
    settings.WORKLISTS_DASHBOARD_MAX_AGE = 60
    client = login("city_admin")
    url = f"/work/dashboard/?unit={world.city.pk}"
    first = client.get(url)
    assert first.context["overdue_count"] == 2 and "统计于" in first.content.decode()
    Assignment.objects.filter(pk=history["canary"].pk).update(state=State.WAIVED)
    cached = client.get(url)
    # The counts are those of the first view, and say so; the list is read now.
    assert cached.context["overdue_count"] == 2
    assert cached.context["counted_at"] == first.context["counted_at"]
    assert [a.pk for a in cached.context["overdue_list"]] == [history["community_a"].pk]
    settings.WORKLISTS_DASHBOARD_MAX_AGE = 0
    assert client.get(url).context["overdue_count"] == 1


def test_cached_dashboard_figures_are_never_shared_with_a_narrower_scope(world, history, login):
    """A user who cannot see the whole subtree gets figures counted for them."""
    from jiceng.worklists import queries

    queries.dashboard(world.personas["city_admin"], world.city, max_age=60)
    narrow = f.user("street_a_viewer", "street_staff", unit=world.street_a)
    figures = queries.dashboard(narrow, world.city, max_age=60)
    assert figures["total"] == 3 and figures["overdue_count"] == 1


def test_state_display_is_the_translated_label_as_a_string(work):
    shown = Assignment(state=State.CLOSE_REQUESTED).get_state_display()
    assert shown == "待销号" and type(shown) is str
    assert Assignment(state="unknown").get_state_display() == "unknown"


def test_my_work_links_the_pages_no_menu_entry_reaches(world, login):
    page = login("community_admin").get("/work/").content.decode()
    for url in ("/work/tasks/", "/work/visits/", "/work/projects/"):
        assert f'href="{url}"' in page


def test_a_list_without_filters_shows_no_filter_button(world, login):
    button = '<i class="bi bi-funnel"></i>'
    page = login("community_admin").get("/work/visits/").content.decode()
    assert button not in page
    assert button in login("community_admin").get("/work/tasks/").content.decode()


# --- recording a supervision visit and publishing a project from the browser
def test_street_records_a_visit_from_the_task_page(world, work, login):
    from jiceng.worklists.models import SupervisionVisit

    target = work["community_a"]
    client = login("street_admin")
    page = client.get(f"/work/tasks/{target.pk}/").content.decode()
    link = f"/work/visits/new/?unit={world.community_a.pk}&amp;assignment={target.pk}"
    assert link in page
    assert (
        "记录督导" not in login("community_admin").get(f"/work/tasks/{target.pk}/").content.decode()
    )
    form = client.get(link.replace("&amp;", "&")).content.decode()
    assert f'value="{target.pk}"' in form and "宝力根街道" in form
    data = {
        "by_unit": world.street_a.pk,
        "unit": world.community_a.pk,
        "assignment": target.pk,
        "date": TODAY.isoformat(),
        "inspectors": "街道督导组",
        "summary": "台账不全",
    }
    response = client.post("/work/visits/new/", data)
    visit = SupervisionVisit.objects.get()
    assert response.status_code == 302 and response["Location"] == visit.get_absolute_url()
    assert (visit.by_unit, visit.unit, visit.assignment) == (
        world.street_a,
        world.community_a,
        target,
    )
    assert visit.created_by == world.personas["street_admin"]


def test_a_visit_outside_scope_or_by_another_unit_is_refused(world, work, login):
    from jiceng.worklists.models import SupervisionVisit

    client = login("street_admin")
    base = {"date": TODAY.isoformat(), "inspectors": "x", "summary": "x"}
    forged = client.post(
        "/work/visits/new/", {**base, "by_unit": world.street_a.pk, "unit": world.community_b.pk}
    )
    assert "不在您的管辖范围内" in forged.content.decode()
    by_city = client.post(
        "/work/visits/new/", {**base, "by_unit": world.city.pk, "unit": world.community_a.pk}
    )
    assert "不在您的管辖范围内" in by_city.content.decode()
    itself = client.post(
        "/work/visits/new/", {**base, "by_unit": world.street_a.pk, "unit": world.street_a.pk}
    )
    assert "督导单位必须是被督导单位的上级" in itself.content.decode()
    canary_task = client.post(
        "/work/visits/new/",
        {**base, "by_unit": world.street_a.pk, "unit": world.community_a.pk,
         "assignment": work["canary"].pk},
    )  # fmt: skip
    assert "不在您的管辖范围内" in canary_task.content.decode()
    assert login("community_admin").get("/work/visits/new/").status_code == 403
    assert not SupervisionVisit.objects.exists()


def test_city_publishes_a_project_for_streets_to_claim(world, login):
    from jiceng.worklists.models import Project, ProjectCategory

    client = login("city_admin")
    assert 'href="/work/projects/new/"' in client.get("/work/projects/").content.decode()
    data = {
        "unit": world.city.pk,
        "category": ProjectCategory.objects.get(name="红色物业").pk,
        "title": "老旧小区红色物业试点",
        "due_date": (TODAY - datetime.timedelta(days=1)).isoformat(),
    }
    assert "不能早于今天" in client.post("/work/projects/new/", data).content.decode()
    data["due_date"] = DUE.isoformat()
    response = client.post("/work/projects/new/", data)
    project = Project.objects.get()
    assert response["Location"] == project.get_absolute_url() and project.unit == world.city
    assert login("street_admin").get("/work/projects/new/").status_code == 403
    assert login("street_admin").get(project.get_absolute_url()).status_code == 200  # to claim


def test_the_task_page_links_its_parent_only_for_those_who_may_open_it(world, work, login):
    child = f"/work/tasks/{work['community_a'].pk}/"
    parent_link = f'href="/work/tasks/{work["street_a"].pk}/"'
    assert parent_link in login("street_admin").get(child).content.decode()
    community_page = login("community_admin").get(child).content.decode()
    assert parent_link not in community_page  # the street's own assignment: a 404 for them
    assert login("community_admin").get(f"/work/tasks/{work['street_a'].pk}/").status_code == 404
