"""Big files are cleaned and sealed in worker processes (jiceng/imports/parallel.py):
the outcome must be the one the importing process gives alone, row for row."""

from __future__ import annotations

import datetime

import pytest
from auditlog.models import LogEntry
from stdnum.cn import ric

from jiceng.imports import engine, parallel
from jiceng.imports.specs import SPECS
from jiceng.people.models import Person

ROWS = 2600  # three batches of engine.BATCH_SIZE: enough for the workers to start
HEADER = "姓名,公民身份号码,性别,手机号码,政治面貌,入党日期,所属党组织,居住社区,所在网格,标签"


@pytest.fixture(autouse=True)
def _two_workers(settings):
    settings.JICENG_IMPORT_WORKERS = 2


def _number(i: int) -> str:
    body = f"152502{1960 + i // 300}{1 + i // 25 % 12:02d}{1 + i % 25:02d}{i % 7 * 2 + 1:03d}"
    return body + ric.calc_check_digit(body + "0")


def _line(i: int, world) -> str:
    if i % 10 == 0:  # a party member of a department, with a tag
        return (
            f"党员{i},{_number(i)},男,139{i:08d},中共党员,2001-07-01,"
            f"{world.department_a.name},团结社区,团结社区第1网格,独居老人"
        )
    return f"居民{i},{_number(i)},,139{i:08d},群众,,,团结社区,团结社区第1网格,"


def _roster(tmp_path, world, broken: dict[int, str] | None = None):
    lines = [HEADER, *(_line(i, world) for i in range(ROWS))]
    for index, line in (broken or {}).items():
        lines[index] = line
    path = tmp_path / "roster.csv"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def _validate(world, path, settings, workers: int):
    settings.JICENG_IMPORT_WORKERS = workers
    spec = SPECS["people"](world.personas["community_admin"])
    return spec, engine.validate(spec, path, path.name)


def test_errors_and_counts_are_those_of_one_process(world, tmp_path, settings):
    bad_check = _number(5)[:-1] + ("0" if _number(5)[-1] != "0" else "1")
    path = _roster(
        tmp_path,
        world,
        {
            6: f"坏号,{bad_check},,,群众,,,团结社区,,",
            1500: f"重复,{_number(2)},,,群众,,,团结社区,,",  # row 3's number, two batches later
            2101: f"越界,{_number(9999)},,,群众,,,CANARY社区,,",
            2402: f"党员无组织,{_number(9998)},,,中共党员,,,团结社区,,",
            2599: f"冒名,{world.canary_person.id_number},,,群众,,,团结社区,,",
        },
    )
    _spec, alone = _validate(world, path, settings, workers=0)
    _spec, spread = _validate(world, path, settings, workers=2)
    assert [e.as_dict() for e in spread.errors] == [e.as_dict() for e in alone.errors]
    assert {e.row for e in spread.errors} == {7, 1501, 2102, 2403, 2600}
    assert "重复" in spread.errors[1].reason and "管辖范围" in spread.errors[-1].reason
    assert spread.summary() == alone.summary()
    assert spread.summary()["new"] == ROWS - 5


def test_written_people_and_audit_match_the_file(world, tmp_path, settings):
    path = _roster(tmp_path, world)
    spec, result = _validate(world, path, settings, workers=2)
    assert result.ok and engine.apply(spec, result) == ROWS
    imported = Person.objects.filter(name__regex=r"^(党员|居民)\d+$")
    assert imported.count() == ROWS
    member = imported.get(name="党员1230")
    assert member.id_number == _number(1230) and member.phone == "13900001230"
    assert member.party_department == world.department_a
    assert member.party_join_date == datetime.date(2001, 7, 1)
    assert member.home_unit == world.grid_a and member.gender == "male"
    assert list(member.tags.values_list("name", flat=True)) == ["独居老人"]
    resident = imported.get(name="居民2599")
    assert resident.id_number == _number(2599) and resident.phone_masked == "139****2599"
    entries = LogEntry.objects.filter(action=LogEntry.Action.CREATE, object_repr__startswith="居民")
    assert entries.count() == ROWS - ROWS // 10
    assert entries.get(object_id=resident.pk).changes == {
        "name": ["None", "居民2599"],
        "id_number_masked": ["None", resident.id_number_masked],
        "home_unit": ["None", world.grid_a.name],
    }

    _spec, again = _validate(world, path, settings, workers=2)
    assert again.summary()["unchanged"] == ROWS and again.summary()["new"] == 0


def _queries(spec, batch):
    return list(Person.objects.values_list("pk", flat=True)[:1])


def test_workers_refuse_to_query(world):
    spec = SPECS["people"](world.personas["community_admin"])
    with pytest.raises(RuntimeError, match="must not query"):
        list(parallel.map_batches(spec, _queries, [[1], [2], [3]]))
