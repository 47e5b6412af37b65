"""The once-a-day jobs, for one cron entry: `jiceng daily`.

- work lists: each user's digest of what is due, overdue or waiting for approval,
  and yesterday's overdue figures for the dashboards' trend (`jiceng digest`);
- 双报到: registrations of periods that have ended expire, so members renew them.
"""

from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from jiceng.reporting.services import expire_reports


class Command(BaseCommand):
    help = "每日任务：工作提醒与逾期统计，党员报到到期处理。"

    def handle(self, *args, **options) -> None:
        call_command("digest", stdout=self.stdout)
        expired = expire_reports()
        self.stdout.write(_("已到期的党员报到：%(n)d 条。") % {"n": expired})
