"""Joint meetings (联席会议): scoping of the pages, forms that refuse forged ids,
meetings, and a resolution that becomes a task from the meeting page."""

from __future__ import annotations

import datetime

import pytest
from auditlog.models import LogEntry

from jiceng.core.forms import OUT_OF_SCOPE
from jiceng.worklists import services
from jiceng.worklists.models import Assignment, JointMeetingBody, Meeting, Plan, Resolution, Task

TODAY = datetime.date.today()
DUE = TODAY + datetime.timedelta(days=30)


def text(response) -> str:
    raw = b"".join(response.streaming_content) if response.streaming else response.content
    return raw.decode("utf-8-sig")


def _body(unit, name, units=(), departments=(), convener=None) -> JointMeetingBody:
    body = JointMeetingBody.objects.create(unit=unit, name=name, convener=convener)
    body.member_units.set(units)
    body.member_departments.set(departments)
    return body


@pytest.fixture
def bodies(world):
    """The city's body (members in both streets), street_a's body, and street_b's
    body, meeting and resolution: the CANARY."""
    city = _body(
        world.city,
        "城市党建联席会议",
        [world.street_a, world.street_b, world.community_b],
        [world.department_a, world.department_b],
    )
    street = _body(
        world.street_a,
        "宝力根街道党建联席会议",
        [world.community_a, world.community_a2],
        [world.department_a],
        convener=world.member_a,
    )
    canary = _body(world.street_b, "CANARY联席会议", [world.community_b], [world.department_b])
    canary_meeting = Meeting.objects.create(
        body=canary, date=TODAY, attendees="CANARY参会", minutes="CANARY纪要"
    )
    services.resolve(
        world.personas["city_admin"], canary_meeting, "CANARY决议", [world.community_b], DUE
    )
    return {
        "city": city,
        "street": street,
        "canary": canary,
        "city_meeting": Meeting.objects.create(body=city, date=TODAY, minutes="研究红色物业"),
        "street_meeting": Meeting.objects.create(body=street, date=TODAY, minutes="环境整治"),
        "canary_meeting": canary_meeting,
    }


# --- lists, pages and navigation


@pytest.mark.parametrize(
    "persona, expected",
    [
        ("city_admin", {"城市党建联席会议", "宝力根街道党建联席会议", "CANARY联席会议"}),
        ("street_admin", {"城市党建联席会议", "宝力根街道党建联席会议"}),
        ("community_admin", {"城市党建联席会议", "宝力根街道党建联席会议"}),
        ("grid_worker", {"城市党建联席会议", "宝力根街道党建联席会议"}),
        ("dept_admin", set()),
        ("party_member", set()),
    ],
)
def test_list_and_export_show_the_bodies_in_scope(world, bodies, login, persona, expected):
    client = login(persona)
    page = text(client.get("/work/joint-meetings/"))
    export = text(client.get("/work/joint-meetings/?export=csv"))
    for name in {"城市党建联席会议", "宝力根街道党建联席会议", "CANARY联席会议"}:
        assert (name in page) == (name in expected), name
        assert (name in export) == (name in expected), name
    if persona != "city_admin":
        assert "CANARY" not in page and "CANARY" not in export


def test_members_are_shown_as_far_as_the_viewer_sees(world, bodies, login):
    """The city's body lists street_b and the CANARY department: a street sees its own."""
    client = login("street_admin")
    page = text(client.get(f"/work/joint-meetings/{bodies['city'].pk}/"))
    assert "宝力根街道" in page and "希日塔拉街道" not in page and "CANARY" not in page
    assert "另有 3 个成员不在您的管辖范围内。" in page
    export = text(client.get("/work/joint-meetings/?export=csv"))
    assert "希日塔拉街道" not in export and "锡林浩特市财政局党组" in export
    city_page = text(login("city_admin").get(f"/work/joint-meetings/{bodies['city'].pk}/"))
    assert "希日塔拉街道" in city_page and "CANARY部门党组" in city_page


def test_body_page_lists_meetings_newest_first(world, bodies, login):
    street = bodies["street"]
    Meeting.objects.create(
        body=street, date=TODAY - datetime.timedelta(days=60), minutes="年初会议"
    )
    page = text(login("community_admin").get(f"/work/joint-meetings/{street.pk}/"))
    assert "巴特尔" in page  # the convener
    assert page.index("环境整治") < page.index("年初会议")
    assert "记录会议" not in page and "编辑" not in page  # a community reads, does not write


@pytest.mark.parametrize("persona", ["street_admin", "community_admin", "grid_worker", "nobody"])
def test_canary_pages_are_404(world, bodies, login, persona):
    client = login(persona)
    canary, meeting = bodies["canary"], bodies["canary_meeting"]
    for url in (
        f"/work/joint-meetings/{canary.pk}/",
        f"/work/joint-meetings/{canary.pk}/edit/",
        f"/work/joint-meetings/{canary.pk}/meetings/new/",
        f"/work/meetings/{meeting.pk}/",
        f"/work/meetings/{meeting.pk}/edit/",
        f"/work/meetings/{meeting.pk}/resolve/",
    ):
        assert client.get(url).status_code == 404, url


def test_street_reads_the_city_body_but_does_not_write_it(world, bodies, login):
    client = login("street_admin")
    city, meeting = bodies["city"], bodies["city_meeting"]
    page = text(client.get(f"/work/joint-meetings/{city.pk}/"))
    assert "记录会议" not in page and f"/work/joint-meetings/{city.pk}/edit/" not in page
    assert client.get(f"/work/joint-meetings/{city.pk}/edit/").status_code == 404
    assert client.get(f"/work/meetings/{meeting.pk}/edit/").status_code == 404
    refused = client.post(f"/work/joint-meetings/{city.pk}/meetings/new/", {"date": TODAY})
    assert refused.status_code == 403 and "您没有为该联席会议记录会议的权限。" in text(refused)
    refused = client.post(f"/work/meetings/{meeting.pk}/resolve/", {"text": "x"})
    assert refused.status_code == 403 and "您没有为该联席会议形成决议的权限。" in text(refused)
    assert Meeting.objects.filter(body=city).count() == 1
    assert not Resolution.objects.filter(meeting=meeting).exists()


def test_navigation_lists_joint_meetings_for_roles_that_read_them(world, login):
    assert "/work/joint-meetings/" in text(login("grid_worker").get("/"))
    assert "/work/joint-meetings/" not in text(login("dept_admin").get("/"))


def test_list_queries_do_not_grow_with_bodies(world, bodies, login, django_assert_max_num_queries):
    client = login("city_admin")
    for i in range(10):
        _body(world.street_a, f"联席会议{i}", [world.community_a], [world.department_a])
    with django_assert_max_num_queries(12):
        assert client.get("/work/joint-meetings/").status_code == 200


# --- creating and editing bodies


def body_form(unit, name="新的联席会议", units=(), departments=(), convener="") -> dict:
    return {
        "unit": unit.pk,
        "name": name,
        "convener": convener,
        "member_units": [u.pk for u in units],
        "member_departments": [d.pk for d in departments],
    }


def test_street_creates_its_body_with_history(world, login):
    world.street_a.secretary = world.member_a  # conveners are secretaries or leaders
    world.street_a.save()
    client = login("street_admin")
    assert client.get("/work/joint-meetings/new/").status_code == 200
    data = body_form(
        world.street_a,
        units=[world.community_a],
        departments=[world.department_a],
        convener=world.member_a.pk,
    )
    response = client.post("/work/joint-meetings/new/", data)
    body = JointMeetingBody.objects.get(name="新的联席会议")
    assert response.status_code == 302 and response["Location"] == body.get_absolute_url()
    assert list(body.member_units.all()) == [world.community_a]
    assert body.convener == world.member_a
    edited = client.post(f"/work/joint-meetings/{body.pk}/edit/", {**data, "name": "改名联席会议"})
    assert edited.status_code == 302
    assert LogEntry.objects.get_for_object(body).count() == 2
    page = text(client.get(body.get_absolute_url()))
    assert "变更记录" in page and "新的联席会议 → 改名联席会议" in page


@pytest.mark.parametrize(
    "persona, changes, message",
    [
        ("street_admin", {"unit": "street_b"}, "不在您的管辖范围内"),
        ("city_admin", {"unit": "community_a"}, "不是市级、街道单位"),
        ("street_admin", {"member_units": ["community_b"]}, str(OUT_OF_SCOPE)),
        ("street_admin", {"member_departments": ["department_b"]}, str(OUT_OF_SCOPE)),
        ("street_admin", {"convener": "canary_member"}, str(OUT_OF_SCOPE)),
        ("street_admin", {"convener": "resident_a"}, str(OUT_OF_SCOPE)),  # neither leads
        ("city_admin", {"member_units": ["community_b"]}, "成员单位必须是“宝力根街道”的下级单位"),
        ("city_admin", {"name": ""}, "这个字段是必填项。"),
    ],
)
def test_bad_or_forged_body_forms_are_refused(world, login, persona, changes, message):
    world.street_b.secretary = world.canary_member  # a candidate convener, out of scope
    world.street_b.save()
    data = body_form(world.street_a, name="伪造联席会议", units=[world.community_a])
    for field, value in changes.items():
        if isinstance(value, list):
            data[field] = [getattr(world, name).pk for name in value]
        else:
            data[field] = getattr(world, value).pk if value else value
    response = login(persona).post("/work/joint-meetings/new/", data)
    assert response.status_code == 200
    assert message in text(response)
    assert not JointMeetingBody.objects.exists()


def test_only_city_and_street_units_hold_a_body(world):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="只有市级和街道单位可以设立联席会议。"):
        JointMeetingBody(unit=world.community_a, name="社区联席会议").full_clean()


def test_community_may_not_create_a_body(world, login):
    assert login("community_admin").get("/work/joint-meetings/new/").status_code == 403


def test_editing_keeps_members_the_editor_cannot_see(world, bodies, login):
    """A street's body may list a department the street cannot see; saving the
    form must not drop it."""
    street = bodies["street"]
    street.member_departments.add(world.department_b)
    data = body_form(
        world.street_a,
        name="宝力根街道党建联席会议",
        units=[world.community_a],
        departments=[world.department_a, world.department_b],
    )
    response = login("street_admin").post(f"/work/joint-meetings/{street.pk}/edit/", data)
    assert response.status_code == 302
    assert set(street.member_departments.all()) == {world.department_a, world.department_b}


# --- meetings


def test_record_a_meeting_with_attendees_and_minutes(world, bodies, login):
    client = login("street_admin")
    street = bodies["street"]
    url = f"/work/joint-meetings/{street.pk}/meetings/new/"
    form = text(client.get(url))
    assert "团结社区、和平社区" in form  # the members are offered as attendees
    response = client.post(
        url, {"date": TODAY.isoformat(), "attendees": "团结社区、财政局", "minutes": "研究议题"}
    )
    meeting = Meeting.objects.get(body=street, minutes="研究议题")
    assert response["Location"] == meeting.get_absolute_url()
    assert meeting.attendees == "团结社区、财政局"
    page = text(client.get(meeting.get_absolute_url()))
    assert "研究议题" in page and "变更记录" in page


def test_a_meeting_in_the_future_is_refused(world, bodies, login):
    street = bodies["street"]
    tomorrow = TODAY + datetime.timedelta(days=1)
    response = login("street_admin").post(
        f"/work/joint-meetings/{street.pk}/meetings/new/",
        {"date": tomorrow.isoformat(), "minutes": "未来"},
    )
    assert "会议日期不能晚于今天" in text(response)
    assert not Meeting.objects.filter(minutes="未来").exists()


# --- resolution → task


def resolve_form(text="推进红色物业全覆盖", units=(), due=DUE, plan=None) -> dict:
    return {
        "text": text,
        "units": [u.pk for u in units],
        "due_date": due.isoformat() if due else "",
        "plan": plan.pk if plan else "",
    }


def test_city_turns_a_resolution_into_a_task_linked_to_its_meeting(world, bodies, login):
    client = login("city_admin")
    meeting = bodies["city_meeting"]
    plan = Plan.objects.create(unit=world.city, year=DUE.year, title="年度工作要点")
    url = f"/work/meetings/{meeting.pk}/resolve/"
    form = text(client.get(url))
    assert "宝力根街道" in form and "希日塔拉街道" in form and "年度工作要点" in form
    response = client.post(url, resolve_form(units=[world.street_a, world.street_b], plan=plan))
    assert response.status_code == 302 and response["Location"] == meeting.get_absolute_url()
    resolution = Resolution.objects.get(meeting=meeting)
    task = resolution.task
    assert (task.unit, task.plan, task.source, task.due_date) == (
        world.city,
        plan,
        "resolution",
        DUE,
    )
    assert set(task.assignments.values_list("unit__name", flat=True)) == {
        "宝力根街道",
        "希日塔拉街道",
    }
    # The street sees the resolution and its own assignment, and the way back.
    street = login("street_admin")
    page = text(street.get(meeting.get_absolute_url()))
    own = task.assignments.get(unit=world.street_a)
    assert "推进红色物业全覆盖" in page and own.get_absolute_url() in page
    assert task.assignments.get(unit=world.street_b).get_absolute_url() not in page
    assert meeting.get_absolute_url() in text(street.get(own.get_absolute_url()))


def test_street_assigns_a_resolution_to_its_communities(world, bodies, login):
    meeting = bodies["street_meeting"]
    client = login("street_admin")
    response = client.post(
        f"/work/meetings/{meeting.pk}/resolve/",
        resolve_form("整治老旧小区", units=[world.community_a, world.community_a2]),
    )
    assert response.status_code == 302
    task = Resolution.objects.get(meeting=meeting).task
    assert task.unit == world.street_a
    assert set(task.assignments.values_list("unit", flat=True)) == {
        world.community_a.pk,
        world.community_a2.pk,
    }
    assert "决议已转为任务，交办给 2 个单位。" in text(client.get(meeting.get_absolute_url()))


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"units": ["community_b"]}, str(OUT_OF_SCOPE)),
        ({"units": ["grid_a"]}, str(OUT_OF_SCOPE)),  # neither a member nor a child
        ({"units": []}, "请至少选择一个承办单位。"),
        ({"text": ""}, "请填写决议事项。"),
        ({"due": TODAY - datetime.timedelta(days=1)}, "完成时限不能早于今天。"),
        ({"due": None}, "这个字段是必填项。"),
        ({"plan": "street_plan", "due": datetime.date(DUE.year + 1, 1, 5)}, "年底"),
        ({"plan": "street_b_plan"}, str(OUT_OF_SCOPE)),
        ({"plan": "city_plan"}, str(OUT_OF_SCOPE)),  # a street's resolution: the street's plans
    ],
)
def test_bad_or_forged_resolutions_write_nothing(world, bodies, login, changes, message):
    plans = {
        "city_plan": Plan.objects.create(unit=world.city, year=DUE.year, title="市计划"),
        "street_plan": Plan.objects.create(unit=world.street_a, year=DUE.year, title="街道计划"),
        "street_b_plan": Plan.objects.create(unit=world.street_b, year=DUE.year, title="B计划"),
    }
    meeting = bodies["street_meeting"]
    data = resolve_form(units=[world.community_a], plan=plans["street_plan"])
    if "units" in changes:
        data["units"] = [getattr(world, name).pk for name in changes["units"]]
    if "text" in changes:
        data["text"] = changes["text"]
    if "due" in changes:
        data["due_date"] = changes["due"].isoformat() if changes["due"] else ""
    if "plan" in changes:
        data["plan"] = plans[changes["plan"]].pk
    before = (Task.objects.count(), Assignment.objects.count(), Resolution.objects.count())
    response = login("street_admin").post(f"/work/meetings/{meeting.pk}/resolve/", data)
    assert response.status_code == 200
    assert message in text(response)
    assert (Task.objects.count(), Assignment.objects.count(), Resolution.objects.count()) == before


def test_plan_year_bounds_the_due_date_in_the_service(world, bodies):
    plan = Plan.objects.create(unit=world.city, year=TODAY.year, title="本年计划")
    late = datetime.date(TODAY.year + 1, 1, 1)
    with pytest.raises(services.WorkflowError, match="年底"):
        services.resolve(
            world.personas["city_admin"], bodies["city_meeting"], "x", [world.street_a], late, plan
        )
    street_plan = Plan.objects.create(unit=world.street_a, year=DUE.year, title="街道计划")
    with pytest.raises(services.WorkflowError, match="所属单位的工作计划"):
        services.resolve(
            world.personas["city_admin"],
            bodies["city_meeting"],
            "x",
            [world.street_a],
            DUE,
            street_plan,
        )
    assert not Resolution.objects.filter(meeting=bodies["city_meeting"]).exists()
