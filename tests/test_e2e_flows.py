"""End to end on phones: the flows where the page itself matters.

1. 工作清单 close-out (销号): report with a photo, request, return with a reason,
   request again, approve; the requester never gets to approve their own request.
2. 双报到: a member registers through the community's join link, the community
   confirms and assigns a grid, the member logs service with a photo, the
   community confirms it and the points appear.
3. Bad service input shows the Chinese error by its field and writes nothing.

Each person uses their own phone (browser context) and logs in through the form.
Fixtures: tests/browser.py.
"""

from __future__ import annotations

import base64
import datetime
import re
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from playwright.sync_api import expect

from jiceng.reporting import services as reporting
from jiceng.reporting.models import MemberReport, PointRule, ServiceRecord
from jiceng.worklists import services as worklists
from jiceng.worklists.models import Assignment, Attachment, State, Task
from tests import factories as f
from tests.browser import BROWSER_MARKS, fill_login_form, log_in

pytestmark = BROWSER_MARKS

TODAY = datetime.date.today()
YESTERDAY = TODAY - datetime.timedelta(days=1)
TASK = "建强社区党组织"
REPORT_TEXT = "已召开党组织书记专题会议"
PHOTO_SIZE = 16

# A canvas drawn by the browser and encoded as JPEG: a real image file, no
# imaging library needed.
JPEG_FROM_CANVAS = f"""() => {{
    const canvas = document.createElement("canvas");
    canvas.width = canvas.height = {PHOTO_SIZE};
    const draw = canvas.getContext("2d");
    draw.fillStyle = "#c8102e";
    draw.fillRect(0, 0, {PHOTO_SIZE}, {PHOTO_SIZE});
    return canvas.toDataURL("image/jpeg");
}}"""


def write_jpeg(page, path):
    data_url = page.evaluate(JPEG_FROM_CANVAS)
    path.write_bytes(base64.b64decode(data_url.split(",", 1)[1]))
    assert path.read_bytes()[:3] == b"\xff\xd8\xff"
    return path


def expect_image_shown(page) -> None:
    """The page is the image itself, decoded by the browser at its real size."""
    image = page.locator("img")
    expect(image).to_have_count(1)
    expect_decoded(image)


def expect_decoded(image) -> None:
    """The browser loaded and decoded the photo (waits for it, as a person would)."""
    expect(image).to_have_js_property("naturalWidth", PHOTO_SIZE)


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def street_task(world, media) -> Assignment:
    """A street task for community_a that needs evidence to close."""
    task = Task.objects.create(
        unit=world.street_a,
        title=TASK,
        due_date=TODAY + datetime.timedelta(days=30),
        evidence_required="会议照片",
    )
    (assignment,) = worklists.assign(None, task, [world.community_a])
    return assignment


def open_from_my_work(page, base: str, section: str) -> None:
    """Open the task from a section of 我的工作 (待办, or 待我审批的销号申请)."""
    page.goto(f"{base}/work/")
    card = page.locator(".card", has=page.get_by_text(section))
    card.get_by_role("link", name=re.compile(TASK)).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(TASK)


def act(page, action: str, note: str = "") -> None:
    page.get_by_label("说明（退回、免除须填写理由）").fill(note)
    page.get_by_role("button", name=action, exact=True).click()


def state_badge(page):
    return page.locator("h1 + .badge")


def test_close_out_with_photo_return_and_approval(phone, live_server, world, street_task, tmp_path):
    base = live_server.url
    community, street = phone(), phone()
    log_in(community, base, "community_admin")
    log_in(street, base, "street_admin")

    # The community reports progress with a photo from "my work".
    open_from_my_work(community, base, "待办")
    community.get_by_label("进展情况").fill(REPORT_TEXT)
    community.get_by_label("完成进度（%）").fill("100")
    community.get_by_label("附件（照片、文档）").set_input_files(
        write_jpeg(community, tmp_path / "会议照片.jpg")
    )
    community.get_by_role("button", name="上报", exact=True).click()
    expect(community.get_by_text("进度已上报。")).to_be_visible()
    expect(community.get_by_role("link", name="会议照片.jpg")).to_be_visible()
    expect(state_badge(community)).to_have_text("推进中")
    # The assignee asks; only the assigning level approves.
    expect(community.get_by_role("button", name="同意销号")).to_have_count(0)
    act(community, "申请销号")
    expect(community.get_by_text("操作已完成：申请销号。")).to_be_visible()
    expect(state_badge(community)).to_have_text("待销号")
    expect(community.get_by_role("button", name="同意销号")).to_have_count(0)

    # The street finds it waiting, reads the report and opens the photo.
    open_from_my_work(street, base, "待我审批的销号申请")
    task_url = street.url
    expect(street.get_by_text(REPORT_TEXT)).to_be_visible()
    attachment = Attachment.objects.get()
    street.get_by_role("link", name="会议照片.jpg").click()
    expect(street).to_have_url(f"{base}/work/attachments/{attachment.pk}/")
    expect_image_shown(street)

    # A return needs a reason; with one, the community sees it.
    street.goto(task_url)
    act(street, "退回")
    expect(street.get_by_text("“退回”必须填写理由。")).to_be_visible()
    expect(state_badge(street)).to_have_text("待销号")
    act(street, "退回", "照片不清晰，请补充会议记录")
    expect(street.get_by_text("操作已完成：退回。")).to_be_visible()
    expect(state_badge(street)).to_have_text("已退回")

    open_from_my_work(community, base, "待办")
    expect(state_badge(community)).to_have_text("已退回")
    expect(community.get_by_text("照片不清晰，请补充会议记录")).to_be_visible()
    act(community, "申请销号", "已补充")
    expect(state_badge(community)).to_have_text("待销号")

    open_from_my_work(street, base, "待我审批的销号申请")
    act(street, "同意销号")
    expect(street.get_by_text("操作已完成：同意销号。")).to_be_visible()
    expect(state_badge(street)).to_have_text("已销号")
    # Every transition is on the timeline, oldest first.
    timeline = street.locator(".card", has=street.get_by_text("办理时间线")).locator("li")
    expect(timeline).to_have_count(5)
    expected = [
        ("已交办 → 推进中", "上报进度，开始办理"),
        ("推进中 → 待销号", ""),
        ("待销号 → 已退回", "照片不清晰，请补充会议记录"),
        ("已退回 → 待销号", "已补充"),
        ("待销号 → 已销号", ""),
    ]
    for row, (change, note) in zip(timeline.all(), expected, strict=True):
        expect(row).to_contain_text(change)
        expect(row).to_contain_text(note)

    done = Assignment.objects.get(pk=street_task.pk)
    assert done.state == State.CLOSED and done.rollup == 100
    steps = list(done.transitions.order_by("at", "pk").values_list("action", "actor__username"))
    assert steps == [
        ("start", "community_admin"),
        ("request_close", "community_admin"),
        ("return", "street_admin"),
        ("request_close", "community_admin"),
        ("approve", "street_admin"),
    ]
    # Nothing is waiting on either side any more.
    street.goto(f"{base}/work/")
    expect(street.get_by_text("没有待审批的申请。")).to_be_visible()
    community.goto(f"{base}/work/")
    expect(community.get_by_text("没有待办任务。")).to_be_visible()


def test_requester_cannot_approve_their_own_request(page, live_server, world, street_task):
    """A user on staff at both levels could act on both sides: after asking to
    close, the approve button is not theirs, and a forged approve is refused."""
    dual = f.user("dual", "street_staff", unit=world.street_a)
    dual.role_assignments.create(role="community_staff", unit=world.community_a)
    dual = type(dual).objects.get(pk=dual.pk)
    photo = SimpleUploadedFile("会议照片.jpg", b"\xff\xd8\xff", content_type="image/jpeg")
    worklists.submit_report(dual, [street_task], REPORT_TEXT, 100, [photo])
    base = live_server.url
    log_in(page, base, "dual")
    open_from_my_work(page, base, "待办")
    act(page, "申请销号")
    expect(state_badge(page)).to_have_text("待销号")
    expect(page.get_by_role("button", name="退回", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="同意销号")).to_have_count(0)

    # The same form posting action=approve, as a hand-made request would.
    page.get_by_role("button", name="退回", exact=True).evaluate("b => b.value = 'approve'")
    act(page, "退回")
    expect(page.get_by_text("不能审批本人提交的销号申请。")).to_be_visible()
    expect(state_badge(page)).to_have_text("待销号")
    assert Assignment.objects.get(pk=street_task.pk).state == State.CLOSE_REQUESTED


# --- 双报到 on a phone


@pytest.fixture
def point_rule(world) -> PointRule:
    return PointRule.objects.create(unit=world.community_a, points_per_hour=Decimal("2.0"))


@pytest.fixture
def confirmed_member(world) -> MemberReport:
    """The party member registered at community_a and confirmed to grid_a."""
    member = world.personas["party_member"]
    report = reporting.register_member(
        member, world.member_a, world.community_a, reporting.Registration(estate="团结小区")
    )
    reporting.confirm_member(world.personas["community_admin"], report, world.grid_a)
    return report


def test_member_registers_serves_and_earns_points(
    phone, live_server, world, media, point_rule, tmp_path
):
    base = live_server.url
    member, community = phone(), phone()
    log_in(community, base, "community_admin")

    # The QR poster's link, opened before logging in: log in, then the form.
    member.goto(f"{base}/reporting/join/{world.community_a.code}/")
    fill_login_form(member, "party_member")
    expect(member).to_have_url(f"{base}/reporting/join/{world.community_a.code}/")
    expect(member.get_by_text("报到社区：团结社区")).to_be_visible()
    member.get_by_label("小区").fill("团结小区")
    member.get_by_label("楼栋").fill("3号楼")
    member.get_by_label("特长").fill("法律咨询")
    member.get_by_label("志愿服务").check()
    member.get_by_label("可服务时间").fill("周末")
    member.get_by_role("button", name="提交报到").click()
    expect(member.get_by_text("报到已提交，等待社区确认。")).to_be_visible()
    report = MemberReport.objects.get(person=world.member_a)
    assert (report.state, report.community, report.estate) == (
        "submitted",
        world.community_a,
        "团结小区",
    )

    # The community confirms it and assigns the grid.
    community.goto(f"{base}/reporting/members/")
    community.get_by_role("link", name="巴特尔").click()
    community.get_by_label("分配网格（确认时必选）").select_option(label=world.grid_a.name)
    community.get_by_role("button", name="确认报到").click()
    expect(community.get_by_text("已完成：")).to_be_visible()
    expect(community.get_by_role("button", name="确认报到")).to_have_count(0)
    report.refresh_from_db()
    assert (report.state, report.grid) == ("confirmed", world.grid_a)

    # The member's own page shows the confirmed registration and its grid.
    member.goto(f"{base}/reporting/mine/")
    registration = member.locator("li", has=member.get_by_role("link", name=re.compile("团结社区")))
    expect(registration).to_contain_text("已确认")
    expect(registration).to_contain_text(world.grid_a.name)

    # The member logs 90 minutes of service with a photo.
    member.get_by_role("link", name="登记服务").click()
    member.get_by_label("服务类型").select_option(label="志愿服务")
    member.get_by_label("服务日期").fill(YESTERDAY.isoformat())
    member.get_by_label("服务时长（分钟）").fill("90")
    member.get_by_label("服务人数").fill("12")
    member.get_by_label("服务内容").fill("清理楼道杂物")
    member.get_by_label("照片").set_input_files(write_jpeg(member, tmp_path / "服务.jpg"))
    member.get_by_role("button", name="提交，等待社区确认").click()
    expect(member.get_by_text("已保存：")).to_be_visible()
    record = ServiceRecord.objects.get()
    assert (record.state, record.minutes, record.community) == ("submitted", 90, world.community_a)
    assert record.photos.count() == 1

    # The community sees the photo and confirms the record.
    community.goto(f"{base}/reporting/records/")
    community.get_by_role("link", name="巴特尔").click()
    thumbnail = community.get_by_role("img", name="服务照片")
    expect(thumbnail).to_be_visible()
    expect_decoded(thumbnail)
    community.get_by_role("button", name="确认服务").click()
    expect(community.get_by_text("已完成：")).to_be_visible()
    record.refresh_from_db()
    assert (record.state, record.points) == ("confirmed", Decimal("3.0"))

    # The points appear on the member's page: 1.5 hours at 2 points an hour.
    member.goto(f"{base}/reporting/mine/")
    expect(member.locator(".fs-3")).to_have_text("3.0")
    expect(member.get_by_role("link", name=re.compile("1.5 小时"))).to_be_visible()


# --- bad input


def test_bad_service_input_is_refused_by_its_field(page, live_server, world, confirmed_member):
    base = live_server.url
    log_in(page, base, "party_member")
    page.goto(f"{base}/reporting/records/new/")
    page.get_by_label("服务类型").select_option(label="关爱帮扶")
    page.get_by_label("服务日期").fill(YESTERDAY.isoformat())
    page.get_by_label("服务时长（分钟）").fill(str(30 * 60))
    page.get_by_role("button", name="提交，等待社区确认").click()
    expect(page.locator("#id_minutes_error")).to_contain_text("不能超过 24 小时")
    expect(page.get_by_label("服务时长（分钟）")).to_have_attribute("aria-invalid", "true")

    page.get_by_label("服务日期").fill((TODAY + datetime.timedelta(days=1)).isoformat())
    page.get_by_label("服务时长（分钟）").fill("60")
    page.get_by_role("button", name="提交，等待社区确认").click()
    expect(page.locator("#id_date_error")).to_contain_text("服务日期不能晚于今天。")
    expect(page.get_by_label("服务日期")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#id_minutes_error")).to_have_count(0)
    assert not ServiceRecord.objects.exists()


def test_second_registration_is_refused_once(page, live_server, world, confirmed_member):
    base = live_server.url
    log_in(page, base, "party_member")
    page.goto(f"{base}/reporting/join/{world.community_a2.code}/")
    page.get_by_label("小区").fill("和平小区")
    page.get_by_role("button", name="提交报到").click()
    expect(page.locator(".alert-danger")).to_contain_text("不能重复报到")
    expect(page.get_by_text(re.compile("不能重复报到"))).to_have_count(1)
    assert list(MemberReport.objects.values_list("pk", flat=True)) == [confirmed_member.pk]
