from django.core.management.base import BaseCommand

from jiceng.imports.jobs import run


class Command(BaseCommand):
    help = "运行一个导入任务的一步（由网页在后台启动）"

    def add_arguments(self, parser):
        parser.add_argument("job_id", type=int)
        parser.add_argument("step", choices=["validate", "import"])

    def handle(self, job_id, step, **options):
        run(job_id, step)
