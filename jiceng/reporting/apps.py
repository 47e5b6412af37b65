from django.apps import AppConfig


class ReportingConfig(AppConfig):
    name = "jiceng.reporting"
    label = "reporting"
    verbose_name = "双报到"

    def ready(self) -> None:
        from jiceng.core.audit import register_audited
        from jiceng.imports.specs import SPECS

        from . import models
        from .imports import MemberReportSpec

        SPECS[MemberReportSpec.kind] = MemberReportSpec  # 个人报到 through the import engine

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
