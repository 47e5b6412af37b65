"""Imports: the real-file corpus, hostile files, scope, all-or-nothing, round trips."""

from __future__ import annotations

import datetime
import io
import zipfile
from pathlib import Path

import pytest
from auditlog.models import LogEntry
from python_calamine import CalamineWorkbook

from jiceng.imports import engine
from jiceng.imports.models import ImportJob
from jiceng.imports.safety import RefusedFile
from jiceng.imports.specs import SPECS
from jiceng.orgs.models import Department, Unit
from jiceng.people.models import Person

CORPUS = Path(__file__).parent / "files" / "imports"


@pytest.fixture(autouse=True)
def _sync_jobs(settings, tmp_path):
    settings.JICENG_JOB_RUNNER = "sync"
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.VAR_DIR = tmp_path / "var"


def run_import(world, persona, kind, path, filename=None):
    spec = SPECS[kind](world.personas[persona])
    result = engine.validate(spec, path, filename or path.name)
    if result.ok:
        engine.apply(spec, result)
    return result


def reasons(result):
    return [(e.row, e.column, e.reason) for e in result.errors]


def test_quirks_file_made_by_libreoffice_imports_every_row(world):
    result = run_import(world, "community_admin", "people", CORPUS / "people_quirks.xlsx")
    assert reasons(result) == []
    assert result.header_row == 2  # below a merged title row and a note row
    assert any("备注" in n for n in result.notices)
    assert result.summary()["new"] == 9
    zhang = Person.objects.get(name="张 三")  # NBSP became a plain space
    assert zhang.home_unit == world.grid_a and zhang.id_number_masked.startswith("152502")
    assert Person.objects.get(name="李四").id_number.endswith("X")
    joined = dict(
        Person.objects.filter(party_join_date__isnull=False).values_list("name", "party_join_date")
    )
    assert joined["王五"] == datetime.date(2009, 7, 6)  # Excel serial 40000
    assert joined["赵六"] == datetime.date(2005, 7, 1)
    for name in ("钱七", "孙八", "周九", "吴十", "郑十一"):
        assert joined[name] == datetime.date(2023, 12, 25)
    assert list(Person.objects.get(name="吴十").tags.values_list("name", flat=True)) == ["独居老人"]


def test_importing_the_same_file_again_changes_nothing(world):
    run_import(world, "community_admin", "people", CORPUS / "people_quirks.xlsx")
    before = Person.objects.count()
    again = run_import(world, "community_admin", "people", CORPUS / "people_quirks.xlsx")
    assert again.summary()["unchanged"] == 9 and again.summary()["new"] == 0
    assert Person.objects.count() == before


def test_id_numbers_mangled_by_excel_are_explained(world):
    before = Person.objects.count()
    result = run_import(world, "community_admin", "people", CORPUS / "people_excel_numbers.xlsx")
    by_row = {e.row: e.reason for e in result.errors}
    assert len(by_row) == 4
    for row in (2, 3, 4):
        assert "文本" in by_row[row]
    assert "校验位" in by_row[5]
    assert Person.objects.count() == before


@pytest.mark.parametrize(
    "name", ["people_utf8_bom.csv", "people_utf8.csv", "people_gbk.csv", "people_gb18030.csv"]
)
def test_csv_in_every_encoding(world, name):
    result = run_import(world, "community_admin", "people", CORPUS / name)
    assert reasons(result) == []
    assert result.summary()["new"] == 2
    assert Person.objects.filter(name="巴特尔其其格").exists()


def test_gb18030_only_character_survives(world):
    run_import(world, "community_admin", "people", CORPUS / "people_gb18030.csv")
    assert Person.objects.filter(name="龚䶮").exists()


def test_rows_outside_scope_are_errors_and_nothing_is_written(world, tmp_path):
    from tests.factories import id_number

    csv = tmp_path / "scope.csv"
    csv.write_text(
        "姓名,公民身份号码,居住社区\n"
        f"好人,{id_number()},团结社区\n"
        f"越界,{id_number()},CANARY社区\n"
        f"冒名,{world.canary_person.id_number},团结社区\n",
        encoding="utf-8",
    )
    before = Person.objects.count()
    result = run_import(world, "community_admin", "people", csv)
    assert {e.row for e in result.errors} == {3, 4}
    assert "管辖范围" in result.errors[0].reason
    assert Person.objects.count() == before


def test_export_edit_and_import_back_matches_people(world, login, tmp_path):
    response = login("community_admin").get("/people/?export=xlsx")
    content = b"".join(response.streaming_content)
    rows = CalamineWorkbook.from_filelike(io.BytesIO(content)).get_sheet_by_index(0).to_python()
    assert rows[0][-1] == "记录编号" and all("*" in r[1] for r in rows[1:])
    import csv as csvlib

    target = tmp_path / "edited.csv"
    with target.open("w", encoding="utf-8", newline="") as out:
        writer = csvlib.writer(out)
        writer.writerow(rows[0])
        for row in rows[1:]:
            if row[0] == "王居民":
                row[3] = "蒙古族"
            writer.writerow(row)
    result = run_import(world, "community_admin", "people", target)
    assert reasons(result) == []
    assert result.summary()["changed"] == 1 and result.summary()["unchanged"] == len(rows) - 2
    world.resident_a.refresh_from_db()
    assert world.resident_a.ethnicity == "蒙古族"
    assert world.resident_a.id_number  # untouched, still decrypts


def test_import_writes_one_audit_entry_per_record(world):
    result = run_import(world, "community_admin", "people", CORPUS / "people_utf8.csv")
    assert result.summary()["new"] == 2
    entries = LogEntry.objects.filter(
        action=LogEntry.Action.CREATE, actor=world.personas["community_admin"]
    )
    assert entries.count() == 2
    assert {e.object_repr for e in entries} == {"龚䶮", "巴特尔其其格"}


def test_units_and_departments_import_with_parents_and_pairings(world):
    result = run_import(world, "street_admin", "units", CORPUS / "units.xlsx")
    assert reasons(result) == []
    grid = Unit.objects.get(code="152502001003001")
    assert grid.parent.code == "152502001003" and grid.path.startswith(world.street_a.path)
    again = run_import(world, "street_admin", "units", CORPUS / "units.xlsx")
    assert again.summary()["unchanged"] == 3
    result = run_import(world, "city_admin", "departments", CORPUS / "departments.xlsx")
    assert reasons(result) == []
    assert result.summary() | {"header_row": 0, "columns": {}} == result.summary() | {
        "header_row": 0,
        "columns": {},
    }
    education = Department.objects.get(name="锡林浩特市教育局党组")
    assert set(education.pairings.values_list("community__name", flat=True)) == {
        "团结社区",
        "和平社区",
    }


def test_unit_import_refuses_parent_outside_scope(world, tmp_path):
    csv = tmp_path / "units.csv"
    csv.write_text(
        "编码,名称,层级,上级单位编码\n99001,越界网格,网格,152502002001\n", encoding="utf-8"
    )
    result = run_import(world, "street_admin", "units", csv)
    assert result.errors and "管辖范围" in result.errors[0].reason
    assert not Unit.objects.filter(code="99001").exists()


# --- hostile files
def _xlsx_bytes(extra: dict[str, bytes] | None = None, content_types: bytes | None = None) -> bytes:
    source = (CORPUS / "units.xlsx").read_bytes()
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(source)) as zin,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout,
    ):
        for item in zin.infolist():
            data = zin.read(item)
            if item.filename == "[Content_Types].xml" and content_types:
                data = content_types
            zout.writestr(item, data)
        for name, data in (extra or {}).items():
            zout.writestr(name, data)
    return out.getvalue()


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("old.xls", (CORPUS / "old_format.xls").read_bytes(), "请另存为 .xlsx 格式后再上传"),
        ("macro.xlsm", _xlsx_bytes(), "含宏"),
        ("macro.xlsx", _xlsx_bytes({"xl/vbaProject.bin": b"\0" * 100}), "含宏"),
        ("bomb.xlsx", _xlsx_bytes({"xl/media/bomb.bin": b"\0" * 50_000_000}), "压缩炸弹"),
        (
            "entities.xlsx",
            _xlsx_bytes(
                {
                    "xl/worksheets/sheet9.xml": b'<?xml version="1.0"?>'
                    b'<!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>'
                }
            ),
            "DOCTYPE",
        ),
        ("picture.png", b"\x89PNG\r\n\x1a\n" + b"\0" * 100, "无法识别"),
        ("binary.csv", b"a,b\x00\x01", "不是文本表格"),
    ],
)
def test_hostile_files_are_refused(world, tmp_path, name, content, expected):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(RefusedFile, match=expected):
        engine.validate(SPECS["people"](world.personas["city_admin"]), path, name)


def test_size_limit_is_configurable(world, tmp_path, settings):
    settings.JICENG_IMPORT_MAX_BYTES = 100
    with pytest.raises(RefusedFile, match="文件太大"):
        engine.validate(
            SPECS["people"](world.personas["city_admin"]), CORPUS / "people_utf8.csv", "x.csv"
        )


# --- the web flow
def test_upload_preview_confirm_and_error_file(world, login, django_assert_max_num_queries):
    client = login("community_admin")
    with (CORPUS / "people_excel_numbers.xlsx").open("rb") as handle:
        response = client.post("/imports/people/", {"file": handle})
    job = ImportJob.objects.get()
    assert response.status_code == 302 and job.state == "invalid"
    with django_assert_max_num_queries(12):
        page = client.get(job.get_absolute_url())
    assert "文本" in page.content.decode()
    errors = client.get(f"/imports/job/{job.pk}/errors.xlsx")
    sheet = (
        CalamineWorkbook.from_filelike(io.BytesIO(errors.content)).get_sheet_by_index(0).to_python()
    )
    assert sheet[0][-1] == "错误原因" and "文本" in sheet[1][-1]

    with (CORPUS / "people_utf8.csv").open("rb") as handle:
        client.post("/imports/people/", {"file": handle})
    job = ImportJob.objects.latest("pk")
    assert job.state == "ready" and job.summary["new"] == 2
    assert not Person.objects.filter(name="巴特尔其其格").exists()  # preview writes nothing
    client.post(f"/imports/job/{job.pk}/confirm/")
    job.refresh_from_db()
    assert job.state == "done" and [h["transition"] for h in job.history] == [
        "start_validation",
        "validated",
        "confirm",
        "finish",
    ]
    assert Person.objects.filter(name="巴特尔其其格").exists()
    again = client.post(f"/imports/job/{job.pk}/confirm/", follow=True)
    assert "不能执行该操作" in again.content.decode()


def test_cancel_during_write_rolls_back(world):
    from jiceng.imports import jobs, progress

    job = ImportJob.objects.create(
        user=world.personas["community_admin"],
        kind="people",
        filename="people_utf8.csv",
        stored_path=str(CORPUS / "people_utf8.csv"),
        state="importing",
    )
    progress.request_cancel(job.pk)
    before = Person.objects.count()
    jobs.import_job(job)
    job.refresh_from_db()
    assert job.state == "cancelled" and Person.objects.count() == before


def test_others_cannot_see_a_job(world, login):
    job = ImportJob.objects.create(
        user=world.personas["community_admin"], kind="people", filename="a.csv"
    )
    assert login("street_admin").get(job.get_absolute_url()).status_code == 404
    assert login("party_member").get("/imports/people/").status_code == 403


def test_template_has_explanations_and_drop_downs(world, login):
    response = login("community_admin").get("/imports/people/template.xlsx")
    book = CalamineWorkbook.from_filelike(io.BytesIO(response.content))
    header = book.get_sheet_by_index(0).to_python()[0]
    assert header[:12] == [
        "姓名",
        "公民身份号码",
        "性别",
        "民族",
        "手机号码",
        "政治面貌",
        "入党日期",
        "所属党组织",
        "居住社区",
        "所在网格",
        "工作单位",
        "标签",
    ]
    notes = book.get_sheet_by_name("填写说明").to_python()
    assert any("汉族" in str(cell) for row in notes for cell in row)
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        assert b"dataValidation" in archive.read("xl/worksheets/sheet1.xml")
