# ruff: noqa: E501 - long literal XML lines read better unwrapped
"""Regenerate the import test corpus: `python tests/files/imports/make_corpus.py`.

CSV files are written here (their encodings are the point); every .xlsx/.xls
is produced by LibreOffice (soffice --headless --convert-to) from a flat ODS
(.fods) or CSV written below, so the files are what a real spreadsheet program
saves: merged title cells, date cells, numeric cells that used to be ID numbers.
"""

import subprocess
from pathlib import Path

from stdnum.cn import ric

HERE = Path(__file__).parent


def idn(birth: str, order: int) -> str:
    body = f"152502{birth}{order:03d}"
    return body + ric.calc_check_digit(body + "0")


def x_id() -> str:
    for order in range(1, 999):
        number = idn("19860201", order)
        if number.endswith("X"):
            return number
    raise AssertionError


FULLWIDTH = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")
HEADER = [
    "姓名",
    "身份证号",
    "性别",
    "民族",
    "联系电话",
    "政治面貌",
    "入党时间",
    "所属党组织",
    "社区",
    "网格",
    "工作单位",
    "标签",
    "备注",
]


def cell(value) -> str:
    if isinstance(value, tuple):  # (type, value): a typed cell
        kind, raw = value
        if kind == "date":
            return f'<table:table-cell office:value-type="date" office:date-value="{raw}"><text:p>{raw}</text:p></table:table-cell>'
        return f'<table:table-cell office:value-type="float" office:value="{raw}"><text:p>{raw}</text:p></table:table-cell>'
    return (
        f'<table:table-cell office:value-type="string"><text:p>{value}</text:p></table:table-cell>'
    )


def fods(rows: list[list], title: str | None) -> str:
    body = []
    if title:
        body.append(
            f'<table:table-row><table:table-cell table:number-columns-spanned="{len(HEADER)}" '
            f'office:value-type="string"><text:p>{title}</text:p></table:table-cell>'
            f'<table:covered-table-cell table:number-columns-repeated="{len(HEADER) - 1}"/></table:table-row>'
        )
        body.append(
            f"<table:table-row>{cell('填报单位：团结社区　　填报日期：2024年1月')}</table:table-row>"
        )
    for row in rows:
        body.append("<table:table-row>" + "".join(cell(v) for v in row) + "</table:table-row>")
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<office:document xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"
 xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0"
 xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2"
 office:mimetype="application/vnd.oasis.opendocument.spreadsheet">
<office:body><office:spreadsheet><table:table table:name="花名册">
{"".join(body)}
</table:table></office:spreadsheet></office:body></office:document>"""


def person(name, number, joined="", status="群众", org="", tags=""):
    return [
        name,
        number,
        "",
        "汉族",
        "13900000001",
        status,
        joined,
        org,
        "团结社区",
        "团结社区第1网格",
        "",
        tags,
        "备注不导入",
    ]


DEPT = "锡林浩特市财政局党组"


def quirks_rows():
    return [
        HEADER,
        person("张\u00a0三", idn("19860101", 11).translate(FULLWIDTH)),  # full-width digits, NBSP
        person("李四 ", x_id().lower()),  # x for X, trailing space
        person("王五", idn("19860102", 13), ("float", "40000"), "中共党员", DEPT),  # serial date
        person("赵六", idn("19860103", 15), ("date", "2005-07-01"), "党员", DEPT),  # date cell
        person("钱七", idn("19860104", 17), "2023/12/25", "中共党员", DEPT),
        person("孙八", idn("19860105", 19), "2023.12.25", "中共党员", DEPT),
        person("周九", idn("19860106", 21), "2023年12月25日", "中共党员", DEPT),
        person("吴十", idn("19860107", 23), "20231225", "预备党员", DEPT, "独居老人"),
        person("郑十一", idn("19860108", 25), "2023-12-25", "中共党员", DEPT),
    ]


def excel_number_rows():
    good = idn("19850615", 31)
    return [
        HEADER,
        person("数字号码", ("float", good[:-1] + "0")),  # a numeric cell: Excel's 1.52502E+17
        person("科学计数", "1.52502E+17"),
        person("尾数变零", good[:15] + "000"),
        person("校验错误", good[:-1] + ("1" if good[-1] != "1" else "2")),
    ]


def soffice(source: Path, fmt: str) -> None:
    # CSV: comma-separated, double quotes, UTF-8 (LibreOffice's filter code 76).
    infilter = ["--infilter=CSV:44,34,76"] if source.suffix == ".csv" else []
    subprocess.run(
        [
            "soffice",
            "--headless",
            *infilter,
            "--convert-to",
            fmt,
            "--outdir",
            str(HERE),
            str(source),
        ],
        check=True,
        capture_output=True,
    )


def csv_text(rows) -> str:
    return "\r\n".join(",".join(str(v) for v in row) for row in rows) + "\r\n"


def main() -> None:
    for stem, rows, title in [
        ("people_quirks", quirks_rows(), "锡林浩特市团结社区居民花名册"),
        ("people_excel_numbers", excel_number_rows(), None),
    ]:
        source = HERE / f"{stem}.fods"
        source.write_text(fods(rows, title), encoding="utf-8")
        soffice(source, "xlsx")
        source.unlink()
    plain = [HEADER[:-1]] + [
        person(name, idn("19900101", order))[:-1]
        for name, order in [("龚䶮", 41), ("巴特尔其其格", 43)]
    ]
    text = csv_text(plain)
    (HERE / "people_utf8_bom.csv").write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    (HERE / "people_utf8.csv").write_bytes(text.encode("utf-8"))
    (HERE / "people_gb18030.csv").write_bytes(text.encode("gb18030"))  # 䶮 is not in GBK
    gbk = text.replace("龚䶮", "龚岩")
    (HERE / "people_gbk.csv").write_bytes(gbk.encode("gbk"))
    units = [
        ["编码", "名称", "层级", "上级单位编码", "党组织名称", "党组织类型"],
        [
            "152502001001002",
            "团结社区第2网格",
            "网格",
            "152502001001",
            "第2网格党支部",
            "网格党支部",
        ],
        ["152502001003", "新风社区", "社区", "152502001", "新风社区党委", "党委"],
        ["152502001003001", "新风社区第1网格", "网格", "152502001003", "", ""],
    ]
    (HERE / "units.csv").write_text(csv_text(units), encoding="utf-8")
    soffice(HERE / "units.csv", "xlsx")
    soffice(HERE / "units.csv", "xls")
    (HERE / "units.xls").rename(HERE / "old_format.xls")
    depts = [
        ["名称", "类型", "所属层级", "结对社区"],
        ["锡林浩特市教育局党组", "机关", "152502", "团结社区、和平社区"],
        ["锡林浩特市财政局党组", "机关", "锡林浩特市", "团结社区"],
    ]
    (HERE / "departments.csv").write_text(csv_text(depts), encoding="utf-8")
    soffice(HERE / "departments.csv", "xlsx")
    (HERE / "departments.csv").unlink()


if __name__ == "__main__":
    main()
