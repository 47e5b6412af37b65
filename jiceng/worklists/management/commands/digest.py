"""`jiceng digest`: run once a day (cron or a systemd timer)."""

import datetime

from django.core.management.base import BaseCommand
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from jiceng.worklists.digest import send_digests
from jiceng.worklists.queries import take_overdue_snapshots, trend_days


class Command(BaseCommand):
    help = _l("生成每日工作提醒：站内通知，配置了邮件服务器时同时发送邮件。")

    def handle(self, *args, **options) -> None:
        count = send_digests()
        self.stdout.write(_("已生成 %(n)d 条工作提醒。") % {"n": count})
        # Yesterday is over: its overdue figure goes into the dashboards' trend,
        # with any trend day still missing, so that no dashboard has to take it.
        today = timezone.localdate()
        take_overdue_snapshots([today - datetime.timedelta(days=1), *trend_days(today)])
