from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "jiceng.accounts"
    label = "accounts"
    verbose_name = "账号与角色"

    def ready(self) -> None:
        from jiceng.core.audit import register_audited

        from .models import RoleAssignment, User

        register_audited(User, include_fields=["username", "person", "is_active", "is_superuser"])
        register_audited(RoleAssignment)
