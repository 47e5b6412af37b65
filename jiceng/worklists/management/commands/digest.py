"""`jiceng digest`: run once a day (cron or a systemd timer)."""

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from jiceng.worklists.digest import send_digests


class Command(BaseCommand):
    help = _l("生成每日工作提醒：站内通知，配置了邮件服务器时同时发送邮件。")

    def handle(self, *args, **options) -> None:
        count = send_digests()
        self.stdout.write(_("已生成 %(n)d 条工作提醒。") % {"n": count})
