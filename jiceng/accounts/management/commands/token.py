"""`jiceng token create USERNAME [--name N]`, `jiceng token list USERNAME`,
`jiceng token revoke PREFIX`: API tokens for scripts and integrations."""

from django.core.management.base import BaseCommand, CommandError

from jiceng.accounts.models import ApiToken, User


class Command(BaseCommand):
    help = "创建、列出或撤销 API 令牌。"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="为用户创建令牌，并只显示一次。")
        create.add_argument("username")
        create.add_argument("--name", default="")
        listing = sub.add_parser("list", help="列出用户的令牌。")
        listing.add_argument("username")
        revoke = sub.add_parser("revoke", help="按前缀撤销令牌。")
        revoke.add_argument("prefix")

    def handle(self, *args, action, **options):
        getattr(self, f"_{action}")(**options)

    def _user(self, username: str) -> User:
        try:
            return User.objects.get(username=username, is_active=True)
        except User.DoesNotExist as exc:
            raise CommandError(f"用户 {username} 不存在或已停用。") from exc

    def _create(self, username, name, **_):
        _, clear = ApiToken.issue(self._user(username), name)
        self.stdout.write(clear)

    def _list(self, username, **_):
        for token in self._user(username).api_tokens.all():
            state = "已撤销" if token.revoked_at else "有效"
            self.stdout.write(
                f"{token.prefix}…\t{token.name}\t{token.created_at:%Y-%m-%d}\t{state}"
            )

    def _revoke(self, prefix, **_):
        tokens = ApiToken.objects.filter(prefix=prefix, revoked_at__isnull=True)
        if tokens.count() != 1:
            raise CommandError("没有找到唯一匹配该前缀的有效令牌。")
        tokens.get().revoke()
        self.stdout.write("已撤销。")
