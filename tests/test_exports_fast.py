"""The fast paths of issue 3 keep behaviour: lean export rows equal the list's
columns, the streaming .xlsx writer round-trips, plain-row inserts store what
the ORM would."""

from __future__ import annotations

import datetime
import io
import zipfile

from auditlog.models import LogEntry
from python_calamine import CalamineWorkbook

from jiceng.core.exports import rows
from jiceng.core.xlsx import write_table
from jiceng.imports import engine
from jiceng.imports.specs import PersonSpec
from jiceng.people.exports import person_rows
from jiceng.people.models import CareTag, Person
from jiceng.people.views import PersonListView
from tests import factories as f


def _shown(value) -> str:
    """A cell as a spreadsheet shows it (objects by their name, dates as dates)."""
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def _export_rows_both_ways(user):
    view = PersonListView()
    queryset = Person.objects.visible_to(user, "view").order_by("name", "pk")
    columns = view.get_export_columns()
    full = rows(
        queryset.select_related("home_unit__parent", "workplace", "party_unit", "party_department")
        .prefetch_related("tags")
        .iterator(chunk_size=2000),
        columns,
    )
    return [[_shown(v) for v in row] for row in full], [
        [_shown(v) for v in row] for row in person_rows(queryset)
    ]


def test_lean_people_rows_equal_the_list_columns(world):
    lonely, low_income = (
        CareTag.objects.get_or_create(name=name, defaults={"sort_order": order})[0]
        for name, order in (("独居老人", 2), ("低保", 1))
    )
    tagged = f.person("乌兰", world.community_a2, male=False)
    tagged.tags.add(lonely, low_income)
    f.person(
        "高娃",
        world.community_a,
        political_status="probationary",
        party_unit=world.community_a,
        party_join_date=datetime.date(2020, 7, 1),
    )
    full, lean = _export_rows_both_ways(world.personas["city_admin"])
    assert len(full) == 6 and lean == full
    by_name = {row[0]: row for row in lean}
    in_page_order = CareTag.objects.filter(pk__in=[lonely.pk, low_income.pk])
    assert by_name["乌兰"][11] == "、".join(t.name for t in in_page_order)
    assert by_name["高娃"][7:10] == ["团结社区", "团结社区", ""]  # party unit, community, no grid
    assert by_name["巴特尔"][8:10] == ["团结社区", "团结社区第1网格"]


def test_lean_people_rows_stay_in_scope(world):
    full, lean = _export_rows_both_ways(world.personas["street_admin"])
    assert lean == full
    assert not [row for row in lean if "CANARY" in "".join(row)]


def test_streaming_xlsx_round_trips_through_calamine(tmp_path):
    path = tmp_path / "out.xlsx"
    table = [
        ["152502198506150011", " leading space", "a<b & c>d", datetime.date(2023, 12, 25), 42],
        ["bell\x07gone", "", None, datetime.datetime(2024, 1, 2, 12, 0), "=1+1"],
        ["plain", "trailing\u3000", "\x01\x02", "中文", 0],
    ]
    count = write_table(path, "人员[名单]", ["号码", "文本", "符号", "日期", "编号"], table)
    assert count == 3
    book = CalamineWorkbook.from_path(str(path))
    assert book.sheet_names == ["人员_名单_"]
    got = book.get_sheet_by_index(0).to_python()
    assert got[0] == ["号码", "文本", "符号", "日期", "编号"]
    assert got[1][:3] == ["152502198506150011", " leading space", "a<b & c>d"]
    assert got[1][3] == datetime.date(2023, 12, 25) and got[1][4] == "42"
    assert got[2][0] == "bellgone" and got[2][1:3] == ["", ""]
    assert got[2][3] == datetime.datetime(2024, 1, 2, 12, 0)
    assert got[2][4] == "=1+1"  # text, never a formula
    assert got[3] == ["plain", "trailing\u3000", "", "中文", "0"]  # a cell XML cannot hold: empty
    with zipfile.ZipFile(path) as archive:
        sheet = archive.read("xl/worksheets/sheet1.xml").decode()
    assert 'state="frozen"' in sheet and "<f>" not in sheet


def test_imported_people_are_stored_as_the_orm_would_store_them(world, tmp_path):
    number = f.id_number(birth=datetime.date(1990, 3, 4), male=False)
    tag, _ = CareTag.objects.get_or_create(name="残疾人")
    path = tmp_path / "people.csv"
    path.write_text(
        "姓名,公民身份号码,手机号码,政治面貌,入党日期,所属党组织,居住社区,所在网格,工作单位,标签\n"
        f"娜仁,{number},13912345678,中共党员,2015-07-01,锡林浩特市财政局党组,团结社区,"
        "团结社区第1网格,锡林浩特市财政局党组,残疾人\n",
        encoding="utf-8",
    )
    user = world.personas["community_admin"]
    spec = PersonSpec(user, job_id=7)
    result = engine.validate(spec, path, path.name)
    assert result.errors == [] and engine.apply(spec, result) == 1
    person = Person.objects.by_id_number(number).get()
    assert person.id_number == number and person.phone == "13912345678"
    assert person.phone_masked == "139****5678" and person.id_number_masked.endswith(number[-2:])
    assert (person.birth_date, person.gender) == (datetime.date(1990, 3, 4), "female")
    assert person.party_department == world.department_a == person.workplace
    assert person.party_join_date == datetime.date(2015, 7, 1) and person.ethnicity == "汉族"
    assert person.home_unit == world.grid_a and list(person.tags.all()) == [tag]
    assert person.created_at == person.updated_at and person.created_at is not None
    entry = LogEntry.objects.get_for_object(person).get()
    assert entry.action == LogEntry.Action.CREATE and entry.actor == user
    assert entry.changes["home_unit"] == ["None", "团结社区第1网格"]
    assert entry.additional_data == {"import_job": 7}
    assert Person.objects.visible_to(user, "view").filter(pk=person.pk).exists()


def test_export_command_writes_the_scoped_list(world, tmp_path):
    from django.core.management import call_command

    xlsx_path, csv_path = tmp_path / "people.xlsx", tmp_path / "people.csv"
    call_command("export", "people", str(xlsx_path), user="street_admin", stdout=io.StringIO())
    call_command("export", "people", str(csv_path), user="street_admin", stdout=io.StringIO())
    sheet = CalamineWorkbook.from_path(str(xlsx_path)).get_sheet_by_index(0).to_python()
    lines = csv_path.read_text(encoding="utf-8-sig").splitlines()
    assert sheet[0][0] == "姓名" and sheet[0][-1] == "记录编号"
    assert sorted(row[0] for row in sheet[1:]) == ["巴特尔", "王居民"]  # no canaries
    assert len(lines) == 3 and lines[0].startswith("姓名,公民身份号码")
    masked = {row[1] for row in sheet[1:]}
    assert all("*" in number for number in masked)
    assert world.resident_a.id_number_masked in masked
