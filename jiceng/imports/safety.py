"""Refuse hostile or wrong files before any parser sees them.

Checks run on the raw bytes and the zip directory only: size, the kind of
file by its magic bytes, macros, zip bombs (declared uncompressed sizes and
ratios), and DOCTYPE/ENTITY declarations in the XML parts (entity expansion).
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext as _

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls (and other old Office files)
ZIP_MAGIC = b"PK\x03\x04"
MAX_RATIO = 200  # legitimate xlsx parts compress ~10-30x; bombs reach 1000x+
MACRO_TYPES = ("macroEnabled", "vbaProject")


class RefusedFile(Exception):
    """A file we will not read; the message is shown to the user as is."""


def max_bytes() -> int:
    return getattr(settings, "JICENG_IMPORT_MAX_BYTES", 20 * 1024 * 1024)


def check_file(path: Path, filename: str) -> str:
    """Return 'xlsx' or 'csv', or raise RefusedFile with a Chinese reason."""
    size = path.stat().st_size
    if size > max_bytes():
        raise RefusedFile(
            _("文件太大（%(size)s MB），上限为 %(limit)s MB。请拆分后分批导入。")
            % {"size": round(size / 2**20, 1), "limit": round(max_bytes() / 2**20, 1)}
        )
    if size == 0:
        raise RefusedFile(_("文件是空的。"))
    with path.open("rb") as handle:
        head = handle.read(8)
    suffix = Path(filename).suffix.lower()
    if head.startswith(OLE_MAGIC) or suffix == ".xls":
        raise RefusedFile(_("这是旧版 Excel（.xls）文件，请另存为 .xlsx 格式后再上传。"))
    if suffix == ".xlsm":
        raise RefusedFile(_("不接受含宏的 Excel 文件（.xlsm），请另存为 .xlsx 格式后再上传。"))
    if head.startswith(ZIP_MAGIC):
        check_xlsx(path)
        return "xlsx"
    if suffix in (".csv", ".txt"):
        check_csv(path)
        return "csv"
    raise RefusedFile(_("无法识别的文件类型，请上传 .xlsx 或 .csv 文件。"))


def check_xlsx(path: Path) -> None:
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
            _check_sizes(infos)
            names = {info.filename for info in infos}
            if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
                raise RefusedFile(_("文件不是 Excel 工作簿，请上传 .xlsx 或 .csv 文件。"))
            content_types = archive.read("[Content_Types].xml")
            if any(n.lower().endswith("vbaproject.bin") for n in names) or any(
                t.encode() in content_types for t in MACRO_TYPES
            ):
                raise RefusedFile(
                    _("不接受含宏的 Excel 文件（.xlsm），请另存为 .xlsx 格式后再上传。")
                )
            for info in infos:
                if info.filename.endswith((".xml", ".rels")):
                    _check_xml(archive, info)
    except zipfile.BadZipFile as exc:
        raise RefusedFile(_("文件已损坏，无法打开。")) from exc


def _check_sizes(infos: list[zipfile.ZipInfo]) -> None:
    limit = max_bytes() * 10
    total = sum(info.file_size for info in infos)
    if total > limit or len(infos) > 10_000:
        raise RefusedFile(_("文件解压后过大，疑似压缩炸弹，已拒绝。"))
    for info in infos:
        ratio = info.file_size / info.compress_size if info.compress_size else 0
        if ratio > MAX_RATIO and info.file_size > 1_000_000:
            raise RefusedFile(_("文件解压后过大，疑似压缩炸弹，已拒绝。"))


def _check_xml(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> None:
    # The declared sizes were checked above; read in chunks so a lying header
    # still cannot make us hold more than the limit.
    budget = max_bytes() * 10
    tail = b""
    with archive.open(info) as part:
        while chunk := part.read(1 << 20):
            budget -= len(chunk)
            if budget < 0:
                raise RefusedFile(_("文件解压后过大，疑似压缩炸弹，已拒绝。"))
            window = (tail + chunk).upper()
            if b"<!DOCTYPE" in window or b"<!ENTITY" in window:
                raise RefusedFile(_("文件包含不允许的 XML 声明（DOCTYPE/ENTITY），已拒绝。"))
            tail = chunk[-16:]


def check_csv(path: Path) -> None:
    with path.open("rb") as handle:
        sample = handle.read(64 * 1024)
    if b"\x00" in sample:
        raise RefusedFile(_("文件不是文本表格（CSV），请上传 .xlsx 或 .csv 文件。"))
