"""双报到: registration, confirmation, grids, needs, claims, service, points, scoping."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from jiceng.orgs.models import DepartmentPairing
from jiceng.reporting import services
from jiceng.reporting.models import (
    DepartmentReport,
    GridResponsibility,
    MemberReport,
    PointRule,
    ServiceClaim,
    ServiceNeed,
    ServiceRecord,
    ServiceTotal,
    StateChange,
)
from jiceng.reporting.periods import current_period, period_of
from tests import factories as f
from tests.walker import release_file

TODAY = timezone.localdate()
YESTERDAY = TODAY - datetime.timedelta(days=1)


def register(world, person=None, community=None, user=None):
    return services.register_member(
        user or world.personas["party_member"],
        person or world.member_a,
        community or world.community_a,
        services.Registration(estate="团结小区", building="3", entrance="2", room="401"),
    )


@pytest.fixture
def confirmed(world):
    report = register(world)
    services.confirm_member(world.personas["community_admin"], report, world.grid_a)
    return report


@pytest.fixture
def canary_report(world):
    report = register(world, world.canary_member, world.community_b)
    report.state = "confirmed"
    report.grid = world.grid_b
    report.save()
    return report


def need(world, quantity=1, community=None):
    return ServiceNeed.objects.create(
        community=community or world.community_a,
        title="帮独居老人买菜",
        category="wish",
        kind="care",
        quantity=quantity,
        date=TODAY,
    )


def record(world, minutes=120, day=YESTERDAY, kind="care", person=None):
    person = person or world.member_a
    return ServiceRecord.objects.create(
        person=person,
        community=world.community_a,
        department_id=person.party_department_id,
        kind=kind,
        date=day,
        minutes=minutes,
        people_served=3,
    )


# --- registration (个人报到)
def test_member_registers_and_community_confirms_with_a_grid(world, confirmed):
    confirmed.refresh_from_db()
    assert confirmed.state == "confirmed" and confirmed.grid == world.grid_a
    assert confirmed.department == world.department_a
    assert confirmed.period == current_period() and confirmed.address == "团结小区3栋2单元401室"
    steps = list(StateChange.objects.filter(record_id=confirmed.pk).values_list("transition"))
    assert steps == [("submit",), ("confirm",)]


def test_a_non_party_member_cannot_register(world):
    with pytest.raises(services.ReportingError, match="不是中共党员"):
        register(world, world.resident_a, user=world.personas["community_admin"])
    assert not MemberReport.objects.exists()


def test_second_active_registration_elsewhere_is_refused(world):
    register(world)
    with pytest.raises(services.ReportingError, match="已到“团结社区”报到"):
        register(world, community=world.community_a2)
    assert MemberReport.objects.count() == 1


def test_the_database_also_refuses_two_active_registrations(world):
    first = register(world)
    duplicate = MemberReport(person=world.member_a, community=world.community_a2)
    duplicate.period = first.period
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        duplicate.save()


def test_after_rejection_the_member_may_register_again(world):
    report = register(world)
    with pytest.raises(services.ReportingError, match="请填写原因"):
        services.reject_member(world.personas["community_admin"], report, "  ")
    services.reject_member(world.personas["community_admin"], report, "地址不在本社区")
    assert report.state == "rejected" and report.reject_reason == "地址不在本社区"
    assert register(world, community=world.community_a2).state == "submitted"


def test_confirmation_needs_a_grid_of_that_community_and_a_pending_state(world):
    report = register(world)
    admin = world.personas["community_admin"]
    with pytest.raises(services.ReportingError, match="网格"):
        services.confirm_member(admin, report, world.grid_b)
    report.refresh_from_db()
    assert report.state == "submitted" and report.grid is None
    services.confirm_member(admin, report, world.grid_a)
    with pytest.raises(services.ReportingError, match="当前状态为“已确认”"):
        services.confirm_member(admin, report, world.grid_a)


def test_confirmation_outside_scope_or_by_a_member_is_refused(world, canary_report):
    report = register(world)
    with pytest.raises(services.ReportingError, match="权限"):
        services.confirm_member(world.personas["party_member"], report, world.grid_a)
    with pytest.raises(services.ReportingError, match="权限"):
        services.confirm_member(world.personas["grid_worker"], report, world.grid_a)
    canary_report.state = "submitted"
    canary_report.save()
    with pytest.raises(services.ReportingError, match="权限"):
        services.confirm_member(world.personas["community_admin"], canary_report, world.grid_b)


def test_nobody_approves_their_own_registration(world):
    report = register(world)
    world.member_a.user.role_assignments.create(role="community_staff", unit=world.community_a)
    member = type(world.member_a.user).objects.get(pk=world.member_a.user.pk)
    with pytest.raises(services.ReportingError, match="本人"):
        services.confirm_member(member, report, world.grid_a)


def test_past_periods_expire(world, confirmed):
    later = datetime.date(int(confirmed.period[:4]) + 1, 12, 31)
    assert services.expire_reports(later) == 1
    confirmed.refresh_from_db()
    assert confirmed.state == "expired"
    assert StateChange.objects.filter(record_id=confirmed.pk, transition="expire").exists()


def test_the_daily_job_expires_ended_periods_and_sends_digests(world, confirmed):
    import io

    from django.core.management import call_command

    MemberReport.objects.filter(pk=confirmed.pk).update(period="2020")
    out = io.StringIO()
    call_command("daily", stdout=out)
    confirmed.refresh_from_db()
    assert confirmed.state == "expired"
    assert "已到期的党员报到：1 条" in out.getvalue() and "工作提醒" in out.getvalue()


def test_period_follows_the_setting(settings):
    day = datetime.date(2024, 8, 1)
    assert period_of(day) == "2024"
    settings.JICENG_REPORTING_PERIOD = "half"
    assert period_of(day) == "2024H2" and period_of(datetime.date(2024, 6, 30)) == "2024H1"


# --- phone registration through the community link / QR poster
def test_join_page_registers_the_logged_in_member(world, login):
    client = login("party_member")
    url = f"/reporting/join/{world.community_a.code}/"
    assert client.get(url).status_code == 200
    response = client.post(url, {"estate": "团结小区", "building": "1", "service_kinds": ["care"]})
    assert response.status_code == 302
    report = MemberReport.objects.get()
    assert report.community == world.community_a and report.service_kinds == ["care"]
    again = client.post(url, {"estate": "团结小区"})
    assert again.status_code == 200 and "不能重复报到" in again.content.decode()
    assert MemberReport.objects.count() == 1


def test_join_page_refuses_non_member_accounts(world, login):
    response = login("nobody").get(f"/reporting/join/{world.community_a.code}/")
    assert response.status_code == 403
    assert login("party_member").get("/reporting/join/nope/").status_code == 404


def test_poster_has_an_svg_qr_code_and_is_scoped(world, login):
    response = login("community_admin").get(
        f"/reporting/communities/{world.community_a.pk}/poster/"
    )
    body = response.content.decode()
    assert response.status_code == 200 and "<svg" in body
    assert f"/reporting/join/{world.community_a.code}/" in body
    qr = login("community_admin").get(f"/reporting/communities/{world.community_a.pk}/qr.svg")
    assert qr["Content-Type"] == "image/svg+xml"
    outside = login("community_admin").get(f"/reporting/communities/{world.community_b.pk}/poster/")
    assert outside.status_code == 404


def test_department_admin_registers_members_in_bulk(world, login):
    second = f.person(
        "乌日娜",
        world.grid_a,
        political_status="party_member",
        party_department=world.department_a,
        workplace=world.department_a,
        party_join_date=datetime.date(2015, 7, 1),
        male=False,
    )
    client = login("dept_admin")
    page = client.get("/reporting/members/bulk/").content.decode()
    assert "巴特尔" in page and "CANARY" not in page
    response = client.post("/reporting/members/bulk/", {"members": [world.member_a.pk, second.pk]})
    assert response.status_code == 302
    assert set(MemberReport.objects.values_list("community", flat=True)) == {world.community_a.pk}
    forged = client.post("/reporting/members/bulk/", {"members": [world.canary_member.pk]})
    assert "不在您的管辖范围内" in forged.content.decode()
    assert MemberReport.objects.count() == 2
    assert login("community_admin").get("/reporting/members/bulk/").status_code == 403


# --- transitions over HTTP: refusals are messages, never 500s
def test_transition_page_refuses_clearly(world, login):
    report = register(world)
    client = login("community_admin")
    url = f"/reporting/memberreport/{report.pk}/confirm/"
    response = client.post(url, {"grid": world.grid_b.pk}, follow=True)
    assert "不在您的管辖范围内" in response.content.decode()
    response = client.post(url, {"grid": world.grid_a.pk}, follow=True)
    assert response.status_code == 200
    report.refresh_from_db()
    assert report.state == "confirmed"
    again = client.post(f"/reporting/memberreport/{report.pk}/reject/", {"note": "x"}, follow=True)
    assert "不能执行" in again.content.decode()
    assert client.post(f"/reporting/nothing/{report.pk}/confirm/").status_code == 404


def test_a_records_trail_reads_in_chinese(world, login):
    report = register(world)
    client = login("community_admin")
    url = f"/reporting/memberreport/{report.pk}/confirm/"
    page = client.post(url, {"grid": world.grid_a.pk}, follow=True).content.decode()
    assert "提交 — → 待社区确认" in page and "确认报到 待社区确认 → 已确认" in page
    assert "submitted" not in page and "confirm " not in page


# --- department reporting (单位报到)
def test_department_proposes_and_community_confirms(world, login):
    pairing = DepartmentPairing.objects.get(department=world.department_a)
    client = login("dept_admin")
    data = {"pairing": pairing.pk, "year": 2025, "resources": "法律咨询", "projects": "普法进社区"}
    assert client.post("/reporting/departments/new/", data).status_code == 302
    report = DepartmentReport.objects.get()
    assert report.state == "proposed"
    again = client.post("/reporting/departments/new/", data)
    assert "已有共建协议" in again.content.decode()
    canary = DepartmentPairing.objects.get(department=world.department_b)
    forged = client.post("/reporting/departments/new/", {**data, "pairing": canary.pk})
    assert "不在您的管辖范围内" in forged.content.decode()
    with pytest.raises(services.ReportingError):
        services.decide_department_report(world.personas["dept_admin"], report, "confirm")
    services.decide_department_report(world.personas["community_admin"], report, "confirm")
    assert DepartmentReport.objects.get().state == "confirmed"


# --- grids (网格党建责任)
def test_grids_without_a_worker_or_responsible_member_are_flagged(world, confirmed):
    from jiceng.reporting.figures import flagged_grids

    period = confirmed.period
    assert list(flagged_grids(world.city, period)) == [world.grid_a, world.grid_b]
    GridResponsibility.objects.create(grid=world.grid_a, grid_worker=world.resident_a)
    assert list(flagged_grids(world.city, period)) == [world.grid_b]
    GridResponsibility.objects.create(grid=world.grid_b, grid_worker=world.canary_person)
    assert list(flagged_grids(world.city, period)) == [world.grid_b]  # no party member
    GridResponsibility.objects.filter(grid=world.grid_b).update(
        branch_secretary=world.canary_member
    )
    assert list(flagged_grids(world.city, period)) == []


def test_grid_secretary_must_be_a_party_member(world, login):
    responsibility = GridResponsibility.objects.create(grid=world.grid_a)
    client = login("community_admin")
    url = f"/reporting/grids/{responsibility.pk}/edit/"
    response = client.post(url, {"branch_secretary": world.resident_a.pk})
    assert "必须是党员" in response.content.decode()
    response = client.post(url, {"branch_secretary": world.canary_member.pk})
    assert "不在您的管辖范围内" in response.content.decode()
    assert client.post(url, {"branch_secretary": world.member_a.pk}).status_code == 302


# --- needs and claims
def test_claims_never_exceed_the_quantity(world, confirmed):
    wish = need(world, quantity=1)
    services.claim_need(world.personas["party_member"], wish, person=world.member_a)
    with pytest.raises(services.ReportingError, match="已认领满额"):
        services.claim_need(world.personas["dept_admin"], wish, department=world.department_a)
    wish.refresh_from_db()
    assert wish.claimed_count == 1 and ServiceClaim.objects.count() == 1


def test_a_member_claims_a_need_once_even_when_racing_themselves(world, confirmed):
    """The check before the claim cannot see a claim made at the same moment by the
    same member (two taps); the database refuses the second."""
    from django.db import IntegrityError, transaction

    post = need(world, quantity=3)
    services.claim_need(world.personas["party_member"], post, person=world.member_a)
    with pytest.raises(services.ReportingError, match="已认领过"):
        services.claim_need(world.personas["party_member"], post, person=world.member_a)
    with pytest.raises(IntegrityError), transaction.atomic():
        ServiceClaim.objects.create(need=post, person=world.member_a)
    services.claim_need(world.personas["dept_admin"], post, department=world.department_a)
    services.claim_need(world.personas["dept_admin"], post, department=world.department_a)
    post.refresh_from_db()
    assert post.claimed_count == 3 and ServiceClaim.objects.filter(need=post).count() == 3


def test_claim_page_and_api_refuse_when_full(world, confirmed, login, client):
    from jiceng.accounts.models import ApiToken

    wish = need(world, quantity=1)
    member = login("party_member")
    assert member.get(f"/reporting/needs/{wish.pk}/").status_code == 200
    member.post(f"/reporting/needs/{wish.pk}/claim/")
    _, token = ApiToken.issue(world.personas["dept_admin"])
    response = client.post(
        f"/api/v1/service-needs/{wish.pk}/claims", HTTP_AUTHORIZATION=f"Bearer {token}"
    )
    assert response.status_code == 409 and "满额" in response.json()["detail"]
    assert ServiceClaim.objects.count() == 1


def test_members_see_needs_of_their_community_only(world, confirmed):
    mine, other = need(world), need(world, community=world.community_b)
    visible = ServiceNeed.objects.visible_to(world.personas["party_member"])
    assert list(visible) == [mine]
    assert other not in ServiceNeed.objects.visible_to(world.personas["dept_admin"])


# --- service records
@pytest.mark.parametrize(
    ("minutes", "day", "message"),
    [
        (30 * 60, YESTERDAY, "24 小时"),
        (60, TODAY + datetime.timedelta(days=1), "不能晚于今天"),
        (0, YESTERDAY, None),
    ],
)
def test_bad_service_records_are_refused(world, confirmed, login, minutes, day, message):
    client = login("party_member")
    data = {"kind": "care", "date": day.isoformat(), "minutes": minutes, "people_served": 2}
    response = client.post("/reporting/records/new/", data)
    assert response.status_code == 200
    if message:
        assert message in response.content.decode()
    assert not ServiceRecord.objects.exists()


def test_a_day_holds_at_most_24_hours_in_total(world, confirmed):
    record(world, minutes=20 * 60)
    with pytest.raises(services.ReportingError, match="当天已登记 20.0 小时"):
        services.check_service(world.member_a, YESTERDAY, 5 * 60)
    services.check_service(world.member_a, YESTERDAY, 4 * 60)


def test_unreported_members_cannot_log_service(world, login):
    data = {"kind": "care", "date": YESTERDAY.isoformat(), "minutes": 60, "people_served": 1}
    response = login("party_member").post("/reporting/records/new/", data)
    assert "尚未在社区报到" in response.content.decode()
    assert not ServiceRecord.objects.exists()


def test_member_logs_service_with_photos_and_community_confirms_with_points(
    world, confirmed, login, settings, tmp_path
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = tmp_path
    PointRule.objects.create(unit=world.city, points_per_hour=Decimal("2"))
    PointRule.objects.create(unit=world.community_a, kind="care", points_per_hour=Decimal("3"))
    photo = SimpleUploadedFile("a.jpg", b"\xff\xd8\xff", content_type="image/jpeg")
    data = {
        "kind": "care",
        "date": YESTERDAY.isoformat(),
        "minutes": 90,
        "people_served": 4,
        "photos": [photo],
    }
    assert login("party_member").post("/reporting/records/new/", data).status_code == 302
    made = ServiceRecord.objects.get()
    assert made.state == "submitted" and made.points == 0 and made.photos.count() == 1
    photo_url = f"/reporting/photos/{made.photos.get().pk}/"
    assert (
        f'src="{photo_url}"'
        in login("community_admin").get(made.get_absolute_url()).content.decode()
    )
    shown = login("community_admin").get(photo_url)
    assert shown.status_code == 200 and shown["Content-Type"] == "image/jpeg"
    release_file(shown)
    by_department = login("dept_admin").get(photo_url)  # the member's department
    release_file(by_department)
    assert by_department.status_code == 200
    assert login("grid_worker").get(photo_url).status_code == 404
    services.confirm_record(world.personas["community_admin"], made)
    made.refresh_from_db()
    assert made.points == Decimal("4.5")  # the community's care rule beats the city's
    assert ServiceTotal.objects.get(community=world.community_a).minutes == 90
    assert ServiceTotal.objects.get(department=world.department_a).people_served == 4


def test_totals_kept_by_confirmation_equal_totals_rebuilt_from_the_records(world, confirmed):
    """ServiceTotal is stored for the dashboard: whatever the confirm and reject
    transitions did, it must hold what the records say."""
    from jiceng.reporting import totals

    admin = world.personas["community_admin"]
    earlier = YESTERDAY - datetime.timedelta(days=40)
    no_department = record(world, 30, earlier)
    ServiceRecord.objects.filter(pk=no_department.pk).update(department=None)
    for made in (record(world, 60), record(world, 45, earlier), no_department):
        services.confirm_record(admin, made)
    services.reject_record(admin, record(world, 15), "重复登记")
    record(world, 20)  # still waiting for the community

    def snapshot():
        rows = ServiceTotal.objects.values_list(
            "community", "department", "month", "records", "minutes", "people_served"
        )
        return sorted(rows, key=str)

    kept = snapshot()
    assert totals.rebuild() == len(kept) and snapshot() == kept
    assert sum(row[4] for row in kept if row[0]) == 135


def test_point_caps_apply(world, confirmed):
    PointRule.objects.create(
        unit=world.city, points_per_hour=Decimal("2"), max_per_record=5, max_per_month=7
    )
    admin = world.personas["community_admin"]
    first, second = record(world, 6 * 60), record(world, 6 * 60)
    services.confirm_record(admin, first)
    services.confirm_record(admin, second)
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.points, second.points) == (Decimal("5.0"), Decimal("2.0"))


def test_points_never_come_from_logins_clicks_or_views(world, confirmed, login):
    PointRule.objects.create(unit=world.city, points_per_hour=Decimal("2"))
    client = login("party_member")
    for url in ["/", "/reporting/mine/", "/reporting/needs/", "/reporting/records/"]:
        assert client.get(url).status_code == 200
    client.post("/accounts/login/", {"username": "party_member", "password": f.PASSWORD})
    assert ServiceRecord.objects.count() == 0
    assert "0" in client.get("/reporting/mine/").content.decode()
    assert services.points.total_points(ServiceRecord.objects.all()) == 0
    rule_fields = {field.name for field in PointRule._meta.get_fields()}
    assert not rule_fields & {"per_login", "per_click", "per_view", "per_minute_online"}


# --- scoping per persona
EXPECTED_REPORTS = {
    "city_admin": {"巴特尔", "CANARY党员"},
    "street_admin": {"巴特尔"},
    "community_admin": {"巴特尔"},
    "grid_worker": set(),  # the community owns reports; grids see none above them
    "dept_admin": {"巴特尔"},
    "party_member": {"巴特尔"},
    "nobody": set(),
}


@pytest.mark.parametrize(("persona", "expected"), EXPECTED_REPORTS.items())
def test_member_reports_visible_per_persona(world, confirmed, canary_report, persona, expected):
    visible = MemberReport.objects.visible_to(world.personas[persona])
    assert {r.person.name for r in visible} == expected


def test_department_admin_sees_members_wherever_they_live(world):
    far = f.person(
        "远方党员",
        world.grid_b,
        political_status="party_member",
        party_department=world.department_a,
        workplace=world.department_a,
        party_join_date=datetime.date(2011, 7, 1),
    )
    report = register(world, far, world.community_b, user=world.personas["dept_admin"])
    assert list(MemberReport.objects.visible_to(world.personas["dept_admin"])) == [report]
    assert not MemberReport.objects.visible_to(world.personas["community_admin"]).exists()


def test_department_admin_cannot_look_at_another_departments_members(
    world, confirmed, canary_report, login, client
):
    from jiceng.accounts.models import ApiToken

    dept = login("dept_admin")
    assert dept.get(f"/reporting/members/{canary_report.pk}/").status_code == 404
    page = dept.get(f"/reporting/members/?department={world.department_b.pk}")
    assert "CANARY" not in page.content.decode()
    _, token = ApiToken.issue(world.personas["dept_admin"])
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    forged = client.get(f"/api/v1/member-reports?department={world.department_b.pk}", **auth)
    assert forged.status_code == 400 and "errors" in forged.json()
    body = client.get("/api/v1/member-reports", **auth).json()
    assert [r["person_name"] for r in body["items"]] == ["巴特尔"]


# --- API
@pytest.fixture
def bearer(world):
    from jiceng.accounts.models import ApiToken

    def _bearer(persona):
        _, clear = ApiToken.issue(world.personas[persona])
        return {"HTTP_AUTHORIZATION": f"Bearer {clear}"}

    return _bearer


def test_api_lists_filter_and_mask(world, confirmed, canary_report, client, bearer):
    auth = bearer("city_admin")
    body = client.get(f"/api/v1/member-reports?community={world.community_b.pk}", **auth).json()
    assert [r["person_name"] for r in body["items"]] == ["CANARY党员"]
    assert world.canary_member.id_number not in str(body)
    by_grid = client.get(f"/api/v1/member-reports?grid={world.grid_a.pk}", **auth).json()
    assert by_grid["count"] == 1
    by_state = client.get("/api/v1/member-reports?state=submitted", **auth).json()
    assert by_state["count"] == 0
    bad = client.get("/api/v1/member-reports?state=nonsense", **auth)
    assert bad.status_code == 400
    for path in ["department-reports", "service-needs", "service-records"]:
        assert client.get(f"/api/v1/{path}", **auth).json()["count"] == 0


def test_api_logs_service_through_the_form(world, confirmed, client, bearer):
    auth = bearer("party_member")
    data = {"kind": "care", "date": YESTERDAY.isoformat(), "minutes": 1800}
    response = client.post("/api/v1/service-records", data, content_type="application/json", **auth)
    assert response.status_code == 400 and "24 小时" in str(response.json())
    data["minutes"] = 60
    response = client.post("/api/v1/service-records", data, content_type="application/json", **auth)
    assert response.status_code == 201 and response.json()["state"] == "submitted"
    records = client.get("/api/v1/service-records", **bearer("community_admin")).json()
    assert records["count"] == 1


def test_reporting_summary_is_computed_and_scoped(world, confirmed, canary_report, client, bearer):
    admin = world.personas["community_admin"]
    services.confirm_record(admin, record(world, 120))
    auth = bearer("street_admin")
    body = client.get(f"/api/v1/units/{world.street_a.pk}/reporting-summary", **auth).json()
    assert body["members_reported"] == 1 and body["in_service_members"] == 1
    assert body["reporting_rate"] == 1.0 and body["departments_paired"] == 1
    assert body["service_minutes"] == 120 and body["people_served"] == 3
    assert body["members_per_grid"]["grids_with_members"] == 1
    city = client.get(f"/api/v1/units/{world.city.pk}/reporting-summary", **bearer("city_admin"))
    assert city.json()["members_reported"] == 2 and city.json()["in_service_members"] == 2
    outside = client.get(f"/api/v1/units/{world.street_b.pk}/reporting-summary", **auth)
    assert outside.status_code == 404
    bad = client.get(f"/api/v1/units/{world.street_a.pk}/reporting-summary?period=x", **auth)
    assert bad.status_code == 400


def test_a_grids_summary_counts_the_members_assigned_to_it(world, confirmed, canary_report):
    """A registration's community is the grid's parent: a grid's figures come from
    the members assigned to it, and their service from their own records."""
    from jiceng.reporting.figures import summary

    services.confirm_record(world.personas["community_admin"], record(world, 120))
    grid = summary(world.grid_a, confirmed.period)
    assert grid["members_reported"] == 1 and grid["in_service_members"] == 1
    assert grid["members_per_grid"]["grids"] == 1 and grid["grids_flagged"] == 1  # no worker
    assert grid["service_minutes"] == 120 and grid["people_served"] == 3
    assert grid["by_child"] == []
    other = summary(world.grid_b, confirmed.period)
    assert other["members_reported"] == 1 and other["service_minutes"] == 0


def test_a_grids_service_counts_a_member_once_whatever_their_registrations(world, confirmed):
    """A member assigned to the grid in an earlier period too: each record once."""
    from jiceng.reporting.figures import summary

    MemberReport.objects.filter(pk=confirmed.pk).update(state="expired")
    again = register(world)
    services.confirm_member(world.personas["community_admin"], again, world.grid_a)
    services.confirm_record(world.personas["community_admin"], record(world, 90))
    grid = summary(world.grid_a, again.period)
    assert grid["service_records"] == 1 and grid["service_minutes"] == 90


# --- pages, exports, query counts
def test_dashboard_renders_figures_and_charts(world, confirmed, login):
    response = login("city_admin").get("/reporting/")
    body = response.content.decode()
    assert response.status_code == 200
    assert "echarts.min.js" in body and "reporting-data" in body
    dept = login("dept_admin").get("/reporting/")
    assert dept.status_code == 302 and dept["Location"] == "/reporting/feedback/"
    member = login("party_member").get("/reporting/", follow=True)  # the 双报到 menu entry
    assert member.status_code == 200 and member.redirect_chain[-1][0] == "/reporting/mine/"
    assert login("nobody").get("/reporting/").status_code == 403
    bad = login("city_admin").get("/reporting/?period=abc")
    assert bad.status_code == 200 and "周期格式" in bad.content.decode()


def test_department_feedback_lists_who_reported_and_served(world, confirmed, login):
    body = login("dept_admin").get("/reporting/feedback/").content.decode()
    assert "巴特尔" in body and "从未服务" in body and "CANARY" not in body
    assert login("community_admin").get("/reporting/feedback/").status_code == 403


def test_department_feedback_counts_service_once_whatever_the_registrations(
    world, confirmed, login
):
    """Two registrations (an expired one and the current one) must not double the hours."""
    MemberReport.objects.filter(pk=confirmed.pk).update(state="expired")
    again = register(world)
    services.confirm_member(world.personas["community_admin"], again, world.grid_a)
    services.confirm_record(world.personas["community_admin"], record(world, 180))
    page = login("dept_admin").get(f"/reporting/feedback/?period={again.period}")
    row = next(r for r in page.context["rows"] if r["pk"] == world.member_a.pk)
    assert (row["reported"], row["minutes"]) == (1, 180)


def test_evaluations_go_back_to_the_department_and_export(world, confirmed, login):
    client = login("community_admin")
    data = {"report": confirmed.pk, "half": "2025H1", "grade": "excellent", "comment": "积极"}
    assert client.post("/reporting/evaluations/new/", data).status_code == 302
    assert "已有评价" in client.post("/reporting/evaluations/new/", data).content.decode()
    bad = client.post("/reporting/evaluations/new/", {**data, "half": "2025Q1"})
    assert "半年度格式" in bad.content.decode()
    export = login("dept_admin").get("/reporting/evaluations/?export=csv")
    text = b"".join(export.streaming_content).decode()
    assert "巴特尔" in text and "优秀" in text


LIST_PAGES = [
    "/reporting/members/",
    "/reporting/departments/",
    "/reporting/needs/",
    "/reporting/records/",
    "/reporting/grids/",
    "/reporting/evaluations/",
    "/reporting/rules/",
    "/reporting/",
]


@pytest.mark.parametrize("url", LIST_PAGES)
def test_list_pages_do_not_grow_queries_with_rows(
    world, confirmed, login, django_assert_max_num_queries, url
):
    for index in range(15):
        person = f.person(
            f"党员{index}",
            world.grid_a,
            political_status="party_member",
            party_department=world.department_a,
            workplace=world.department_a,
            party_join_date=datetime.date(2012, 7, 1),
        )
        report = register(world, person, user=world.personas["dept_admin"])
        services.confirm_member(world.personas["community_admin"], report, world.grid_a)
        record(world, 60, person=person)
        need(world)
    GridResponsibility.objects.create(grid=world.grid_a, grid_worker=world.resident_a)
    client = login("city_admin")
    with django_assert_max_num_queries(25):
        assert client.get(url).status_code == 200


def test_record_pages_lead_back_to_their_list(world, login):
    wish = need(world, quantity=1)
    page = login("community_admin").get(f"/reporting/needs/{wish.pk}/").content.decode()
    assert '<a href="/reporting/needs/">服务需求</a>' in page


def test_grid_edit_form_shows_the_current_holders_selected(world, login):
    # The person pickers are rendered in Python (FastSelect): the current
    # holder must still come back selected, or a save would clear it.
    responsibility = GridResponsibility.objects.create(
        grid=world.grid_a, branch_secretary=world.member_a
    )
    page = (
        login("community_admin").get(f"/reporting/grids/{responsibility.pk}/edit/").content.decode()
    )
    assert f'<option value="{world.member_a.pk}" selected>' in page
    assert world.canary_member.name not in page


@pytest.mark.parametrize(
    "persona, shown, hidden",
    [
        ("community_admin", ["单位报到", "网格责任", "评价", "积分规则"], []),
        ("grid_worker", ["网格责任"], ["单位报到", "评价", "积分规则"]),
    ],
)
def test_dashboard_links_only_to_lists_the_role_may_read(world, login, persona, shown, hidden):
    links = login(persona).get("/reporting/").context["links"]
    labels = [link["label"] for link in links]
    assert all(label in labels for label in shown)
    assert not any(label in labels for label in hidden)
