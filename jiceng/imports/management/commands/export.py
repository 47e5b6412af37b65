from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from jiceng.core.exports import csv_lines, write_xlsx_rows
from jiceng.imports.exporting import export_table


class Command(BaseCommand):
    help = "导出名单：jiceng export KIND FILE(.xlsx|.csv) --user USERNAME"

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=["departments", "member-reports", "people", "units"])
        parser.add_argument("file")
        parser.add_argument("--user", required=True, help="按该用户的管辖范围导出")

    def handle(self, kind, file, user, **options):
        account = get_user_model().objects.filter(username=user).first()
        if account is None:
            raise CommandError(f"用户不存在：{user}")
        path = Path(file)
        if path.suffix.lower() not in (".xlsx", ".csv"):
            raise CommandError("文件名须以 .xlsx 或 .csv 结尾。")
        header, rows, basename = export_table(kind, account)
        if path.suffix.lower() == ".xlsx":
            count = write_xlsx_rows(str(path), basename, header, rows)
        else:
            lines = 0
            with path.open("w", encoding="utf-8", newline="") as out:
                for line in csv_lines(header, rows):
                    out.write(line)
                    lines += 1
            count = max(lines - 2, 0)  # minus the BOM and the header
        self.stdout.write(f"已导出 {count} 行到 {path}")
