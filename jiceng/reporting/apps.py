from django.apps import AppConfig


class ReportingConfig(AppConfig):
    name = "jiceng.reporting"
    label = "reporting"
    verbose_name = "双报到"

    def ready(self) -> None:
        from jiceng.core.audit import register_audited

        from . import models

        for model in (
            models.DepartmentReport,
            models.MemberReport,
            models.GridResponsibility,
            models.ServiceNeed,
            models.ServiceClaim,
            models.ServiceRecord,
            models.ServicePhoto,
            models.PointRule,
            models.MemberEvaluation,
            models.StateChange,
        ):
            register_audited(model)
