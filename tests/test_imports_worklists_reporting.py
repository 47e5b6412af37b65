"""Imports of a plan's tasks and of member registrations: real .xlsx files through the
shared engine, scope, all-or-nothing, re-import, export and back, the page, the CLI."""

from __future__ import annotations

import datetime
import io

import pytest
import xlsxwriter
from auditlog.models import LogEntry
from django.core.management import CommandError, call_command
from python_calamine import CalamineWorkbook

from jiceng.imports import engine, params
from jiceng.imports.models import ImportJob
from jiceng.imports.safety import RefusedFile
from jiceng.reporting.models import MemberReport, StateChange
from jiceng.reporting.periods import current_period
from jiceng.worklists import services
from jiceng.worklists.models import Assignment, Plan, Task
from tests import factories as f

DUE = datetime.date.today() + datetime.timedelta(days=60)
TASK_HEADER = [
    "任务名称",
    "类别",
    "牵头单位",
    "承办单位",
    "完成时限",
    "优先级",
    "销号所需佐证",
    "权重",
]
REPORT_HEADER = ["姓名", "公民身份号码", "报到社区", "小区", "楼栋", "特长", "意向服务类型"]


@pytest.fixture(autouse=True)
def _sync_jobs(settings, tmp_path):
    settings.JICENG_JOB_RUNNER = "sync"
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.VAR_DIR = tmp_path / "var"


@pytest.fixture
def plan(world):
    return Plan.objects.create(unit=world.city, year=DUE.year, title="城市基层党建工作要点")


def xlsx(path, header, rows):
    """A real workbook, as the city's own sheet would be (text cells, a title row above)."""
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("清单")
    sheet.write(0, 0, "附件：年度工作任务清单")
    sheet.write_row(1, 0, header)
    for index, row in enumerate(rows, start=2):
        sheet.write_row(index, 0, row)
    book.close()
    return path


def run(world, persona, kind, path, **given):
    spec = params.build_spec(kind, world.personas[persona], params=given)
    result = engine.validate(spec, path, path.name)
    if result.ok:
        engine.apply(spec, result)
    return result


def reasons(result):
    return {(e.row, e.column): e.reason for e in result.errors}


def sheet_rows(content: bytes) -> list[list]:
    return CalamineWorkbook.from_filelike(io.BytesIO(content)).get_sheet_by_index(0).to_python()


# --------------------------------------------------------------------------- tasks
def task_rows(world):
    return [
        ["建强社区党组织", "组织建设", "锡林浩特市", "", DUE.isoformat(), "高", "会议记录", "2"],
        ["网格化服务", "基层治理", world.street_a.code, "团结社区", DUE.isoformat(), "", "", ""],
    ]


def test_tasks_are_created_and_assigned_as_the_form_does(world, plan, tmp_path):
    path = xlsx(tmp_path / "tasks.xlsx", TASK_HEADER, task_rows(world))
    result = run(world, "city_admin", "tasks", path, plan=plan.pk)
    assert reasons(result) == {} and result.summary()["new"] == 2
    city_task = Task.objects.get(plan=plan, title="建强社区党组织")
    assert city_task.unit == world.city and city_task.priority == "high" and city_task.weight == 2
    assert city_task.created_by == world.personas["city_admin"] and city_task.source == "plan"
    assert {a.unit for a in city_task.assignments.all()} == {world.street_a, world.street_b}
    assert all(a.due_date == DUE for a in city_task.assignments.all())
    street_task = Task.objects.get(plan=plan, title="网格化服务")
    assert [a.unit for a in street_task.assignments.all()] == [world.community_a]
    created = LogEntry.objects.get_for_object(city_task).get()
    assert created.actor == world.personas["city_admin"]

    again = run(world, "city_admin", "tasks", path, plan=plan.pk)
    assert again.summary()["unchanged"] == 2 and again.summary()["new"] == 0
    assert Task.objects.filter(plan=plan).count() == 2 and Assignment.objects.count() == 3


def test_bad_task_rows_are_reported_and_nothing_is_written(world, plan, tmp_path):
    other_city = f.unit("二连浩特市", "city", code="152501")
    rows = [
        ["好任务", "", "锡林浩特市", "", DUE.isoformat(), "", "", ""],
        ["未知单位", "", "不存在的单位", "", DUE.isoformat(), "", "", ""],
        ["越界单位", "", other_city.code, "", DUE.isoformat(), "", "", ""],
        ["越级交办", "", world.street_a.code, "CANARY社区", DUE.isoformat(), "", "", ""],
        ["没有时限", "", "锡林浩特市", "", "", "", "", ""],
        ["日期不存在", "", "锡林浩特市", "", "2030-02-30", "", "", ""],
        ["权重太大", "", "锡林浩特市", "", DUE.isoformat(), "", "", "500"],
        ["好任务", "", "锡林浩特市", "", DUE.isoformat(), "", "", ""],
    ]
    result = run(
        world, "city_admin", "tasks", xlsx(tmp_path / "bad.xlsx", TASK_HEADER, rows), plan=plan.pk
    )
    found = reasons(result)
    assert "管辖范围" in found[(4, "牵头单位")]
    assert "管辖范围" in found[(5, "牵头单位")]
    assert "不在交办单位的下级范围内" in found[(6, "承办单位")]
    assert "必填" in found[(7, "完成时限")]
    assert "日期不存在" in found[(8, "完成时限")]
    assert (9, "权重") in found
    assert "重复" in found[(10, "任务名称")]
    assert len(found) == 7 and not result.ok
    assert not Task.objects.filter(plan=plan).exists()
    with pytest.raises(RefusedFile):
        engine.apply(
            params.build_spec("tasks", world.personas["city_admin"], params={"plan": plan.pk}),
            result,
        )


def test_a_new_due_date_moves_assignments_but_not_before_decomposed_work(world, plan, tmp_path):
    path = xlsx(tmp_path / "tasks.xlsx", TASK_HEADER, task_rows(world))
    run(world, "city_admin", "tasks", path, plan=plan.pk)
    task = Task.objects.get(title="建强社区党组织")
    street_work = task.assignments.get(unit=world.street_a)
    services.decompose(
        world.personas["street_admin"], street_work, [world.community_a], title="落实", due_date=DUE
    )

    earlier = DUE - datetime.timedelta(days=10)
    rows = [
        ["建强社区党组织", "组织建设", "锡林浩特市", "", earlier.isoformat(), "高", "会议记录", "2"]
    ]
    result = run(
        world,
        "city_admin",
        "tasks",
        xlsx(tmp_path / "earlier.xlsx", TASK_HEADER, rows),
        plan=plan.pk,
    )
    assert "晚于新的完成时限" in reasons(result)[(3, "完成时限")]
    task.refresh_from_db()
    assert task.due_date == DUE

    later = DUE + datetime.timedelta(days=10)
    rows = [
        [
            "建强社区党组织",
            "组织建设",
            world.city.code,
            "",
            later.isoformat(),
            "高",
            "会议记录",
            "3",
        ]
    ]
    result = run(
        world, "city_admin", "tasks", xlsx(tmp_path / "later.xlsx", TASK_HEADER, rows), plan=plan.pk
    )
    assert result.summary()["changed"] == 1
    assert set(result.planned[0].diff) == {"完成时限", "权重"}
    task.refresh_from_db()
    assert task.due_date == later and task.weight == 3
    assert {a.due_date for a in task.assignments.all()} == {later}

    moved = [["建强社区党组织", "", world.street_a.code, "", later.isoformat(), "", "", ""]]
    result = run(
        world,
        "city_admin",
        "tasks",
        xlsx(tmp_path / "moved.xlsx", TASK_HEADER, moved),
        plan=plan.pk,
    )
    assert "牵头单位" in reasons(result)[(3, "牵头单位")]


def test_tasks_export_from_the_plan_page_comes_back_unchanged(world, plan, login, tmp_path):
    run(
        world,
        "city_admin",
        "tasks",
        xlsx(tmp_path / "t.xlsx", TASK_HEADER, task_rows(world)),
        plan=plan.pk,
    )
    client = login("city_admin")
    board = client.get(f"/work/plans/{plan.pk}/").content.decode()
    assert f"/imports/tasks/?plan={plan.pk}" in board and "从 Excel 导入" in board
    response = client.get(f"/work/plans/{plan.pk}/tasks.xlsx")
    rows = sheet_rows(response.content)
    template = sheet_rows(client.get("/imports/tasks/template.xlsx").content)
    assert rows[0] == template[0]
    assert rows[1][3] == "宝力根街道、希日塔拉街道"
    exported = tmp_path / "exported.xlsx"
    exported.write_bytes(client.get(f"/work/plans/{plan.pk}/tasks.xlsx").content)
    result = run(world, "city_admin", "tasks", exported, plan=plan.pk)
    assert reasons(result) == {} and result.summary()["unchanged"] == 2


def test_task_import_page_takes_the_plan_and_refuses_outsiders(world, plan, login, tmp_path):
    path = xlsx(tmp_path / "tasks.xlsx", TASK_HEADER, task_rows(world))
    client = login("city_admin")
    assert "城市基层党建工作要点" in client.get(f"/imports/tasks/?plan={plan.pk}").content.decode()
    with path.open("rb") as handle:
        client.post("/imports/tasks/", {"file": handle, "plan": plan.pk})
    job = ImportJob.objects.get()
    assert job.state == "ready" and job.params == {"plan": plan.pk}
    assert "城市基层党建工作要点" in client.get(job.get_absolute_url()).content.decode()
    client.post(f"/imports/job/{job.pk}/confirm/")
    job.refresh_from_db()
    assert job.state == "done" and Task.objects.filter(plan=plan).count() == 2

    for persona in ("street_admin", "community_admin", "dept_admin", "party_member"):
        assert login(persona).get("/imports/tasks/").status_code == 403
    with pytest.raises(RefusedFile, match="管辖范围"):  # the plan is not theirs to change
        params.build_spec("tasks", world.personas["street_admin"], params={"plan": plan.pk})
    with pytest.raises(RefusedFile, match="导入到计划"):
        params.build_spec("tasks", world.personas["city_admin"], params={})


def test_task_import_command(world, plan, tmp_path):
    path = xlsx(tmp_path / "tasks.xlsx", TASK_HEADER, task_rows(world))
    out = io.StringIO()
    call_command("import", "tasks", str(path), user="city_admin", plan=str(plan.pk), stdout=out)
    assert "新增 2" in out.getvalue() and Task.objects.filter(plan=plan).count() == 2
    with pytest.raises(CommandError, match="导入到计划"):
        call_command("import", "tasks", str(path), user="city_admin", stdout=io.StringIO())
    with pytest.raises(CommandError, match="管辖范围"):
        call_command("import", "tasks", str(path), user="street_admin", plan=str(plan.pk))


# --------------------------------------------------------------------------- member reports
def member(world, name, home=None):
    return f.person(
        name,
        home or world.grid_a,
        political_status="party_member",
        party_department=world.department_a,
        party_join_date=datetime.date(2015, 7, 1),
    )


@pytest.fixture
def member_b(world):
    return member(world, "乌兰", world.community_a2)


def test_members_are_registered_through_the_service(world, member_b, tmp_path):
    rows = [
        ["巴特尔", world.member_a.id_number, "", "幸福小区", "3", "法律咨询", "政策宣传、志愿服务"],
        ["乌兰", member_b.id_number, world.community_a.code, "", "", "", ""],
    ]
    path = xlsx(tmp_path / "members.xlsx", REPORT_HEADER, rows)
    result = run(world, "dept_admin", "member-reports", path)
    assert reasons(result) == {} and result.summary()["new"] == 2
    bater = MemberReport.objects.get(person=world.member_a)
    assert bater.community == world.community_a  # the home grid's community
    assert bater.period == current_period() and bater.state == "submitted"
    assert bater.department == world.department_a and bater.service_kinds == ["policy", "volunteer"]
    assert bater.estate == "幸福小区" and bater.skills == "法律咨询"
    assert MemberReport.objects.get(person=member_b).community == world.community_a
    change = StateChange.objects.get(record_type="memberreport", record_id=bater.pk)
    assert change.transition == "submit" and change.actor == world.personas["dept_admin"]
    assert LogEntry.objects.get_for_object(bater).get().actor == world.personas["dept_admin"]

    again = run(world, "dept_admin", "member-reports", path)
    assert again.summary()["unchanged"] == 2 and MemberReport.objects.count() == 2


def test_bad_member_rows_are_reported_and_nothing_is_written(world, member_b, tmp_path):
    other_city = f.unit("二连浩特市", "city", code="152501")
    far_street = f.unit("远方街道", "street", other_city, code="152501001")
    far = f.unit("远方社区", "community", far_street, code="152501001001")
    from jiceng.reporting.services import Registration, register_member

    register_member(world.personas["dept_admin"], member_b, world.community_a2, Registration())
    colleague = f.person("李干部", world.grid_a, workplace=world.department_a)  # not a member
    more = [member(world, name) for name in ("其其格", "苏和", "娜仁")]
    rows = [
        ["巴特尔", world.member_a.id_number, "", "", "", "", ""],
        ["李干部", colleague.id_number, "", "", "", "", ""],
        ["CANARY党员", world.canary_member.id_number, "", "", "", "", ""],
        ["", f.id_number(), "", "", "", "", ""],
        ["乌兰", member_b.id_number, world.community_a.code, "", "", "", ""],
        ["其其格", more[0].id_number, far.code, "", "", "", ""],
        ["张三", more[1].id_number, "", "", "", "", ""],
        ["娜仁", more[2].id_number, "", "", "", "", "跳舞"],
    ]
    before = MemberReport.objects.count()
    result = run(
        world, "dept_admin", "member-reports", xlsx(tmp_path / "bad.xlsx", REPORT_HEADER, rows)
    )
    found = reasons(result)
    assert "不是中共党员" in found[(4, "公民身份号码")]
    assert "管辖范围" in found[(5, "公民身份号码")]  # another department's member
    assert "人员信息中没有" in found[(6, "公民身份号码")]
    assert "不能重复报到" in found[(7, "公民身份号码")] and "和平社区" in found[(7, "公民身份号码")]
    assert "管辖范围" in found[(8, "报到社区")]
    assert "姓名与人员信息" in found[(9, "姓名")]
    assert "未知服务类型" in found[(10, "意向服务类型")]
    assert len(found) == 7 and MemberReport.objects.count() == before
    assert "CANARY" not in str(result.errors)


def test_member_report_export_comes_back_and_renews_for_a_new_period(
    world, member_b, login, tmp_path
):
    rows = [["巴特尔", world.member_a.id_number, "", "幸福小区", "3", "", "志愿服务"]]
    run(world, "dept_admin", "member-reports", xlsx(tmp_path / "m.xlsx", REPORT_HEADER, rows))
    client = login("dept_admin")
    listing = client.get("/reporting/members/").content.decode()
    assert "/imports/member-reports/" in listing and "从 Excel 导入" in listing
    exported = sheet_rows(b"".join(client.get("/reporting/members/?export=xlsx").streaming_content))
    template = sheet_rows(client.get("/imports/member-reports/template.xlsx").content)
    for_reference = {"部门党组织", "分配网格", "状态"}  # exported, ignored on import
    assert [h for h in exported[0] if h not in for_reference] == template[0]
    assert exported[0][-1] == "记录编号"
    assert "*" in exported[1][1]

    back = tmp_path / "back.xlsx"
    xlsx(back, exported[0], [[str(cell) for cell in row] for row in exported[1:]])
    result = run(world, "dept_admin", "member-reports", back)
    assert reasons(result) == {} and result.summary()["unchanged"] == 1

    period = exported[0].index("报到周期")
    renewed = [
        [*row[:period], str(int(current_period()[:4]) + 1), *row[period + 1 :]]
        for row in exported[1:]
    ]
    xlsx(back, exported[0], [[str(cell) for cell in row] for row in renewed])
    result = run(world, "dept_admin", "member-reports", back)
    assert reasons(result) == {} and result.summary()["new"] == 1
    assert MemberReport.objects.filter(person=world.member_a).count() == 2


def test_only_department_admins_import_member_reports(world, login, tmp_path):
    assert login("dept_admin").get("/imports/member-reports/").status_code == 200
    for persona in ("community_admin", "street_admin", "party_member", "grid_worker"):
        assert login(persona).get("/imports/member-reports/").status_code == 403
    imports_page = login("dept_admin").get("/imports/").content.decode()
    assert "/imports/member-reports/" in imports_page and "/imports/tasks/" not in imports_page
    assert '<h2 class="h5">党员报到</h2>' in imports_page  # each kind titled
    city_page = login("city_admin").get("/imports/").content.decode()
    for label in ("单位", "部门党组织", "人员", "计划任务"):
        assert f'<h2 class="h5">{label}</h2>' in city_page


def test_member_report_import_command(world, tmp_path):
    rows = [["巴特尔", world.member_a.id_number, "", "", "", "", ""]]
    path = xlsx(tmp_path / "m.xlsx", REPORT_HEADER, rows)
    out = io.StringIO()
    call_command("import", "member-reports", str(path), user="dept_admin", dry_run=True, stdout=out)
    assert "新增 1" in out.getvalue() and not MemberReport.objects.exists()
    call_command("import", "member-reports", str(path), user="dept_admin", stdout=io.StringIO())
    assert MemberReport.objects.get().person == world.member_a

    exported = tmp_path / "export.xlsx"
    call_command("export", "member-reports", str(exported), user="dept_admin", stdout=out)
    call_command("import", "member-reports", str(exported), user="dept_admin", stdout=out)
    assert "不变 1" in out.getvalue() and MemberReport.objects.count() == 1


def test_templates_explain_every_column_and_offer_priorities(world, login):
    import zipfile

    tasks = login("city_admin").get("/imports/tasks/template.xlsx").content
    book = CalamineWorkbook.from_filelike(io.BytesIO(tasks))
    assert book.get_sheet_by_index(0).to_python()[0][:5] == TASK_HEADER[:5]
    notes = book.get_sheet_by_name("填写说明").to_python()
    assert any("高、中、低" in str(cell) for row in notes for cell in row)
    with zipfile.ZipFile(io.BytesIO(tasks)) as archive:
        assert b"dataValidation" in archive.read("xl/worksheets/sheet1.xml")
    members = login("dept_admin").get("/imports/member-reports/template.xlsx").content
    notes = CalamineWorkbook.from_filelike(io.BytesIO(members)).get_sheet_by_name("填写说明")
    assert any("政策宣传" in str(cell) for row in notes.to_python() for cell in row)
