"""`jiceng demo`: load the demo city (锡林郭勒盟锡林浩特市) or print its logins."""

from __future__ import annotations

import time

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from jiceng.accounts.models import RoleAssignment, User
from jiceng.demo.city import DEFAULT_PASSWORD, DEFAULT_SEED, DemoError, load_demo_city
from jiceng.demo.sizes import MAX_SCALE
from jiceng.demo.users import DEMO_USERNAMES, format_table, login_rows
from jiceng.orgs.models import Unit


class Command(BaseCommand):
    help = _l("加载演示城市（锡林郭勒盟锡林浩特市）：单位、部门党组织、人员和演示账号。")

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--scale",
            type=float,
            default=1.0,
            help=_l("规模倍数，默认 1（620 个网格、约 9000 人）；可为小数，如 0.1。"),
        )
        parser.add_argument(
            "--password", default=DEFAULT_PASSWORD, help=_l("演示账号的密码，默认 %(default)s。")
        )
        parser.add_argument(
            "--seed",
            type=int,
            default=DEFAULT_SEED,
            help=_l("随机种子；同一种子生成完全相同的数据。"),
        )
        parser.add_argument(
            "--if-empty", action="store_true", help=_l("库中已有单位时什么也不做（不报错）。")
        )
        parser.add_argument(
            "--print-logins", action="store_true", help=_l("只列出演示账号，不加载数据。")
        )

    def handle(self, *args, **options) -> None:
        password = options["password"]
        if options["print_logins"]:
            self._print_logins(password, verify=True)
            return
        if Unit.objects.exists():
            if options["if_empty"]:
                # Already loaded: still show the logins, as `make demo` promises.
                self._print_logins(password, verify=True)
                return
            raise CommandError(
                _(
                    "数据库中已有单位数据，演示数据只能加载到空库。"
                    "如需在已有数据时跳过，请加 --if-empty。"
                )
            )
        scale = _check_scale(options["scale"])
        _check_password(password)
        started = time.monotonic()
        try:
            counts = load_demo_city(scale, options["seed"], password)
        except DemoError as exc:
            raise CommandError(str(exc)) from exc
        if options["verbosity"] >= 1:
            self._print_summary(counts, scale, options["seed"], time.monotonic() - started)
            self._print_logins(password, verify=False)

    def _print_summary(
        self, counts: dict[str, int], scale: float, seed: int, seconds: float
    ) -> None:
        self.stdout.write(
            self.style.SUCCESS(
                _("演示城市已加载（规模 %(scale)s，种子 %(seed)s，用时 %(seconds).1f 秒）：")
                % {"scale": f"{scale:g}", "seed": seed, "seconds": seconds}
            )
        )
        self.stdout.write(
            _(
                "%(streets)d 个街道、%(communities)d 个社区、%(grids)d 个网格、"
                "%(departments)d 个部门党组织；%(persons)d 名人员，其中在职党员 %(in_service)d 名、"
                "关爱对象 %(tagged)d 名；部门结对 %(pairings)d 对，领导包联和联系点 "
                "%(leader_links)d 条，账号 %(users)d 个。"
            )
            % counts
        )

    def _print_logins(self, password: str, verify: bool) -> None:
        rows = login_rows()
        if not rows:
            self.stdout.write(_("尚未加载演示数据（运行 jiceng demo）。"))
            return
        headers = (_("用户名"), _("角色"), _("范围"), _("对应人员"))
        self.stdout.write(format_table(headers, rows))
        self.stdout.write(self._password_note(password, verify))
        workers = RoleAssignment.objects.filter(role="grid_worker").count() - 1
        if workers > 0:
            self.stdout.write(
                _("另有 %(n)d 个网格员账号，用户名为 gw 加网格编码，密码相同。") % {"n": workers}
            )

    @staticmethod
    def _password_note(password: str, verify: bool) -> str:
        if verify:
            user = User.objects.filter(username__in=DEMO_USERNAMES).order_by("pk").first()
            if user is None or not user.check_password(password):
                return _("密码：加载演示数据时用 --password 设置的密码。")
        return _("以上账号的密码均为：%(password)s") % {"password": password}


def _check_scale(scale) -> float:
    scale = float(scale)
    if not 0 < scale <= MAX_SCALE:
        raise CommandError(_("--scale 必须大于 0 且不超过 %(max)d。") % {"max": MAX_SCALE})
    return scale


def _check_password(password: str) -> None:
    # The demo serves real logins on localhost, so the password obeys the same rules.
    try:
        validate_password(password)
    except ValidationError as exc:
        raise CommandError(
            _("演示账号密码不符合要求：%(reasons)s") % {"reasons": "；".join(exc.messages)}
        ) from exc
