from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from jiceng.imports import engine, params
from jiceng.imports.safety import RefusedFile
from jiceng.imports.specs import SPECS


class Command(BaseCommand):
    help = "导入 Excel/CSV：jiceng import KIND FILE --user USERNAME [--plan ID] [--dry-run]"

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=sorted(SPECS))
        parser.add_argument("file")
        parser.add_argument("--user", required=True, help="以该用户的管辖范围导入")
        parser.add_argument("--dry-run", action="store_true", help="只校验，不写入")
        for name in params.field_names():
            parser.add_argument(f"--{name}", help="导入参数（如 tasks 的 --plan 计划编号）")

    def handle(self, kind, file, user, dry_run, **options):
        account = get_user_model().objects.filter(username=user).first()
        if account is None:
            raise CommandError(f"用户不存在：{user}")
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"文件不存在：{file}")
        given = {name: options[name] for name in params.field_names() if options.get(name)}
        try:
            spec = params.build_spec(kind, account, params=given)
            result = engine.validate(spec, path, path.name)
        except RefusedFile as exc:
            raise CommandError(str(exc)) from exc
        for notice in result.notices:
            self.stderr.write(f"提示：{notice}")
        for error in result.errors:
            self.stderr.write(f"第 {error.row} 行 [{error.column}] “{error.value}”：{error.reason}")
        summary = result.summary()
        self.stdout.write(
            "共 {rows} 行：新增 {new}，修改 {changed}，不变 {unchanged}，错误 {errors}".format(
                **summary
            )
        )
        if result.errors:
            raise CommandError("文件中有错误，未导入任何数据。")
        if dry_run:
            self.stdout.write("试运行：未写入任何数据。")
            return
        written = engine.apply(spec, result, progress=self._progress)
        self.stdout.write(f"已导入 {written} 行。")

    def _progress(self, written: int = 0, **counts):
        self.stdout.write(f"已写入 {written} 行")
        self.stdout.flush()
