from django.apps import AppConfig


class OrgsConfig(AppConfig):
    name = "jiceng.orgs"
    label = "orgs"
    verbose_name = "组织架构"

    def ready(self) -> None:
        from jiceng.core.audit import register_audited

        from . import models

        register_audited(models.Unit, exclude_fields=["path", "depth"])
        register_audited(models.Department)
        register_audited(models.DepartmentPairing)
        register_audited(models.LeaderLink)
