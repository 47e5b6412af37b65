import time

from django.core.management.base import BaseCommand

from jiceng.imports.jobs import run_pending_once


class Command(BaseCommand):
    help = "后台任务进程：领取并运行排队的导入任务（配置 REDIS_URL 时使用，可在多台机器上运行）"

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="处理完当前队列即退出")
        parser.add_argument("--interval", type=float, default=2.0)

    def handle(self, once, interval, **options):
        while True:
            run_pending_once()
            if once:
                return
            time.sleep(interval)
